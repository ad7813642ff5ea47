//! Flattened nesting: a [`Span`] is one window during which a group is, through a path of
//! group-in-group memberships, a member of another group.
//!
//! The spans of one (lower group, upper group) pair form a *run*: sorted by start, no span inside
//! another, hence with ends increasing too. Usually a run is one span. A span inside another is
//! dropped because at every instant it covers, the larger one is in force as well and lasts at least
//! as long. Overlapping spans are *not* merged: a check reports the latest end among what is in
//! force at `now` (as it does for direct schedules), not the end of a chain of windows that begin
//! later.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::edges::{earlier, end_key, Keyed};
use crate::ids::GroupId;
use crate::schedule::Window;

/// One window of a nesting path, seen from one end (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// The other end: the ancestor in a group's ancestors, the descendant in its descendants.
    pub group: GroupId,
    /// When every link of the path is in force: the intersection of the links' windows.
    pub window: Window,
    /// The group right above the lower end on that path (the upper end itself for one link).
    pub hop: GroupId,
    /// How many group-in-group links the path has (1: one link).
    pub depth: u32,
    /// The index's slot of `group`.
    pub(super) slot: u32,
    /// The index's slot of `hop`.
    pub(super) hop_slot: u32,
}

/// A span as a group's descendants hold it (and as a check reads it): the span without the two
/// group ids (36 bytes instead of 68), so that a group's descendants are searched and read in the
/// same few cache lines. The ids are the index's by slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Descendant {
    /// The index's slot of the descendant.
    pub slot: u32,
    /// The index's slot of the group right above the descendant on the path.
    pub hop_slot: u32,
    pub depth: u32,
    pub window: Window,
}

impl From<&Span> for Descendant {
    fn from(span: &Span) -> Descendant {
        Descendant {
            slot: span.slot,
            hop_slot: span.hop_slot,
            depth: span.depth,
            window: span.window,
        }
    }
}

/// Descendants and spans are both keyed by their slot.
macro_rules! keyed_by_slot {
    ($($type:ty),*) => {$(
        impl Keyed for $type {
            type Key = u32;
            fn key(&self) -> u32 {
                self.slot
            }
            fn window(&self) -> &Window {
                &self.window
            }
        }
    )*};
}

keyed_by_slot!(Descendant, Span);

/// The intersection of two windows; `None` when empty.
pub(super) fn intersect(a: &Window, b: &Window) -> Option<Window> {
    let start = a.start.max(b.start);
    let end = earlier(a.end, b.end);
    let empty = end.is_some_and(|end| end <= start);
    (!empty).then_some(Window { start, end })
}

/// Sorts spans by (the other end's slot, start) and drops every span inside another of the same
/// group (of two equal windows, the shorter path, then the lower hop, is kept).
pub(super) fn normalize(spans: &mut Vec<Span>) {
    spans.sort_unstable_by(|a, b| {
        a.slot
            .cmp(&b.slot)
            .then(a.window.start.cmp(&b.window.start))
            .then(end_key(b.window.end).cmp(&end_key(a.window.end)))
            .then(a.depth.cmp(&b.depth))
            .then(a.hop.cmp(&b.hop))
    });
    let mut kept = 0;
    for at in 0..spans.len() {
        let span = spans[at];
        let inside_previous = kept > 0 && {
            let previous = &spans[kept - 1];
            previous.slot == span.slot
                && end_key(span.window.end).cmp(&end_key(previous.window.end)) != Ordering::Greater
        };
        if !inside_previous {
            spans[kept] = span;
            kept += 1;
        }
    }
    spans.truncate(kept);
}

/// Of a run, the span in force at `now` that lasts longest: the last one started by `now`, if it
/// has not ended.
pub(super) fn in_force<S: Keyed>(run: &[S], now: DateTime<Utc>) -> Option<&S> {
    let started = run.partition_point(|span| span.window().start <= now);
    run[..started]
        .last()
        .filter(|span| span.window().contains(now))
}

/// Each run of `spans` (sorted by group or by slot) with its group.
pub(super) fn runs(spans: &[Span]) -> impl Iterator<Item = (GroupId, &[Span])> {
    spans
        .chunk_by(|a, b| a.group == b.group)
        .filter_map(|run| Some((run.first()?.group, run)))
}
