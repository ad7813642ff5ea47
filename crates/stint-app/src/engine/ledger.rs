//! The in-memory state as readers see it: every commit applied in revision order, and the
//! revision reached announced to those waiting for it (the change feed, reads at a revision).

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use stint_core::{Decision, State};
use stint_store::{CommittedChanges, Revision, StoreError, WriteLock};
use tokio::sync::watch;

use crate::error::{AppError, AppResult};

/// How many commits a catch-up reads at a time.
pub(crate) const CATCH_UP_BATCH: usize = 1000;

#[derive(Debug)]
pub(crate) struct Ledger {
    state: RwLock<State>,
    /// The revision applied, for those waiting on the next commit.
    applied: watch::Sender<Revision>,
}

impl Ledger {
    pub fn new(state: State) -> Ledger {
        let (applied, _) = watch::channel(state.revision);
        Ledger {
            state: RwLock::new(state),
            applied,
        }
    }

    /// The state, for reading. Keep the guard briefly: writers wait for it.
    pub fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state, for applying commits (or, in group commit, deciding on decisions applied ahead
    /// and taken back before the guard is released).
    pub fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn revision(&self) -> Revision {
        self.read().revision
    }

    pub fn subscribe(&self) -> watch::Receiver<Revision> {
        self.applied.subscribe()
    }

    /// Applies the commits up to the revision of the held write lock.
    pub async fn catch_up_under(&self, lock: &mut dyn WriteLock) -> AppResult<()> {
        loop {
            let from = self.revision();
            if from >= lock.revision() {
                return Ok(());
            }
            let batch = lock.changes_since(from, CATCH_UP_BATCH).await?;
            if batch.is_empty() {
                return Err(AppError::Store(StoreError::Backend(format!(
                    "the change log ends before revision {}",
                    lock.revision()
                ))));
            }
            self.apply_commits(batch);
        }
    }

    /// Applies this node's own commits, in revision order, except those a concurrent catch-up
    /// applied first.
    pub fn apply_own(&self, commits: impl IntoIterator<Item = (Revision, Decision)>) {
        let reached = {
            let mut state = self.write();
            for (revision, decision) in commits {
                if state.revision + 1 != revision {
                    continue;
                }
                for change in decision.changes {
                    state.apply(change);
                }
                state.revision = revision;
            }
            state.revision
        };
        self.announce(reached);
    }

    /// Applies the commits that follow this node's revision, in order, and announces the revision
    /// reached.
    pub fn apply_commits(&self, batch: Vec<CommittedChanges>) {
        let reached = {
            let mut state = self.write();
            for commit in batch {
                // Already applied (by this node's own commit or a concurrent catch-up), or
                // past a gap that the caller's next round reads again.
                if commit.revision != state.revision + 1 {
                    continue;
                }
                for change in commit.changes {
                    state.apply(change);
                }
                state.revision = commit.revision;
            }
            state.revision
        };
        self.announce(reached);
    }

    /// Tells those waiting for commits that this node has applied `reached`.
    fn announce(&self, reached: Revision) {
        self.applied.send_if_modified(|applied| {
            let moved = *applied < reached;
            *applied = (*applied).max(reached);
            moved
        });
    }
}
