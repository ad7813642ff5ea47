//! `/v1.0/policies/roleManagementPolicies/{id}/rules`: the 17 rules of a policy, each readable and
//! updatable with its `@odata.type` (SPEC S3).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stint_core::policy::Policy;
use stint_core::policy_rules::{self, PolicyRuleId};
use stint_odata::Allowed;
use utoipa_axum::routes;

use super::body;
use super::read::Frame;
use crate::call::Call;
use crate::collection::ListSpec;
use crate::documented::{
    Changed, NoSuchPolicy, NoSuchPolicyOrRule, NotGroupAdministrator, PolicyPath,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::GraphJson;
use crate::shape;
use crate::ApiRouter;

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

/// The `@odata.context` names the policy, so it is made per call by [`with_policy`].
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

const RULE: ListSpec = RULES.entity();

/// The rules of one policy, read by [`with_policy`].
fn rules_frame(set: &str) -> Frame<'_> {
    Frame {
        set,
        expanded: None,
        navigation: None,
    }
}

/// `f` of the policy with Graph id `id`, if the caller may read it, with the entity set of its
/// rules: `policies/roleManagementPolicies('{id}')/rules`, as Graph names a contained collection.
fn with_policy<T>(call: &Call, id: &str, f: impl FnOnce(&Policy) -> T) -> ApiResult<(String, T)> {
    let policy = call.view().policy_by_id(id)?;
    let set = format!(
        "policies/roleManagementPolicies('{}')/rules",
        policy.graph_id()
    );
    Ok((set, f(&policy)))
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
    params(PolicyPath,
           ("$filter" = Option<String>, Query, description = "e.g. id eq 'Expiration_EndUser_Assignment'"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The rules"), NotGroupAdministrator,
              NoSuchPolicy))]
async fn list_rules(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let query = call.query(&RULES)?;
    let (set, items) = with_policy(&call, &id, shape::policy::rules)?;
    Ok(rules_frame(&set).collection(&call, &query, items))
}

/// One rule of a policy.
#[utoipa::path(get, path = "/v1.0/policies/roleManagementPolicies/{id}/rules/{ruleId}", tag = "policies",
    params(PolicyPath,
           ("ruleId" = String, Path, description = "e.g. Expiration_EndUser_Assignment"),
           crate::wire::SelectOption),
    responses((status = 200, description = "The rule"), NotGroupAdministrator,
              NoSuchPolicyOrRule))]
async fn get_rule(call: Call, Path((id, rule)): Path<(String, String)>) -> ApiResult<Json<Value>> {
    let query = call.query(&RULE)?;
    let rule = rule_id(&rule)?;
    let (set, item) = with_policy(&call, &id, |policy| {
        shape::policy::rule(rule, &policy_rules::rule(&policy.settings, rule))
    })?;
    Ok(rules_frame(&set).entity(&call, &query, item))
}

/// Changes one rule. The body is the rule with its `@odata.type`; its `id` and `target`, if
/// given, must be the rule's own. Onboards an unmanaged group (P6).
#[utoipa::path(patch, path = "/v1.0/policies/roleManagementPolicies/{id}/rules/{ruleId}", tag = "policies",
    params(PolicyPath,
           ("ruleId" = String, Path, description = "e.g. Expiration_EndUser_Assignment")),
    request_body(content = Object, description = "unifiedRoleManagementPolicyRule (a derived type)"),
    responses(Changed,
              (status = 400, description = "Invalid rule (InvalidPolicy, InvalidPolicyEnabledRules) or wrong @odata.type"),
              (status = 403, description = "Not an administrator of this group (S4)"),
              NoSuchPolicyOrRule))]
async fn update_rule(
    call: Call,
    Path((id, rule)): Path<(String, String)>,
    GraphJson(body): GraphJson<Value>,
) -> ApiResult<StatusCode> {
    let rule = rule_id(&rule)?;
    let (group, access) = call.view().policy_key(&id)?;
    let setting = body::rule_setting(rule, body)?;
    call.app()
        .update_policy_rule(&call.session, &call.meta, group, access, rule, setting)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
