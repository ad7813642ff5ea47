//! Who may read which audit events (U2): the privileged everything, a group's PIM administrators
//! that group's events, everyone what involves them.

use stint_core::audit::AuditQuery;
use stint_core::Violation;

use super::View;

impl View<'_> {
    /// `query` narrowed to what the caller may read: unchanged if they may read all it asks,
    /// limited to events involving them if it asks for nothing in particular, refused otherwise.
    pub fn readable_audit(&self, mut query: AuditQuery) -> Result<AuditQuery, Violation> {
        let authority = self.authority();
        let me = self.caller.user;
        let privileged = authority.audit_reader().is_some()
            || query
                .group_id
                .is_some_and(|group| authority.pim_reader(group).is_some());
        let about_me = query.principal_id == Some(me.into())
            || query.actor == Some(me)
            || query.involving == Some(me);
        if !privileged && !about_me {
            if query.principal_id.is_some() || query.actor.is_some() || query.group_id.is_some() {
                return Err(Violation::forbidden(
                    "You may read the audit of groups you administer and of your own activity only.",
                ));
            }
            query.involving = Some(me);
        }
        Ok(query)
    }

    /// May the caller read the whole chain (an export, U4)? Those who may read all the audit.
    pub fn whole_audit(&self) -> Result<(), Violation> {
        match self.authority().audit_reader() {
            Some(_) => Ok(()),
            None => Err(Violation::forbidden(
                "Exporting the audit chain needs a Global Administrator or Privileged Role Administrator.",
            )),
        }
    }
}
