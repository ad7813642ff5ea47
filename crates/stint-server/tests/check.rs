//! X2 over HTTP: the check API answers allowed/until/via at a revision, one at a time or in batches.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::TimeDelta;
use serde_json::json;

use common::{graph_time, TestServer, PASSWORD};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

#[common::both_backends]
async fn x2_check_answers_with_the_end_and_the_path_and_changes_on_time() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let team = admin.create_group("SRE", false).await;
    let production = admin.create_group("Production", false).await;
    admin.add_member(&production, &team).await;
    admin
        .post(&format!("{PIM}/assignmentScheduleRequests"), json!({
            "accessId": "member", "principalId": alice, "groupId": team, "action": "adminAssign",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P1D" } },
            "justification": "On call this week",
        }))
        .await
        .expect(201);

    let answer = admin
        .get(&format!(
            "/stint/v1/check?principalId={alice}&groupId={production}"
        ))
        .await
        .expect(200);
    assert_eq!(answer["allowed"], true);
    assert_eq!(
        answer["until"],
        graph_time(server.now() + TimeDelta::days(1))
    );
    assert_eq!(answer["via"][0]["groupId"], team);
    assert_eq!(answer["revision"], server.app.revision());

    server.advance(TimeDelta::days(1));
    let later = admin
        .get(&format!(
            "/stint/v1/check?principalId={alice}&groupId={production}&access=member"
        ))
        .await
        .expect(200);
    assert_eq!(
        later["allowed"], false,
        "not a member after the end, before any tick"
    );
}

#[common::both_backends]
async fn x2_a_batch_answers_in_order_and_refuses_what_the_caller_may_not_ask() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let bob = admin.create_user("bob").await;
    let group = admin.create_group("Finance", false).await;
    admin.add_member(&group, &alice).await;
    let alice_client = server.client_as("alice", PASSWORD).await;

    let batch = alice_client
        .post(
            "/stint/v1/check",
            json!({ "checks": [
                { "principalId": alice, "groupId": group },
                { "principalId": bob, "groupId": group },
                { "principalId": alice, "groupId": group, "access": "owner" },
            ]}),
        )
        .await
        .expect(200);
    let value = batch["value"].as_array().unwrap();
    assert_eq!(value[0]["allowed"], true);
    assert_eq!(value[1]["error"]["code"], "Authorization_RequestDenied");
    assert_eq!(value[2]["allowed"], false);

    let too_many: Vec<_> = (0..1001)
        .map(|_| json!({ "principalId": alice, "groupId": group }))
        .collect();
    admin
        .post("/stint/v1/check", json!({ "checks": too_many }))
        .await
        .expect_error(400, "BadRequest");

    let groups = alice_client
        .get(&format!("/stint/v1/principals/{alice}/groups"))
        .await
        .expect(200);
    assert_eq!(groups["value"][0]["groupId"], group);
    alice_client
        .get(&format!("/stint/v1/principals/{bob}/groups"))
        .await
        .expect_error(403, "Authorization_RequestDenied");
}
