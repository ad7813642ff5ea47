//! The change feed (SPEC X3): every commit that can change who is a member or owner of a group —
//! schedules (activation, expiry, assignment, removal), group deletions, users enabled or
//! disabled — with its revision, in revision order, read from the store's change log.
//!
//! A page holds whole commits only, so a consumer that resumes after the page's last revision
//! neither misses nor repeats anything. When nothing is new, a call may wait for the next commit.

use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_core::directory::{Group, User};
use stint_core::schedule::Schedule;
use stint_core::Change;
use stint_store::Revision;

use crate::error::{AppError, AppResult};
use crate::{App, Session};

/// The most entries in one page (a single commit with more is still returned whole).
pub const PAGE_LIMIT: usize = 1000;

/// The most commits one call reads from the change log before it answers.
const SCAN_LIMIT: usize = 10_000;

/// How often a waiting call looks at the store when no commit is signalled (commits of other
/// nodes reach this node through the follower, or through this poll).
const WAIT_POLL: Duration = Duration::from_millis(200);

/// One change that matters for membership or ownership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedChange {
    /// A schedule created, changed or ended.
    Schedule(Schedule),
    /// A group was deleted (its memberships end).
    GroupDeleted(Group),
    /// A user was written; `account_enabled` says whether they can hold memberships.
    User(User),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedEntry {
    pub revision: Revision,
    pub committed_at: DateTime<Utc>,
    pub change: FeedChange,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedPage {
    pub entries: Vec<FeedEntry>,
    /// Resume with `after` = this: every commit up to it has been looked at.
    pub last_revision: Revision,
}

impl App {
    /// The relevant changes committed after `after`; when there are none, waits up to `wait` for
    /// some. Only Global and Privileged Role Administrators may follow the feed.
    pub async fn changes(
        &self,
        session: &Session,
        after: Revision,
        wait: Duration,
    ) -> AppResult<FeedPage> {
        self.view(session)
            .authority()
            .feed_follower()
            .map_err(AppError::Rule)?;
        let deadline = tokio::time::Instant::now() + wait;
        let mut applied = self.applied_revisions();
        let mut after = after;
        loop {
            let page = self.feed_page(after).await?;
            if !page.entries.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(page);
            }
            after = page.last_revision;
            applied.borrow_and_update();
            let pause =
                WAIT_POLL.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
            // Woken by this node's commits (and the follower's catch-ups), else by the poll.
            let _ = tokio::time::timeout(pause, applied.changed()).await;
        }
    }

    /// Reads whole commits after `after` until the page is full or the log ends.
    async fn feed_page(&self, after: Revision) -> AppResult<FeedPage> {
        let mut page = FeedPage {
            entries: Vec::new(),
            last_revision: after,
        };
        let mut scanned = 0;
        while scanned < SCAN_LIMIT {
            let batch = self.store.changes_since(page.last_revision, 1000).await?;
            if batch.is_empty() {
                break;
            }
            scanned += batch.len();
            for commit in batch {
                let entries: Vec<FeedEntry> = commit
                    .changes
                    .into_iter()
                    .filter_map(relevant)
                    .map(|change| FeedEntry {
                        revision: commit.revision,
                        committed_at: commit.committed_at,
                        change,
                    })
                    .collect();
                if !page.entries.is_empty() && page.entries.len() + entries.len() > PAGE_LIMIT {
                    return Ok(page);
                }
                page.entries.extend(entries);
                page.last_revision = commit.revision;
            }
        }
        Ok(page)
    }
}

fn relevant(change: Change) -> Option<FeedChange> {
    match change {
        Change::Schedule(schedule) => Some(FeedChange::Schedule(schedule)),
        Change::Group(group) if group.deleted_at.is_some() => Some(FeedChange::GroupDeleted(group)),
        Change::User(user) => Some(FeedChange::User(user)),
        _ => None,
    }
}
