//! Directory roles and administrative units (D5, D6): the assignments in force, the units and
//! their members, which every signed-in user may read, and the roles a user holds now, which only
//! they and the privileged may.

use stint_core::directory::{AdministrativeUnit, Group, RoleAssignment};
use stint_core::ids::{AdministrativeUnitId, PrincipalId, RoleAssignmentId, UserId};
use stint_core::state::{HeldRole, Principal};
use stint_core::Violation;

use super::View;

/// A role a user holds now, with the group it comes through if not directly (D6).
#[derive(Clone, Copy, Debug)]
pub struct RoleHeld<'v> {
    pub held: HeldRole,
    pub via_group: Option<&'v Group>,
}

impl View<'_> {
    /// The role assignments in force now, oldest first.
    pub fn role_assignments(&self) -> Vec<&RoleAssignment> {
        let mut in_force: Vec<&RoleAssignment> = self
            .state
            .role_assignments
            .values()
            .filter(|assignment| assignment.is_active_at(self.now))
            .collect();
        in_force.sort_by_key(|assignment| (assignment.created_at, assignment.id));
        in_force
    }

    /// One role assignment, if it is in force now.
    pub fn role_assignment(&self, id: RoleAssignmentId) -> Option<&RoleAssignment> {
        self.state
            .role_assignments
            .get(&id)
            .filter(|assignment| assignment.is_active_at(self.now))
    }

    /// Every administrative unit, in no particular order.
    pub fn administrative_units(&self) -> Vec<&AdministrativeUnit> {
        self.state.administrative_units.values().collect()
    }

    pub fn administrative_unit(&self, id: AdministrativeUnitId) -> Option<&AdministrativeUnit> {
        self.state.administrative_units.get(&id)
    }

    /// The users and groups of a unit that still exist, or `None` if there is no such unit.
    pub fn unit_members(&self, id: AdministrativeUnitId) -> Option<Vec<Principal<'_>>> {
        let unit = self.administrative_unit(id)?;
        Some(self.existing(unit.members.iter().copied().map(PrincipalId)))
    }

    /// D6: the roles `user` holds now, each with the group it comes through if not directly;
    /// `None` if there is no such user. Refused unless the caller may read `user`'s holdings.
    pub fn roles_of(&self, user: UserId) -> Result<Option<Vec<RoleHeld<'_>>>, Violation> {
        if !self.authority().sees_holdings_of(user.into()) {
            return Err(Violation::forbidden("You may read your own roles only."));
        }
        if self.user(user).is_none() {
            return Ok(None);
        }
        let held = self.state.roles_of(user, self.now).into_iter().map(|held| {
            let via_group = held.via_group.and_then(|group| self.any_group(group));
            RoleHeld { held, via_group }
        });
        Ok(Some(held.collect()))
    }
}
