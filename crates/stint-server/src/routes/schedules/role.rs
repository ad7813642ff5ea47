//! Directory roles as [`Assignable`]: `unifiedRole*` entities under `roleManagement/directory`.
//! Every role assignment is a schedule: the eligible ones are eligibility schedules, the active
//! ones (assigned or activated, including those made through `roleAssignments`) assignment
//! schedules. Plain lists hold all the caller may see (everything for role administrators).

use stint_core::directory::RoleAssignment;

use super::role_body::RoleRequestBody;
use super::Assignable;

/// Schedules of a directory role.
pub enum Roles {}

impl Assignable for Roles {
    type Body = RoleRequestBody;
    type Schedule = RoleAssignment;
}
