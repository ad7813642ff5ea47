//! Activation by the eligible principal over HTTP (SPEC V1, V2, V5, V6, V7, V8).
#![allow(clippy::unwrap_used)]

mod common;

use chrono::TimeDelta;
use serde_json::{json, Value};

use common::{graph_time, Client, TestServer, PASSWORD};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

fn activation(principal: &str, group: &str, duration: &str) -> Value {
    json!({
        "accessId": "member",
        "principalId": principal,
        "groupId": group,
        "action": "selfActivate",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": duration } },
        "justification": "Investigating the incident",
    })
}

fn deactivation(principal: &str, group: &str) -> Value {
    json!({ "accessId": "member", "principalId": principal, "groupId": group, "action": "selfDeactivate" })
}

async fn member_ids(admin: &Client, group: &str) -> Vec<String> {
    admin.ids(&format!("/v1.0/groups/{group}/members")).await
}

/// admin, alice eligible for 30 days in a managed group, alice signed in.
async fn eligible_alice(server: &TestServer) -> (Client, Client, String, String) {
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let group = admin.create_group("Production access", false).await;
    admin
        .post(&format!("{PIM}/eligibilityScheduleRequests"), json!({
            "accessId": "member", "principalId": alice, "groupId": group, "action": "adminAssign",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
            "justification": "On call",
        }))
        .await
        .expect(201);
    let client = server.client_as("alice", PASSWORD).await;
    (admin, client, alice, group)
}

#[common::both_backends]
async fn v1_an_eligible_user_activates_and_is_a_member_until_the_end() {
    let server = TestServer::start().await;
    let (admin, alice_client, alice, group) = eligible_alice(&server).await;

    let activated = alice_client
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            activation(&alice, &group, "PT2H"),
        )
        .await
        .expect(201);
    assert_eq!(activated["status"], "Provisioned");
    assert_eq!(activated["action"], "selfActivate");
    let id = activated["id"].as_str().unwrap();
    assert_eq!(
        activated["targetScheduleId"],
        format!("{group}_member_{id}")
    );
    assert_eq!(member_ids(&admin, &group).await, [alice.as_str()]);

    let mine = alice_client
        .get(&format!(
            "{PIM}/assignmentScheduleInstances/filterByCurrentUser(on='principal')"
        ))
        .await
        .expect(200);
    let instance = &mine["value"][0];
    assert_eq!(instance["assignmentType"], "activated");
    assert_eq!(instance["memberType"], "direct");
    assert_eq!(
        instance["endDateTime"],
        graph_time(server.now() + TimeDelta::hours(2))
    );

    // V7: at the end she is no longer a member, with no scheduler having run.
    server.advance(TimeDelta::hours(2));
    assert!(member_ids(&admin, &group).await.is_empty());
}

#[common::both_backends]
async fn v1_an_activation_longer_than_the_policy_maximum_is_refused() {
    let server = TestServer::start().await;
    let (admin, alice_client, alice, group) = eligible_alice(&server).await;
    let message = alice_client
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            activation(&alice, &group, "PT9H"),
        )
        .await
        .expect_error(400, "RoleAssignmentRequestPolicyValidationFailed");
    assert!(message.contains("ExpirationRule"), "{message}");
    assert!(member_ids(&admin, &group).await.is_empty());
}

#[common::both_backends]
async fn v1_without_eligibility_activation_fails_the_eligibility_rule() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = admin.create_user("bob").await;
    let group = admin.create_group("Production access", false).await;
    let bob_client = server.client_as("bob", PASSWORD).await;
    let message = bob_client
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            activation(&bob, &group, "PT1H"),
        )
        .await
        .expect_error(400, "RoleAssignmentRequestPolicyValidationFailed");
    assert!(message.contains("EligibilityRule"), "{message}");
}

#[common::both_backends]
async fn v2_a_missing_justification_fails_the_justification_rule() {
    let server = TestServer::start().await;
    let (_, alice_client, alice, group) = eligible_alice(&server).await;
    let mut body = activation(&alice, &group, "PT1H");
    body.as_object_mut().unwrap().remove("justification");
    let message = alice_client
        .post(&format!("{PIM}/assignmentScheduleRequests"), body)
        .await
        .expect_error(400, "RoleAssignmentRequestPolicyValidationFailed");
    assert!(message.contains("JustificationRule"), "{message}");
}

#[common::both_backends]
async fn v8_activating_what_is_already_active_is_refused() {
    let server = TestServer::start().await;
    let (_, alice_client, alice, group) = eligible_alice(&server).await;
    let path = format!("{PIM}/assignmentScheduleRequests");
    alice_client
        .post(&path, activation(&alice, &group, "PT1H"))
        .await
        .expect(201);
    alice_client
        .post(&path, activation(&alice, &group, "PT1H"))
        .await
        .expect_error(400, "RoleAssignmentExists");
}

#[common::both_backends]
async fn v5_deactivation_is_refused_within_five_minutes_and_ends_membership_after() {
    let server = TestServer::start().await;
    let (admin, alice_client, alice, group) = eligible_alice(&server).await;
    let path = format!("{PIM}/assignmentScheduleRequests");
    alice_client
        .post(&path, activation(&alice, &group, "PT2H"))
        .await
        .expect(201);

    server.advance(TimeDelta::minutes(4));
    alice_client
        .post(&path, deactivation(&alice, &group))
        .await
        .expect_error(400, "ActiveDurationTooShort");
    assert_eq!(member_ids(&admin, &group).await, [alice.as_str()]);

    server.advance(TimeDelta::minutes(6));
    let revoked = alice_client
        .post(&path, deactivation(&alice, &group))
        .await
        .expect(201);
    assert_eq!(revoked["status"], "Revoked");
    assert!(member_ids(&admin, &group).await.is_empty());
}

#[common::both_backends]
async fn v1_an_activation_never_outlasts_its_eligibility() {
    let server = TestServer::start().await;
    let (_, alice_client, alice, group) = eligible_alice(&server).await;
    server.advance(TimeDelta::days(30) - TimeDelta::hours(1));
    let activated = alice_client
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            activation(&alice, &group, "PT8H"),
        )
        .await
        .expect(201);
    let schedule_id = activated["targetScheduleId"].as_str().unwrap();
    let schedule = alice_client
        .get(&format!("{PIM}/assignmentSchedules/{schedule_id}"))
        .await
        .expect(200);
    assert_eq!(
        schedule["scheduleInfo"]["expiration"]["endDateTime"],
        graph_time(server.now() + TimeDelta::hours(1))
    );
}

#[common::both_backends]
async fn v6_a_member_of_an_eligible_group_activates_for_themselves_alone() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let bob = admin.create_user("bob").await;
    let team = admin.create_group("SRE team", false).await;
    admin.add_member(&team, &alice).await;
    admin.add_member(&team, &bob).await;
    let production = admin.create_group("Production access", true).await;
    admin
        .post(&format!("{PIM}/eligibilityScheduleRequests"), json!({
            "accessId": "member", "principalId": team, "groupId": production, "action": "adminAssign",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
            "justification": "The SRE team may elevate",
        }))
        .await
        .expect(201);

    let alice_client = server.client_as("alice", PASSWORD).await;
    let activated = alice_client
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            activation(&alice, &production, "PT1H"),
        )
        .await
        .expect(201);
    let schedule_id = activated["targetScheduleId"].as_str().unwrap();
    let schedule = admin
        .get(&format!("{PIM}/assignmentSchedules/{schedule_id}"))
        .await
        .expect(200);
    assert_eq!(schedule["memberType"], "group");
    assert_eq!(schedule["principalId"], alice);

    let members = member_ids(&admin, &production).await;
    assert_eq!(
        members,
        [alice.as_str()],
        "only alice, not the team nor bob"
    );
    let bob_groups = admin
        .ids(&format!("/v1.0/users/{bob}/transitiveMemberOf"))
        .await;
    assert!(!bob_groups.contains(&production));
}

/// Alice, a member of the SRE team through `membership`, activated Production access through the
/// team's eligibility. Returns the admin, alice's client, alice, the team and Production access.
async fn activated_through_team(
    server: &TestServer,
    membership: &str,
) -> (Client, Client, String, String, String) {
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let team = admin.create_group("SRE team", false).await;
    let production = admin.create_group("Production access", true).await;
    let eligible = |group: &str, principal: &str, why: &str| {
        json!({
            "accessId": "member", "principalId": principal, "groupId": group, "action": "adminAssign",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
            "justification": why,
        })
    };
    admin
        .post(
            &format!("{PIM}/eligibilityScheduleRequests"),
            eligible(&production, &team, "SRE may elevate"),
        )
        .await
        .expect(201);
    let alice_client = server.client_as("alice", PASSWORD).await;
    match membership {
        "direct" => admin.add_member(&team, &alice).await,
        "activated" => {
            admin
                .post(
                    &format!("{PIM}/eligibilityScheduleRequests"),
                    eligible(&team, &alice, "On call"),
                )
                .await
                .expect(201);
            alice_client
                .post(
                    &format!("{PIM}/assignmentScheduleRequests"),
                    activation(&alice, &team, "PT1H"),
                )
                .await
                .expect(201);
        }
        other => panic!("unknown membership {other}"),
    }
    alice_client
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            activation(&alice, &production, "PT2H"),
        )
        .await
        .expect(201);
    assert_eq!(member_ids(&admin, &production).await, [alice.as_str()]);
    (admin, alice_client, alice, team, production)
}

async fn assert_activation_ended_with_its_source(admin: &Client, alice: &str, production: &str) {
    assert!(
        member_ids(admin, production).await.is_empty(),
        "her activation through the team ended with her membership of the team"
    );
    let transitive = admin
        .ids(&format!("/v1.0/users/{alice}/transitiveMemberOf"))
        .await;
    assert!(!transitive.iter().any(|g| g == production));
    let audit = admin.get("/stint/v1/audit?$top=50").await.expect(200);
    let ended = audit["value"].as_array().unwrap().iter().any(|event| {
        event["action"] == "schedule.end"
            && event["groupId"] == production
            && event["message"].as_str().unwrap_or("").contains("SRE team")
    });
    assert!(
        ended,
        "the end is audited, naming the group it came through: {audit}"
    );
}

#[common::both_backends]
async fn v6_removal_from_the_group_through_the_groups_api_ends_the_activation_through_it() {
    let server = TestServer::start().await;
    let (admin, _, alice, team, production) = activated_through_team(&server, "direct").await;
    server.advance(TimeDelta::minutes(10));
    admin
        .delete(&format!("/v1.0/groups/{team}/members/{alice}/$ref"))
        .await
        .expect(204);
    assert_activation_ended_with_its_source(&admin, &alice, &production).await;
}

#[common::both_backends]
async fn v6_deactivating_the_membership_it_came_through_ends_the_activation() {
    let server = TestServer::start().await;
    let (admin, alice_client, alice, team, production) =
        activated_through_team(&server, "activated").await;
    server.advance(TimeDelta::minutes(10));
    alice_client
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            deactivation(&alice, &team),
        )
        .await
        .expect(201);
    assert_activation_ended_with_its_source(&admin, &alice, &production).await;
}

#[common::both_backends]
async fn v6_v7_expiry_of_the_membership_it_came_through_ends_the_activation() {
    let server = TestServer::start().await;
    let (admin, _, alice, team, production) = activated_through_team(&server, "activated").await;
    // The team membership (1 hour) ends before Production's activation (2 hours asked) would: the
    // activation was made to end with it, and says so.
    let team_ends = (server.now() + TimeDelta::hours(1)).to_rfc3339();
    let audit = admin.get("/stint/v1/audit?$top=50").await.expect(200);
    let activated = audit["value"].as_array().unwrap().iter().any(|event| {
        let message = event["message"].as_str().unwrap_or("");
        event["action"] == "request.selfActivate"
            && event["groupId"] == production
            && message.contains(&format!("through group {team}"))
            && message.contains(&format!("until {team_ends}"))
    });
    assert!(
        activated,
        "the activation ends with the team membership: {audit}"
    );
    server.advance(TimeDelta::hours(1) + TimeDelta::minutes(1));
    // Not a member from the end on, before the scheduler has recorded anything (V7).
    assert!(member_ids(&admin, &production).await.is_empty());
    let transitive = admin
        .ids(&format!("/v1.0/users/{alice}/transitiveMemberOf"))
        .await;
    assert!(!transitive.iter().any(|g| g == &production));
}
