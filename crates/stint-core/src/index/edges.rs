//! Direct edges of the membership index: one [`Edge`] per direct active schedule seen from one
//! end, kept in vectors sorted by the other end, and the small searches over them.

use chrono::{DateTime, Utc};

use crate::schedule::{Schedule, ScheduleKind, Window};

/// One direct active schedule seen from one end: the other end, and when it is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge<K> {
    pub key: K,
    pub window: Window,
    /// The index's slot of the group at the other end, for edges that end at a group (so a check
    /// reaches that group's flattened ancestors without hashing); unused on ownership edges.
    pub(super) slot: u32,
}

/// The window an active schedule is indexed under; `None` when not indexed.
pub(super) fn indexed_window(schedule: &Schedule) -> Option<Window> {
    let window = schedule.effective_window();
    (schedule.kind == ScheduleKind::Active && !is_empty(&window)).then_some(window)
}

pub(super) fn is_empty(window: &Window) -> bool {
    window.end.is_some_and(|end| end <= window.start)
}

/// The edges of `edges` (sorted by key) whose key is `key`.
pub(super) fn run_of<K: Ord + Copy>(edges: &[Edge<K>], key: K) -> &[Edge<K>] {
    let first = edges.partition_point(|edge| edge.key < key);
    let len = edges[first..].partition_point(|edge| edge.key == key);
    &edges[first..first + len]
}

/// Inserts an edge, keeping `edges` sorted by key.
pub(super) fn add<K: Ord + Copy>(edges: &mut Vec<Edge<K>>, key: K, window: Window, slot: u32) {
    let at = edges.partition_point(|edge| edge.key <= key);
    edges.insert(at, Edge { key, window, slot });
}

/// Removes one edge equal to (`key`, `window`), if there is one.
pub(super) fn remove<K: Ord + Copy>(edges: &mut Vec<Edge<K>>, key: K, window: Window) {
    let first = edges.partition_point(|edge| edge.key < key);
    if let Some(offset) = edges[first..]
        .iter()
        .take_while(|edge| edge.key == key)
        .position(|edge| edge.window == window)
    {
        edges.remove(first + offset);
    }
}

/// `Some(latest end)` of the windows in force at `now` (`Some(None)`: one is permanent).
pub(super) fn latest_end<'a, K: 'a>(
    edges: impl IntoIterator<Item = &'a Edge<K>>,
    now: DateTime<Utc>,
) -> Option<Option<DateTime<Utc>>> {
    edges
        .into_iter()
        .filter(|edge| edge.window.contains(now))
        .map(|edge| edge.window.end)
        .reduce(later)
}

/// The later of two ends (`None`: never).
pub(crate) fn later(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    a.zip(b).map(|(a, b)| a.max(b))
}

/// The earlier of two ends (`None`: never).
pub(crate) fn earlier(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// An end as a sort key: `None` (never) sorts after every time.
pub(crate) fn end_key(end: Option<DateTime<Utc>>) -> (bool, Option<DateTime<Utc>>) {
    (end.is_none(), end)
}
