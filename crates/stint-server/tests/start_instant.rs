//! SPEC V7 at the boundary: a window is `[start, end)`, so a schedule is in force at the exact
//! instant of its start, everywhere — `members`, `assignmentScheduleInstances`, the check API and
//! a principal's groups — on the node that wrote it and on a node that loads it from the store;
//! and an activation cannot be ended at that instant (V5, A3: within 5 minutes of its start).
//!
//! The clock stands still at an instant with nanoseconds, and each client gives its start as a
//! Graph client writes a time it read from the server: 7 fractional digits, rounded. Stint keeps
//! times to the microsecond (`TIME_PRECISION`), so what the client sends back is the instant the
//! server meant. The stores keep nanoseconds; the boundary is looked at 1 ns before the start, at
//! it and 1 ns after (which the clock reads as 1 µs before, the start, and the start).
#![allow(clippy::unwrap_used)]

mod common;
mod policy_helpers;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};
use stint_app::{ManualClock, Password};

use policy_helpers::{approval_rule, policy_id, POLICIES};

use common::{
    graph_time, start_time, test_config, Client, SharedDatabase, TestServer, ADMIN, ADMIN_PASSWORD,
    PASSWORD,
};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";
const NANOSECOND: TimeDelta = TimeDelta::nanoseconds(1);

/// An instant an hour into the test, with nanoseconds that neither Graph's 7 digits nor
/// microseconds hold.
fn instant() -> DateTime<Utc> {
    start_time() + TimeDelta::hours(1) + TimeDelta::nanoseconds(123_456_789)
}

/// `at` as a Graph client writes a time it holds: 7 fractional digits, rounded to the nearest
/// 100 ns.
fn as_graph_client_writes(at: DateTime<Utc>) -> String {
    let rounded = at + TimeDelta::nanoseconds(50);
    format!(
        "{}.{:07}Z",
        rounded.format("%Y-%m-%dT%H:%M:%S"),
        rounded.timestamp_subsec_nanos() / 100
    )
}

/// A node on a database that a second node can open, alice eligible in a managed group for 30
/// days, carol, everyone signed in at the start time.
struct World {
    database: SharedDatabase,
    clock: ManualClock,
    node: TestServer,
    admin: Client,
    alice: Client,
    carol: Client,
    alice_id: String,
    carol_id: String,
    group: String,
}

async fn world() -> World {
    let database = SharedDatabase::fresh().await;
    let clock = ManualClock::starting_at(start_time());
    let node = TestServer::serve(database.open().await, clock.clone(), test_config()).await;
    node.app
        .bootstrap(Some(Password::new(ADMIN_PASSWORD)))
        .await
        .unwrap();
    let admin = node.admin().await;
    let alice_id = admin.create_user("alice").await;
    let carol_id = admin.create_user("carol").await;
    let group = admin.create_group("Production access", false).await;
    admin
        .post(&format!("{PIM}/eligibilityScheduleRequests"), json!({
            "accessId": "member", "principalId": alice_id, "groupId": group, "action": "adminAssign",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
            "justification": "On call",
        }))
        .await
        .expect(201);
    let alice = node.client_as("alice", PASSWORD).await;
    let carol = node.client_as("carol", PASSWORD).await;
    World {
        database,
        clock,
        node,
        admin,
        alice,
        carol,
        alice_id,
        carol_id,
        group,
    }
}

impl World {
    /// The server's now, as the API writes it, sent back by a Graph client.
    fn now_as_sent_back(&self) -> String {
        let said: DateTime<Utc> = graph_time(self.node.now()).parse().unwrap();
        as_graph_client_writes(said)
    }

    /// alice's `selfActivate` for two hours from `start`.
    async fn activate(&self, start: &str) -> Value {
        self.alice
            .post(
                &format!("{PIM}/assignmentScheduleRequests"),
                json!({
                    "accessId": "member", "principalId": self.alice_id, "groupId": self.group,
                    "action": "selfActivate", "justification": "Deploying the fix",
                    "scheduleInfo": {
                        "startDateTime": start,
                        "expiration": { "type": "afterDuration", "duration": "PT2H" },
                    },
                }),
            )
            .await
            .expect(201)
    }

    /// The start of the assignment schedule `id`, as the API reports it.
    async fn schedule_start(&self, id: &Value) -> DateTime<Utc> {
        let id = id.as_str().unwrap();
        let schedule = self
            .admin
            .get(&format!("{PIM}/assignmentSchedules/{id}"))
            .await
            .expect(200);
        assert_eq!(schedule["status"], "Provisioned");
        schedule["scheduleInfo"]["startDateTime"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// What the API says of alice in the group at the clock's now.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    member: bool,
    instance: bool,
    check: bool,
    groups: bool,
    scheduled: bool,
}

impl Seen {
    /// In force or not; either way listed among the current and future schedules.
    fn in_force(yes: bool) -> Seen {
        Seen {
            member: yes,
            instance: yes,
            check: yes,
            groups: yes,
            scheduled: true,
        }
    }
}

async fn seen(world: &World, admin: &Client) -> Seen {
    let (alice, group) = (&world.alice_id, &world.group);
    let lists_alice = |body: Value| {
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["principalId"] == alice.as_str())
    };
    let members = admin.ids(&format!("/v1.0/groups/{group}/members")).await;
    let instances = admin
        .get(&format!(
            "{PIM}/assignmentScheduleInstances?$filter=groupId eq '{group}'"
        ))
        .await
        .expect(200);
    let schedules = admin
        .get(&format!(
            "{PIM}/assignmentSchedules?$filter=groupId eq '{group}'"
        ))
        .await
        .expect(200);
    let check = admin
        .get(&format!(
            "/stint/v1/check?principalId={alice}&groupId={group}&access=member"
        ))
        .await
        .expect(200);
    let groups = admin
        .get(&format!("/stint/v1/principals/{alice}/groups"))
        .await
        .expect(200);
    Seen {
        member: members.contains(alice),
        instance: lists_alice(instances),
        check: check["allowed"] == true,
        groups: groups["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["groupId"] == group.as_str()),
        scheduled: lists_alice(schedules),
    }
}

/// alice is a member everywhere now, with the clock where it stands.
async fn assert_in_force_now(world: &World, what: &str) {
    assert_eq!(
        seen(world, &world.admin).await,
        Seen::in_force(true),
        "at the instant of {what} ({})",
        graph_time(world.node.now())
    );
}

/// At `start` − 1 ns alice holds nothing yet; at `start` and `start` + 1 ns she is a member
/// everywhere, on the node that wrote the schedule and on a node that loads it from the store.
/// Leaves the clock at `start`.
async fn assert_in_force_from(world: &World, start: DateTime<Utc>) {
    world.clock.set(start - NANOSECOND);
    let reloaded = TestServer::serve(
        world.database.open().await,
        world.clock.clone(),
        test_config(),
    )
    .await;
    let reloaded_admin = reloaded.client_as(ADMIN, ADMIN_PASSWORD).await;
    for (node, admin) in [("writer", &world.admin), ("reloaded", &reloaded_admin)] {
        for (offset, expected) in [(-1, false), (0, true), (1, true)] {
            world.clock.set(start + NANOSECOND * offset);
            assert_eq!(
                seen(world, admin).await,
                Seen::in_force(expected),
                "on the {node} node at the start {offset:+} ns ({})",
                graph_time(start + NANOSECOND * offset)
            );
        }
    }
    world.clock.set(start);
}

/// V5: at its exact start an activation is in force and not 5 minutes old: ending it is refused,
/// and it stays.
async fn assert_not_ended_at_its_start(world: &World) {
    world
        .alice
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            json!({
                "accessId": "member", "principalId": world.alice_id, "groupId": world.group,
                "action": "selfDeactivate",
            }),
        )
        .await
        .expect_error(400, "ActiveDurationTooShort");
    assert_in_force_now(world, "a refused deactivation").await;
}

#[common::both_backends]
async fn v7_in_force_at_start_instant_of_an_activation() {
    let world = world().await;
    world.clock.set(instant());
    let activated = world.activate(&world.now_as_sent_back()).await;
    assert_eq!(activated["status"], "Provisioned");

    assert_in_force_now(&world, "the activation").await;
    assert_not_ended_at_its_start(&world).await;
    let start = world.schedule_start(&activated["targetScheduleId"]).await;
    assert_eq!(start, world.node.now(), "it starts when it was made");
    assert_in_force_from(&world, start).await;
}

/// A client whose clock agrees with the server's, to the 100 ns it writes, asks to start "now":
/// the digits beyond the microsecond that the server's clock is read at are not a later start.
#[common::both_backends]
async fn v7_in_force_at_start_instant_of_an_activation_given_in_finer_digits_than_kept() {
    let world = world().await;
    world.clock.set(instant());
    let activated = world.activate(&as_graph_client_writes(instant())).await;
    assert_eq!(activated["status"], "Provisioned");

    assert_in_force_now(&world, "the activation").await;
    assert_not_ended_at_its_start(&world).await;
    let start = world.schedule_start(&activated["targetScheduleId"]).await;
    assert_eq!(start, world.node.now(), "it starts when it was made");
    assert_in_force_from(&world, start).await;
}

#[common::both_backends]
async fn v7_in_force_at_start_instant_of_an_approved_activation() {
    let world = world().await;
    require_approval_by(&world.admin, &world.group, &world.carol_id).await;
    // The clock stands still: asked and approved at the same instant.
    world.clock.set(instant());
    let pending = world.activate(&world.now_as_sent_back()).await;
    assert_eq!(pending["status"], "PendingApproval");
    let id = pending["id"].as_str().unwrap();
    let approval = world
        .carol
        .get(&format!("{PIM}/assignmentApprovals/{id}"))
        .await
        .expect(200);
    let stage = approval["stages"][0]["id"].as_str().unwrap();
    world
        .carol
        .patch(
            &format!("{PIM}/assignmentApprovals/{id}/stages/{stage}"),
            json!({ "reviewResult": "Approve", "justification": "Checked the ticket" }),
        )
        .await
        .expect(204);
    let request = world
        .alice
        .get(&format!("{PIM}/assignmentScheduleRequests/{id}"))
        .await
        .expect(200);
    assert_eq!(request["status"], "Provisioned");

    assert_in_force_now(&world, "the approval").await;
    assert_not_ended_at_its_start(&world).await;
    let start = world.schedule_start(&request["targetScheduleId"]).await;
    assert_eq!(start, world.node.now(), "it starts when it was approved");
    assert_in_force_from(&world, start).await;
}

#[common::both_backends]
async fn v7_in_force_at_start_instant_of_an_admin_assignment() {
    let world = world().await;
    world.clock.set(instant());
    let assigned = world
        .admin
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            json!({
                "accessId": "member", "principalId": world.alice_id, "groupId": world.group,
                "action": "adminAssign", "justification": "Incident commander",
                "scheduleInfo": {
                    "startDateTime": world.now_as_sent_back(),
                    "expiration": { "type": "afterDuration", "duration": "P1D" },
                },
            }),
        )
        .await
        .expect(201);
    assert_eq!(assigned["status"], "Provisioned");

    assert_in_force_now(&world, "the assignment").await;
    let start = world.schedule_start(&assigned["targetScheduleId"]).await;
    assert_eq!(start, world.node.now(), "it starts when it was made");
    assert_in_force_from(&world, start).await;
}

#[common::both_backends]
async fn v7_in_force_at_start_instant_of_a_scheduled_start() {
    let world = world().await;
    world.clock.set(instant());
    // An hour from the server's now, as the client reckons it.
    let said: DateTime<Utc> = graph_time(world.node.now()).parse().unwrap();
    let scheduled = world
        .activate(&as_graph_client_writes(said + TimeDelta::hours(1)))
        .await;
    assert_eq!(scheduled["status"], "Provisioned");
    assert_eq!(
        seen(&world, &world.admin).await,
        Seen::in_force(false),
        "not before its start"
    );

    world.clock.advance(TimeDelta::hours(1));
    assert_in_force_now(&world, "the scheduled start, an hour on").await;
    assert_not_ended_at_its_start(&world).await;
    let start = world.schedule_start(&scheduled["targetScheduleId"]).await;
    assert_eq!(start, world.node.now(), "the clock has reached the start");
    assert_in_force_from(&world, start).await;
}

async fn require_approval_by(admin: &Client, group: &str, approver: &str) {
    let policy = policy_id(admin, group, "member").await;
    let approvers = json!([{ "@odata.type": "#microsoft.graph.singleUser", "userId": approver }]);
    admin
        .patch(
            &format!("{POLICIES}/{policy}/rules/Approval_EndUser_Assignment"),
            approval_rule(true, approvers),
        )
        .await
        .expect(204);
}
