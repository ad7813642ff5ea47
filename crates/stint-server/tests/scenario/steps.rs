//! Issue 3's scenario, written once over HTTP and run two ways: in-process with a manual clock
//! (`crates/stint-server/tests/scenario.rs`) and against the `stint` binary built with the
//! `test-clock` feature (`crates/stint/tests/scenario.rs`, which includes this file by path).
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use stint_app::{App, ManualClock};
use totp_rs::{Algorithm, Secret, TOTP};

pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "scenario-user-1";
const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

/// How the scenario moves time and runs the scheduler.
pub enum Clock {
    /// The app in this process: move the clock and tick directly.
    InProcess { app: Arc<App>, clock: ManualClock },
    /// A `stint serve --features test-clock` process: move it over HTTP; its scheduler ticks by itself.
    Remote,
}

pub struct Target {
    pub base_url: String,
    pub clock: Clock,
    http: reqwest::Client,
}

/// A signed-in user.
#[derive(Clone)]
pub struct User {
    pub id: String,
    token: String,
}

impl Target {
    pub fn new(base_url: String, clock: Clock) -> Target {
        Target {
            base_url,
            clock,
            http: reqwest::Client::new(),
        }
    }

    pub async fn call(
        &self,
        user: Option<&User>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        if let Some(user) = user {
            request = request.bearer_auth(&user.token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn sign_in(&self, name: &str, password: &str, totp: Option<String>) -> User {
        let mut body = json!({ "username": name, "password": password });
        if let Some(code) = totp {
            body["totp"] = code.into();
        }
        let (status, token) = self
            .call(None, Method::POST, "/stint/v1/auth/token", Some(body))
            .await;
        assert_eq!(status, 200, "sign-in as {name}: {token}");
        let mut user = User {
            id: String::new(),
            token: token["access_token"].as_str().unwrap().to_string(),
        };
        let (_, me) = self.call(Some(&user), Method::GET, "/v1.0/me", None).await;
        user.id = me["id"].as_str().unwrap().to_string();
        user
    }

    pub async fn now(&self, admin: &User) -> DateTime<Utc> {
        match &self.clock {
            Clock::InProcess { app, .. } => app.now(),
            Clock::Remote => {
                let (_, body) = self
                    .call(Some(admin), Method::GET, "/stint/v1/test/clock", None)
                    .await;
                serde_json::from_value(body["now"].clone()).unwrap()
            }
        }
    }

    pub async fn advance(&self, admin: &User, by: TimeDelta) {
        match &self.clock {
            Clock::InProcess { clock, .. } => clock.advance(by),
            Clock::Remote => {
                let iso = format!("PT{}S", by.num_seconds());
                let (status, body) = self
                    .call(
                        Some(admin),
                        Method::POST,
                        "/stint/v1/test/clock",
                        Some(json!({ "advance": iso })),
                    )
                    .await;
                assert_eq!(status, 200, "{body}");
            }
        }
    }

    /// Lets the scheduler record what is due: a direct tick in-process; a remote server ticks on
    /// its own every second or so, so wait (bounded) until `done` holds.
    pub async fn scheduler_runs_until(&self, done: impl AsyncCheck) {
        if let Clock::InProcess { app, .. } = &self.clock {
            app.tick().await.unwrap();
        }
        for _ in 0..100 {
            if done.check(self).await {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the scheduler did not record what was due");
    }

    pub async fn create_user(&self, admin: &User, name: &str) -> String {
        let (status, user) = self
            .call(
                Some(admin),
                Method::POST,
                "/v1.0/users",
                Some(json!({
                    "accountEnabled": true, "displayName": name, "userPrincipalName": name,
                    "passwordProfile": { "password": PASSWORD },
                })),
            )
            .await;
        assert_eq!(status, 201, "{user}");
        user["id"].as_str().unwrap().to_string()
    }

    pub async fn create_group(&self, admin: &User, name: &str) -> String {
        let (status, group) = self
            .call(Some(admin), Method::POST, "/v1.0/groups", Some(json!({
                "displayName": name, "securityEnabled": true, "mailEnabled": false, "groupTypes": [],
            })))
            .await;
        assert_eq!(status, 201, "{group}");
        group["id"].as_str().unwrap().to_string()
    }

    pub async fn member_ids(&self, admin: &User, group: &str) -> Vec<String> {
        let (_, members) = self
            .call(
                Some(admin),
                Method::GET,
                &format!("/v1.0/groups/{group}/members"),
                None,
            )
            .await;
        ids(&members)
    }

    pub async fn make_eligible(&self, admin: &User, principal: &str, group: &str, duration: &str) {
        let (status, body) = self
            .call(Some(admin), Method::POST, &format!("{PIM}/eligibilityScheduleRequests"), Some(json!({
                "accessId": "member", "principalId": principal, "groupId": group, "action": "adminAssign",
                "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": duration } },
                "justification": "Scenario",
            })))
            .await;
        assert_eq!(status, 201, "{body}");
    }

    /// PATCHes rules of the member policy of `group`.
    pub async fn member_policy(&self, admin: &User, group: &str, rules: Value) {
        let filter = format!("/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '{group}' and scopeType eq 'Group' and roleDefinitionId eq 'member'");
        let (_, assignments) = self.call(Some(admin), Method::GET, &filter, None).await;
        let policy = assignments["value"][0]["policyId"]
            .as_str()
            .unwrap()
            .to_string();
        let (status, body) = self
            .call(
                Some(admin),
                Method::PATCH,
                &format!("/v1.0/policies/roleManagementPolicies/{policy}"),
                Some(json!({ "rules": rules })),
            )
            .await;
        assert_eq!(status, 204, "{body}");
    }
}

/// A condition the remote scheduler is awaited for.
pub trait AsyncCheck {
    fn check(&self, target: &Target) -> impl std::future::Future<Output = bool>;
}

pub fn ids(list: &Value) -> Vec<String> {
    list["value"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn activation(principal: &str, group: &str, duration: &str) -> Value {
    json!({
        "accessId": "member", "principalId": principal, "groupId": group, "action": "selfActivate",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": duration } },
        "justification": "INC-7: payments are failing",
    })
}

fn approval_rule(approver: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
        "id": "Approval_EndUser_Assignment",
        "setting": {
            "isApprovalRequired": true, "isApprovalRequiredForExtension": false,
            "isRequestorJustificationRequired": true, "approvalMode": "SingleStage",
            "approvalStages": [{
                "approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": true,
                "escalationTimeInMinutes": 0, "isEscalationEnabled": false,
                "primaryApprovers": [{ "@odata.type": "#microsoft.graph.singleUser", "userId": approver }],
                "escalationApprovers": [],
            }],
        },
    })
}

fn enablement_rule(rules: &[&str]) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
        "id": "Enablement_EndUser_Assignment",
        "enabledRules": rules,
    })
}

fn expiration_rule(maximum: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
        "id": "Expiration_EndUser_Assignment",
        "isExpirationRequired": true,
        "maximumDuration": maximum,
    })
}

/// Approval by carol, a ticket, at most two hours: the whole life of one activation.
pub async fn approval_with_ticket_and_time_limit(t: &Target) {
    let admin = t.sign_in("admin", ADMIN_PASSWORD, None).await;
    let alice_id = t.create_user(&admin, "alice").await;
    let carol_id = t.create_user(&admin, "carol").await;
    t.create_user(&admin, "dave").await;
    let group = t.create_group(&admin, "Payments production").await;
    t.make_eligible(&admin, &alice_id, &group, "P30D").await;
    t.member_policy(
        &admin,
        &group,
        json!([
            approval_rule(&carol_id),
            enablement_rule(&["Justification", "Ticketing"]),
            expiration_rule("PT2H"),
        ]),
    )
    .await;
    let alice = t.sign_in("alice", PASSWORD, None).await;
    let carol = t.sign_in("carol", PASSWORD, None).await;
    let dave = t.sign_in("dave", PASSWORD, None).await;
    let requests = format!("{PIM}/assignmentScheduleRequests");

    let (status, refused) = t
        .call(
            Some(&alice),
            Method::POST,
            &requests,
            Some(activation(&alice_id, &group, "PT2H")),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("RoleAssignmentRequestPolicyValidationFailed"))
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("TicketingRule"),
        "{refused}"
    );

    let mut with_ticket = activation(&alice_id, &group, "PT2H");
    with_ticket["ticketInfo"] = json!({ "ticketNumber": "INC-7", "ticketSystem": "ServiceNow" });
    let (status, pending) = t
        .call(Some(&alice), Method::POST, &requests, Some(with_ticket))
        .await;
    assert_eq!(status, 201, "{pending}");
    assert_eq!(pending["status"], "PendingApproval");
    let request = pending["id"].as_str().unwrap().to_string();

    let (_, approval) = t
        .call(
            Some(&carol),
            Method::GET,
            &format!("{PIM}/assignmentApprovals/{request}"),
            None,
        )
        .await;
    let stage = approval["stages"][0]["id"].as_str().unwrap().to_string();
    let decide = format!("{PIM}/assignmentApprovals/{request}/stages/{stage}");
    let approve = json!({ "reviewResult": "Approve", "justification": "Ticket checked" });

    let (status, own) = t
        .call(Some(&alice), Method::PATCH, &decide, Some(approve.clone()))
        .await;
    assert_eq!(status, 403, "the requester never approves: {own}");
    let (status, body) = t
        .call(Some(&carol), Method::PATCH, &decide, Some(approve.clone()))
        .await;
    assert_eq!(status, 204, "{body}");
    let approved_at = t.now(&admin).await;

    let (_, provisioned) = t
        .call(
            Some(&alice),
            Method::GET,
            &format!("{requests}/{request}"),
            None,
        )
        .await;
    assert_eq!(provisioned["status"], "Provisioned");
    assert_eq!(t.member_ids(&admin, &group).await, [alice_id.as_str()]);
    let (_, member_of) = t
        .call(
            Some(&admin),
            Method::GET,
            &format!("/v1.0/users/{alice_id}/transitiveMemberOf"),
            None,
        )
        .await;
    assert!(ids(&member_of).contains(&group));

    let (status, late) = t
        .call(Some(&dave), Method::PATCH, &decide, Some(approve))
        .await;
    assert_eq!(status, 409, "the first decision won: {late}");

    let until_end = approved_at + TimeDelta::hours(2) + TimeDelta::seconds(1) - t.now(&admin).await;
    t.advance(&admin, until_end).await;
    assert!(
        t.member_ids(&admin, &group).await.is_empty(),
        "not a member after the end, before any tick"
    );

    let (_, audit) = t
        .call(
            Some(&admin),
            Method::GET,
            &format!("/stint/v1/audit?groupId={group}&$top=999"),
            None,
        )
        .await;
    let mut story: Vec<(String, String)> = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    story.reverse();
    let expected = [
        ("group.create", "success"),
        ("request.adminAssign", "success"),
        ("policy.update", "success"),
        ("request.selfActivate", "failure"),
        ("request.selfActivate", "success"),
        ("approval.approve", "failure"),
        ("approval.approve", "success"),
    ];
    let mut position = 0;
    for step in expected {
        let found = story[position..]
            .iter()
            .position(|(a, r)| a == step.0 && r == step.1);
        let offset = found.unwrap_or_else(|| panic!("{step:?} missing in order from {story:?}"));
        position += offset + 1;
    }
}

/// MFA required: no step-up fails naming `MfaRule`; a valid code unlocks it; the code is used once.
pub async fn activation_with_mfa(t: &Target) {
    let admin = t.sign_in("admin", ADMIN_PASSWORD, None).await;
    let erin_id = t.create_user(&admin, "erin").await;
    let group = t.create_group(&admin, "Database admins").await;
    t.make_eligible(&admin, &erin_id, &group, "P30D").await;
    t.member_policy(
        &admin,
        &group,
        json!([enablement_rule(&[
            "Justification",
            "MultiFactorAuthentication"
        ])]),
    )
    .await;
    let erin = t.sign_in("erin", PASSWORD, None).await;

    let (status, enrolment) = t
        .call(
            Some(&erin),
            Method::POST,
            "/stint/v1/me/authenticators/totp",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 201, "{enrolment}");
    let secret = Secret::Encoded(enrolment["secret"].as_str().unwrap().to_string())
        .to_bytes()
        .unwrap();
    let authenticator = TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, secret);
    let code_at = |at: DateTime<Utc>| authenticator.generate(at.timestamp() as u64);
    let now = t.now(&admin).await;
    let (status, body) = t
        .call(
            Some(&erin),
            Method::POST,
            "/stint/v1/me/authenticators/totp/confirm",
            Some(json!({ "code": code_at(now) })),
        )
        .await;
    assert_eq!(status, 204, "{body}");

    let requests = format!("{PIM}/assignmentScheduleRequests");
    let (status, refused) = t
        .call(
            Some(&erin),
            Method::POST,
            &requests,
            Some(activation(&erin_id, &group, "PT1H")),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("MfaRule"),
        "{refused}"
    );

    t.advance(&admin, TimeDelta::seconds(60)).await;
    let code = code_at(t.now(&admin).await);
    let (status, body) = t
        .call(
            Some(&erin),
            Method::POST,
            "/stint/v1/auth/step-up",
            Some(json!({ "code": code })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = t
        .call(
            Some(&erin),
            Method::POST,
            &requests,
            Some(activation(&erin_id, &group, "PT1H")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(t.member_ids(&admin, &group).await, [erin_id]);

    let (status, replay) = t
        .call(
            Some(&erin),
            Method::POST,
            "/stint/v1/auth/step-up",
            Some(json!({ "code": code })),
        )
        .await;
    assert_eq!(status, 403, "a code is accepted once only: {replay}");
}

/// Extend ten days before the end; renew after the end; not extendable twenty days before.
pub async fn extend_and_renew(t: &Target) {
    let admin = t.sign_in("admin", ADMIN_PASSWORD, None).await;
    let frank_id = t.create_user(&admin, "frank").await;
    let group = t.create_group(&admin, "Finance close").await;
    t.make_eligible(&admin, &frank_id, &group, "P30D").await;
    let frank = t.sign_in("frank", PASSWORD, None).await;
    let eligibility = format!("{PIM}/eligibilityScheduleRequests");
    let ask = |action: &str| {
        json!({
            "accessId": "member", "principalId": frank_id, "groupId": group, "action": action,
            "justification": "Quarter close runs late",
        })
    };

    t.advance(&admin, TimeDelta::days(10)).await;
    let (status, early) = t
        .call(
            Some(&frank),
            Method::POST,
            &eligibility,
            Some(ask("selfExtend")),
        )
        .await;
    assert_eq!(
        (status, early["error"]["code"].as_str()),
        (400, Some("RoleAssignmentDoesNotExist")),
        "20 days before the end"
    );

    t.advance(&admin, TimeDelta::days(10)).await;
    let (status, pending) = t
        .call(
            Some(&frank),
            Method::POST,
            &eligibility,
            Some(ask("selfExtend")),
        )
        .await;
    assert_eq!(status, 201, "{pending}");
    let new_end = t.now(&admin).await + TimeDelta::days(40);
    approve_as_admin(t, &admin, pending["id"].as_str().unwrap(), new_end).await;
    let end = eligibility_end(t, &admin, &group).await;
    assert_eq!(end, Some(new_end));

    t.advance(&admin, TimeDelta::days(41)).await;
    let (status, renewal) = t
        .call(
            Some(&frank),
            Method::POST,
            &eligibility,
            Some(ask("selfRenew")),
        )
        .await;
    assert_eq!(status, 201, "{renewal}");
    let renewed_end = t.now(&admin).await + TimeDelta::days(90);
    approve_as_admin(t, &admin, renewal["id"].as_str().unwrap(), renewed_end).await;
    assert_eq!(eligibility_end(t, &admin, &group).await, Some(renewed_end));
}

async fn approve_as_admin(t: &Target, admin: &User, request: &str, end: DateTime<Utc>) {
    let (_, approval) = t
        .call(
            Some(admin),
            Method::GET,
            &format!("{PIM}/assignmentApprovals/{request}"),
            None,
        )
        .await;
    let stage = approval["stages"][0]["id"].as_str().unwrap();
    let (status, body) = t
        .call(
            Some(admin),
            Method::PATCH,
            &format!("{PIM}/assignmentApprovals/{request}/stages/{stage}"),
            Some(json!({
                "reviewResult": "Approve", "justification": "Confirmed with the manager",
                "stintSchedule": { "endDateTime": end },
            })),
        )
        .await;
    assert_eq!(status, 204, "{body}");
}

async fn eligibility_end(t: &Target, admin: &User, group: &str) -> Option<DateTime<Utc>> {
    let (_, schedules) = t
        .call(
            Some(admin),
            Method::GET,
            &format!("{PIM}/eligibilitySchedules?$filter=groupId eq '{group}'"),
            None,
        )
        .await;
    let end = &schedules["value"][0]["scheduleInfo"]["expiration"]["endDateTime"];
    serde_json::from_value(end.clone()).ok()
}

/// Bob, active in group A which is eligible in group B, activates B for himself alone.
pub async fn nesting(t: &Target) {
    let admin = t.sign_in("admin", ADMIN_PASSWORD, None).await;
    let bob_id = t.create_user(&admin, "bob").await;
    let grace_id = t.create_user(&admin, "grace").await;
    let team = t.create_group(&admin, "Group A").await;
    let target = t.create_group(&admin, "Group B").await;
    for member in [&bob_id, &grace_id] {
        let (status, body) = t
            .call(Some(&admin), Method::POST, &format!("/v1.0/groups/{team}/members/$ref"), Some(json!({
                "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{member}"),
            })))
            .await;
        assert_eq!(status, 204, "{body}");
    }
    t.make_eligible(&admin, &team, &target, "P30D").await;
    let bob = t.sign_in("bob", PASSWORD, None).await;
    let (status, body) = t
        .call(
            Some(&bob),
            Method::POST,
            &format!("{PIM}/assignmentScheduleRequests"),
            Some(activation(&bob_id, &target, "PT1H")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        t.member_ids(&admin, &target).await,
        [bob_id],
        "bob alone, not grace nor group A"
    );
}

/// A request nobody decides is denied after 24 hours of clock time.
pub async fn undecided_request_is_denied(t: &Target) {
    let admin = t.sign_in("admin", ADMIN_PASSWORD, None).await;
    let hank_id = t.create_user(&admin, "hank").await;
    let ivy_id = t.create_user(&admin, "ivy").await;
    let group = t.create_group(&admin, "Audit logs").await;
    t.make_eligible(&admin, &hank_id, &group, "P30D").await;
    t.member_policy(&admin, &group, json!([approval_rule(&ivy_id)]))
        .await;
    let hank = t.sign_in("hank", PASSWORD, None).await;
    let (status, pending) = t
        .call(
            Some(&hank),
            Method::POST,
            &format!("{PIM}/assignmentScheduleRequests"),
            Some(activation(&hank_id, &group, "PT1H")),
        )
        .await;
    assert_eq!(status, 201, "{pending}");
    let path = format!(
        "{PIM}/assignmentScheduleRequests/{}",
        pending["id"].as_str().unwrap()
    );
    t.advance(&admin, TimeDelta::hours(24)).await;
    t.scheduler_runs_until(RequestStatus {
        user: hank,
        path,
        status: "Denied",
    })
    .await;
}

struct RequestStatus {
    user: User,
    path: String,
    status: &'static str,
}

impl AsyncCheck for RequestStatus {
    async fn check(&self, target: &Target) -> bool {
        let (_, request) = target
            .call(Some(&self.user), Method::GET, &self.path, None)
            .await;
        request["status"] == self.status
    }
}
