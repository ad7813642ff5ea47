//! The membership index of SPEC X2 (DESIGN.md "Membership index"), Leopard-style: direct active
//! memberships and ownerships with their windows, and group nesting flattened into per-group
//! ancestor and descendant sets, kept in [`State`](crate::State) and updated by
//! [`State::apply`](crate::State::apply) on every change, so that a check is a hash probe, a binary
//! search and a time comparison instead of a scan of the schedules or a walk of the nesting.
//!
//! What it holds:
//!
//! - per principal (module `principals`): the groups it is a direct active member of, one
//!   [`MemberEdge`] (the group's slot and the schedule's effective `[start, end)`) per schedule,
//!   sorted by group slot, and whether it can hold anything at all (an enabled user, a live group:
//!   D1); all principals' runs packed in one arena, found through a table of 4-byte run starts;
//! - per group, in a dense *slot* (a group id maps to its slot once; edges and spans carry the
//!   slot of the group they point at, so walking them needs no hashing): whether it is live
//!   (known and not deleted) and a 64-bit filter of the slots nested in it, in a flag record; its
//!   direct owners (few; owners are not nested, and the A11 fallback asks whether any owner is in
//!   force); the groups that are direct members of it (few); its *ancestors*, every group it is
//!   transitively a member of through nested group memberships, as [`Span`]s (the intersection of
//!   the links' windows along a path, kept per path unless inside another span: usually one),
//!   packed for all groups in an arena (module `arena`); and the mirror of the ancestors, its
//!   *descendants*, compact (without the group ids, which are the index's by slot): what a check
//!   reads.
//!
//! A membership check of `p` in `G` at `now` probes `p` (its direct groups) and `G` (its slot,
//! flags and compact descendants): either `p` is directly in `G`, or some direct group `D` of `p`
//! in force at `now` is among `G`'s descendants with a span toward `G` in force at `now` (module
//! `query`); the path's further hops are in the same list. `until` is the latest end among what is in force at `now`: of a direct schedule, or
//! of a path (the earliest end of its links). A user edge is an insertion into its principal's run
//! (moved to the arena's end when it outgrows its room); a group-in-group edge, or a group deleted
//! or appearing (rare), recomputes the ancestors of the groups below it (module `closure`).
//!
//! The layout follows what a check costs on the 2-core machine the benchmarks run on: a random
//! read beyond the caches costs 140–190 ns, one within them 10–30 ns. So a check makes one read
//! far away (a principal's head and memberships, contiguous) and the rest (the principal table,
//! group slots and flags, compact descendants) in small dense arrays.
//!
//! Disabled users and deleted groups are filtered at probe time by the flags above (kept current by
//! `State::apply` on user and group changes); their edges stay. A deleted group is no path's
//! intermediate: the nesting is recomputed around it. Eligible schedules are not indexed. Windows
//! that have ended stay until [`MembershipIndex::prune_ended`] drops them; a decision at `now`
//! ignores them anyway.
//!
//! Memory: a membership is a 32-byte cell (a 24-byte window, a slot, the cell's tag), each
//! principal one more for its head and 5 bytes in the table; group-in-group memberships are also
//! 40-byte edges under their parent; flattened spans (68 bytes as ancestors, 36 as descendants)
//! are per group, not per assignment.
//! [`MembershipIndex::shrink_to_fit`] after a bulk load removes the arenas' room to grow.
//! [`MembershipIndex::approximate_bytes`] counts table buckets with their control bytes and every
//! vector at its capacity; the test
//! `index_memory_per_assignment_is_under_100_bytes` measures 39 bytes per assignment for 100,000
//! assignments with nesting four deep after the load's shrink (57 before it).

mod arena;
mod closure;
mod edges;
mod group_slots;
mod principals;
mod query;
mod run_table;
mod span;

use chrono::{DateTime, Utc};

use crate::ids::{GroupId, PrincipalId};
use crate::schedule::{Access, Schedule, Window};
use arena::Lists;
pub(crate) use edges::end_key;
use edges::{add, indexed_window, remove, Keyed};
pub use edges::{Edge, MemberEdge};
use group_slots::GroupSlots;
use principals::{Cell, Principals};
use span::Descendant;
pub use span::Span;

/// Direct memberships and ownerships with their windows, and flattened nesting. See the module
/// documentation.
#[derive(Clone, Debug, Default)]
pub struct MembershipIndex {
    /// Each principal with direct active memberships, with those memberships.
    principals: Principals,
    /// Each group ever named by an indexed schedule or a group change, to its slot in `groups`,
    /// and back.
    slots: GroupSlots,
    /// By slot: what a check asks of the group it is about.
    flags: Vec<GroupFlags>,
    /// By slot.
    groups: Vec<GroupEntry>,
    /// By slot: every group that is a member of the group through nesting (the mirror of the
    /// ancestors), compact and sorted by (descendant slot, start): a check of the group finds
    /// here, in a few cache lines, the spans it needs (of the principal's direct groups, then of
    /// each hop of the path).
    below: Lists<Descendant>,
    /// By slot: every group the group is a member of through nesting, sorted by (ancestor slot,
    /// start).
    ancestors: Lists<Span>,
}

/// What every membership check of a group reads about it, kept apart from the rest so that it
/// stays in cache.
#[derive(Clone, Copy, Debug, Default)]
struct GroupFlags {
    /// Known and not deleted.
    live: bool,
    /// A 64-bit filter of its descendants' slots: [`descendant_bit`] of each is set. A check reads
    /// the descendants (a read from main memory) only for a principal's group whose bit is set.
    descendant_bits: u64,
}

impl GroupFlags {
    /// Whether the group in `slot` may be among this group's descendants.
    fn may_have_below(self, slot: u32) -> bool {
        self.descendant_bits & descendant_bit(slot) != 0
    }
}

/// The bit of [`GroupFlags::descendant_bits`] that stands for the group in `slot` (slots are
/// dense and nested groups are often made together, so they are spread by a multiplicative hash).
fn descendant_bit(slot: u32) -> u64 {
    1 << (slot.wrapping_mul(0x9E37_79B9) >> 26)
}

/// What the index holds for one group.
#[derive(Clone, Debug, Default)]
struct GroupEntry {
    /// Direct active owners, sorted by principal.
    owners: Vec<Edge<PrincipalId>>,
    /// Groups that are direct active members of it, sorted by group.
    children: Vec<Edge<GroupId>>,
}

/// What [`State`](crate::State) knows of a schedule's principal when the schedule is indexed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PrincipalFacts {
    /// A known group (live or deleted).
    pub is_group: bool,
    /// D1: an enabled user or a live group.
    pub can_hold: bool,
}

/// The best way a principal is a member of a group at some instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reach {
    /// When it ends, if nothing changes (`None`: permanent).
    pub until: Option<DateTime<Utc>>,
    /// The group the principal is a direct member of, on a path through nesting (`None`: direct).
    pub through: Option<GroupId>,
    /// Group-in-group links on the path (0: direct).
    pub depth: u32,
    /// On a path through nesting, the link above `through`.
    hop: Option<Hop>,
}

/// The link above the principal's direct group on a nested path: the slot of the group it leads
/// to (the checked group itself for one link), and the slot of the checked group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Hop {
    slot: u32,
    target_slot: u32,
}

// Slots.
impl MembershipIndex {
    fn slot(&self, group: GroupId) -> Option<u32> {
        self.slots.get(group)
    }

    /// The slot of `group`, made if it has none.
    fn slot_or_new(&mut self, group: GroupId) -> u32 {
        if let Some(slot) = self.slot(group) {
            return slot;
        }
        let slot = self.slots.push(group);
        self.flags.push(GroupFlags::default());
        self.groups.push(GroupEntry::default());
        self.below.push_empty();
        self.ancestors.push_empty();
        slot
    }

    fn group(&self, group: GroupId) -> Option<&GroupEntry> {
        self.slot(group).map(|slot| self.at(slot))
    }

    fn at(&self, slot: u32) -> &GroupEntry {
        &self.groups[slot as usize]
    }

    fn at_mut(&mut self, slot: u32) -> &mut GroupEntry {
        &mut self.groups[slot as usize]
    }

    fn id_at(&self, slot: u32) -> GroupId {
        self.slots.id_at(slot)
    }

    fn flags_at(&self, slot: u32) -> GroupFlags {
        self.flags[slot as usize]
    }

    /// Replaces the ancestors of the group in `slot`.
    fn set_ancestors(&mut self, slot: u32, spans: &[Span]) {
        self.ancestors.set(slot, spans);
    }

    /// Replaces the descendants of the group in `slot` (sorted by slot), and their filter.
    fn set_descendants(&mut self, slot: u32, below: &[Descendant]) {
        self.flags[slot as usize].descendant_bits = (below.iter())
            .map(|descendant| descendant_bit(descendant.slot))
            .fold(0, |bits, bit| bits | bit);
        self.below.set(slot, below);
    }

    /// The direct memberships of `principal`, sorted by group slot.
    fn member_edges_of(&self, principal: PrincipalId) -> &[Cell] {
        self.principals.members(principal)
    }
}

// Maintenance, called by `State::apply`.
impl MembershipIndex {
    /// Replaces the indexing of `previous` (the schedule as it was) by that of `next`; recomputes
    /// the nesting below the member group if a group-in-group membership changed.
    pub(crate) fn replace_schedule(
        &mut self,
        previous: Option<&Schedule>,
        next: &Schedule,
        facts: PrincipalFacts,
    ) {
        let before = previous.and_then(member_link);
        let after = member_link(next).filter(|_| facts.is_group);
        if let Some(previous) = previous {
            self.remove(previous);
        }
        self.insert(next, facts);
        if before == after {
            return;
        }
        let mut done: Option<GroupId> = None;
        for (child, _, _) in [before, after].into_iter().flatten() {
            if done != Some(child) && self.slot(child).is_some() {
                self.refresh(child);
                done = Some(child);
            }
        }
    }

    /// Forgets the indexing of `schedule` (taken back before its commit: ADR 0017); recomputes the
    /// nesting below the member group if it was a group-in-group membership.
    pub(crate) fn remove_schedule(&mut self, schedule: &Schedule) {
        self.remove(schedule);
        if let Some((child, _, _)) = member_link(schedule) {
            if self.slot(child).is_some() {
                self.refresh(child);
            }
        }
    }

    fn insert(&mut self, schedule: &Schedule, facts: PrincipalFacts) {
        let Some(window) = indexed_window(schedule) else {
            return;
        };
        let group = schedule.group_id();
        let principal = schedule.principal_id;
        let slot = self.slot_or_new(group);
        match schedule.access() {
            Access::Member => {
                let edge = MemberEdge { slot, window };
                self.principals.add(principal, facts.can_hold, edge);
                if facts.is_group {
                    let child = GroupId(principal.0);
                    self.slot_or_new(child);
                    add(&mut self.at_mut(slot).children, child, window);
                }
            }
            Access::Owner => add(&mut self.at_mut(slot).owners, principal, window),
        }
    }

    fn remove(&mut self, schedule: &Schedule) {
        let Some(window) = indexed_window(schedule) else {
            return;
        };
        let group = schedule.group_id();
        let principal = schedule.principal_id;
        let Some(slot) = self.slot(group) else {
            return;
        };
        match schedule.access() {
            Access::Member => {
                self.principals.remove(principal, slot, &window);
                remove(
                    &mut self.at_mut(slot).children,
                    GroupId(principal.0),
                    window,
                );
            }
            Access::Owner => remove(&mut self.at_mut(slot).owners, principal, window),
        }
    }

    /// Whether some indexed schedule makes `principal` a direct member of a group.
    pub(crate) fn names_as_member(&self, principal: PrincipalId) -> bool {
        !self.member_edges_of(principal).is_empty()
    }

    /// A user was written: whether it can hold memberships now (D1).
    pub(crate) fn principal_changed(&mut self, principal: PrincipalId, can_hold: bool) {
        self.principals.set_can_hold(principal, can_hold);
    }

    /// A group was written. `appeared`: it was not known before, so schedules naming it as a member
    /// become group-in-group edges. Recomputes the nesting below it if its liveness changed.
    pub(crate) fn group_changed(
        &mut self,
        group: GroupId,
        live: bool,
        can_hold: bool,
        appeared: bool,
    ) {
        let slot = self.slot_or_new(group);
        if appeared {
            let edges = self.member_edges_of(PrincipalId(group.0)).to_vec();
            for edge in edges {
                add(&mut self.at_mut(edge.key()).children, group, *edge.window());
            }
        }
        let was_live = std::mem::replace(&mut self.flags[slot as usize].live, live);
        self.principal_changed(group.into(), can_hold);
        if appeared || was_live != live {
            self.refresh(group);
        }
    }

    /// Drops every edge and span that has ended by `now`. Afterwards the index answers only for
    /// instants at or after `now` (the scheduler's tick calls this with its current time).
    pub fn prune_ended(&mut self, now: DateTime<Utc>) {
        let open = |window: &Window| !window.has_ended_by(now);
        self.principals.retain(open);
        for slot in 0..self.groups.len() as u32 {
            let entry = self.at_mut(slot);
            entry.owners.retain(|edge| open(&edge.window));
            entry.children.retain(|edge| open(&edge.window));
            if let Some(open_ancestors) = still_open(self.ancestors.get(slot), open) {
                self.set_ancestors(slot, &open_ancestors);
            }
            if let Some(open_descendants) = still_open(self.below.get(slot), open) {
                self.set_descendants(slot, &open_descendants);
            }
        }
    }

    /// Releases the slack of every table and vector (once, after a bulk load).
    pub fn shrink_to_fit(&mut self) {
        self.principals.shrink_to_fit();
        self.slots.shrink_to_fit();
        self.flags.shrink_to_fit();
        self.groups.shrink_to_fit();
        self.below.shrink_to_fit();
        self.ancestors.shrink_to_fit();
        for entry in &mut self.groups {
            entry.owners.shrink_to_fit();
            entry.children.shrink_to_fit();
        }
    }
}

/// The spans of `spans` that are `open`, if some are not.
fn still_open<S: Keyed + Copy>(spans: &[S], open: impl Fn(&Window) -> bool) -> Option<Vec<S>> {
    let kept: Vec<S> = (spans.iter())
        .filter(|span| open(span.window()))
        .copied()
        .collect();
    (kept.len() != spans.len()).then_some(kept)
}

/// The (child, parent, window) of a group-in-group candidate: an indexed member schedule.
fn member_link(schedule: &Schedule) -> Option<(GroupId, GroupId, Window)> {
    let window = indexed_window(schedule)?;
    (schedule.access() == Access::Member).then(|| {
        (
            GroupId(schedule.principal_id.0),
            schedule.group_id(),
            window,
        )
    })
}

#[cfg(test)]
#[path = "tests/index.rs"]
mod tests;
