//! `/v1.0/roleManagement/directory/roleDefinitions` and `/roleAssignments` (SPEC D5, D6).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stint_app::View;
use stint_core::directory::{BuiltInRole, DirectoryScope, RoleAssignment};
use stint_core::ids::{PrincipalId, RoleAssignmentId, RoleDefinitionId};
use stint_odata::Allowed;
use utoipa_axum::routes;

use crate::call::Call;
use crate::collection::{ListQuery, ListSpec};
use crate::documented::{
    InvalidQuery, MayNotManageRoles, NoSuchRoleAssignment, Removed, RoleAssignmentPath,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::GraphJson;
use crate::shape::directory as shape;
use crate::wire::graph_body;
use crate::wire::{self, ListOptions};
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_role_definitions))
        .routes(routes!(get_role_definition))
        .routes(routes!(create_role_assignment, list_role_assignments))
        .routes(routes!(get_role_assignment, delete_role_assignment))
}

const DEFINITION_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "description",
    "isBuiltIn",
    "isEnabled",
    "templateId",
    "rolePermissions",
];

const DEFINITIONS: ListSpec = ListSpec::graph(
    "roleManagement/directory/roleDefinitions",
    DEFINITION_PROPERTIES,
);
const DEFINITION: ListSpec = DEFINITIONS.entity();

/// The properties of a role assignment, and the two relationships `$expand` can add.
const ASSIGNMENT_PROPERTIES: &[&str] = &[
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "principal",
    "roleDefinition",
];

const EXPANDABLE: &[&str] = &["principal", "roleDefinition"];

const ASSIGNMENTS: ListSpec = ListSpec {
    context: "roleManagement/directory/roleAssignments",
    allowed: Allowed {
        filter: true,
        select: true,
        expand: EXPANDABLE,
        top: true,
    },
    properties: ASSIGNMENT_PROPERTIES,
};

const ASSIGNMENT: ListSpec = ASSIGNMENTS.entity();

graph_body! {
    /// Graph's `unifiedRoleAssignment` as POSTed.
    struct NewRoleAssignmentBody {
        /// A user, or a role-assignable group.
        principal_id: String,
        role_definition_id: String,
        /// `/` for the whole directory, or `/administrativeUnits/{id}`.
        directory_scope_id: String,
    }
}

/// `$select` and `$expand` on one role assignment, for the OpenAPI document only.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct AssignmentOptions {
    /// Comma-separated properties to return.
    #[param(rename = "$select")]
    select: Option<String>,
    /// `principal` and/or `roleDefinition`.
    #[param(rename = "$expand")]
    expand: Option<String>,
}

/// The built-in directory roles (SPEC D5).
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleDefinitions", tag = "directory", params(ListOptions),
    responses((status = 200, description = "A collection of role definitions"),
              InvalidQuery))]
async fn list_role_definitions(call: Call) -> ApiResult<Json<Value>> {
    let query = call.query(&DEFINITIONS)?;
    let definitions = BuiltInRole::ALL
        .into_iter()
        .map(shape::role_definition)
        .collect();
    let path = "/v1.0/roleManagement/directory/roleDefinitions";
    call.directory_collection(path, &DEFINITIONS, &query, definitions)
}

/// One built-in directory role.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleDefinitions/{id}", tag = "directory",
    params(("id" = String, Path, description = "The role definition's id (its template id)"), wire::SelectOption),
    responses((status = 200, description = "The role definition"),
              (status = 404, description = "No such role definition")))]
async fn get_role_definition(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id: RoleDefinitionId = wire::parse_id("id", &id)?;
    let query = call.query(&DEFINITION)?;
    let role = BuiltInRole::from_id(id)
        .ok_or_else(|| ApiError::not_found(format!("Role definition '{id}'")))?;
    Ok(call.entity(&DEFINITION, &query, shape::role_definition(role)))
}

/// Assigns a directory role to a user or a role-assignable group (SPEC D5).
#[utoipa::path(post, path = "/v1.0/roleManagement/directory/roleAssignments", tag = "directory",
    request_body = NewRoleAssignmentBody,
    responses((status = 201, description = "The new role assignment"),
              (status = 400, description = "Invalid body, unknown principal, or a group that is not role-assignable"),
              MayNotManageRoles))]
async fn create_role_assignment(
    call: Call,
    GraphJson(body): GraphJson<NewRoleAssignmentBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let principal: PrincipalId = wire::parse_id("principalId", &body.principal_id)?;
    let definition: RoleDefinitionId =
        wire::parse_id("roleDefinitionId", &body.role_definition_id)?;
    let role = BuiltInRole::from_id(definition).ok_or_else(|| {
        ApiError::invalid_field(
            "roleDefinitionId",
            format!("'{definition}' is not a role definition of this directory; see GET /v1.0/roleManagement/directory/roleDefinitions."),
        )
    })?;
    let scope: DirectoryScope = body.directory_scope_id.parse().map_err(|()| {
        ApiError::invalid_field(
            "directoryScopeId",
            format!(
                "'{}' is not a scope; send '/' for the whole directory or '/administrativeUnits/{{id}}'.",
                body.directory_scope_id.chars().take(120).collect::<String>()
            ),
        )
    })?;
    let created = call
        .app()
        .assign_role(&call.session, &call.meta, principal, role, scope)
        .await?;
    Ok(call.created(&ASSIGNMENTS, shape::role_assignment(&created.value)))
}

/// The role assignments in force, oldest first. Filter with `principalId eq '…'` or `roleDefinitionId eq '…'`.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignments", tag = "directory",
    params(ListOptions, ("$expand" = Option<String>, Query, description = "`principal` and/or `roleDefinition`")),
    responses((status = 200, description = "A collection of role assignments"),
              InvalidQuery))]
async fn list_role_assignments(call: Call) -> ApiResult<Json<Value>> {
    let query = call.query(&ASSIGNMENTS)?;
    let assignments = {
        let view = call.view();
        let in_force = view.role_assignments().into_iter();
        in_force
            .map(|found| assignment_json(&view, found, &query))
            .collect()
    };
    let path = "/v1.0/roleManagement/directory/roleAssignments";
    call.collection(path, &ASSIGNMENTS, &query, assignments)
}

/// One role assignment in force.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignments/{id}", tag = "directory",
    params(RoleAssignmentPath, AssignmentOptions),
    responses((status = 200, description = "The role assignment"),
              NoSuchRoleAssignment))]
async fn get_role_assignment(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id: RoleAssignmentId = wire::parse_id("id", &id)?;
    let query = call.query(&ASSIGNMENT)?;
    let assignment = {
        let view = call.view();
        let found = view.role_assignment(id);
        found.map(|found| assignment_json(&view, found, &query))
    };
    let assignment =
        assignment.ok_or_else(|| ApiError::not_found(format!("Role assignment '{id}'")))?;
    Ok(call.entity(&ASSIGNMENT, &query, assignment))
}

/// Removes a role assignment (SPEC D5).
#[utoipa::path(
    delete,
    path = "/v1.0/roleManagement/directory/roleAssignments/{id}",
    tag = "directory",
    params(RoleAssignmentPath),
    responses(Removed, MayNotManageRoles, NoSuchRoleAssignment)
)]
async fn delete_role_assignment(call: Call, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id: RoleAssignmentId = wire::parse_id("id", &id)?;
    let app = call.app();
    app.remove_role_assignment(&call.session, &call.meta, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A role assignment with the relationships `$expand` asked for.
fn assignment_json(view: &View<'_>, assignment: &RoleAssignment, query: &ListQuery) -> Value {
    let mut json = shape::role_assignment(assignment);
    if let Value::Object(fields) = &mut json {
        if query.expands("principal") {
            fields.insert(
                "principal".into(),
                shape::principal(view, assignment.principal_id),
            );
        }
        if query.expands("roleDefinition") {
            fields.insert(
                "roleDefinition".into(),
                shape::role_definition(assignment.role),
            );
        }
    }
    json
}
