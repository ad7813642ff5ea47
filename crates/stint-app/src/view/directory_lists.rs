//! The directory's lists as its administrators browse them: every user, every live group, the
//! directory role assignments in force and the administrative units.

use stint_core::directory::{AdministrativeUnit, Group, RoleAssignment, User};
use stint_core::ids::UserId;
use stint_core::protection::is_protected_user;

use super::View;

impl View<'_> {
    /// Every user, in no particular order.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.state.users.values()
    }

    /// Every group that has not been deleted, in no particular order.
    pub fn live_groups(&self) -> impl Iterator<Item = &Group> {
        self.state.groups.values().filter(|g| !g.is_deleted())
    }

    /// The directory role assignments in force now.
    pub fn role_assignments_in_force(&self) -> impl Iterator<Item = &RoleAssignment> {
        self.state
            .role_assignments
            .values()
            .filter(|a| a.is_open_at(self.now))
    }

    pub fn administrative_units(&self) -> impl Iterator<Item = &AdministrativeUnit> {
        self.state.administrative_units.values()
    }

    /// D8: whether `user` holds privileged access now, so only the privileged may reset them.
    pub fn is_protected_user(&self, user: UserId) -> bool {
        is_protected_user(&self.state, user, self.now)
    }
}
