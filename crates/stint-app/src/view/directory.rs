//! Directory reads that every signed-in user may make (Graph lets members read the directory):
//! users, groups and principals by id, who holds a group now and what a user is a member of.

use stint_core::directory::{Group, User};
use stint_core::ids::{GroupId, PrincipalId, UserId};
use stint_core::schedule::Access;
use stint_core::state::Principal;

use super::View;

/// Who of a group's holders a list is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holders {
    /// The direct, active members or owners now.
    Direct(Access),
    /// The effective members now, through nested groups.
    Transitive,
}

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

    /// A user by id, or by user name when `key` is not an id (`/users/{id | userPrincipalName}`).
    pub fn user_by_key(&self, key: &str) -> Option<&User> {
        match key.parse::<UserId>() {
            Ok(id) => self.user(id),
            Err(_) => self.user_by_name(key),
        }
    }

    /// Every user, in no particular order.
    pub fn users(&self) -> Vec<&User> {
        self.state.users.values().collect()
    }

    /// A group that has not been deleted.
    pub fn live_group(&self, id: GroupId) -> Option<&Group> {
        self.state.live_group(id)
    }

    /// A group, deleted or not (for names in records that outlive it).
    pub fn any_group(&self, id: GroupId) -> Option<&Group> {
        self.state.groups.get(&id)
    }

    /// Every group that has not been deleted, in no particular order.
    pub fn live_groups(&self) -> Vec<&Group> {
        self.state
            .groups
            .values()
            .filter(|group| !group.is_deleted())
            .collect()
    }

    pub fn principal(&self, id: PrincipalId) -> Option<Principal<'_>> {
        self.state.principal(id)
    }

    /// The holders of a live group now that still exist, or `None` if there is no such group.
    pub fn holders_of(&self, group: GroupId, which: Holders) -> Option<Vec<Principal<'_>>> {
        self.live_group(group)?;
        let holders = match which {
            Holders::Direct(access) => self.state.direct_holders(group, access, self.now),
            Holders::Transitive => self.state.transitive_members(group, self.now),
        };
        Some(self.existing(holders))
    }

    /// The live groups `user` is an active member of now: directly, or also through nesting.
    pub fn member_of(&self, user: UserId, transitive: bool) -> Vec<&Group> {
        let groups = if transitive {
            self.state.transitive_member_of(user.into(), self.now)
        } else {
            self.state.direct_member_of(user.into(), self.now)
        };
        groups
            .into_iter()
            .filter_map(|group| self.live_group(group))
            .collect()
    }

    /// The principals among `ids` that still exist.
    pub(super) fn existing(
        &self,
        ids: impl IntoIterator<Item = PrincipalId>,
    ) -> Vec<Principal<'_>> {
        ids.into_iter()
            .filter_map(|id| self.principal(id))
            .collect()
    }
}
