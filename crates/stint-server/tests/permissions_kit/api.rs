//! One call per API route for the matrix: the path template filled in with objects of the world
//! (fresh ones where an allowed call would change what the next caller sees), and a valid
//! minimal body, so that what decides the answer is who calls.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{graph_time, reference, start_time, Reply, PASSWORD};
use crate::policy_helpers::expiration_rule;
use crate::world::{pim_request, role_request, Caller, World, PIM, ROLES};
use stint_core::directory::BuiltInRole::*;

/// What a call sends: the concrete path and the JSON body, if any.
struct Call {
    path: String,
    body: Option<Value>,
    /// `requester`'s request to cancel afterwards if the call left it pending.
    pending: Option<String>,
}

fn call(path: String, body: Option<Value>) -> Call {
    Call {
        path,
        body,
        pending: None,
    }
}

/// Calls `method template` as `caller`; `clock_base` is where the test clock is served.
pub async fn send(
    world: &World,
    caller: &Caller,
    clock_base: &str,
    method: &Method,
    template: &str,
) -> Reply {
    let call = prepare(world, method, template).await;
    // Signing out ends the token it is called with: a token of its own, not the caller's.
    let client = match (&caller.id, template) {
        (Some(_), "/stint/v1/auth/signout") => world.server.client_as(caller.name, PASSWORD).await,
        _ => caller.api.clone(),
    };
    if *method == Method::DELETE && template == "/stint/v1/me/authenticators/totp" {
        // There is an authenticator to remove.
        let _ = client.post(template, json!({})).await;
    }
    let path = if template.starts_with("/stint/v1/test/") {
        format!("{clock_base}{}", call.path)
    } else {
        call.path
    };
    let reply = client
        .send(method.clone(), &path, call.body.map(|b| b.to_string()))
        .await;
    if let Some(request) = call.pending {
        world.settle(&request).await;
    }
    reply
}

async fn prepare(world: &World, method: &Method, template: &str) -> Call {
    let team = &world.team;
    let target = &world.target;
    let unit = &world.unit;
    let member = world.caller_id("member");
    let get = |path: String| call(path, None);
    let with = |path: String, body: Value| call(path, Some(body));
    let pim_list = |collection: &str| {
        get(format!(
            "{PIM}/{collection}?$filter=groupId eq '{}'",
            world.gated
        ))
    };
    let pim_one = |collection: &str, id: &str| get(format!("{PIM}/{collection}/{id}"));
    match (method.as_str(), template) {
        ("GET", "/stint/v1/openapi.json") => get(template.into()),
        ("GET", "/stint/v1/test/clock") => get(template.into()),
        ("POST", "/stint/v1/test/clock") => with(
            template.into(),
            json!({ "set": graph_time(start_time()) }),
        ),
        ("GET", "/stint/v1/advisor") => get(template.into()),
        ("GET", "/stint/v1/audit") => get(format!("{template}?groupId={team}")),
        ("GET", "/stint/v1/audit/export") => get(template.into()),
        ("POST", "/stint/v1/auth/signout") => with(template.into(), json!({})),
        ("POST", "/stint/v1/auth/step-up") => with(template.into(), json!({ "code": "000000" })),
        ("POST", "/stint/v1/auth/token") => with(
            template.into(),
            json!({ "username": "user", "password": PASSWORD }),
        ),
        ("GET", "/stint/v1/changes") => get(format!("{template}?after=0")),
        ("GET", "/stint/v1/check") => get(format!(
            "{template}?principalId={member}&groupId={team}"
        )),
        ("POST", "/stint/v1/check") => with(
            template.into(),
            json!({ "checks": [{ "principalId": member, "groupId": team }] }),
        ),
        ("GET", "/stint/v1/connectors") => get(template.into()),
        ("POST", "/stint/v1/connectors") => with(template.into(), World::connector_body()),
        ("GET" | "DELETE", "/stint/v1/connectors/{id}") => {
            get(format!("/stint/v1/connectors/{}", world.fresh_connector().await))
        }
        ("PATCH", "/stint/v1/connectors/{id}") => with(
            format!("/stint/v1/connectors/{}", world.fresh_connector().await),
            json!({ "driftMode": "report" }),
        ),
        ("GET", "/stint/v1/connectors/{id}/links") => get(format!(
            "/stint/v1/connectors/{}/links",
            world.fresh_connector().await
        )),
        ("POST", "/stint/v1/connectors/{id}/links") => with(
            format!("/stint/v1/connectors/{}/links", world.fresh_connector().await),
            json!({ "groupId": team, "target": "cn=team,ou=groups,dc=example,dc=com" }),
        ),
        ("GET", "/stint/v1/connectors/{id}/status") | ("POST", "/stint/v1/connectors/{id}/reconcile") => {
            let connector = world.fresh_connector().await;
            get(template.replace("{id}", &connector))
        }
        ("DELETE", "/stint/v1/connectors/{id}/links/{linkId}") => {
            let (connector, link) = world.fresh_link().await;
            get(format!("/stint/v1/connectors/{connector}/links/{link}"))
        }
        ("GET", "/stint/v1/health") => get(template.into()),
        ("GET", "/metrics") => get(template.into()),
        ("GET", "/stint/v1/me/authenticators") => get(template.into()),
        ("POST", "/stint/v1/me/authenticators/totp") => with(template.into(), json!({})),
        ("DELETE", "/stint/v1/me/authenticators/totp") => get(template.into()),
        ("POST", "/stint/v1/me/authenticators/totp/confirm") => {
            with(template.into(), json!({ "code": "000000" }))
        }
        ("GET", "/stint/v1/outbox") => get(format!("{template}?state=dead")),
        ("POST", "/stint/v1/outbox/{id}/redrive") => get(format!(
            "/stint/v1/outbox/{}/redrive",
            world.dead_message().await
        )),
        ("GET", "/stint/v1/pim/groups") => get(template.into()),
        ("POST", "/stint/v1/pim/groups/{id}/manage") => {
            let group = world.fresh_group().await;
            with(format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        }
        // Gated: `member` is eligible for it, so the summary of its rules is theirs to read.
        ("GET", "/stint/v1/pim/groups/{id}/activationRules") => get(format!(
            "/stint/v1/pim/groups/{}/activationRules",
            world.gated
        )),
        ("GET", "/stint/v1/principals/{id}/groups") => {
            get(format!("/stint/v1/principals/{target}/groups"))
        }
        ("GET", "/stint/v1/principals/{id}/roles") => {
            get(format!("/stint/v1/principals/{target}/roles"))
        }
        ("POST", "/stint/v1/auth/sso/token") => with(
            template.into(),
            json!({ "code": "x", "code_verifier": "y", "redirect_uri": "http://127.0.0.1:9/callback" }),
        ),
        ("POST", "/stint/v1/auth/sso/device") => with(template.into(), json!({})),
        ("POST", "/stint/v1/auth/sso/device/token") => {
            with(template.into(), json!({ "handle": "x" }))
        }
        ("GET", "/stint/v1/users/{id}/identities") => {
            get(format!("/stint/v1/users/{target}/identities"))
        }
        // Target has no linked identity: whoever may unlink gets 404 for this one.
        ("DELETE", "/stint/v1/users/{id}/identities/{identity}") => {
            get(format!("/stint/v1/users/{target}/identities/0123456789abcdef"))
        }
        ("POST", "/stint/v1/users/{id}/resetCredentials") => with(
            format!("/stint/v1/users/{target}/resetCredentials"),
            json!({ "removeAuthenticator": true }),
        ),
        ("GET", "/stint/v1/scim/tokens") => get(template.into()),
        ("POST", "/stint/v1/scim/tokens") => {
            with(template.into(), json!({ "displayName": "Matrix" }))
        }
        ("DELETE", "/stint/v1/scim/tokens/{id}") => get(format!(
            "/stint/v1/scim/tokens/{}",
            world.fresh_scim_token().await
        )),
        (_, scim) if scim.starts_with("/scim/v2/") => with(
            scim.replace("{id}", "00000000-0000-0000-0000-000000000001"),
            json!({}),
        ),
        ("GET", "/stint/v1/webhooks") => get(template.into()),
        ("POST", "/stint/v1/webhooks") => with(
            template.into(),
            json!({ "url": "http://127.0.0.1:9/stint", "events": ["reminder.expiringSoon"] }),
        ),
        ("GET", "/stint/v1/webhooks/{id}") => {
            get(format!("/stint/v1/webhooks/{}", world.fresh_webhook().await))
        }
        ("PATCH", "/stint/v1/webhooks/{id}") => with(
            format!("/stint/v1/webhooks/{}", world.fresh_webhook().await),
            json!({ "format": "slack" }),
        ),
        ("DELETE", "/stint/v1/webhooks/{id}") => {
            get(format!("/stint/v1/webhooks/{}", world.fresh_webhook().await))
        }
        ("GET", "/stint/v1/webhooks/{id}/deliveries") => get(format!(
            "/stint/v1/webhooks/{}/deliveries",
            world.fresh_webhook().await
        )),
        ("GET", "/v1.0/directory/administrativeUnits") => get(template.into()),
        ("POST", "/v1.0/directory/administrativeUnits") => with(
            template.into(),
            json!({ "displayName": world.fresh_name("Unit") }),
        ),
        ("GET", "/v1.0/directory/administrativeUnits/{id}") => {
            get(format!("/v1.0/directory/administrativeUnits/{unit}"))
        }
        ("GET", "/v1.0/directory/administrativeUnits/{id}/members") => {
            get(format!("/v1.0/directory/administrativeUnits/{unit}/members"))
        }
        ("POST", "/v1.0/directory/administrativeUnits/{id}/members/$ref") => {
            let principal = world.fresh_principal(false).await;
            with(
                format!("/v1.0/directory/administrativeUnits/{unit}/members/$ref"),
                reference(&principal),
            )
        }
        ("DELETE", "/v1.0/directory/administrativeUnits/{id}/members/{memberId}/$ref") => {
            let group = world.fresh_group().await;
            get(format!(
                "/v1.0/directory/administrativeUnits/{unit}/members/{group}/$ref"
            ))
        }
        ("GET", "/v1.0/groups") => get(template.into()),
        ("POST", "/v1.0/groups") => {
            let name = world.fresh_name("Created");
            with(
                template.into(),
                json!({ "displayName": name, "mailEnabled": false, "mailNickname": name,
                        "securityEnabled": true, "isAssignableToRole": false }),
            )
        }
        ("GET", "/v1.0/groups/{id}") => get(format!("/v1.0/groups/{team}")),
        ("DELETE", "/v1.0/groups/{id}") => {
            get(format!("/v1.0/groups/{}", world.fresh_group().await))
        }
        ("PATCH", "/v1.0/groups/{id}") => with(
            format!("/v1.0/groups/{team}"),
            json!({ "description": "Permission matrix" }),
        ),
        ("GET", "/v1.0/groups/{id}/members") => get(format!("/v1.0/groups/{team}/members")),
        ("POST", "/v1.0/groups/{id}/members/$ref") => {
            let principal = world.fresh_principal(false).await;
            with(
                format!("/v1.0/groups/{team}/members/$ref"),
                reference(&principal),
            )
        }
        ("DELETE", "/v1.0/groups/{id}/members/{memberId}/$ref") => get(format!(
            "/v1.0/groups/{}/members/{member}/$ref",
            world.fresh_group().await
        )),
        ("GET", "/v1.0/groups/{id}/owners") => get(format!("/v1.0/groups/{team}/owners")),
        ("POST", "/v1.0/groups/{id}/owners/$ref") => with(
            format!("/v1.0/groups/{}/owners/$ref", world.fresh_group().await),
            reference(target),
        ),
        ("DELETE", "/v1.0/groups/{id}/owners/{memberId}/$ref") => get(format!(
            "/v1.0/groups/{}/owners/{}/$ref",
            world.fresh_group().await,
            world.caller_id("owner")
        )),
        ("GET", "/v1.0/groups/{id}/transitiveMembers") => {
            get(format!("/v1.0/groups/{team}/transitiveMembers"))
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/assignmentApprovals/{id}") => {
            pim_one("assignmentApprovals", &world.pending_request)
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/assignmentApprovals/{id}/stages/{stageId}") => {
            let (request, stage) = world.pending_stage().await;
            get(format!("{PIM}/assignmentApprovals/{request}/stages/{stage}"))
        }
        ("PATCH", path) if path.starts_with(&format!("{PIM}/assignmentApprovals/")) => {
            let (request, stage) = world.fresh_pending().await;
            let kind = if path.contains("/steps/") { "steps" } else { "stages" };
            Call {
                path: format!("{PIM}/assignmentApprovals/{request}/{kind}/{stage}"),
                body: Some(json!({ "reviewResult": "Deny", "justification": "Permission matrix" })),
                pending: Some(request),
            }
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances") => {
            pim_list("assignmentScheduleInstances")
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances/{id}") => {
            pim_one("assignmentScheduleInstances", &world.record("assignmentScheduleInstances", &world.caller_id("owner")).await)
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests") => {
            pim_list("assignmentScheduleRequests")
        }
        ("POST", "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests") => {
            let principal = world.fresh_principal(false).await;
            with(template.into(), pim_request("adminAssign", &principal, team, "P30D"))
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/{id}") => {
            pim_one("assignmentScheduleRequests", &world.pending_request)
        }
        ("POST", "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/{id}/cancel") => {
            let (request, _) = world.fresh_pending().await;
            Call {
                path: format!("{PIM}/assignmentScheduleRequests/{request}/cancel"),
                body: Some(json!({})),
                pending: Some(request),
            }
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/assignmentSchedules") => {
            pim_list("assignmentSchedules")
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/assignmentSchedules/{id}") => {
            pim_one("assignmentSchedules", &world.record("assignmentSchedules", &world.caller_id("owner")).await)
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances") => {
            pim_list("eligibilityScheduleInstances")
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances/{id}") => {
            pim_one("eligibilityScheduleInstances", &world.record("eligibilityScheduleInstances", &member).await)
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests") => {
            pim_list("eligibilityScheduleRequests")
        }
        ("POST", "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests") => {
            let principal = world.fresh_principal(false).await;
            with(template.into(), pim_request("adminAssign", &principal, team, "P30D"))
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/{id}") => {
            pim_one("eligibilityScheduleRequests", &world.eligibility_request)
        }
        ("POST", "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/{id}/cancel") => {
            with(
                format!("{PIM}/eligibilityScheduleRequests/{}/cancel", world.eligibility_request),
                json!({}),
            )
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/eligibilitySchedules") => {
            pim_list("eligibilitySchedules")
        }
        ("GET", "/v1.0/identityGovernance/privilegedAccess/group/eligibilitySchedules/{id}") => {
            pim_one("eligibilitySchedules", &world.record("eligibilitySchedules", &member).await)
        }
        ("GET", "/v1.0/me" | "/v1.0/me/memberOf" | "/v1.0/me/transitiveMemberOf") => {
            get(template.into())
        }
        ("GET", "/v1.0/policies/roleManagementPolicies") => get(format!(
            "{template}?$filter=scopeId eq '{team}' and scopeType eq 'Group'"
        )),
        ("GET", "/v1.0/policies/roleManagementPolicies/{id}") => {
            get(template.replace("{id}", &world.team_policy().await))
        }
        ("PATCH", "/v1.0/policies/roleManagementPolicies/{id}") => with(
            template.replace("{id}", &world.team_policy().await),
            json!({ "rules": [expiration_rule("Expiration_EndUser_Assignment", true, Some("PT8H"), "EndUser", "Assignment")] }),
        ),
        ("GET", "/v1.0/policies/roleManagementPolicies/{id}/rules") => {
            get(template.replace("{id}", &world.team_policy().await))
        }
        ("GET", "/v1.0/policies/roleManagementPolicies/{id}/rules/{ruleId}") => get(template
            .replace("{id}", &world.team_policy().await)
            .replace("{ruleId}", "Expiration_EndUser_Assignment")),
        ("PATCH", "/v1.0/policies/roleManagementPolicies/{id}/rules/{ruleId}") => with(
            template
                .replace("{id}", &world.team_policy().await)
                .replace("{ruleId}", "Expiration_EndUser_Assignment"),
            expiration_rule("Expiration_EndUser_Assignment", true, Some("PT8H"), "EndUser", "Assignment"),
        ),
        ("GET", "/v1.0/policies/roleManagementPolicyAssignments") => get(format!(
            "{template}?$filter=scopeId eq '{team}' and scopeType eq 'Group'"
        )),
        ("GET", "/v1.0/policies/roleManagementPolicyAssignments/{id}") => {
            get(template.replace("{id}", &world.team_policy_assignment().await))
        }
        ("POST", "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests") => {
            let principal = world.fresh_principal(true).await;
            with(template.into(), role_request(&principal, HelpdeskAdministrator))
        }
        ("POST", "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests") => {
            let principal = world.fresh_principal(true).await;
            with(template.into(), role_request(&principal, HelpdeskAdministrator))
        }
        ("GET", "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/{id}") => {
            get(format!("{ROLES}/roleAssignmentScheduleRequests/{}", world.role_request))
        }
        ("GET", "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests/{id}") => get(
            format!("{ROLES}/roleEligibilityScheduleRequests/{}", world.role_eligibility_request),
        ),
        ("POST", "/v1.0/roleManagement/directory/roleAssignments") => {
            let principal = world.fresh_principal(true).await;
            with(
                template.into(),
                json!({ "principalId": principal, "roleDefinitionId": HelpdeskAdministrator.id().to_string(), "directoryScopeId": "/" }),
            )
        }
        ("GET", "/v1.0/roleManagement/directory/roleAssignments/{id}") => {
            get(format!("{ROLES}/roleAssignments/{}", world.role_assignment))
        }
        ("DELETE", "/v1.0/roleManagement/directory/roleAssignments/{id}") => {
            let principal = world.fresh_principal(true).await;
            let id = world.admin.assign_role(&principal, HelpdeskAdministrator, "/").await;
            get(format!("{ROLES}/roleAssignments/{id}"))
        }
        ("GET", "/v1.0/roleManagement/directory/roleDefinitions/{id}") => get(format!(
            "{ROLES}/roleDefinitions/{}",
            HelpdeskAdministrator.id()
        )),
        ("GET", path) if path.starts_with(ROLES) && path.ends_with("/{id}") => {
            // Role schedules and instances: the bootstrap administrator's, or Holder's eligibility.
            let collection = path.trim_end_matches("/{id}");
            let mine = format!("{collection}?$filter=principalId eq '{}'", world.admin_id);
            let listed = if collection.contains("Eligibility") { collection } else { &mine };
            get(format!("{collection}/{}", world.first_id(listed).await))
        }
        ("GET", path) if path.starts_with(ROLES) => get(path.into()),
        ("GET", "/v1.0/users") => get(template.into()),
        ("POST", "/v1.0/users") => {
            let name = world.fresh_name("created");
            with(
                template.into(),
                json!({ "accountEnabled": true, "displayName": name, "userPrincipalName": name,
                        "mailNickname": name,
                        "passwordProfile": { "password": PASSWORD } }),
            )
        }
        ("GET", "/v1.0/users/{id}") => get(format!("/v1.0/users/{target}")),
        ("PATCH", "/v1.0/users/{id}") => with(
            format!("/v1.0/users/{target}"),
            json!({ "displayName": "target" }),
        ),
        ("GET", "/v1.0/users/{id}/memberOf") => get(format!("/v1.0/users/{target}/memberOf")),
        ("GET", "/v1.0/users/{id}/transitiveMemberOf") => {
            get(format!("/v1.0/users/{target}/transitiveMemberOf"))
        }
        _ => panic!("no call for {method} {template}: add one to tests/permissions_kit/api.rs"),
    }
}
