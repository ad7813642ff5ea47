//! `stint-bench notify`: the notification benchmarks of issue 16 (SPEC N1–N3, E5), against
//! `stint serve` mailing through a real SMTP server ([`MailSink`]).
//!
//! 1. **Burst**: 1,000 people ask at once to activate memberships that need approval, with three
//!    approvers a group; each mail's latency runs from its decision (the outbox row's
//!    `created_at`, written in the decision's commit) to the SMTP server's acceptance.
//! 2. **Reminders**: 10,000 eligible assignments whose 14-day reminder falls due at one instant;
//!    latency runs from that instant to acceptance, so it includes the scheduler's tick.
//! 3. **Writes**: `adminAssign` eligibilities over HTTP for a fixed time, 16 at a time, with
//!    e-mail off and then on (each assignment mails its principal), on copies of one database.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use stint_core::auth::{AccessToken, TokenHash};
use stint_core::directory::{Group, GroupKind, GroupSource, PasswordHash, User};
use stint_core::ids::{GroupId, ScheduleId, UserId};
use stint_core::policy::{Approver, Policy, PolicySettings};
use stint_core::schedule::{Access, AssignmentType, MemberType, Schedule, ScheduleKind, Window};
use stint_core::{Change, Decision};
use stint_store::outbox::{MessageState, OutboxQuery};
use stint_store::Store;
use stint_store_sqlite::SqliteStore;
use uuid::Uuid;

use crate::load::post_all;
use crate::mail_sink::MailSink;
use crate::report::{per_second, Latency, Report};
use crate::server::{Server, ADMIN_PASSWORD};

const REQUESTERS: usize = 1_000;
const GROUPS: usize = 100;
const APPROVERS_A_GROUP: usize = 3;
const REMINDED: usize = 10_000;
/// Requests in flight at once, in the burst and the write runs.
const CONCURRENCY: usize = 16;
/// How far ahead of the server's start the reminders fall due.
const REMINDERS_DUE_IN: TimeDelta = TimeDelta::seconds(15);
/// The longest the benchmark waits for the outbox to empty.
const DRAIN_LIMIT: Duration = Duration::from_secs(300);
const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";
const PORT: u16 = 18_180;

/// The people and groups every run starts from.
struct Base {
    requesters: Vec<UserId>,
    groups: Vec<GroupId>,
}

/// A part of the benchmark, to run alone (`--only`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Burst,
    Reminders,
    Writes,
}

impl Part {
    pub fn named(name: &str) -> Option<Part> {
        match name {
            "burst" => Some(Part::Burst),
            "reminders" => Some(Part::Reminders),
            "writes" => Some(Part::Writes),
            _ => None,
        }
    }
}

pub async fn run(
    binary: &Path,
    work: &Path,
    write_seconds: u64,
    only: Option<Part>,
) -> anyhow::Result<String> {
    let dir = std::path::absolute(work.join("notify"))?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let sink = MailSink::start()?;
    let mut report = Report {
        scales: vec!["result".to_owned()],
        ..Report::default()
    };
    let now = Utc::now();
    let (base, changes) = base(now);
    let seed = dir.join("base.db");
    commit(&database(&seed), changes, now).await?;

    let run = Run {
        binary,
        dir: &dir,
        sink: &sink,
        seed: &seed,
    };
    let load = load_average();
    let runs = |part| only.is_none_or(|only| only == part);
    if runs(Part::Burst) {
        burst(&run, &base, &mut report).await?;
    }
    if runs(Part::Reminders) {
        reminders(&run, &mut report).await?;
    }
    if runs(Part::Writes) {
        writes(&run, &base, write_seconds, &mut report).await?;
    }
    let header = format!(
        "## Notifications (issue 16)\n\nRun at {} on {} cores; mail to an SMTP server (`mailin`) in the benchmark's process, load average {:.1} at the start.\n",
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load,
    );
    let markdown = report.markdown(&header);
    std::fs::write(dir.join("report.md"), &markdown)?;
    Ok(markdown)
}

/// The one-minute load average (Linux), 0 where it cannot be read: a busy machine slows every
/// figure here.
pub(crate) fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

struct Run<'a> {
    binary: &'a Path,
    dir: &'a Path,
    sink: &'a MailSink,
    seed: &'a Path,
}

impl Run<'_> {
    /// A copy of the seed database named `name`, with `changes` committed on top.
    async fn database(&self, name: &str, changes: Vec<Change>) -> anyhow::Result<String> {
        let path = self.dir.join(format!("{name}.db"));
        std::fs::copy(self.seed, &path)?;
        let url = database(&path);
        if !changes.is_empty() {
            commit(&url, changes, Utc::now()).await?;
        }
        Ok(url)
    }

    async fn serve(&self, name: &str, database: &str, mail: bool) -> anyhow::Result<Server> {
        let mut args = vec![
            "--public-url".to_owned(),
            "https://stint.bench.example".to_owned(),
        ];
        if mail {
            args.extend(["--smtp-url".to_owned(), self.sink.url()]);
        }
        let log = self.dir.join(format!("{name}.log"));
        let (server, _) = Server::start(self.binary, database, PORT, 1, None, &log, &args).await?;
        Ok(server)
    }
}

pub(crate) fn database(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

pub(crate) async fn commit(
    url: &str,
    changes: Vec<Change>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let store = SqliteStore::open(url).await?;
    commit_to(&store, changes, now).await?;
    // The caller copies the file.
    store.close().await?;
    Ok(())
}

/// Commits `changes` to `store`, 50,000 a revision.
pub(crate) async fn commit_to(
    store: &dyn Store,
    changes: Vec<Change>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut changes = changes.into_iter().peekable();
    while changes.peek().is_some() {
        let decision = Decision {
            changes: changes.by_ref().take(50_000).collect(),
            ..Decision::default()
        };
        store.commit(None, &decision, now).await?;
    }
    Ok(())
}

/// 1,000 requesters with a mail and a token, each eligible for membership of one of 100 groups
/// whose activation needs one of three approvers (300 people with a mail).
fn base(now: DateTime<Utc>) -> (Base, Vec<Change>) {
    let mut changes = Vec::new();
    let requesters: Vec<UserId> = (0..REQUESTERS)
        .map(|i| {
            let id = UserId(Uuid::new_v4());
            changes.push(Change::User(user(id, &format!("requester-{i}"), now)));
            changes.push(bearer_token(id, &requester_token(i), now));
            id
        })
        .collect();
    let groups: Vec<GroupId> = (0..GROUPS)
        .map(|g| {
            let id = GroupId(Uuid::new_v4());
            changes.push(Change::Group(group(id, g, now)));
            let approvers = (0..APPROVERS_A_GROUP)
                .map(|k| {
                    let approver = UserId(Uuid::new_v4());
                    changes.push(Change::User(user(
                        approver,
                        &format!("approver-{g}-{k}"),
                        now,
                    )));
                    Approver::User(approver)
                })
                .collect();
            let mut settings = PolicySettings::default();
            settings.approval.required = true;
            settings.approval.approvers = approvers;
            for (access, settings) in [
                (Access::Member, settings),
                (Access::Owner, PolicySettings::default()),
            ] {
                changes.push(Change::Policy(Policy {
                    id: Uuid::new_v4(),
                    group_id: id,
                    access,
                    settings,
                    modified_at: None,
                    modified_by: None,
                }));
            }
            id
        })
        .collect();
    for (i, requester) in requesters.iter().enumerate() {
        let window = Window {
            start: now - TimeDelta::days(1),
            end: Some(now + TimeDelta::days(300)),
        };
        changes.push(Change::Schedule(eligible(
            groups[i % GROUPS],
            *requester,
            window,
        )));
    }
    (Base { requesters, groups }, changes)
}

/// A token `text` of `user`'s, valid for twelve hours from `now`.
pub(crate) fn bearer_token(user: UserId, text: &str, now: DateTime<Utc>) -> Change {
    Change::Token(AccessToken {
        hash: TokenHash::of(text),
        user_id: user,
        issued_at: now - TimeDelta::minutes(1),
        expires_at: now + TimeDelta::hours(12),
        mfa_at: None,
    })
}

fn requester_token(index: usize) -> String {
    format!("bench-requester-token-{index}")
}

pub(crate) fn user(id: UserId, name: &str, now: DateTime<Utc>) -> User {
    User {
        id,
        user_principal_name: format!("{name}@bench.example"),
        display_name: name.to_owned(),
        account_enabled: true,
        // Not a valid PHC string: nobody signs in with a password; requesters have tokens.
        password_hash: PasswordHash("!".to_owned()),
        created_at: now - TimeDelta::days(30),
        authenticator: None,
        recent_failed_codes: Vec::new(),
        mail: Some(format!("{name}@bench.example")),
        identities: Vec::new(),
        time_zone: None,
    }
}

pub(crate) fn group(id: GroupId, index: usize, now: DateTime<Utc>) -> Group {
    Group {
        id,
        display_name: format!("Bench group {index}"),
        description: None,
        kind: GroupKind::Security,
        is_assignable_to_role: false,
        membership_rule: None,
        source: GroupSource::Cloud,
        created_at: now - TimeDelta::days(30),
        managed_since: Some(now - TimeDelta::days(30)),
        deleted_at: None,
    }
}

pub(crate) fn eligible(group: GroupId, user: UserId, window: Window) -> Schedule {
    let created = window.start;
    Schedule {
        id: ScheduleId {
            group,
            access: Access::Member,
            origin: Uuid::new_v4(),
        },
        kind: ScheduleKind::Eligible,
        principal_id: user.into(),
        member_type: MemberType::Direct,
        assignment_type: AssignmentType::Assigned,
        window,
        created_using: None,
        created_at: created,
        modified_at: created,
        ended: None,
        reminders_sent: 0,
    }
}

/// 1: every requester asks at once; each approver of their group is mailed.
async fn burst(run: &Run<'_>, base: &Base, report: &mut Report) -> anyhow::Result<()> {
    let database = run.database("burst", Vec::new()).await?;
    run.sink.clear();
    let server = run.serve("burst", &database, true).await?;
    let url = format!("{}{PIM}/assignmentScheduleRequests", server.base);
    let bodies: Vec<(String, serde_json::Value)> = base
        .requesters
        .iter()
        .enumerate()
        .map(|(i, requester)| {
            let body = json!({
                "accessId": "member", "principalId": requester, "groupId": base.groups[i % GROUPS],
                "action": "selfActivate", "justification": "Benchmark: a burst of requests",
                "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT2H" } },
            });
            (requester_token(i), body)
        })
        .collect();
    let started = Instant::now();
    let targets = [(server.client.clone(), url)];
    let answered = post_all(&targets, bodies, CONCURRENCY, None).await?;
    let burst_seconds = started.elapsed().as_secs_f64();
    ensure!(
        answered.errors == 0,
        "{} activations were refused",
        answered.errors
    );
    let mails = drained(&database, run.sink, REQUESTERS * APPROVERS_A_GROUP, |_| {
        None
    })
    .await?;
    server.stop()?;
    report.set(
        0,
        "burst",
        "activations needing approval sent at once (16 in flight) / answered in",
        "",
        format!(
            "{} / {burst_seconds:.2} s",
            per_second(answered.latencies.len() as f64)
        ),
    );
    report.set(
        0,
        "burst",
        "activation answered: p50 / p99",
        "",
        Latency::from_durations(&answered.latencies).percentiles(),
    );
    mails.rows(report, "burst", "decision committed → SMTP server accepted");
    Ok(())
}

/// 2: ten thousand 14-day reminders fall due at the same instant.
async fn reminders(run: &Run<'_>, report: &mut Report) -> anyhow::Result<()> {
    let now = Utc::now();
    let due = now + REMINDERS_DUE_IN;
    let group = GroupId(Uuid::new_v4());
    let mut changes = vec![Change::Group(group_for_reminders(group, now))];
    for i in 0..REMINDED {
        let id = UserId(Uuid::new_v4());
        changes.push(Change::User(user(id, &format!("reminded-{i}"), now)));
        let window = Window {
            start: now - TimeDelta::days(1),
            end: Some(due + TimeDelta::days(14)),
        };
        changes.push(Change::Schedule(eligible(group, id, window)));
    }
    let database = run.database("reminders", changes).await?;
    run.sink.clear();
    let server = run.serve("reminders", &database, true).await?;
    ensure!(
        Utc::now() < due,
        "the server started after the reminders fell due"
    );
    let wait = (due - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait).await;
    let mails = drained(&database, run.sink, REMINDED, |_| Some(due)).await?;
    server.stop()?;
    // A refused mail is dead, not lost: it is counted in the report's row, and the run goes on.
    ensure!(
        mails.count + mails.dead as usize >= REMINDED,
        "{} reminders were mailed and {} refused, not {REMINDED}",
        mails.count,
        mails.dead
    );
    mails.rows(report, "reminders", "reminder due → SMTP server accepted");
    Ok(())
}

fn group_for_reminders(id: GroupId, now: DateTime<Utc>) -> Group {
    Group {
        display_name: "Bench reminders".to_owned(),
        ..group(id, 0, now)
    }
}

/// 3: the write path's throughput with e-mail off, then on.
async fn writes(
    run: &Run<'_>,
    base: &Base,
    seconds: u64,
    report: &mut Report,
) -> anyhow::Result<()> {
    let mut rates = Vec::new();
    for mail in [false, true] {
        let name = if mail {
            "writes-mail-on"
        } else {
            "writes-mail-off"
        };
        let database = run.database(name, Vec::new()).await?;
        run.sink.clear();
        let server = run.serve(name, &database, mail).await?;
        let admin = server.token("admin", ADMIN_PASSWORD).await?;
        let url = format!("{}{PIM}/eligibilityScheduleRequests", server.base);
        // Pairs nobody holds yet: requester i is eligible in group i % 100 only.
        let bodies = base
            .requesters
            .iter()
            .enumerate()
            .flat_map(|(i, requester)| (1..GROUPS).map(move |k| (i, k, *requester)));
        let bodies: Vec<(String, serde_json::Value)> = bodies
            .map(|(i, k, requester)| {
                let body = json!({
                    "accessId": "member", "principalId": requester,
                    "groupId": base.groups[(i + k) % GROUPS], "action": "adminAssign",
                    "justification": "Benchmark: the write path",
                    "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
                });
                (admin.clone(), body)
            })
            .collect();
        let started = Instant::now();
        let targets = [(server.client.clone(), url)];
        let limit = Some(Duration::from_secs(seconds));
        let answered = post_all(&targets, bodies, CONCURRENCY, limit).await?;
        let elapsed = started.elapsed().as_secs_f64();
        let outbox = SqliteStore::open(&database).await?.outbox_stats().await?;
        server.stop()?;
        let rate = answered.latencies.len() as f64 / elapsed;
        rates.push(rate);
        let label = if mail { "e-mail on" } else { "e-mail off" };
        report.set(0, "writes", &format!("adminAssign over HTTP, {CONCURRENCY} in flight, {seconds} s, {label}: writes/s (errors)"), "", format!("{} ({})", per_second(rate), answered.errors));
        report.set(
            0,
            "writes",
            &format!("adminAssign, {label}: p50 / p99"),
            "",
            Latency::from_durations(&answered.latencies).percentiles(),
        );
        if mail {
            report.set(
                0,
                "writes",
                "mails written by those writes / sent before the server stopped",
                "",
                format!(
                    "{} / {}",
                    per_second((outbox.pending + outbox.sent + outbox.dead) as f64),
                    per_second(outbox.sent as f64)
                ),
            );
        }
    }
    report.set(
        0,
        "writes",
        "throughput with e-mail on, relative to off",
        "within noise",
        format!("{:+.1} %", (rates[1] / rates[0] - 1.0) * 100.0),
    );
    Ok(())
}

/// The mails of a run, once the outbox has none left waiting.
struct Mails {
    count: usize,
    latency: Latency,
    /// Until the last mail was accepted, from the first decision (or due instant).
    span: Duration,
    dead: u64,
    duplicates: usize,
}

impl Mails {
    fn rows(&self, report: &mut Report, section: &str, what: &str) {
        report.set(
            0,
            section,
            "mails accepted / dead / accepted more than once",
            "all / 0 / 0",
            format!(
                "{} / {} / {}",
                per_second(self.count as f64),
                self.dead,
                self.duplicates
            ),
        );
        report.set(
            0,
            section,
            &format!("{what}: p50 / p99 / max"),
            "p99 < 1 s",
            self.latency.percentiles_and_max(),
        );
        report.set(
            0,
            section,
            "all mails accepted within / mails a second",
            "",
            format!(
                "{:.2} s / {}",
                self.span.as_secs_f64(),
                per_second(self.count as f64 / self.span.as_secs_f64().max(1e-9))
            ),
        );
    }
}

/// Waits until the outbox of `database` has settled at least `expected` messages and has none
/// left waiting, then matches each message with its acceptance by the sink. Latency runs from `since(message)` or, when that is `None`, from the
/// message's decision.
async fn drained(
    database: &str,
    sink: &MailSink,
    expected: usize,
    since: impl Fn(&stint_store::outbox::OutboxEntry) -> Option<DateTime<Utc>>,
) -> anyhow::Result<Mails> {
    let store = SqliteStore::open(database).await?;
    let started = Instant::now();
    loop {
        let stats = store.outbox_stats().await?;
        if stats.pending == 0 && stats.sent + stats.dead >= expected as u64 {
            break;
        }
        if started.elapsed() > DRAIN_LIMIT {
            bail!(
                "the outbox still holds {} messages after {DRAIN_LIMIT:?}",
                stats.pending
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let entries = store
        .outbox(&OutboxQuery {
            limit: 1_000_000,
            ..OutboxQuery::default()
        })
        .await?;
    let dead = entries
        .iter()
        .filter(|e| e.state == MessageState::Dead)
        .count() as u64;
    sink.read(|accepted| {
        let mut latencies = Vec::with_capacity(entries.len());
        let (mut first, mut last) = (None::<DateTime<Utc>>, None::<DateTime<Utc>>);
        for entry in entries.iter().filter(|e| e.state == MessageState::Sent) {
            let id = entry.message.id.simple().to_string();
            let at = accepted.first.get(&id).with_context(|| {
                format!("message {id} is sent but the SMTP server never accepted it")
            })?;
            let from = since(entry).unwrap_or(entry.created_at);
            latencies.push((*at - from).to_std().unwrap_or_default());
            first = Some(first.map_or(from, |f| f.min(from)));
            last = Some(last.map_or(*at, |l| l.max(*at)));
        }
        let span = match (first, last) {
            (Some(first), Some(last)) => (last - first).to_std().unwrap_or_default(),
            _ => Duration::ZERO,
        };
        Ok(Mails {
            count: latencies.len(),
            latency: Latency::from_durations(&latencies),
            span,
            dead,
            duplicates: accepted.copies.values().filter(|n| **n > 1).count(),
        })
    })
}
