//! Directory reads that every signed-in user may make (Graph lets members read the directory):
//! users, groups and principals by id, and their display names.

use stint_core::directory::{Group, User};
use stint_core::ids::{GroupId, PrincipalId, UserId};
use stint_core::state::Principal;

use super::View;

impl View<'_> {
    pub fn user(&self, id: UserId) -> Option<&User> {
        self.state.users.get(&id)
    }

    /// The signed-in user.
    pub fn me(&self) -> Option<&User> {
        self.user(self.caller.user)
    }

    /// A user by id or user name (`userPrincipalName`, D1: compared as names are keyed).
    pub fn user_by_name(&self, name: &str) -> Option<&User> {
        self.state.user_by_name(name)
    }

    /// A group that has not been deleted.
    pub fn live_group(&self, id: GroupId) -> Option<&Group> {
        self.state.live_group(id)
    }

    /// A group, deleted or not (for names in records that outlive it).
    pub fn any_group(&self, id: GroupId) -> Option<&Group> {
        self.state.groups.get(&id)
    }

    pub fn principal(&self, id: PrincipalId) -> Option<Principal<'_>> {
        self.state.principal(id)
    }
}
