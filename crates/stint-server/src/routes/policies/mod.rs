//! `/v1.0/policies/roleManagementPolicies` and `/v1.0/policies/roleManagementPolicyAssignments`:
//! a group's member and owner settings (SPEC S1–S5) as Graph's policies and their 17 rules.

mod assignments;
mod body;
mod read;
mod rules;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stint_odata::Allowed;
use utoipa_axum::routes;

use self::read::Frame;
use crate::call::Call;
use crate::collection::{ListQuery, ListSpec};
use crate::documented::{Changed, NoSuchPolicy, NotGroupAdministrator, PolicyPath};
use crate::error::ApiResult;
use crate::extract::GraphJson;
use crate::shape;
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_policies))
        .routes(routes!(get_policy, update_policy))
        .merge(rules::routes())
        .merge(assignments::routes())
}

const POLICY_SET: &str = "policies/roleManagementPolicies";
const POLICY_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "description",
    "isOrganizationDefault",
    "scopeId",
    "scopeType",
    "lastModifiedDateTime",
    "lastModifiedBy",
];

const POLICIES: ListSpec = ListSpec {
    context: POLICY_SET,
    allowed: Allowed {
        filter: true,
        select: true,
        expand: &["rules"],
        top: false,
    },
    properties: POLICY_PROPERTIES,
};

const POLICY: ListSpec = POLICIES.entity();

/// `@odata.context`'s note of what `$expand=rules` inlined.
fn frame(query: &ListQuery) -> Frame<'static> {
    Frame {
        set: POLICY_SET,
        expanded: query.expands("rules").then_some("rules()"),
        navigation: Some("rules"),
    }
}

/// The member and owner policies of a group; `$filter=scopeId eq '{groupId}' and scopeType eq 'Group'` is required.
#[utoipa::path(get, path = "/v1.0/policies/roleManagementPolicies", tag = "policies",
    params(("$filter" = String, Query, description = "scopeId eq '{groupId}' and scopeType eq 'Group'"),
           ("$expand" = Option<String>, Query, description = "rules"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The group's two policies"),
              (status = 400, description = "No $filter on scopeId and scopeType"),
              NotGroupAdministrator))]
async fn list_policies(call: Call) -> ApiResult<Json<Value>> {
    let query = call.query(&POLICIES)?;
    let with_rules = query.expands("rules");
    let items = read::group_policies(&call, &query, |view, policy| {
        shape::policy::policy(view, policy, with_rules)
    })?;
    Ok(frame(&query).collection(&call, &query, items))
}

/// One policy, by the id `Group_{groupId}_{guid}` (ids change when a group is brought under PIM).
#[utoipa::path(get, path = "/v1.0/policies/roleManagementPolicies/{id}", tag = "policies",
    params(PolicyPath,
           ("$expand" = Option<String>, Query, description = "rules"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The policy"), NotGroupAdministrator,
              NoSuchPolicy))]
async fn get_policy(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let query = call.query(&POLICY)?;
    let with_rules = query.expands("rules");
    let item = {
        let view = call.view();
        shape::policy::policy(&view, &view.policy_by_id(&id)?, with_rules)
    };
    Ok(frame(&query).entity(&call, &query, item))
}

/// Changes several rules of a policy at once (`{"rules": [...]}`, each with its `id` and
/// `@odata.type`): all are applied or none. Onboards an unmanaged group (P6).
#[utoipa::path(patch, path = "/v1.0/policies/roleManagementPolicies/{id}", tag = "policies",
    params(PolicyPath),
    request_body(content = Object, description = "unifiedRoleManagementPolicy with rules"),
    responses(Changed, (status = 400, description = "An invalid rule (InvalidPolicy)"),
              (status = 403, description = "Not an administrator of this group (S4)"), NoSuchPolicy))]
async fn update_policy(
    call: Call,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult<StatusCode> {
    let (group, access) = call.view().policy_key(&id)?;
    let rules = body::policy_rules(body)?;
    call.app()
        .update_policy_rules(&call.session, &call.meta, group, access, rules)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
