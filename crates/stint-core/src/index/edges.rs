//! Direct edges of the membership index: one [`Edge`] per direct active schedule seen from one
//! end, kept in vectors sorted by the other end, and the small searches over them.

use std::ops::Range;

use chrono::{DateTime, Utc};

use crate::schedule::{Schedule, ScheduleKind, Window};

/// One direct active schedule seen from one end: the other end, and when it is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge<K> {
    pub key: K,
    pub window: Window,
}

/// One direct active membership seen from its member: the slot of the group, and when it is in
/// force. (The group's id is the index's by slot: leaving it out makes the edges a check reads
/// 28 bytes instead of 44.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberEdge {
    pub(super) slot: u32,
    pub window: Window,
}

/// An edge kept in a list sorted by its key.
pub(super) trait Keyed {
    type Key: Ord + Copy;
    fn key(&self) -> Self::Key;
    fn window(&self) -> &Window;
}

impl<K: Ord + Copy> Keyed for Edge<K> {
    type Key = K;
    fn key(&self) -> K {
        self.key
    }
    fn window(&self) -> &Window {
        &self.window
    }
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
pub(super) fn run_of<E: Keyed>(edges: &[E], key: E::Key) -> &[E] {
    &edges[run_range(edges, key)]
}

/// Where [`run_of`] is in `edges`.
pub(super) fn run_range<E: Keyed>(edges: &[E], key: E::Key) -> Range<usize> {
    let first = edges.partition_point(|edge| edge.key() < key);
    let len = edges[first..].partition_point(|edge| edge.key() == key);
    first..first + len
}

/// Where an edge with `key` goes in `edges` (sorted by key): after those with the same key.
pub(super) fn insertion_point<E: Keyed>(edges: &[E], key: E::Key) -> usize {
    edges.partition_point(|edge| edge.key() <= key)
}

/// The position of one edge with `key` and `window` in `edges` (sorted by key), if any.
pub(super) fn position_of<E: Keyed>(edges: &[E], key: E::Key, window: &Window) -> Option<usize> {
    let first = edges.partition_point(|edge| edge.key() < key);
    edges[first..]
        .iter()
        .take_while(|edge| edge.key() == key)
        .position(|edge| edge.window() == window)
        .map(|offset| first + offset)
}

/// Inserts an edge, keeping `edges` sorted by key.
pub(super) fn add<K: Ord + Copy>(edges: &mut Vec<Edge<K>>, key: K, window: Window) {
    let at = insertion_point(edges, key);
    edges.insert(at, Edge { key, window });
}

/// Removes one edge equal to (`key`, `window`), if there is one.
pub(super) fn remove<K: Ord + Copy>(edges: &mut Vec<Edge<K>>, key: K, window: Window) {
    if let Some(at) = position_of(edges, key, &window) {
        edges.remove(at);
    }
}

/// `Some(latest end)` of the windows in force at `now` (`Some(None)`: one is permanent).
pub(super) fn latest_end<'a, E: Keyed + 'a>(
    edges: impl IntoIterator<Item = &'a E>,
    now: DateTime<Utc>,
) -> Option<Option<DateTime<Utc>>> {
    edges
        .into_iter()
        .filter(|edge| edge.window().contains(now))
        .map(|edge| edge.window().end)
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
