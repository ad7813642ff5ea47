//! How nodes hear of each other's commits: every commit sends `NOTIFY stint_revisions` with its
//! revision (delivered by PostgreSQL when the transaction commits, never before), and
//! [`Listener::wait`] returns as soon as one arrives, or at the timeout.
//!
//! The listening connection comes from the store's pool and is opened on the first wait. A lost
//! connection is dropped and reopened on the next wait; in between, callers fall back to polling.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use stint_store::StoreError;
use tokio::sync::Mutex;

use crate::error::from_sqlx;

/// The channel every commit notifies.
pub(crate) const CHANNEL: &str = "stint_revisions";

/// Sent inside the commit's transaction; the payload is the new revision.
pub(crate) const NOTIFY: &str = "SELECT pg_notify('stint_revisions', $1)";

/// One listening connection per store, opened on demand.
#[derive(Debug, Default)]
pub(crate) struct Listener {
    listener: Mutex<Option<PgListener>>,
}

impl Listener {
    /// Returns when a commit was notified (perhaps one before the call: a spurious wake-up is
    /// harmless) or after `timeout`.
    pub(crate) async fn wait(&self, pool: &PgPool, timeout: Duration) -> Result<(), StoreError> {
        let mut slot = self.listener.lock().await;
        if pool.is_closed() {
            *slot = None;
            return Err(StoreError::Backend("the store is closed".to_owned()));
        }
        let listener = match slot.as_mut() {
            Some(listener) => listener,
            None => {
                let mut listener = PgListener::connect_with(pool).await.map_err(from_sqlx)?;
                listener.listen(CHANNEL).await.map_err(from_sqlx)?;
                slot.insert(listener)
            }
        };
        let heard = tokio::time::timeout(timeout, listener.try_recv()).await;
        // Everything already buffered is covered by the same wake-up.
        while listener.next_buffered().is_some() {}
        match heard {
            Err(_elapsed) => {}
            Ok(Ok(Some(_notification))) => {}
            // `None`: the connection was lost and notifications may have been missed; the caller
            // reads the change log anyway.
            Ok(Ok(None)) => {}
            Ok(Err(error)) => {
                *slot = None;
                return Err(from_sqlx(error));
            }
        }
        if pool.is_closed() {
            *slot = None;
        }
        Ok(())
    }

    /// Gives the listening connection back, so that the pool can close.
    pub(crate) async fn stop(&self) {
        self.listener.lock().await.take();
    }
}
