//! The follower: keeps this node's in-memory state up to date with what other nodes commit to the
//! shared store (SPEC X2, DESIGN "Scale-out").
//!
//! It waits for the store to signal a change ([`Store::wait_for_change`](stint_store::Store):
//! PostgreSQL `LISTEN`, at once) or for the poll period to pass (the fallback, and all SQLite
//! does), then applies the change log with [`App::catch_up`]. Reads that name a revision do not
//! depend on it (they catch up themselves); it makes every other read fresh within one period.

use std::sync::Arc;
use std::time::Duration;

use crate::App;

/// How long the follower waits for a signal before it reads the change log anyway.
pub const DEFAULT_POLL: Duration = Duration::from_secs(1);

impl App {
    /// Waits for a commit signalled by the store, or for `poll`, then catches up. Returns the
    /// revision this node has reached.
    pub async fn follow_once(&self, poll: Duration) -> crate::AppResult<stint_store::Revision> {
        self.store.wait_for_change(poll).await?;
        self.catch_up().await
    }
}

/// Follows the store until the returned handle is aborted. A failure is logged, and the follower
/// sleeps one period before it tries again.
pub fn spawn(app: Arc<App>, poll: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut failing = false;
        loop {
            match app.follow_once(poll).await {
                Ok(_) => {
                    if failing {
                        tracing::info!("the follower reaches the store again");
                    }
                    failing = false;
                }
                Err(error) => {
                    if !failing {
                        tracing::warn!(%error, "the follower cannot read the store; retrying");
                    }
                    failing = true;
                    tokio::time::sleep(poll).await;
                }
            }
        }
    })
}
