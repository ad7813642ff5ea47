//! The end-to-end scenario every connector target goes through (issue 18: C2, C3, V7), with the
//! real target behind a [`Probe`]: a Stint group linked to a target group gets its effective
//! members — nested groups flattened — on activation, loses them on deactivation and at the end
//! instant with the confirmed removal audited, has members added by hand removed and audited at a
//! reconcile asked through the API, and catches up after the target was down.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;

use chrono::TimeDelta;
use serde_json::{json, Value};
use stint_app::connector_worker::{ConnectorDriver, Round};
use stint_core::connector::ConnectorId;

use crate::common::{Client, TestServer, PASSWORD};

pub const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

/// The real target of one test, as the scenario sees it. Users are named `alice`, `bob`, `carol`
/// and `mallory` (their user principal names in Stint).
pub trait Probe {
    /// The body that creates the connector.
    fn connector(&self) -> Value;
    /// The body that links Stint group `group` to the target group.
    fn link(&self, group: &str) -> Value;
    /// What must never show in a status or an error: the target's credential.
    fn secret(&self) -> Option<String>;
    /// The target group's members, as user names, sorted; none of Stint's placeholders.
    async fn people(&self) -> Vec<String>;
    /// Adds user `name` to the target group by hand, behind Stint's back; the drift audit names
    /// the value returned.
    async fn add_by_hand(&self, name: &str) -> String;
    /// Makes the target unreachable or refusing...
    async fn stop(&mut self);
    /// ...and back as it was.
    async fn resume(&mut self);
}

/// Whether a test needing `variable` runs here; prints one loud `SKIPPED` line when not.
pub fn enabled(variable: &str, test: &str, needs: &str) -> bool {
    if std::env::var_os(variable).is_some_and(|value| !value.is_empty()) {
        return true;
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: set {variable}=1 (after installing {needs}) to run it against the real server"
    );
    false
}

pub fn request(action: &str, principal: &str, group: &str, duration: Option<&str>) -> Value {
    let mut body = json!({
        "accessId": "member", "principalId": principal, "groupId": group, "action": action,
        "justification": "Investigating the incident",
    });
    if let Some(duration) = duration {
        body["scheduleInfo"] =
            json!({ "expiration": { "type": "afterDuration", "duration": duration } });
    }
    body
}

pub fn names(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    names.sort();
    names
}

/// The audit events of `action`, newest first.
pub async fn audit(admin: &Client, action: &str) -> Vec<Value> {
    let events = admin.get("/stint/v1/audit?$top=500").await.expect(200);
    let events = events["value"].as_array().unwrap().clone();
    events
        .into_iter()
        .filter(|event| event["action"] == action)
        .collect()
}

pub async fn round(server: &TestServer, driver: &ConnectorDriver, id: ConnectorId) -> Round {
    server.app.drive_connector(driver, id, false).await.unwrap()
}

/// A connector made and linked by the scenario.
pub struct Linked {
    pub admin: Client,
    pub id: ConnectorId,
    pub status_path: String,
    pub driver: ConnectorDriver,
    /// Drift corrections audited at the first round (LDAP: the group's own placeholder).
    pub first_drift: usize,
    /// Stint users by name.
    pub alice: String,
    pub ops: String,
}

/// Creates the connector of `probe` and links Stint group `group` to it; the connector's id.
pub async fn link(admin: &Client, probe: &impl Probe, group: &str) -> String {
    let connector = admin
        .post("/stint/v1/connectors", probe.connector())
        .await
        .expect(201);
    let id = connector["id"].as_str().unwrap().to_owned();
    let path = format!("/stint/v1/connectors/{id}/links");
    admin.post(&path, probe.link(group)).await.expect(201);
    id
}

/// Polls the target until it holds `wanted` or 10 s pass: a spawned worker runs on its own.
pub async fn eventually(probe: &impl Probe, wanted: &[String]) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let found = probe.people().await;
        if found == wanted || std::time::Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The whole scenario against `probe`, driving rounds by hand with the test clock.
pub async fn scenario(server: &TestServer, probe: &mut impl Probe) -> Linked {
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let bob = admin.create_user("bob").await;
    let carol = admin.create_user("carol").await;
    admin.create_user("mallory").await;
    let ops = admin.create_group("Ops", false).await;
    let sre = admin.create_group("SRE", false).await;
    admin.add_member(&sre, &carol).await;
    admin.add_member(&ops, &sre).await;
    for user in [&alice, &bob] {
        let eligible = json!({
            "accessId": "member", "principalId": user, "groupId": ops, "action": "adminAssign",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
            "justification": "On call",
        });
        (admin
            .post(&format!("{PIM}/eligibilityScheduleRequests"), eligible)
            .await)
            .expect(201);
    }
    let id_text = link(&admin, probe, &ops).await;
    let id = ConnectorId(id_text.parse().unwrap());
    let status_path = format!("/stint/v1/connectors/{id_text}/status");
    assert_eq!(
        admin.get(&status_path).await.expect(200)["state"],
        "pending"
    );

    // Nested membership is flattened: carol is in Ops through SRE.
    let driver = ConnectorDriver::new();
    assert!(matches!(
        round(server, &driver, id).await,
        Round::Synced { .. }
    ));
    assert_eq!(probe.people().await, names(&["carol"]));
    let first_drift = audit(&admin, "connector.driftCorrected").await.len();

    // Activation appears; the worker is told to wake at its end (V7).
    let alice_client = server.client_as("alice", PASSWORD).await;
    let activated = request("selfActivate", &alice, &ops, Some("PT2H"));
    (alice_client
        .post(&format!("{PIM}/assignmentScheduleRequests"), activated)
        .await)
        .expect(201);
    let alice_ends = server.now() + TimeDelta::hours(2);
    assert_eq!(
        round(server, &driver, id).await,
        Round::Synced {
            next: alice_ends.min(server.now() + TimeDelta::seconds(10))
        }
    );
    assert_eq!(probe.people().await, names(&["alice", "carol"]));

    // Deactivation disappears, and the audit records the confirmed removal.
    let bob_client = server.client_as("bob", PASSWORD).await;
    let activated = request("selfActivate", &bob, &ops, Some("PT1H"));
    (bob_client
        .post(&format!("{PIM}/assignmentScheduleRequests"), activated)
        .await)
        .expect(201);
    round(server, &driver, id).await;
    assert_eq!(probe.people().await, names(&["alice", "bob", "carol"]));
    // An activation may be ended 5 minutes after its start at the earliest.
    server.advance(TimeDelta::minutes(5));
    let deactivated = request("selfDeactivate", &bob, &ops, None);
    (bob_client
        .post(&format!("{PIM}/assignmentScheduleRequests"), deactivated)
        .await)
        .expect(201);
    round(server, &driver, id).await;
    assert_eq!(probe.people().await, names(&["alice", "carol"]));
    let removals = audit(&admin, "connector.removalConfirmed").await;
    assert_eq!(removals.len(), 1, "{removals:?}");
    assert_eq!(removals[0]["principalId"], bob.as_str());
    assert_eq!(removals[0]["groupId"], ops.as_str());

    // Expiry: at the end instant, with no scheduler run, alice is removed; the audit names the
    // end instant and the confirmation.
    server.advance(alice_ends - server.now());
    round(server, &driver, id).await;
    assert_eq!(probe.people().await, names(&["carol"]));
    let removals = audit(&admin, "connector.removalConfirmed").await;
    assert_eq!(removals.len(), 2);
    let alice_removal = removals
        .iter()
        .find(|e| e["principalId"] == alice.as_str())
        .unwrap();
    let message = alice_removal["message"].as_str().unwrap();
    assert!(message.contains(&alice_ends.to_rfc3339()), "{message}");
    assert!(
        message.contains("(0 ms later)"),
        "the manual clock did not move: {message}"
    );

    // Drift added by hand is removed at the reconcile asked through the API, which the round
    // sees in the state (no flag of this node's) and audits.
    let mallory = probe.add_by_hand("mallory").await;
    assert_eq!(probe.people().await, names(&["carol", "mallory"]));
    round(server, &driver, id).await;
    assert_eq!(
        probe.people().await,
        names(&["carol", "mallory"]),
        "no reconcile is due yet"
    );
    (admin
        .post(
            &format!("/stint/v1/connectors/{id_text}/reconcile"),
            json!({}),
        )
        .await)
        .expect(202);
    round(server, &driver, id).await;
    assert_eq!(probe.people().await, names(&["carol"]));
    let drift = audit(&admin, "connector.driftCorrected").await;
    assert_eq!(drift.len(), first_drift + 1);
    let message = drift[0]["message"].as_str().unwrap();
    assert!(message.contains(&mallory), "{message}");
    let status = admin.get(&status_path).await.expect(200);
    assert_eq!(
        status["lagRevisions"], 0,
        "its own audit is no lag: {status}"
    );
    assert_eq!(status["lagSeconds"], 0, "{status}");

    // The target is down: the decision is not blocked, the status says so, and once it is back
    // nothing is lost.
    probe.stop().await;
    let activated = request("selfActivate", &alice, &ops, Some("PT1H"));
    (alice_client
        .post(&format!("{PIM}/assignmentScheduleRequests"), activated)
        .await)
        .expect(201);
    server.advance(TimeDelta::seconds(3));
    assert!(matches!(
        round(server, &driver, id).await,
        Round::Failed { .. }
    ));
    let status = admin.get(&status_path).await.expect(200);
    assert_eq!(status["state"], "error", "{status}");
    assert!(status["lagRevisions"].as_u64().unwrap() > 0, "{status}");
    assert!(status["lagSeconds"].as_u64().unwrap() >= 3, "{status}");
    let error = status["lastError"].as_str().unwrap();
    if let Some(secret) = probe.secret() {
        assert!(!error.contains(&secret), "{error}");
    }
    probe.resume().await;
    assert!(matches!(
        round(server, &driver, id).await,
        Round::Synced { .. }
    ));
    assert_eq!(probe.people().await, names(&["alice", "carol"]));
    let status = admin.get(&status_path).await.expect(200);
    assert_eq!(status["state"], "ok", "{status}");
    assert_eq!(status["lastError"], Value::Null);
    assert_eq!(status["lagRevisions"], 0);
    assert_eq!(status["drift"].as_u64().unwrap() as usize, first_drift + 1);
    assert_eq!(status["removalLatencyP50Ms"], 0);
    assert_eq!(status["removalLatencyP99Ms"], 0);
    assert!(status["lastReconcile"].is_string());
    Linked {
        admin,
        id,
        status_path,
        driver,
        first_drift,
        alice,
        ops,
    }
}
