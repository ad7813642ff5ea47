//! Issue 6, "What it must show", with two in-process nodes on one database (a SQLite file, or one
//! PostgreSQL database), each following the other (`follower::spawn`) and served over real HTTP:
//!
//! - X2: a check on node B with the `Stint-Revision` of a write on node A is never stale, over
//!   1,000 activate / check / deactivate / check rounds from concurrent clients;
//! - V3: of 32 concurrent approvals of one request spread over both nodes, exactly one wins and
//!   the rest are 409;
//! - V8: of 32 concurrent activations of one eligibility spread over both nodes, exactly one
//!   makes a schedule, the rest are Graph errors;
//! - V7, X3: 5,000 schedules ending at the same instant, with both nodes' schedulers running, end
//!   once each: one expiry audit event and one change-feed entry per schedule.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use reqwest::Method;
use serde_json::{json, Value};
use stint_app::{ManualClock, Password};
use stint_core::audit::AuditQuery;
use stint_core::ids::{GroupId, PrincipalId, ScheduleId};
use stint_core::schedule::{Access, AssignmentType, MemberType, Schedule, ScheduleKind, Window};
use stint_core::{Change, Decision};
use stint_store::Store;
use tokio::sync::Barrier;
use tokio::task::JoinHandle;

use common::{
    start_time, test_config, SharedDatabase, TestServer, ADMIN, ADMIN_PASSWORD, PASSWORD,
};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

/// How often the followers read the change log when PostgreSQL has not signalled a commit (on
/// SQLite, polling is all there is).
const FOLLOWER_POLL: Duration = Duration::from_millis(100);

/// Two nodes on one database, sharing a manual clock, each with its follower running.
struct Cluster {
    a: TestServer,
    b: TestServer,
    /// The database as the test sees it, besides the nodes: for reading the audit log.
    store: Arc<dyn Store>,
    clock: ManualClock,
    background: Vec<JoinHandle<()>>,
    /// Declared last: dropped after the nodes have stopped.
    _database: SharedDatabase,
}

impl Cluster {
    /// Node A bootstraps the tenant; node B opens the database after it.
    async fn start() -> Cluster {
        let database = SharedDatabase::fresh().await;
        let clock = ManualClock::starting_at(start_time());
        let a = TestServer::serve(database.open().await, clock.clone(), test_config()).await;
        a.app
            .bootstrap(Some(Password::new(ADMIN_PASSWORD)))
            .await
            .unwrap();
        let b = TestServer::serve(database.open().await, clock.clone(), test_config()).await;
        let background = vec![
            stint_app::follower::spawn(a.app.clone(), FOLLOWER_POLL),
            stint_app::follower::spawn(b.app.clone(), FOLLOWER_POLL),
        ];
        Cluster {
            a,
            b,
            store: database.open().await,
            clock,
            background,
            _database: database,
        }
    }

    fn nodes(&self) -> [&TestServer; 2] {
        [&self.a, &self.b]
    }

    /// Signs in on node A as `user`; the token works on both nodes.
    async fn sign_in(&self, user: &str, password: &str) -> Session {
        let http = reqwest::Client::new();
        let answer = send(
            &http,
            Method::POST,
            &format!("{}/stint/v1/auth/token", self.a.base_url),
            None,
            Some(json!({ "username": user, "password": password })),
            None,
        )
        .await;
        assert_eq!(answer.status, 200, "sign-in as {user}: {}", answer.body);
        Session {
            http,
            token: answer.body["access_token"].as_str().unwrap().to_string(),
            nodes: [self.a.base_url.clone(), self.b.base_url.clone()],
            signed_in_at: answer.revision(),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for task in &self.background {
            task.abort();
        }
    }
}

/// A signed-in user, able to call either node.
#[derive(Clone)]
struct Session {
    http: reqwest::Client,
    token: String,
    nodes: [String; 2],
    /// The revision of the sign-in: a node knows the token once it has reached it.
    signed_in_at: u64,
}

const A: usize = 0;
const B: usize = 1;

/// What a node answered, with the revision it answered at.
#[derive(Debug)]
struct Answer {
    status: u16,
    revision: Option<u64>,
    body: Value,
}

impl Answer {
    #[track_caller]
    fn expect(self, status: u16) -> Answer {
        assert_eq!(self.status, status, "{}", self.body);
        self
    }

    #[track_caller]
    fn revision(&self) -> u64 {
        self.revision
            .expect("every response carries Stint-Revision")
    }

    fn id(&self) -> String {
        self.body["id"].as_str().unwrap().to_string()
    }
}

impl Session {
    /// Calls `node` (A or B), demanding `at_least` with `Stint-At-Least-Revision` if given.
    async fn call(
        &self,
        node: usize,
        method: Method,
        path: &str,
        body: Option<Value>,
        at_least: Option<u64>,
    ) -> Answer {
        let url = format!("{}{path}", self.nodes[node]);
        send(&self.http, method, &url, Some(&self.token), body, at_least).await
    }

    async fn post(&self, node: usize, path: &str, body: Value) -> Answer {
        self.call(node, Method::POST, path, Some(body), None).await
    }

    async fn get(&self, node: usize, path: &str, at_least: Option<u64>) -> Answer {
        self.call(node, Method::GET, path, None, at_least).await
    }

    async fn create_user(&self, name: &str) -> String {
        self.post(
            A,
            "/v1.0/users",
            json!({
                "accountEnabled": true, "displayName": name, "userPrincipalName": name,
                "passwordProfile": { "password": PASSWORD, "forceChangePasswordNextSignIn": false },
            }),
        )
        .await
        .expect(201)
        .id()
    }

    async fn create_group(&self, name: &str) -> String {
        self.post(
            A,
            "/v1.0/groups",
            json!({ "displayName": name, "mailEnabled": false, "securityEnabled": true,
                    "mailNickname": name.replace(' ', ""), "groupTypes": [] }),
        )
        .await
        .expect(201)
        .id()
    }

    /// Makes `principal` eligible for membership of `group` for a year; returns the revision.
    async fn make_eligible(&self, principal: &str, group: &str) -> u64 {
        self.post(
            A,
            &format!("{PIM}/eligibilityScheduleRequests"),
            json!({
                "accessId": "member", "principalId": principal, "groupId": group,
                "action": "adminAssign", "justification": "Load test",
                "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P365D" } },
            }),
        )
        .await
        .expect(201)
        .revision()
    }
}

async fn send(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
    at_least: Option<u64>,
) -> Answer {
    let mut request = http.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    if let Some(revision) = at_least {
        request = request.header("Stint-At-Least-Revision", revision.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let revision = response
        .headers()
        .get("stint-revision")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok());
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        revision,
        body,
    }
}

fn activation(principal: &str, group: &str) -> Value {
    json!({
        "accessId": "member", "principalId": principal, "groupId": group, "action": "selfActivate",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT8H" } },
        "justification": "Investigating the incident",
    })
}

fn deactivation(principal: &str, group: &str) -> Value {
    json!({ "accessId": "member", "principalId": principal, "groupId": group,
            "action": "selfDeactivate" })
}

fn check_path(principal: &str, group: &str) -> String {
    format!("/stint/v1/check?principalId={principal}&groupId={group}&access=member")
}

/// A Graph error: a 4xx with `error.code` and `error.message`.
#[track_caller]
fn assert_graph_error(answer: &Answer) {
    assert!(
        (400..500).contains(&answer.status),
        "a Graph error, never a {}: {}",
        answer.status,
        answer.body
    );
    assert!(answer.body["error"]["code"].is_string(), "{}", answer.body);
    assert!(
        answer.body["error"]["message"].is_string(),
        "{}",
        answer.body
    );
}

// X2 ---------------------------------------------------------------------------------------------

/// Concurrent clients, each with a user and a group of its own.
const X2_CLIENTS: usize = 8;
/// Rounds per client: 8 × 125 = 1,000 rounds in all.
const X2_ROUNDS_PER_CLIENT: usize = 125;

#[derive(Default)]
struct X2Tally {
    rounds: AtomicUsize,
    checks: AtomicUsize,
    /// A check that answered from state older than the revision it demanded.
    stale: AtomicUsize,
}

#[common::both_backends(flavor = "multi_thread", worker_threads = 4)]
async fn x2_a_check_on_node_b_at_node_as_revision_is_never_stale_over_1000_rounds() {
    let cluster = Arc::new(Cluster::start().await);
    let admin = cluster.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let mut clients = Vec::new();
    for client in 0..X2_CLIENTS {
        let name = format!("x2-user-{client}");
        let user = admin.create_user(&name).await;
        let group = admin.create_group(&format!("X2 group {client}")).await;
        admin.make_eligible(&user, &group).await;
        let session = cluster.sign_in(&name, PASSWORD).await;
        clients.push((session, user, group));
    }

    let tally = Arc::new(X2Tally::default());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (session, user, group) in clients {
        let (cluster, tally) = (cluster.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            let requests = format!("{PIM}/assignmentScheduleRequests");
            let check = check_path(&user, &group);
            for round in 0..X2_ROUNDS_PER_CLIENT {
                let activated = session
                    .post(A, &requests, activation(&user, &group))
                    .await
                    .expect(201);
                assert_eq!(activated.body["status"], "Provisioned", "round {round}");
                let seen = session
                    .get(B, &check, Some(activated.revision()))
                    .await
                    .expect(200);
                assert!(seen.revision() >= activated.revision());
                tally.checks.fetch_add(1, Ordering::Relaxed);
                if seen.body["allowed"] != true {
                    tally.stale.fetch_add(1, Ordering::Relaxed);
                }

                // V5: not within five minutes of the start.
                cluster.clock.advance(TimeDelta::minutes(6));
                let deactivated = session
                    .post(A, &requests, deactivation(&user, &group))
                    .await
                    .expect(201);
                assert_eq!(deactivated.body["status"], "Revoked", "round {round}");
                let revision = deactivated.revision();
                let by_header = session.get(B, &check, Some(revision)).await.expect(200);
                let by_query = session
                    .get(B, &format!("{check}&atLeast={revision}"), None)
                    .await
                    .expect(200);
                for seen in [by_header, by_query] {
                    assert!(seen.revision() >= revision);
                    tally.checks.fetch_add(1, Ordering::Relaxed);
                    if seen.body["allowed"] != false {
                        tally.stale.fetch_add(1, Ordering::Relaxed);
                    }
                }
                tally.rounds.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let (rounds, checks, stale) = (
        tally.rounds.load(Ordering::Relaxed),
        tally.checks.load(Ordering::Relaxed),
        tally.stale.load(Ordering::Relaxed),
    );
    println!(
        "X2 on {:?}: {rounds} rounds by {X2_CLIENTS} clients, {checks} checks on node B, \
         {stale} stale, in {elapsed:?}",
        common::Backend::current()
    );
    assert_eq!(rounds, X2_CLIENTS * X2_ROUNDS_PER_CLIENT);
    assert!(rounds >= 1000);
    assert_eq!(
        stale, 0,
        "checks at the write's revision never answer stale"
    );
}

// V3 ---------------------------------------------------------------------------------------------

const RACERS: usize = 32;
/// Each race is run this many times, on a fresh request (and principal) each time.
const RACES: usize = 5;

/// Sends `RACERS` calls at once, alternating nodes; returns each answer with its node.
async fn race<F, Fut>(call: F) -> Vec<(usize, Answer)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Answer> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(RACERS));
    let tasks: Vec<_> = (0..RACERS)
        .map(|racer| {
            let node = racer % 2;
            let barrier = barrier.clone();
            let call = call(node);
            tokio::spawn(async move {
                barrier.wait().await;
                (node, call.await)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// The member policy of `group` requires `approver`'s approval.
async fn require_approval_by(admin: &Session, group: &str, approver: &str) {
    let assignments = admin
        .get(
            A,
            &format!(
                "/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '{group}' \
                 and scopeType eq 'Group' and roleDefinitionId eq 'member'"
            ),
            None,
        )
        .await
        .expect(200);
    let policy = assignments.body["value"][0]["policyId"].as_str().unwrap();
    admin
        .call(
            A,
            Method::PATCH,
            &format!(
                "/v1.0/policies/roleManagementPolicies/{policy}/rules/Approval_EndUser_Assignment"
            ),
            Some(json!({
                "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
                "id": "Approval_EndUser_Assignment",
                "target": { "caller": "EndUser", "operations": ["all"], "level": "Assignment",
                            "inheritableSettings": [], "enforcedSettings": [] },
                "setting": {
                    "isApprovalRequired": true,
                    "isApprovalRequiredForExtension": false,
                    "isRequestorJustificationRequired": true,
                    "approvalMode": "SingleStage",
                    "approvalStages": [{
                        "approvalStageTimeOutInDays": 1,
                        "isApproverJustificationRequired": true,
                        "escalationTimeInMinutes": 0,
                        "isEscalationEnabled": false,
                        "primaryApprovers": [{ "@odata.type": "#microsoft.graph.singleUser",
                                               "userId": approver }],
                        "escalationApprovers": [],
                    }],
                },
            })),
            None,
        )
        .await
        .expect(204);
}

#[common::both_backends(flavor = "multi_thread", worker_threads = 4)]
async fn v3_x2_32_concurrent_approvals_over_two_nodes_one_wins_the_rest_are_409() {
    let cluster = Cluster::start().await;
    let admin = cluster.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let carol_id = admin.create_user("carol").await;
    let group = admin.create_group("Approved access").await;
    require_approval_by(&admin, &group, &carol_id).await;
    let carol = cluster.sign_in("carol", PASSWORD).await;

    for round in 0..RACES {
        let name = format!("requester-{round}");
        let requester_id = admin.create_user(&name).await;
        admin.make_eligible(&requester_id, &group).await;
        let requester = cluster.sign_in(&name, PASSWORD).await;
        let pending = requester
            .post(
                A,
                &format!("{PIM}/assignmentScheduleRequests"),
                activation(&requester_id, &group),
            )
            .await
            .expect(201);
        assert_eq!(pending.body["status"], "PendingApproval");
        let request = pending.id();
        let approval = carol
            .get(
                A,
                &format!("{PIM}/assignmentApprovals/{request}"),
                Some(pending.revision()),
            )
            .await
            .expect(200);
        let stage = approval.body["stages"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("{PIM}/assignmentApprovals/{request}/stages/{stage}");
        let known = approval.revision();

        let answers = race(|node| {
            let (carol, path) = (carol.clone(), path.clone());
            async move {
                carol
                    .call(
                        node,
                        Method::PATCH,
                        &path,
                        Some(json!({ "reviewResult": "Approve", "justification": "Checked" })),
                        Some(known),
                    )
                    .await
            }
        })
        .await;
        let mut statuses = BTreeMap::<u16, usize>::new();
        for (_, answer) in &answers {
            *statuses.entry(answer.status).or_default() += 1;
        }
        println!(
            "V3 on {:?}, race {round}: {statuses:?}",
            common::Backend::current()
        );
        for (node, answer) in &answers {
            assert!(
                answer.status == 204 || answer.status == 409,
                "node {node} answered {}: {}",
                answer.status,
                answer.body
            );
            if answer.status == 409 {
                assert_graph_error(answer);
            }
        }
        assert_eq!(statuses.get(&204), Some(&1), "exactly one approval wins");

        let latest = answers.iter().map(|(_, a)| a.revision()).max().unwrap();
        for node in [A, B] {
            let read = requester
                .get(
                    node,
                    &format!("{PIM}/assignmentScheduleRequests/{request}"),
                    Some(latest),
                )
                .await
                .expect(200);
            assert_eq!(read.body["status"], "Provisioned");
            let check = requester
                .get(node, &check_path(&requester_id, &group), Some(latest))
                .await
                .expect(200);
            assert_eq!(check.body["allowed"], true);
        }
    }
}

// V8 ---------------------------------------------------------------------------------------------

#[common::both_backends(flavor = "multi_thread", worker_threads = 4)]
async fn v8_x2_32_concurrent_activations_over_two_nodes_make_one_schedule() {
    let cluster = Cluster::start().await;
    let admin = cluster.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let group = admin.create_group("Raced access").await;

    for round in 0..RACES {
        let name = format!("activator-{round}");
        let user = admin.create_user(&name).await;
        admin.make_eligible(&user, &group).await;
        let session = cluster.sign_in(&name, PASSWORD).await;
        // Both nodes know the eligibility and the token (signed in after it) before the race.
        for node in [A, B] {
            session
                .get(node, "/stint/v1/health", Some(session.signed_in_at))
                .await
                .expect(200);
        }

        let answers = race(|node| {
            let (session, user, group) = (session.clone(), user.clone(), group.clone());
            async move {
                session
                    .post(
                        node,
                        &format!("{PIM}/assignmentScheduleRequests"),
                        activation(&user, &group),
                    )
                    .await
            }
        })
        .await;
        let mut outcomes = BTreeMap::<String, usize>::new();
        for (_, answer) in &answers {
            let outcome = match answer.body["error"]["code"].as_str() {
                Some(code) => format!("{} {code}", answer.status),
                None => answer.status.to_string(),
            };
            *outcomes.entry(outcome).or_default() += 1;
        }
        println!(
            "V8 on {:?}, race {round}: {outcomes:?}",
            common::Backend::current()
        );
        let created: Vec<_> = answers.iter().filter(|(_, a)| a.status == 201).collect();
        assert_eq!(created.len(), 1, "exactly one activation: {outcomes:?}");
        assert_eq!(created[0].1.body["status"], "Provisioned");
        for (_, answer) in answers.iter().filter(|(_, a)| a.status != 201) {
            assert_graph_error(answer);
        }

        let latest = answers.iter().map(|(_, a)| a.revision()).max().unwrap();
        for node in [A, B] {
            let schedules = admin
                .get(
                    node,
                    &format!(
                        "{PIM}/assignmentSchedules?$filter=groupId eq '{group}' and principalId eq '{user}'"
                    ),
                    Some(latest),
                )
                .await
                .expect(200);
            let schedules = schedules.body["value"].as_array().unwrap();
            assert_eq!(schedules.len(), 1, "one active schedule: {schedules:?}");
            assert_eq!(
                schedules[0]["id"], created[0].1.body["targetScheduleId"],
                "the winner's schedule"
            );
        }
    }
}

// V7, X3 -----------------------------------------------------------------------------------------

const ENDING_AT_ONCE: usize = 5_000;

/// An active membership of `group` from now for one hour.
fn membership(group: GroupId, now: chrono::DateTime<chrono::Utc>) -> Schedule {
    Schedule {
        id: ScheduleId {
            group,
            access: Access::Member,
            origin: uuid::Uuid::new_v4(),
        },
        kind: ScheduleKind::Active,
        principal_id: PrincipalId(uuid::Uuid::new_v4()),
        member_type: MemberType::Direct,
        assignment_type: AssignmentType::Assigned,
        window: Window {
            start: now,
            end: Some(now + TimeDelta::hours(1)),
        },
        created_using: None,
        created_at: now,
        modified_at: now,
        ended: None,
        reminders_sent: 0,
    }
}

#[common::both_backends(flavor = "multi_thread", worker_threads = 4)]
async fn v7_x3_5000_schedules_ending_at_once_end_once_each_with_both_schedulers_running() {
    let mut cluster = Cluster::start().await;
    let admin = cluster.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let group: GroupId = admin
        .create_group("Ends at once")
        .await
        .parse::<uuid::Uuid>()
        .map(GroupId)
        .unwrap();

    // One commit through the store, as another node would make it.
    let now = cluster.a.now();
    let mut decision = Decision::new();
    let mut ids = Vec::new();
    for _ in 0..ENDING_AT_ONCE {
        let schedule = membership(group, now);
        ids.push(schedule.id.to_string());
        decision.push(Change::Schedule(schedule));
    }
    let created = cluster.store.commit(None, &decision, now).await.unwrap();
    for node in cluster.nodes() {
        assert!(node.app.reach_revision(created).await.unwrap());
    }

    // Both schedulers run; at the end of the hour the clock passes the end of every schedule.
    for node in [cluster.a.app.clone(), cluster.b.app.clone()] {
        cluster
            .background
            .push(stint_app::scheduler::spawn(node, Duration::from_millis(20)));
    }
    let started = Instant::now();
    cluster
        .clock
        .advance(TimeDelta::hours(1) + TimeDelta::seconds(1));
    // Besides the schedulers, each node ticks until it finds nothing left due: the race is as
    // close as it gets. A tick that finds nothing due has seen every schedule ended.
    let ticking = |app: Arc<stint_app::App>| async move {
        let mut commits = 0;
        while app.tick().await.unwrap().is_some() {
            commits += 1;
        }
        commits
    };
    let (on_a, on_b) = tokio::join!(
        tokio::spawn(ticking(cluster.a.app.clone())),
        tokio::spawn(ticking(cluster.b.app.clone())),
    );
    let (on_a, on_b) = (on_a.unwrap(), on_b.unwrap());
    let ended_in = started.elapsed();
    let latest = cluster.store.revision().await.unwrap();
    for node in cluster.nodes() {
        assert!(node.app.reach_revision(latest).await.unwrap());
        let ended = node.app.inspect_state(|state| {
            state
                .schedules
                .values()
                .filter(|s| s.id.group == group && s.ended.is_some())
                .count()
        });
        assert_eq!(ended, ENDING_AT_ONCE, "every schedule is recorded ended");
    }

    // The audit log: one expiry event per schedule.
    let events = cluster
        .store
        .audit(&AuditQuery {
            limit: 4 * ENDING_AT_ONCE,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let mut expiries = HashMap::<String, usize>::new();
    for event in events
        .iter()
        .filter(|e| e.record.action == "schedule.expire")
    {
        *expiries.entry(event.record.target_id.clone()).or_default() += 1;
    }
    assert!(
        events.len() < 4 * ENDING_AT_ONCE,
        "the audit query saw the whole log"
    );

    // The change feed, read from node B: one end per schedule.
    let mut ends = HashMap::<String, usize>::new();
    let mut after = 0;
    loop {
        let page = admin
            .get(B, &format!("/stint/v1/changes?after={after}"), None)
            .await
            .expect(200);
        for entry in page.body["value"].as_array().unwrap() {
            let change = &entry["change"];
            if entry["kind"] == "schedule" && !change["endedDateTime"].is_null() {
                assert_eq!(change["endReason"], "expired", "{entry}");
                *ends
                    .entry(change["id"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
        }
        let last = page.body["lastRevision"].as_u64().unwrap();
        if last == after {
            break;
        }
        after = last;
    }
    println!(
        "V7 on {:?}: {} schedules ended in {ended_in:?}, in {} + {} tick commits by the test's \
         ticks on A and B (besides the schedulers); {} expiry events, {} feed ends",
        common::Backend::current(),
        ENDING_AT_ONCE,
        on_a,
        on_b,
        expiries.values().sum::<usize>(),
        ends.values().sum::<usize>(),
    );
    for id in &ids {
        assert_eq!(expiries.get(id), Some(&1), "one expiry event for {id}");
        assert_eq!(ends.get(id), Some(&1), "one feed end for {id}");
    }
    assert_eq!(expiries.len(), ENDING_AT_ONCE);
    assert_eq!(ends.len(), ENDING_AT_ONCE);
}

/// X2: a script that signs in on one node and is sent to another by a load balancer is not told
/// its fresh token is unknown. Node B runs no follower here, so only the token lookup itself can
/// make B learn of the sign-in.
#[common::both_backends]
async fn x2_a_token_issued_on_node_a_works_on_node_b_at_once() {
    let database = SharedDatabase::fresh().await;
    let clock = ManualClock::starting_at(start_time());
    let a = TestServer::serve(database.open().await, clock.clone(), test_config()).await;
    a.app
        .bootstrap(Some(Password::new(ADMIN_PASSWORD)))
        .await
        .unwrap();
    let b = TestServer::serve(database.open().await, clock, test_config()).await;
    let http = reqwest::Client::new();
    let signed_in = send(
        &http,
        Method::POST,
        &format!("{}/stint/v1/auth/token", a.base_url),
        None,
        Some(json!({ "username": ADMIN, "password": ADMIN_PASSWORD })),
        None,
    )
    .await
    .expect(200);
    assert!(
        b.app.revision() < signed_in.revision(),
        "B has not followed A"
    );
    let token = signed_in.body["access_token"].as_str().unwrap();

    let listed = send(
        &http,
        Method::GET,
        &format!("{}/v1.0/groups", b.base_url),
        Some(token),
        None,
        None,
    )
    .await;
    assert_eq!(listed.status, 200, "{}", listed.body);

    let forged = send(
        &http,
        Method::GET,
        &format!("{}/v1.0/groups", b.base_url),
        Some("not-a-token"),
        None,
        None,
    )
    .await;
    assert_eq!(forged.status, 401, "{}", forged.body);
}
