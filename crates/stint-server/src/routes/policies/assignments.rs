//! `/v1.0/policies/roleManagementPolicyAssignments`: which policy applies to a group's `member`
//! and `owner` access, with `$expand=policy($expand=rules)`.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::Value;
use stint_core::rules::policies::{policies_of, resolve_policy_assignment_id};
use stint_odata::Allowed;
use utoipa_axum::routes;

use super::read;
use crate::collection::{base_url, ListQuery, ListSpec};
use crate::error::ApiResult;
use crate::extract::Auth;
use crate::shape::policy::{assignment, AssignmentExpand};
use crate::{ApiRouter, ServerState};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_assignments))
        .routes(routes!(get_assignment))
}

const ASSIGNMENT_SET: &str = "policies/roleManagementPolicyAssignments";

const ASSIGNMENTS: ListSpec = ListSpec {
    context: ASSIGNMENT_SET,
    allowed: Allowed {
        filter: true,
        select: true,
        expand: &["policy", "policy/rules"],
        top: false,
    },
    properties: &["id", "policyId", "scopeId", "scopeType", "roleDefinitionId"],
};

const ASSIGNMENT: ListSpec = ListSpec {
    allowed: Allowed {
        filter: false,
        ..ASSIGNMENTS.allowed
    },
    ..ASSIGNMENTS
};

fn expansion(query: &ListQuery) -> (AssignmentExpand, Option<&'static str>) {
    let policy = query.options.expand.iter().find(|e| e.name == "policy");
    match policy {
        None => (AssignmentExpand::Nothing, None),
        Some(policy) if policy.nested.iter().any(|e| e.name == "rules") => {
            (AssignmentExpand::PolicyWithRules, Some("policy(rules())"))
        }
        Some(_) => (AssignmentExpand::Policy, Some("policy()")),
    }
}

/// The policy assignments of a group; `$filter=scopeId eq '{groupId}' and scopeType eq 'Group'` is
/// required, `and roleDefinitionId eq 'member'` (or `'owner'`) narrows it.
#[utoipa::path(get, path = "/v1.0/policies/roleManagementPolicyAssignments", tag = "policies",
    params(("$filter" = String, Query, description = "scopeId eq '{groupId}' and scopeType eq 'Group', optionally and roleDefinitionId eq 'member' (or 'owner')"),
           ("$expand" = Option<String>, Query, description = "policy or policy($expand=rules)"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The group's two policy assignments"),
              (status = 400, description = "No $filter on scopeId and scopeType"),
              (status = 403, description = "Not an administrator of this group")),
    security(("bearer" = [])))]
async fn list_assignments(
    State(server): State<ServerState>,
    headers: HeaderMap,
    Auth(session): Auth,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = ListQuery::parse(raw, &ASSIGNMENTS)?;
    let group = read::required_scope(&query)?;
    let (expand, expanded) = expansion(&query);
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let items = server.app.read(|state| -> ApiResult<Vec<Value>> {
        read::require_view(state, &caller, group, now)?;
        let Some(group) = state.live_group(group) else {
            return Ok(Vec::new());
        };
        Ok(policies_of(state, group)
            .iter()
            .map(|policy| assignment(state, policy, expand))
            .collect())
    })?;
    let context = read::context(&base_url(&headers), ASSIGNMENT_SET, &query, expanded);
    Ok(Json(read::collection(
        context,
        &query,
        items,
        Some("policy"),
    )))
}

/// One policy assignment, by the id `Group_{groupId}_{guid}_{member|owner}`.
#[utoipa::path(get, path = "/v1.0/policies/roleManagementPolicyAssignments/{id}", tag = "policies",
    params(("id" = String, Path, description = "Group_{groupId}_{guid}_{member|owner}"),
           ("$expand" = Option<String>, Query, description = "policy or policy($expand=rules)"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The policy assignment"), (status = 403, description = "Not an administrator of this group"),
              (status = 404, description = "No such policy assignment")),
    security(("bearer" = [])))]
async fn get_assignment(
    State(server): State<ServerState>,
    headers: HeaderMap,
    Auth(session): Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = ListQuery::parse(raw, &ASSIGNMENT)?;
    let (expand, expanded) = expansion(&query);
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let item = server.app.read(|state| -> ApiResult<Value> {
        let found = resolve_policy_assignment_id(state, &id)?;
        let policy = read::visible_policy(state, &caller, now, found)?;
        Ok(assignment(state, &policy, expand))
    })?;
    let context = read::context(&base_url(&headers), ASSIGNMENT_SET, &query, expanded);
    Ok(Json(read::entity(context, &query, item, Some("policy"))))
}
