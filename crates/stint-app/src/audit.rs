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
        let allowed = authz::may_read_all_audit(&caller)
            || query
                .group_id
                .is_some_and(|group| self.read(|state| may_view_group(state, &caller, group, now)));
        if !allowed {
            let about_self = query.principal_id == Some(session.user.into())
                || query.actor == Some(session.user)
                || query.involving == Some(session.user);
            if !about_self {
                query.involving = Some(session.user);
                if query.principal_id.is_some() || query.actor.is_some() || query.group_id.is_some()
                {
                    return Err(AppError::Rule(Violation::forbidden(
                        "You may read the audit of groups you administer and of your own activity only.",
                    )));
                }
            }
        }
        Ok(self.store_audit(&query).await?)
    }

    async fn store_audit(
        &self,
        query: &AuditQuery,
    ) -> Result<Vec<AuditEvent>, stint_store::StoreError> {
        self.store.audit(query).await
    }
}
