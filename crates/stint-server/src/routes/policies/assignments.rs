//! `/v1.0/policies/roleManagementPolicyAssignments`: which policy applies to a group's `member`
//! and `owner` access, with `$expand=policy($expand=rules)`.

use axum::extract::Path;
use axum::Json;
use serde_json::Value;
use stint_odata::Allowed;
use utoipa_axum::routes;

use super::read::{self, Frame};
use crate::call::Call;
use crate::collection::{ListQuery, ListSpec};
use crate::documented::NotGroupAdministrator;
use crate::error::ApiResult;
use crate::shape::policy::{assignment, AssignmentExpand};
use crate::ApiRouter;

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

const ASSIGNMENT: ListSpec = ASSIGNMENTS.entity();

/// What `$expand` inlines, and how the answer notes it.
fn expansion(query: &ListQuery) -> (AssignmentExpand, Frame<'static>) {
    let policy = query.options.expand.iter().find(|e| e.name == "policy");
    let (expand, expanded) = match policy {
        None => (AssignmentExpand::Nothing, None),
        Some(policy) if policy.nested.iter().any(|e| e.name == "rules") => {
            (AssignmentExpand::PolicyWithRules, Some("policy(rules())"))
        }
        Some(_) => (AssignmentExpand::Policy, Some("policy()")),
    };
    let frame = Frame {
        set: ASSIGNMENT_SET,
        expanded,
        navigation: Some("policy"),
    };
    (expand, frame)
}

/// The policy assignments of a group; `$filter=scopeId eq '{groupId}' and scopeType eq 'Group'` is
/// required, `and roleDefinitionId eq 'member'` (or `'owner'`) narrows it.
#[utoipa::path(get, path = "/v1.0/policies/roleManagementPolicyAssignments", tag = "policies",
    params(("$filter" = String, Query, description = "scopeId eq '{groupId}' and scopeType eq 'Group', optionally and roleDefinitionId eq 'member' (or 'owner')"),
           ("$expand" = Option<String>, Query, description = "policy or policy($expand=rules)"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The group's two policy assignments"),
              (status = 400, description = "No $filter on scopeId and scopeType"),
              NotGroupAdministrator))]
async fn list_assignments(call: Call) -> ApiResult<Json<Value>> {
    let query = call.query(&ASSIGNMENTS)?;
    let (expand, frame) = expansion(&query);
    let items = read::group_policies(&call, &query, |view, policy| {
        assignment(view, policy, expand)
    })?;
    Ok(frame.collection(&call, &query, items))
}

/// One policy assignment, by the id `Group_{groupId}_{guid}_{member|owner}`.
#[utoipa::path(get, path = "/v1.0/policies/roleManagementPolicyAssignments/{id}", tag = "policies",
    params(("id" = String, Path, description = "Group_{groupId}_{guid}_{member|owner}"),
           ("$expand" = Option<String>, Query, description = "policy or policy($expand=rules)"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The policy assignment"), NotGroupAdministrator,
              (status = 404, description = "No such policy assignment")))]
async fn get_assignment(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let query = call.query(&ASSIGNMENT)?;
    let (expand, frame) = expansion(&query);
    let item = {
        let view = call.view();
        assignment(&view, &view.policy_by_assignment_id(&id)?, expand)
    };
    Ok(frame.entity(&call, &query, item))
}
