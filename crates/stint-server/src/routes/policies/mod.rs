//! `/v1.0/policies/roleManagementPolicies` and `/v1.0/policies/roleManagementPolicyAssignments`:
//! a group's member and owner settings (SPEC S1–S5) as Graph's policies and their 17 rules.

mod assignments;
mod body;
mod read;
mod rules;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::Value;
use stint_core::rules::policies::{policies_of, resolve_policy_id};
use stint_odata::Allowed;
use utoipa_axum::routes;

use crate::collection::{base_url, ListQuery, ListSpec};
use crate::error::ApiResult;
use crate::extract::{Auth, GraphJson, Meta};
use crate::shape;
use crate::{ApiRouter, ServerState};

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

const POLICY: ListSpec = ListSpec {
    allowed: Allowed {
        filter: false,
        ..POLICIES.allowed
    },
    ..POLICIES
};

/// `@odata.context`'s note of what `$expand=rules` inlined.
fn rules_expanded(query: &ListQuery) -> Option<&'static str> {
    query.expands("rules").then_some("rules()")
}

/// The member and owner policies of a group; `$filter=scopeId eq '{groupId}' and scopeType eq 'Group'` is required.
#[utoipa::path(get, path = "/v1.0/policies/roleManagementPolicies", tag = "policies",
    params(("$filter" = String, Query, description = "scopeId eq '{groupId}' and scopeType eq 'Group'"),
           ("$expand" = Option<String>, Query, description = "rules"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The group's two policies"),
              (status = 400, description = "No $filter on scopeId and scopeType"),
              (status = 403, description = "Not an administrator of this group")),
    security(("bearer" = [])))]
async fn list_policies(
    State(server): State<ServerState>,
    headers: HeaderMap,
    Auth(session): Auth,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = ListQuery::parse(raw, &POLICIES)?;
    let group = read::required_scope(&query)?;
    let with_rules = query.expands("rules");
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let items = server.app.read(|state| -> ApiResult<Vec<Value>> {
        read::require_view(state, &caller, group, now)?;
        let Some(group) = state.live_group(group) else {
            return Ok(Vec::new());
        };
        Ok(policies_of(state, group)
            .iter()
            .map(|policy| shape::policy::policy(state, policy, with_rules))
            .collect())
    })?;
    let context = read::context(
        &base_url(&headers),
        POLICY_SET,
        &query,
        rules_expanded(&query),
    );
    Ok(Json(read::collection(
        context,
        &query,
        items,
        Some("rules"),
    )))
}

/// One policy, by the id `Group_{groupId}_{guid}` (ids change when a group is brought under PIM).
#[utoipa::path(get, path = "/v1.0/policies/roleManagementPolicies/{id}", tag = "policies",
    params(("id" = String, Path, description = "Group_{groupId}_{guid}"),
           ("$expand" = Option<String>, Query, description = "rules"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The policy"), (status = 403, description = "Not an administrator of this group"),
              (status = 404, description = "No such policy")),
    security(("bearer" = [])))]
async fn get_policy(
    State(server): State<ServerState>,
    headers: HeaderMap,
    Auth(session): Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = ListQuery::parse(raw, &POLICY)?;
    let with_rules = query.expands("rules");
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let item = server.app.read(|state| -> ApiResult<Value> {
        let policy = read::visible_policy(state, &caller, now, resolve_policy_id(state, &id)?)?;
        Ok(shape::policy::policy(state, &policy, with_rules))
    })?;
    let context = read::context(
        &base_url(&headers),
        POLICY_SET,
        &query,
        rules_expanded(&query),
    );
    Ok(Json(read::entity(context, &query, item, Some("rules"))))
}

/// Changes several rules of a policy at once (`{"rules": [...]}`, each with its `id` and
/// `@odata.type`): all are applied or none. Onboards an unmanaged group (P6).
#[utoipa::path(patch, path = "/v1.0/policies/roleManagementPolicies/{id}", tag = "policies",
    params(("id" = String, Path, description = "Group_{groupId}_{guid}")),
    request_body(content = Object, description = "unifiedRoleManagementPolicy with rules"),
    responses((status = 204, description = "Changed"), (status = 400, description = "An invalid rule (InvalidPolicy)"),
              (status = 403, description = "Not an administrator of this group (S4)"), (status = 404, description = "No such policy")),
    security(("bearer" = [])))]
async fn update_policy(
    State(server): State<ServerState>,
    Auth(session): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult<StatusCode> {
    let (group, access) = server.app.read(|state| resolve_policy_id(state, &id))?;
    let rules = body::policy_rules(body)?;
    server
        .app
        .update_policy_rules(&session, &meta, group, access, rules)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
