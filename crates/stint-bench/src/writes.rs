//! `stint-bench writes`: the write path of issue 20 (ADR 0017), before and after group commit in
//! the same run. Eligibility `adminAssign` and `selfActivate` over HTTP, 16 and 64 requests in
//! flight, against `stint serve` on SQLite (`synchronous=FULL`, one node, a fresh copy of the
//! database a run) and on PostgreSQL (two nodes, connections alternating between them, each run
//! on pairs no run before it used), each with `--group-commit off` and then `on`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use stint_core::ids::{GroupId, UserId};
use stint_core::schedule::Window;
use stint_core::Change;
use stint_store_postgres::PostgresStore;
use uuid::Uuid;

use crate::load::post_all;
use crate::notify::{
    bearer_token, commit, commit_to, database, eligible, group, load_average, user,
};
use crate::report::{per_second, Latency, Report};
use crate::server::{Server, ADMIN_PASSWORD};

const USERS: usize = 2_000;
/// Groups every user is eligible for (`selfActivate` targets), and as many nobody holds
/// (`adminAssign` targets).
const GROUPS: usize = 50;
const CONNECTIONS: [usize; 2] = [16, 64];
const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";
const PORT: u16 = 18_280;

#[derive(Debug)]
pub struct Options {
    pub build: bool,
    seconds: u64,
    postgres: bool,
    work: PathBuf,
}

impl Options {
    pub fn parse(mut args: impl Iterator<Item = String>) -> anyhow::Result<Options> {
        let mut options = Options {
            build: true,
            seconds: 5,
            postgres: true,
            work: PathBuf::from("target/stint-bench"),
        };
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--no-build" => options.build = false,
                "--no-postgres" => options.postgres = false,
                "--seconds" => {
                    options.seconds = (args.next().and_then(|n| n.parse().ok()))
                        .context("--seconds takes a number")?
                }
                "--work" => options.work = args.next().context("--work takes a directory")?.into(),
                other => anyhow::bail!(
                    "unknown argument {other}; usage: stint-bench writes [--seconds N] \
                     [--no-build] [--no-postgres] [--work DIR]"
                ),
            }
        }
        Ok(options)
    }
}

/// One kind of write and the bodies that make it, each on a pair nobody used before.
#[derive(Clone, Copy, Debug)]
enum Operation {
    AdminAssign,
    SelfActivate,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::AdminAssign => "eligibility adminAssign",
            Operation::SelfActivate => "selfActivate",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Operation::AdminAssign => "eligibilityScheduleRequests",
            Operation::SelfActivate => "assignmentScheduleRequests",
        }
    }

    /// Every body of this operation, spread over users and groups.
    fn bodies(self, base: &Base, admin: &str) -> Vec<(String, serde_json::Value)> {
        let mut bodies = Vec::with_capacity(USERS * GROUPS);
        for k in 0..GROUPS {
            for (i, requester) in base.users.iter().enumerate() {
                let body = match self {
                    Operation::AdminAssign => (
                        admin.to_owned(),
                        json!({
                            "accessId": "member", "principalId": requester,
                            "groupId": base.assign_groups[(i + k) % GROUPS], "action": "adminAssign",
                            "justification": "Benchmark: the write path",
                            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
                        }),
                    ),
                    Operation::SelfActivate => (
                        token(i),
                        json!({
                            "accessId": "member", "principalId": requester,
                            "groupId": base.activation_groups[(i + k) % GROUPS], "action": "selfActivate",
                            "justification": "Benchmark: the write path",
                            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT2H" } },
                        }),
                    ),
                };
                bodies.push(body);
            }
        }
        bodies
    }
}

/// The users and groups every run starts from.
struct Base {
    users: Vec<UserId>,
    activation_groups: Vec<GroupId>,
    assign_groups: Vec<GroupId>,
}

/// Users with tokens, each eligible for membership of every activation group.
fn base(now: DateTime<Utc>) -> (Base, Vec<Change>) {
    let mut changes = Vec::new();
    let groups = |offset: usize, changes: &mut Vec<Change>| -> Vec<GroupId> {
        (0..GROUPS)
            .map(|g| {
                let id = GroupId(Uuid::new_v4());
                changes.push(Change::Group(group(id, offset + g, now)));
                id
            })
            .collect()
    };
    let activation_groups = groups(0, &mut changes);
    let assign_groups = groups(GROUPS, &mut changes);
    let window = Window {
        start: now - TimeDelta::days(1),
        end: Some(now + TimeDelta::days(300)),
    };
    let users = (0..USERS)
        .map(|i| {
            let id = UserId(Uuid::new_v4());
            changes.push(Change::User(user(id, &format!("writer-{i}"), now)));
            changes.push(bearer_token(id, &token(i), now));
            for group in &activation_groups {
                changes.push(Change::Schedule(eligible(*group, id, window)));
            }
            id
        })
        .collect();
    let base = Base {
        users,
        activation_groups,
        assign_groups,
    };
    (base, changes)
}

fn token(index: usize) -> String {
    format!("bench-writer-token-{index}")
}

/// One measured run's figures, as a report row's value.
fn figures(answered: &crate::load::Answered, elapsed: Duration) -> String {
    let rate = answered.latencies.len() as f64 / elapsed.as_secs_f64();
    format!(
        "{} ({} errors), p50 / p99 {}",
        per_second(rate),
        answered.errors,
        Latency::from_durations(&answered.latencies).percentiles()
    )
}

fn switch(group_commit: bool) -> &'static str {
    if group_commit {
        "on"
    } else {
        "off"
    }
}

pub async fn run(binary: &Path, options: &Options) -> anyhow::Result<String> {
    let dir = std::path::absolute(options.work.join("writes"))?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut report = Report {
        scales: vec!["result".to_owned()],
        ..Report::default()
    };
    let load = load_average();
    let now = Utc::now();
    let (base, changes) = base(now);
    let seed = dir.join("seed.db");
    commit(&database(&seed), changes.clone(), now).await?;
    let limit = Duration::from_secs(options.seconds);
    for operation in [Operation::AdminAssign, Operation::SelfActivate] {
        for connections in CONNECTIONS {
            for group_commit in [false, true] {
                let name = format!(
                    "sqlite-{operation:?}-{connections}-{}",
                    switch(group_commit)
                );
                let path = dir.join(format!("{name}.db"));
                std::fs::copy(&seed, &path)?;
                let args = ["--group-commit".to_owned(), switch(group_commit).to_owned()];
                let log = dir.join(format!("{name}.log"));
                let (server, _) =
                    Server::start(binary, &database(&path), PORT, 5, None, &log, &args).await?;
                let admin = server.token("admin", ADMIN_PASSWORD).await?;
                let url = format!("{}{PIM}/{}", server.base, operation.path());
                let targets = [(server.client.clone(), url)];
                let started = Instant::now();
                let bodies = operation.bodies(&base, &admin);
                let answered = post_all(&targets, bodies, connections, Some(limit)).await?;
                let value = figures(&answered, started.elapsed());
                server.stop()?;
                println!("{name}: {value}");
                let figure = format!(
                    "{}, {connections} connections, group commit {}: writes/s, p50 / p99",
                    operation.name(),
                    switch(group_commit)
                );
                let goal = if group_commit && connections == 64 {
                    "≥ 10,000/s, p99 < 20 ms"
                } else {
                    ""
                };
                report.set(
                    0,
                    "SQLite (synchronous=FULL), one node",
                    &figure,
                    goal,
                    value,
                );
            }
        }
    }
    if options.postgres {
        postgres(binary, &dir, &base, changes, limit, &mut report).await?;
    }
    let header = format!(
        "## Writes (issue 20, group commit)\n\nRun at {} on {} cores, {} s a run, load average {load:.1} at the start; {USERS} users, {} eligibilities.\n",
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        options.seconds,
        USERS * GROUPS,
    );
    let markdown = report.markdown(&header);
    std::fs::write(dir.join("report.md"), &markdown)?;
    Ok(markdown)
}

/// The PostgreSQL runs: two nodes on one database; each run takes its own slice of the pairs.
async fn postgres(
    binary: &Path,
    dir: &Path,
    base: &Base,
    changes: Vec<Change>,
    limit: Duration,
    report: &mut Report,
) -> anyhow::Result<()> {
    let admin_url = crate::postgres_admin_url();
    let name = "stint_bench_writes";
    let url = crate::fresh_postgres(&admin_url, name).await?;
    commit_to(&PostgresStore::open(&url).await?, changes, Utc::now()).await?;
    let runs = CONNECTIONS.len() * 2;
    for operation in [Operation::AdminAssign, Operation::SelfActivate] {
        let mut run = 0;
        for connections in CONNECTIONS {
            for group_commit in [false, true] {
                let label = format!("pg-{operation:?}-{connections}-{}", switch(group_commit));
                let args = ["--group-commit".to_owned(), switch(group_commit).to_owned()];
                let mut nodes = Vec::new();
                for node in 0..2u16 {
                    let log = dir.join(format!("{label}-node{node}.log"));
                    let port = PORT + 1 + node;
                    nodes.push(
                        Server::start(binary, &url, port, 5, None, &log, &args)
                            .await?
                            .0,
                    );
                }
                let admin = nodes[0].token("admin", ADMIN_PASSWORD).await?;
                let bodies = operation.bodies(base, &admin);
                let slice = bodies.len() / runs;
                let bodies = bodies[run * slice..(run + 1) * slice].to_vec();
                run += 1;
                let targets: Vec<_> = (nodes.iter())
                    .map(|node| {
                        let url = format!("{}{PIM}/{}", node.base, operation.path());
                        (node.client.clone(), url)
                    })
                    .collect();
                let started = Instant::now();
                let answered = post_all(&targets, bodies, connections, Some(limit)).await?;
                let value = figures(&answered, started.elapsed());
                for node in nodes {
                    node.stop()?;
                }
                println!("{label}: {value}");
                let figure = format!(
                    "{}, {connections} connections over two nodes, group commit {}: writes/s, p50 / p99",
                    operation.name(),
                    switch(group_commit)
                );
                let goal = if group_commit { "≥ 3,000/s" } else { "" };
                report.set(0, "PostgreSQL, two nodes", &figure, goal, value);
            }
        }
    }
    let _ = crate::drop_postgres(&admin_url, name).await;
    Ok(())
}
