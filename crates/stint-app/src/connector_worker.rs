//! The connector workers (issue 18, C2, C3): make each linked target group hold its Stint group's
//! effective members (or owners) now, level-triggered (docs/design/0011-connectors.md).
//!
//! A round of one connector, under its lease in the store: compute each link's wanted users as
//! the check answers them at the clock's now, run `stint_connectors::sync_link` for the links
//! whose wanted set changed (every link when a reconcile is due or asked for), persist the pushed
//! sets, the revision reached and the status, and audit each confirmed removal (with the end and
//! the confirmation instants), drift, and each user the target lacks (once). A failure is kept in
//! the status and retried with backoff; no decision ever waits for a target.
//!
//! [`spawn_connectors`] runs one task per live connector on every node; only the lease's holder
//! writes, and another node takes over once the lease lapses. A task runs a round on every commit
//! this node applies, at the next instant a wanted user's access ends (V7: the check is false from
//! that instant), when a reconcile is due, and to renew its lease. A reconcile asked on any node
//! is a commit (the connector's `reconciles_asked` grows), so it wakes the holder's task through
//! the change feed like any other commit; the holder reconciles while its status has answered
//! fewer asks (docs/design/0015-connector-operations.md).

mod targets;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use stint_connectors::{sync_link, AnyTarget, Member, RemovalCause, SyncReport, TargetValue};
use stint_core::connector::events::{self, ConfirmedRemoval};
use stint_core::connector::{wanted, Connector, ConnectorId, Endpoint, LinkId};
use stint_core::ids::UserId;
use stint_core::Decision;
use stint_store::connectors::{ConnectorProgress, ConnectorStatus, Pushed, PushedFor};
use uuid::Uuid;

use crate::error::AppResult;
use crate::{App, Session};

/// How long a node holds a connector without renewing; it renews at a third of it.
const LEASE: TimeDelta = TimeDelta::seconds(30);
/// Backoff after a failed round: doubled from the first to the last.
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(60);

/// What a node drives connectors with: its name in leases, the targets it has connected, and
/// what it last pushed per link, so that a commit that changes no link's wanted set costs no
/// target I/O.
#[derive(Debug)]
pub struct ConnectorDriver {
    /// This node's name in leases: unique per process.
    pub worker: String,
    targets: Mutex<HashMap<ConnectorId, (Endpoint, Arc<AnyTarget>)>>,
    links: Mutex<HashMap<LinkId, LinkMemory>>,
}

/// What a link's last successful sync on this node was asked for and pushed.
#[derive(Debug, Clone)]
struct LinkMemory {
    members: Vec<Member>,
    pushed: BTreeSet<String>,
    clean: bool,
}

impl Default for ConnectorDriver {
    fn default() -> Self {
        Self::new()
    }
}

impl ConnectorDriver {
    /// A driver named after this process.
    pub fn new() -> ConnectorDriver {
        ConnectorDriver {
            worker: format!("{}-{}", std::process::id(), Uuid::new_v4().simple()),
            targets: Mutex::default(),
            links: Mutex::default(),
        }
    }

    fn target(
        &self,
        connector: &Connector,
    ) -> Result<Arc<AnyTarget>, stint_connectors::TargetError> {
        let mut targets = self.targets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((endpoint, target)) = targets.get(&connector.id) {
            if *endpoint == connector.endpoint {
                return Ok(target.clone());
            }
        }
        let target = Arc::new(targets::target(&connector.endpoint)?);
        targets.insert(connector.id, (connector.endpoint.clone(), target.clone()));
        Ok(target)
    }

    fn memory(&self, link: LinkId) -> Option<LinkMemory> {
        let links = self.links.lock().unwrap_or_else(PoisonError::into_inner);
        links.get(&link).cloned()
    }

    fn remember(&self, link: LinkId, memory: LinkMemory) {
        let mut links = self.links.lock().unwrap_or_else(PoisonError::into_inner);
        links.insert(link, memory);
    }
}

/// A link's wanted members now, each with when their access ends, and the first of those ends.
#[derive(Debug, Clone)]
struct LinkWanted {
    members: Vec<(Member, Option<DateTime<Utc>>)>,
    next_end: Option<DateTime<Utc>>,
}

/// How a round of one connector ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Round {
    /// Every link is in sync; the next round is due at `next` at the latest.
    Synced { next: DateTime<Utc> },
    /// A target failed (see the status); retry with backoff.
    Failed { error: String },
    /// Another node holds the lease.
    NotHeld,
    /// The connector is gone (deleted).
    Gone,
}

/// A connector's status as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorReport {
    /// `ok`, `error`, or `pending` (no round yet).
    pub state: &'static str,
    /// Commits this node applied that the targets do not reflect yet.
    pub lag_revisions: u64,
    /// How long ago the oldest of those commits was made, in seconds; 0 without lag.
    pub lag_seconds: u64,
    pub status: ConnectorStatus,
}

impl App {
    /// One round of connector `id` at the clock's now (see the module documentation); with
    /// `reconcile`, every link is read and compared whether due or not. Tests call it directly;
    /// [`spawn_connectors`] calls it in a loop.
    pub async fn drive_connector(
        &self,
        driver: &ConnectorDriver,
        id: ConnectorId,
        reconcile: bool,
    ) -> AppResult<Round> {
        let now = self.now();
        if !self
            .store
            .claim_connector(id, &driver.worker, now, now + LEASE)
            .await?
        {
            return Ok(Round::NotHeld);
        }
        let Some((connector, revision, wanted)) = self.read(|state| {
            let connector = state.connectors.get(&id).filter(|c| c.is_live())?.clone();
            let wanted: Vec<_> = (connector.links.iter())
                .map(|link| {
                    let wanted = wanted(state, link, now);
                    let members: Vec<(Member, Option<DateTime<Utc>>)> = (wanted.users.iter())
                        .filter_map(|(user, until)| {
                            let account = state.users.get(user)?;
                            let member = Member {
                                id: user.0,
                                user_principal_name: account.user_principal_name.clone(),
                                mail: account.mail.clone(),
                            };
                            Some((member, *until))
                        })
                        .collect();
                    LinkWanted {
                        members,
                        next_end: wanted.next_end,
                    }
                })
                .collect();
            Some((connector, state.revision, wanted))
        }) else {
            return Ok(Round::Gone);
        };
        let mut progress = self.store.connector_progress(id).await?.unwrap_or_default();
        let interval = TimeDelta::seconds(i64::from(connector.reconcile_seconds.max(1)));
        let asked = connector.reconciles_asked;
        let reconcile_due = reconcile
            || asked > progress.status.reconciles_done
            || progress
                .status
                .last_reconcile
                .is_none_or(|last| now >= last + interval);

        let outcome = self
            .sync_links(driver, &connector, &wanted, &mut progress, reconcile_due)
            .await;
        let (audit, failure) = outcome;
        let mut reached = revision;
        // Audited even when a later link failed: what was removed stays proven.
        if !audit.is_empty() {
            let (_, committed) = self
                .write(move |_, _| {
                    let mut decision = Decision::new();
                    decision.audit = audit;
                    (decision, ())
                })
                .await?;
            // The audit changes no membership: when nothing came in between, the targets
            // reflect its revision too.
            if committed == Some(revision + 1) {
                reached = revision + 1;
            }
        }
        let next = now + LEASE / 3;
        let round = match failure {
            None => {
                let status = &mut progress.status;
                status.last_error = None;
                status.last_sync = Some(now);
                if reconcile_due {
                    status.last_reconcile = Some(now);
                    status.reconciles_done = asked;
                }
                progress.revision = reached;
                let reconcile_at = progress.status.last_reconcile.unwrap_or(now) + interval;
                let next = (wanted.iter().filter_map(|link| link.next_end))
                    .chain([reconcile_at, next])
                    .min()
                    .unwrap_or(next);
                Round::Synced { next }
            }
            Some(error) => {
                self.telemetry().connector_failed(id);
                progress.status.last_error = Some(error.clone());
                progress.status.last_error_at = Some(now);
                Round::Failed { error }
            }
        };
        progress
            .pushed
            .retain(|link, _| connector.link(*link).is_some());
        if !(self.store)
            .save_connector_progress(id, &driver.worker, &progress)
            .await?
        {
            tracing::warn!(connector = %id, "a connector round outlasted its lease; another node drives it now");
            return Ok(Round::NotHeld);
        }
        Ok(round)
    }

    /// Syncs the links that need it; returns the audit records, and the first target error (the
    /// other links are synced all the same).
    async fn sync_links(
        &self,
        driver: &ConnectorDriver,
        connector: &Connector,
        wanted: &[LinkWanted],
        progress: &mut ConnectorProgress,
        reconcile: bool,
    ) -> (Vec<stint_core::audit::AuditRecord>, Option<String>) {
        let mut audit = Vec::new();
        let mut first_error = None;
        let mut target = None;
        for (link, LinkWanted { members, .. }) in connector.links.iter().zip(wanted) {
            let memory = driver.memory(link.id);
            let owners = progress.pushed.get(&link.id).cloned().unwrap_or_default();
            let pushed_before = owners.values();
            let wanted_members: Vec<Member> = members.iter().map(|(m, _)| m.clone()).collect();
            let unchanged = memory.as_ref().is_some_and(|memory| {
                memory.clean && memory.members == wanted_members && memory.pushed == pushed_before
            });
            if unchanged && !reconcile {
                continue;
            }
            let target = match &target {
                Some(target) => target,
                None => match driver.target(connector) {
                    Ok(built) => target.insert(built),
                    Err(error) => return (audit, Some(error.message().to_owned())),
                },
            };
            let before: BTreeSet<TargetValue> =
                pushed_before.iter().map(TargetValue::new).collect();
            let clock = || self.engine.clock.now();
            let report = sync_link(
                target.as_ref(),
                &targets::link(link),
                &wanted_members,
                &before,
                targets::mode(connector.drift),
                &clock,
            )
            .await;
            let report = match report {
                Ok(report) => report,
                Err(error) => {
                    first_error.get_or_insert(format!("{}: {}", link.target, error.message()));
                    continue;
                }
            };
            audit.extend(self.audit_report(
                connector,
                link,
                &report,
                &owners,
                &mut progress.status,
            ));
            let pushed = pushed_now(owners, &report, members);
            driver.remember(
                link.id,
                LinkMemory {
                    members: wanted_members,
                    pushed: pushed.values(),
                    clean: report.failed.is_empty(),
                },
            );
            progress.pushed.insert(link.id, pushed);
            if let Some(failure) = report.failed.first() {
                first_error.get_or_insert(format!(
                    "{}: {} of {} failed: {}",
                    link.target,
                    report.failed.len(),
                    report.added.len() + report.removed.len() + report.failed.len(),
                    failure.error.message()
                ));
            }
        }
        (audit, first_error)
    }

    /// The audit records of one sync, with the status's figures updated.
    fn audit_report(
        &self,
        connector: &Connector,
        link: &stint_core::connector::Link,
        report: &SyncReport,
        owners: &Pushed,
        status: &mut ConnectorStatus,
    ) -> Vec<stint_core::audit::AuditRecord> {
        let mut audit = Vec::new();
        for removal in &report.removed {
            if removal.cause == RemovalCause::Drift {
                continue;
            }
            let owner = owners.0.get(removal.value.as_str());
            // The end as the check knew it, when it has passed; otherwise (a deactivation, a
            // removal) the round that saw it, which follows the commit at once.
            let ended_at = (owner.and_then(|owner| owner.until))
                .filter(|until| *until <= report.started_at)
                .unwrap_or(report.started_at);
            let confirmed = ConfirmedRemoval {
                value: removal.value.as_str(),
                user: owner.and_then(|owner| owner.user),
                ended_at,
                confirmed_at: removal.confirmed_at,
            };
            status.record_latency(confirmed.latency_ms());
            (self.telemetry()).removal_confirmed(connector.id, confirmed.latency_ms());
            audit.push(events::removal_confirmed(
                Uuid::new_v4(),
                connector,
                link,
                &confirmed,
            ));
        }
        if !report.drift.is_empty() {
            status.drift += report.drift.len() as u64;
            let values: Vec<String> = report.drift.iter().map(|v| v.as_str().to_owned()).collect();
            audit.push(events::drift(
                Uuid::new_v4(),
                report.finished_at,
                connector,
                link,
                &values,
            ));
        }
        let mut still = BTreeSet::new();
        for unresolved in &report.unresolved {
            let key = format!("{}:{}", link.id, unresolved.member);
            if !status.unresolved.contains(&key) {
                let why = unresolved.error.as_ref().map(|error| error.message());
                let user = UserId(unresolved.member);
                audit.push(events::unresolved(
                    Uuid::new_v4(),
                    report.finished_at,
                    connector,
                    link,
                    user,
                    why,
                ));
            }
            still.insert(key);
        }
        let prefix = format!("{}:", link.id);
        status.unresolved.retain(|key| !key.starts_with(&prefix));
        status.unresolved.extend(still);
        audit
    }

    /// Connector `id`'s state, lag and figures (Global and Privileged Role Administrators).
    pub async fn connector_status(
        &self,
        session: &Session,
        id: ConnectorId,
    ) -> AppResult<ConnectorReport> {
        self.connector_report_allowed(session, id)?;
        let progress = self.store.connector_progress(id).await?.unwrap_or_default();
        let state = match (&progress.status.last_error, progress.status.last_sync) {
            (Some(_), _) => "error",
            (None, Some(_)) => "ok",
            (None, None) => "pending",
        };
        let lag_revisions = self.revision().saturating_sub(progress.revision);
        let lag_seconds = if lag_revisions == 0 {
            0
        } else {
            let first = self.store.changes_since(progress.revision, 1).await?;
            (first.first())
                .and_then(|commit| (self.now() - commit.committed_at).to_std().ok())
                .map_or(0, |lag| lag.as_secs())
        };
        Ok(ConnectorReport {
            state,
            lag_revisions,
            lag_seconds,
            status: progress.status,
        })
    }

    fn connector_report_allowed(&self, session: &Session, id: ConnectorId) -> AppResult<()> {
        let view = self.view(session);
        match view.connector(id)? {
            Some(_) => Ok(()),
            None => Err(stint_core::Violation::not_found(format!("Connector '{id}'")).into()),
        }
    }
}

/// Runs a task per live connector until the returned handle is aborted, which ends them all (they
/// live in its `JoinSet`); a task ends when its connector is deleted, and one starts for each new
/// connector.
pub fn spawn_connectors(
    app: Arc<App>,
    driver: impl Into<Arc<ConnectorDriver>>,
) -> tokio::task::JoinHandle<()> {
    let driver = driver.into();
    tokio::spawn(async move {
        let mut commits = app.applied_revisions();
        let mut tasks = tokio::task::JoinSet::new();
        let mut running: HashMap<tokio::task::Id, ConnectorId> = HashMap::new();
        loop {
            while let Some(ended) = tasks.try_join_next_with_id() {
                let id = match ended {
                    Ok((id, ())) => id,
                    Err(error) => error.id(),
                };
                running.remove(&id);
            }
            let live: Vec<ConnectorId> = app.read(|state| {
                (state.connectors.values())
                    .filter(|c| c.is_live())
                    .map(|c| c.id)
                    .collect()
            });
            for id in live {
                if !running.values().any(|running| *running == id) {
                    let task = tasks.spawn(drive(app.clone(), driver.clone(), id));
                    running.insert(task.id(), id);
                }
            }
            if commits.changed().await.is_err() {
                return;
            }
        }
    })
}

/// One connector's task.
async fn drive(app: Arc<App>, driver: Arc<ConnectorDriver>, id: ConnectorId) {
    let mut commits = app.applied_revisions();
    let mut retry = FIRST_RETRY;
    loop {
        let wait = match app.drive_connector(&driver, id, false).await {
            Ok(Round::Gone) => return,
            Ok(Round::Synced { next }) => {
                retry = FIRST_RETRY;
                (next - app.now()).to_std().unwrap_or(Duration::ZERO)
            }
            Ok(Round::NotHeld) => (LEASE / 3).to_std().unwrap_or(FIRST_RETRY),
            Ok(Round::Failed { error }) => {
                tracing::info!(connector = %id, %error, "a connector round failed; retrying");
                let wait = retry;
                retry = (retry * 2).min(LAST_RETRY);
                // Backing off: only a reconcile asked for cuts the wait short.
                let asked = app.read(|state| reconciles_asked(state, id));
                let deadline = tokio::time::Instant::now() + wait;
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep_until(deadline) => break,
                        changed = commits.changed() => if changed.is_err() { return },
                    }
                    if app.read(|state| reconciles_asked(state, id)) != asked {
                        break;
                    }
                }
                continue;
            }
            Err(error) => {
                tracing::warn!(connector = %id, %error, "a connector round failed; retrying");
                let wait = retry;
                retry = (retry * 2).min(LAST_RETRY);
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            changed = commits.changed() => if changed.is_err() { return },
        }
    }
}

/// What a link holds after a sync: each value the report says Stint is responsible for, with
/// whom it stands for — a fresh resolution wins over what an earlier sync knew.
fn pushed_now(
    before: Pushed,
    report: &SyncReport,
    members: &[(Member, Option<DateTime<Utc>>)],
) -> Pushed {
    let ends: BTreeMap<Uuid, Option<DateTime<Utc>>> =
        members.iter().map(|(m, until)| (m.id, *until)).collect();
    let mut pushed = before.0;
    pushed.retain(|value, _| report.pushed.contains(&TargetValue::new(value)));
    for (user, value) in &report.resolved {
        if report.pushed.contains(value) {
            let until = ends.get(user).copied().flatten();
            let owner = PushedFor {
                user: Some(UserId(*user)),
                until,
            };
            pushed.insert(value.as_str().to_owned(), owner);
        }
    }
    for value in &report.pushed {
        pushed.entry(value.as_str().to_owned()).or_default();
    }
    Pushed(pushed)
}

fn reconciles_asked(state: &stint_core::State, id: ConnectorId) -> Option<u64> {
    state.connectors.get(&id).map(|c| c.reconciles_asked)
}
