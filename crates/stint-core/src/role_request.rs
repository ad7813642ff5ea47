//! Role schedule requests (Graph's `unifiedRoleEligibilityScheduleRequest` and
//! `unifiedRoleAssignmentScheduleRequest`): how eligible and time-bound directory role assignments
//! are made, removed and activated (SPEC D5, D6). Requests are kept for ever, like group requests
//! (A10).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::directory::{BuiltInRole, DirectoryScope};
use crate::ids::RoleAssignmentId;
use crate::request::{RequestTarget, ScheduleRequest};

/// A role request's target: a directory role where it applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAtScope {
    pub role: BuiltInRole,
    pub scope: DirectoryScope,
}

impl RequestTarget for RoleAtScope {
    /// A role assignment is its own schedule.
    type ScheduleId = RoleAssignmentId;
}

/// In words: "Global Administrator at scope /".
impl fmt::Display for RoleAtScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at scope {}", self.role.display_name(), self.scope)
    }
}

/// A role request never needs approval: directory roles have no per-role policy in Stint.
pub type RoleScheduleRequest = ScheduleRequest<RoleAtScope>;
