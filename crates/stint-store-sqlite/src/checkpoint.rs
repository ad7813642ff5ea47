//! WAL checkpoints beside the writes. SQLite's default lets the committing writer copy the WAL back
//! into the database whenever it passes 1,000 pages: under group commit that was every other batch,
//! and it took two thirds of the batch's commit (ADR 0017). Here a task checkpoints passively a few
//! times a second on a connection of its own, which never blocks a writer or a reader, and the
//! writer checkpoints itself only when the task falls far behind (`connect.rs`).

use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// How often the WAL is copied back.
const INTERVAL: Duration = Duration::from_millis(200);

/// The checkpointing task of an open store; stopped when dropped. It holds the store's pool only
/// between ticks, so dropping the store closes the pool (and SQLite checkpoints the WAL one last
/// time) as if the task were not there.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    task: JoinHandle<()>,
    stop: Arc<Notify>,
}

impl Checkpointer {
    pub(crate) fn start(pool: &Arc<SqlitePool>) -> Checkpointer {
        let pool: Weak<SqlitePool> = Arc::downgrade(pool);
        let stop = Arc::new(Notify::new());
        let stopped = Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(INTERVAL);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    () = stopped.notified() => return,
                }
                let Some(pool) = pool.upgrade().filter(|pool| !pool.is_closed()) else {
                    return;
                };
                let checkpoint = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&*pool);
                if let Err(error) = checkpoint.await {
                    tracing::debug!(%error, "a WAL checkpoint failed; the next one tries again");
                }
            }
        });
        Checkpointer { task, stop }
    }

    /// Stops the task once its checkpoint under way, if any, has finished.
    pub(crate) async fn stop(mut self) {
        self.stop.notify_one();
        let _ = (&mut self.task).await;
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
