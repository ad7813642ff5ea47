//! The body of a role schedule request, read as Graph clients send it, and turned into a
//! [`RoleRequestInput`] with errors that name the field.

use serde::Deserialize;
use serde_json::Value;
use stint_core::directory::{BuiltInRole, DirectoryScope};
use stint_core::ids::{RoleAssignmentId, RoleDefinitionId};
use stint_core::request::RequestAction;
use stint_core::role_request::RoleAtScope;
use stint_core::rules::roles::RoleRequestInput;

use super::body::{check_target_and_custom_data, request_body, schedule_and_ticket};
use super::{Family, RequestBody};
use crate::error::{ApiError, ApiResult};
use crate::wire::{parse_enum, parse_id};

const ACTIONS: &[&str] = &[
    "adminAssign",
    "adminUpdate",
    "adminRemove",
    "adminExtend",
    "selfActivate",
    "selfDeactivate",
];

request_body! {
    /// Graph's `unifiedRoleEligibilityScheduleRequest` / `unifiedRoleAssignmentScheduleRequest`
    /// as POSTed.
    RoleRequestBody {
        action: String,
        principal_id: String,
        role_definition_id: String,
        #[serde(default)]
        directory_scope_id: Option<String>,
        #[serde(default)]
        app_scope_id: Option<String>,
    }
    objects read by "Option::deserialize"
}

impl RequestBody for RoleRequestBody {
    type Input = RoleRequestInput;

    fn into_input(self, family: Family) -> ApiResult<RoleRequestInput> {
        let action: RequestAction = parse_enum("action", &self.action, ACTIONS)?;
        let definition: RoleDefinitionId = parse_id("roleDefinitionId", &self.role_definition_id)?;
        let role = BuiltInRole::from_id(definition).ok_or_else(|| {
            ApiError::invalid_field(
                "roleDefinitionId",
                format!("'{definition}' is not a role definition of this directory; see GET /v1.0/roleManagement/directory/roleDefinitions."),
            )
        })?;
        if self.app_scope_id.as_deref().is_some_and(|app| app != "/") {
            return Err(ApiError::invalid_field(
                "appScopeId",
                "application scopes are not supported; leave appScopeId out and send directoryScopeId.",
            ));
        }
        let scope_text = self.directory_scope_id.ok_or_else(|| {
            ApiError::invalid_field(
                "directoryScopeId",
                "it is required: send '/' for the whole directory or '/administrativeUnits/{id}'.",
            )
        })?;
        let scope: DirectoryScope = scope_text.parse().map_err(|()| {
            ApiError::invalid_field(
                "directoryScopeId",
                format!(
                    "'{}' is not a scope; send '/' for the whole directory or '/administrativeUnits/{{id}}'.",
                    scope_text.chars().take(120).collect::<String>()
                ),
            )
        })?;
        check_target_and_custom_data::<RoleAssignmentId>(
            self.target_schedule_id.as_deref(),
            self.custom_data.as_deref(),
        )?;
        let principal_id = parse_id("principalId", &self.principal_id)?;
        let (schedule, ticket) = schedule_and_ticket(self.schedule_info, self.ticket_info)?;
        Ok(RoleRequestInput {
            kind: family.kind(),
            action,
            principal_id,
            target: RoleAtScope { role, scope },
            schedule,
            justification: self.justification,
            ticket,
            is_validation_only: self.is_validation_only.unwrap_or(false),
        })
    }
}
