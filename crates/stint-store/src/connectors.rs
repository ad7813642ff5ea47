//! Connector progress (issue 18) as the port shows it: per connector, the revision its targets
//! reflect, what Stint pushed into each linked target group, the figures of its status, and the
//! lease by which one node at a time drives it. A node that dies leaves its lease to lapse, and
//! another claims it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_core::ids::LinkId;

use crate::Revision;

/// How many removal latencies the status keeps, newest last.
pub const LATENCY_WINDOW: usize = 1000;

/// Where one connector's worker stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectorProgress {
    /// The targets reflect every commit up to this revision.
    pub revision: Revision,
    /// Per link, the target values Stint is responsible for (the last sync's `pushed`).
    pub pushed: BTreeMap<LinkId, BTreeSet<String>>,
    /// What the status endpoint answers.
    pub status: ConnectorStatus,
    /// The node holding the lease, and until when.
    pub lease: Option<(String, DateTime<Utc>)>,
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
}
