//! Connector progress (issue 18) as the port shows it: per connector, the revision its targets
//! reflect, what Stint pushed into each linked target group, the figures of its status, and the
//! lease by which one node at a time drives it. A node that dies leaves its lease to lapse, and
//! another claims it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_core::ids::{LinkId, UserId};

use crate::Revision;

/// How many removal latencies the status keeps, newest last.
pub const LATENCY_WINDOW: usize = 1000;

/// Where one connector's worker stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectorProgress {
    /// The targets reflect every commit up to this revision.
    pub revision: Revision,
    /// Per link, the target values Stint is responsible for (the last sync's `pushed`), each
    /// with whom it was pushed for, so that a removal after a restart is still audited with its
    /// user and end.
    pub pushed: BTreeMap<LinkId, Pushed>,
    /// What the status endpoint answers.
    pub status: ConnectorStatus,
    /// The node holding the lease, and until when.
    pub lease: Option<(String, DateTime<Utc>)>,
}

/// A link's pushed values, by value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Pushed(pub BTreeMap<String, PushedFor>);

/// Whom a value was pushed for, when known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PushedFor {
    /// The user the value stands for.
    pub user: Option<UserId>,
    /// When that user's access was to end, as the check knew it when the value was pushed.
    pub until: Option<DateTime<Utc>>,
}

impl Pushed {
    /// The values, without whom they stand for.
    pub fn values(&self) -> BTreeSet<String> {
        self.0.keys().cloned().collect()
    }
}

impl<'de> Deserialize<'de> for Pushed {
    /// Reads both forms: a map of value to [`PushedFor`], and the list of values that progress
    /// saved before the users were kept.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Pushed, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Owned(BTreeMap<String, PushedFor>),
            Values(BTreeSet<String>),
        }
        Ok(Pushed(match Stored::deserialize(deserializer)? {
            Stored::Owned(owned) => owned,
            Stored::Values(values) => (values.into_iter())
                .map(|value| (value, PushedFor::default()))
                .collect(),
        }))
    }
}

/// The figures a connector's status shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConnectorStatus {
    /// The last sync's error, in our words (never a credential); `None` once a sync succeeds.
    pub last_error: Option<String>,
    /// When the last error happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// When the last sync of every link succeeded.
    pub last_sync: Option<DateTime<Utc>>,
    /// When the last full reconcile succeeded.
    pub last_reconcile: Option<DateTime<Utc>>,
    /// How many drifting values were found, in all.
    pub drift: u64,
    /// The most recent times from an end to its confirmed removal, in milliseconds.
    pub removal_latencies_ms: Vec<u64>,
    /// Wanted users without a value in a target, already audited (reported once).
    pub unresolved: BTreeSet<String>,
    /// The connector's `reconcilesAsked` the last reconcile answered: while the connector asks
    /// more, the node driving it reconciles.
    pub reconciles_done: u64,
}

impl ConnectorStatus {
    /// Records a removal latency, keeping the last [`LATENCY_WINDOW`].
    pub fn record_latency(&mut self, millis: u64) {
        self.removal_latencies_ms.push(millis);
        let excess = self
            .removal_latencies_ms
            .len()
            .saturating_sub(LATENCY_WINDOW);
        self.removal_latencies_ms.drain(..excess);
    }

    /// The 99th percentile of the recent removal latencies (nearest rank).
    pub fn removal_latency_p99_ms(&self) -> Option<u64> {
        self.removal_latency_percentile_ms(99)
    }

    /// The median of the recent removal latencies (nearest rank).
    pub fn removal_latency_p50_ms(&self) -> Option<u64> {
        self.removal_latency_percentile_ms(50)
    }

    fn removal_latency_percentile_ms(&self, percent: usize) -> Option<u64> {
        let mut sorted = self.removal_latencies_ms.clone();
        sorted.sort_unstable();
        let rank = (sorted.len() * percent).div_ceil(100);
        rank.checked_sub(1).and_then(|at| sorted.get(at).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_p50_and_p99_are_nearest_ranks_and_the_window_keeps_the_newest() {
        let mut status = ConnectorStatus::default();
        assert_eq!(status.removal_latency_p99_ms(), None);
        for millis in 1..=100 {
            status.record_latency(millis);
        }
        assert_eq!(status.removal_latency_p99_ms(), Some(99));
        assert_eq!(status.removal_latency_p50_ms(), Some(50));
        for _ in 0..LATENCY_WINDOW {
            status.record_latency(5);
        }
        assert_eq!(status.removal_latencies_ms.len(), LATENCY_WINDOW);
        assert_eq!(status.removal_latency_p99_ms(), Some(5));
    }

    #[test]
    fn pushed_sets_saved_before_users_were_kept_still_read() {
        let stored = r#"["uid=alice,ou=people,dc=example,dc=org"]"#;
        let pushed: Pushed = serde_json::from_str(stored).expect("the old form reads");
        assert_eq!(
            pushed.values(),
            BTreeSet::from(["uid=alice,ou=people,dc=example,dc=org".to_owned()])
        );
        assert_eq!(pushed.0.values().next(), Some(&PushedFor::default()));
    }
}
