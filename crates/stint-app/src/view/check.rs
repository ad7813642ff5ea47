//! The check API's questions (X2): does a principal hold a group now, and which groups does it
//! hold. Anyone may ask about themselves; a group's PIM administrators about their group, and
//! the privileged about anyone.

use stint_core::check::{check, groups_of, Grant};
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::schedule::Access;
use stint_core::Violation;

use super::View;

impl View<'_> {
    /// How `principal` holds `access` to `group` now, if it does.
    pub fn check(
        &self,
        principal: PrincipalId,
        group: GroupId,
        access: Access,
    ) -> Result<Option<Grant>, Violation> {
        let own = principal == self.caller.user.into();
        if !own && self.authority().pim_reader(group).is_none() {
            return Err(Violation::forbidden(
                "You may check your own access, or access to groups you administer.",
            ));
        }
        Ok(check(&self.state, principal, group, access, self.now))
    }

    /// Every group `principal` effectively belongs to now, with how.
    pub fn groups_held_by(
        &self,
        principal: PrincipalId,
    ) -> Result<Vec<(GroupId, Grant)>, Violation> {
        if !self.authority().sees_holdings_of(principal) {
            return Err(Violation::forbidden("You may list your own groups only."));
        }
        Ok(groups_of(&self.state, principal, self.now))
    }
}
