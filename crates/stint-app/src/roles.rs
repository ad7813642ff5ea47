//! Directory role use cases through schedule requests (SPEC D5, D6, V1, V2, V5, V6): eligible and
//! time-bound role assignments made by administrators, and their activation.

use stint_core::role_request::RoleScheduleRequest;
use stint_core::rules::roles::{self, RoleRequestInput};

use crate::engine::Attempt;
use crate::use_cases::rule_use_cases;

rule_use_cases! {
    /// `adminAssign`, `adminUpdate`, `adminExtend`, `adminRemove`, `selfActivate`, `selfDeactivate`
    /// of a directory role; refusals of business rules are audited as `roleRequest.<action>`.
    submit_role_request(input: RoleRequestInput) -> RoleScheduleRequest = decide(
        Attempt::new(format!("roleRequest.{}", input.action), "roleRequest", input.target.role.id())
            .about(None, Some(input.principal_id)),
        roles::role_request);
}
