//! `/v1.0/policies/roleManagementPolicies/{id}/rules`: the 17 rules of a policy, each readable and
//! updatable with its `@odata.type` (SPEC S3).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::Value;
use stint_core::policy_rules::{self, PolicyRuleId};
use stint_core::rules::policies::resolve_policy_id;
use stint_odata::Allowed;
use utoipa_axum::routes;

use super::{body, read};
use crate::collection::{base_url, ListQuery, ListSpec};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, GraphJson, Meta};
use crate::shape;
use crate::{ApiRouter, ServerState};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_rules))
        .routes(routes!(get_rule, update_rule))
}

const RULE_PROPERTIES: &[&str] = &[
    "id",
    "target",
    "isExpirationRequired",
    "maximumDuration",
    "enabledRules",
    "setting",
    "isEnabled",
    "claimValue",
    "notificationType",
    "recipientType",
    "notificationLevel",
    "isDefaultRecipientsEnabled",
    "notificationRecipients",
];

/// The `@odata.context` names the policy, so it is made per call by [`rules_set`].
const RULES: ListSpec = ListSpec {
    context: "policies/roleManagementPolicies/rules",
    allowed: Allowed {
        filter: true,
        select: true,
        expand: &[],
        top: false,
    },
    properties: RULE_PROPERTIES,
};

const RULE: ListSpec = ListSpec {
    allowed: Allowed {
        filter: false,
        ..RULES.allowed
    },
    ..RULES
};

/// `policies/roleManagementPolicies('{id}')/rules`, as Graph names a contained collection.
fn rules_set(policy_id: &str) -> String {
    format!("policies/roleManagementPolicies('{policy_id}')/rules")
}

fn rule_id(text: &str) -> ApiResult<PolicyRuleId> {
    text.parse().map_err(|_| {
        let known: Vec<&str> = PolicyRuleId::ALL.iter().map(|id| id.as_str()).collect();
        ApiError::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!(
                "The rule '{}' does not exist; a group policy's rules are {}.",
                text.chars().take(60).collect::<String>(),
                known.join(", ")
            ),
        )
    })
}

/// The 17 rules of a policy.
#[utoipa::path(get, path = "/v1.0/policies/roleManagementPolicies/{id}/rules", tag = "policies",
    params(("id" = String, Path, description = "Group_{groupId}_{guid}"),
           ("$filter" = Option<String>, Query, description = "e.g. id eq 'Expiration_EndUser_Assignment'"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The rules"), (status = 403, description = "Not an administrator of this group"),
              (status = 404, description = "No such policy")),
    security(("bearer" = [])))]
async fn list_rules(
    State(server): State<ServerState>,
    headers: HeaderMap,
    Auth(session): Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = ListQuery::parse(raw, &RULES)?;
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let (policy_id, items) = server
        .app
        .read(|state| -> ApiResult<(String, Vec<Value>)> {
            let policy = read::visible_policy(state, &caller, now, resolve_policy_id(state, &id)?)?;
            Ok((policy.graph_id(), shape::policy::rules(&policy)))
        })?;
    let context = read::context(&base_url(&headers), &rules_set(&policy_id), &query, None);
    Ok(Json(read::collection(context, &query, items, None)))
}

/// One rule of a policy.
#[utoipa::path(get, path = "/v1.0/policies/roleManagementPolicies/{id}/rules/{ruleId}", tag = "policies",
    params(("id" = String, Path, description = "Group_{groupId}_{guid}"),
           ("ruleId" = String, Path, description = "e.g. Expiration_EndUser_Assignment"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The rule"), (status = 403, description = "Not an administrator of this group"),
              (status = 404, description = "No such policy or rule")),
    security(("bearer" = [])))]
async fn get_rule(
    State(server): State<ServerState>,
    headers: HeaderMap,
    Auth(session): Auth,
    Path((id, rule)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = ListQuery::parse(raw, &RULE)?;
    let rule = rule_id(&rule)?;
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let (policy_id, item) = server.app.read(|state| -> ApiResult<(String, Value)> {
        let policy = read::visible_policy(state, &caller, now, resolve_policy_id(state, &id)?)?;
        let setting = policy_rules::rule(&policy.settings, rule);
        Ok((policy.graph_id(), shape::policy::rule(rule, &setting)))
    })?;
    let context = read::context(&base_url(&headers), &rules_set(&policy_id), &query, None);
    Ok(Json(read::entity(context, &query, item, None)))
}

/// Changes one rule. The body is the rule with its `@odata.type`; its `id` and `target`, if
/// given, must be the rule's own. Onboards an unmanaged group (P6).
#[utoipa::path(patch, path = "/v1.0/policies/roleManagementPolicies/{id}/rules/{ruleId}", tag = "policies",
    params(("id" = String, Path, description = "Group_{groupId}_{guid}"),
           ("ruleId" = String, Path, description = "e.g. Expiration_EndUser_Assignment")),
    request_body(content = Object, description = "unifiedRoleManagementPolicyRule (a derived type)"),
    responses((status = 204, description = "Changed"),
              (status = 400, description = "Invalid rule (InvalidPolicy, InvalidPolicyEnabledRules) or wrong @odata.type"),
              (status = 403, description = "Not an administrator of this group (S4)"),
              (status = 404, description = "No such policy or rule")),
    security(("bearer" = [])))]
async fn update_rule(
    State(server): State<ServerState>,
    Auth(session): Auth,
    Meta(meta): Meta,
    Path((id, rule)): Path<(String, String)>,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult<StatusCode> {
    let rule = rule_id(&rule)?;
    let (group, access) = server.app.read(|state| resolve_policy_id(state, &id))?;
    let setting = body::rule_setting(rule, body)?;
    server
        .app
        .update_policy_rule(&session, &meta, group, access, rule, setting)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
