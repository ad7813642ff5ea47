//! The directory as its administrators browse it in the console: the role assignments in force,
//! and who is protected (D8).

use stint_core::directory::RoleAssignment;
use stint_core::ids::UserId;
use stint_core::protection::is_protected_user;

use super::View;

impl View<'_> {
    /// The directory role assignments in force now.
    pub fn role_assignments_in_force(&self) -> impl Iterator<Item = &RoleAssignment> {
        self.state
            .role_assignments
            .values()
            .filter(|a| a.is_open_at(self.now))
    }

    /// D8: whether `user` holds privileged access now, so only the privileged may reset them.
    pub fn is_protected_user(&self, user: UserId) -> bool {
        is_protected_user(&self.state, user, self.now)
    }
}
