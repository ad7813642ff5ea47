//! The scheduler: one idempotent `tick(now)` that tests call directly, and a loop that calls it.
//! A tick runs four jobs (approval timeouts, expiries, last-owner retention, reminders), each its
//! own commit.
//!
//! Every node runs it. A job decides while holding the store's write lock, on the latest
//! revision: when two nodes find the same items due, the second to get the lock sees what the
//! first committed, finds nothing left due, and records nothing.

use std::sync::Arc;
use std::time::Duration;

use stint_core::rules::scheduler::Tick;
use stint_core::Decision;
use stint_store::Revision;
use uuid::Uuid;

use crate::error::AppResult;
use crate::App;

/// One of core's scheduler jobs: what is due at a time, with fresh ids from the given source.
type Job = fn(&mut Tick<fn() -> Uuid>) -> Decision;

impl App {
    /// Records what is due at the clock's now, job after job: auto-denials (V3), ends of schedules
    /// (V7), last owners kept for good (A11) and reminders (E5). Returns the revision of the last
    /// commit, or `None` when nothing was due.
    pub async fn tick(&self) -> AppResult<Option<Revision>> {
        self.telemetry().scheduler_ticked();
        let denied = self.deny_overdue_approvals().await?;
        let expired = self.record_expiries().await?;
        let kept = self.keep_last_owners().await?;
        let reminded = self.send_reminders().await?;
        Ok(reminded.or(kept).or(expired).or(denied))
    }

    /// E5: records the reminders due before assignments end; the outbox carries them.
    pub async fn send_reminders(&self) -> AppResult<Option<Revision>> {
        self.run_job(|tick| tick.send_reminders()).await
    }

    /// V3: denies the requests undecided for 24 hours.
    pub async fn deny_overdue_approvals(&self) -> AppResult<Option<Revision>> {
        self.run_job(|tick| tick.deny_overdue_approvals()).await
    }

    /// V7: records the ends of schedules that reached them.
    pub async fn record_expiries(&self) -> AppResult<Option<Revision>> {
        self.run_job(|tick| tick.record_expiries()).await
    }

    /// A11: keeps for good a last owner retained for 30 days.
    pub async fn keep_last_owners(&self) -> AppResult<Option<Revision>> {
        self.run_job(|tick| tick.keep_last_owners()).await
    }

    /// Commits what `job` finds due. Decided under the store's write lock on the latest revision,
    /// so what another node's scheduler recorded first is not due any more and is not recorded
    /// twice.
    async fn run_job(&self, job: Job) -> AppResult<Option<Revision>> {
        let ((), revision) = self
            .write(move |state, now| (job(&mut Tick::new(state, now, Uuid::new_v4)), ()))
            .await?;
        Ok(revision)
    }
}

/// How often the background loop drops ended windows from the membership index.
const PRUNE_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// How far behind the clock the index is pruned, so that a call that read the clock just before a
/// prune is still answered from complete windows.
pub(crate) const PRUNE_MARGIN: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Ticks every `period` until the returned handle is aborted. A failed tick is logged and retried.
pub fn spawn(app: Arc<App>, period: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned_at = app.now();
        loop {
            interval.tick().await;
            app.telemetry().upkeep();
            if app.now() - pruned_at >= PRUNE_EVERY {
                pruned_at = app.now();
                app.prune_index(pruned_at - PRUNE_MARGIN);
            }
            loop {
                match app.tick().await {
                    Ok(Some(_)) => continue,
                    Ok(None) => break,
                    Err(error) => {
                        tracing::warn!(%error, "scheduler tick failed; retrying at the next period");
                        break;
                    }
                }
            }
        }
    })
}

impl App {
    /// Drops from the membership index what ended before `before` (the schedules themselves stay),
    /// so the index holds what is in force or to come. Checks at or after `before` are unchanged.
    pub fn prune_index(&self, before: chrono::DateTime<chrono::Utc>) {
        self.engine.ledger.write().prune_ended(before);
    }

    /// X2: waits (bounded by `revision_wait`) until this node has applied `revision`, following
    /// the store's change log. Returns whether it got there.
    pub async fn reach_revision(&self, revision: Revision) -> AppResult<bool> {
        let deadline = tokio::time::Instant::now() + self.config.revision_wait;
        loop {
            if self.revision() >= revision {
                return Ok(true);
            }
            self.catch_up().await?;
            if self.revision() >= revision {
                return Ok(true);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
