//! Reading the audit log (SPEC U2), with who may read what.

use stint_core::audit::{AuditEvent, AuditQuery};
use stint_core::authz;
use stint_core::Violation;

use crate::error::{AppError, AppResult};
use crate::pim::may_view_group;
use crate::{App, Session};

impl App {
    /// Events matching `query`, newest first. Privileged administrators read everything; a group's
    /// PIM administrators read that group's events; everyone reads what involves them.
    pub async fn audit(
        &self,
        session: &Session,
        mut query: AuditQuery,
    ) -> AppResult<Vec<AuditEvent>> {
        let caller = self.caller(session);
        let now = self.now();
        let me = session.user;
        let privileged = authz::may_read_all_audit(&caller)
            || query
                .group_id
                .is_some_and(|group| self.read(|state| may_view_group(state, &caller, group, now)));
        let about_me = query.principal_id == Some(me.into())
            || query.actor == Some(me)
            || query.involving == Some(me);
        if !privileged && !about_me {
            if query.principal_id.is_some() || query.actor.is_some() || query.group_id.is_some() {
                return Err(AppError::Rule(Violation::forbidden(
                    "You may read the audit of groups you administer and of your own activity only.",
                )));
            }
            query.involving = Some(me);
        }
        Ok(self.store.audit(&query).await?)
    }
}
