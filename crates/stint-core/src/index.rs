//! The membership index of SPEC X2 (DESIGN.md "Membership index"): the windows of every direct
//! *active* membership and ownership, kept in [`State`](crate::State) and updated by
//! [`State::apply`](crate::State::apply) on every schedule change, so that a check is a hash probe,
//! a binary search and a time comparison instead of a scan of the schedules.
//!
//! What it holds, per direct active schedule, is one [`Edge`] (the other end and the schedule's
//! effective `[start, end)`):
//!
//! - `member_of`: principal → the groups it is a direct member of, sorted by group (a probe for
//!   "is `p` a direct member of `g`", and the upward walk of `groups_of`);
//! - `member_groups`: group → the *groups* that are direct members of it (few), so a nested check
//!   walks down group-in-group edges only and probes `member_of` at each step;
//! - `owners`: group → its direct owners (few per group), so the A11 fallback can tell quickly
//!   whether any owner is in force.
//!
//! It is not flattened: nesting is resolved at probe time by a short breadth-first walk over
//! group-in-group edges. Disabled users and deleted groups are not removed from the index; the
//! check filters them at probe time (two more hash probes), so disabling a user or deleting a group
//! costs nothing here. Eligible schedules are not indexed. Windows that have ended stay until their
//! schedule is replaced (pruning them is left for later: a decision at `now` ignores them anyway).
//!
//! Memory: an edge is 40 bytes (a 16-byte id and a 24-byte window); each assignment is one edge in
//! `member_of` or `owners` (two for group-in-group membership), plus the amortised per-principal
//! map entry and `Vec` slack. The test `index_memory_per_assignment_is_under_100_bytes` measures
//! 77 bytes per assignment with ten per user, most of it `Vec` growth slack (16 slots for 10
//! edges); shrinking the vectors after the bulk load at start would bring it near 50.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::ids::{GroupId, PrincipalId};
use crate::schedule::{Access, Schedule, ScheduleKind, Window};

/// One direct active schedule seen from one end: the other end, and when it is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge<K> {
    pub key: K,
    pub window: Window,
}

/// Direct active memberships and ownerships with their windows. See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct MembershipIndex {
    member_of: HashMap<PrincipalId, Vec<Edge<GroupId>>>,
    member_groups: HashMap<GroupId, Vec<Edge<GroupId>>>,
    owners: HashMap<GroupId, Vec<Edge<PrincipalId>>>,
}

impl MembershipIndex {
    /// Records `schedule` (a no-op unless it is active with a non-empty window).
    /// `principal_is_group` says whether its principal is a group (known or deleted).
    pub(crate) fn insert(&mut self, schedule: &Schedule, principal_is_group: bool) {
        let Some(window) = indexed_window(schedule) else {
            return;
        };
        let group = schedule.group_id();
        let principal = schedule.principal_id;
        match schedule.access() {
            Access::Member => {
                add(self.member_of.entry(principal).or_default(), group, window);
                if principal_is_group {
                    let child = GroupId(principal.0);
                    add(self.member_groups.entry(group).or_default(), child, window);
                }
            }
            Access::Owner => add(self.owners.entry(group).or_default(), principal, window),
        }
    }

    /// Forgets `schedule` as it was recorded by [`insert`](Self::insert).
    pub(crate) fn remove(&mut self, schedule: &Schedule) {
        let Some(window) = indexed_window(schedule) else {
            return;
        };
        let group = schedule.group_id();
        let principal = schedule.principal_id;
        match schedule.access() {
            Access::Member => {
                drop_edge(&mut self.member_of, principal, group, window);
                drop_edge(&mut self.member_groups, group, GroupId(principal.0), window);
            }
            Access::Owner => drop_edge(&mut self.owners, group, principal, window),
        }
    }

    /// A group became known after schedules naming it as a member: index those as group edges.
    pub(crate) fn group_appeared(&mut self, group: GroupId) {
        let edges = self
            .member_of
            .get(&PrincipalId(group.0))
            .cloned()
            .unwrap_or_default();
        for edge in edges {
            add(
                self.member_groups.entry(edge.key).or_default(),
                group,
                edge.window,
            );
        }
    }

    /// `Some(end)` when `principal` is directly an active member of `group` at `now`: the latest
    /// end of its in-force schedules (`None` inside: permanent). Liveness is not checked here.
    pub fn direct_member_end(
        &self,
        principal: PrincipalId,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> Option<Option<DateTime<Utc>>> {
        let edges = self.member_of.get(&principal)?;
        latest_end(run_of(edges, group), now)
    }

    /// The groups `principal` is directly an active member of at `now` (liveness not checked).
    pub fn direct_groups_of(
        &self,
        principal: PrincipalId,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = GroupId> + '_ {
        self.member_of
            .get(&principal)
            .into_iter()
            .flat_map(|edges| edges.iter())
            .filter(move |edge| edge.window.contains(now))
            .map(|edge| edge.key)
    }

    /// The groups that are directly active members of `group` at `now`, each with the latest end
    /// of its in-force schedules (liveness not checked).
    pub fn child_groups(
        &self,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = (GroupId, Option<DateTime<Utc>>)> + '_ {
        self.member_groups
            .get(&group)
            .into_iter()
            .flat_map(|edges| edges.chunk_by(|a, b| a.key == b.key))
            .filter_map(move |run| {
                let key = run.first()?.key;
                latest_end(run, now).map(|end| (key, end))
            })
    }

    /// `Some(end)` when `principal` directly and actively owns `group` at `now`.
    pub fn direct_owner_end(
        &self,
        group: GroupId,
        principal: PrincipalId,
        now: DateTime<Utc>,
    ) -> Option<Option<DateTime<Utc>>> {
        let edges = self.owners.get(&group)?;
        latest_end(run_of(edges, principal), now)
    }

    /// The principals with an in-force direct active ownership of `group` at `now`.
    pub fn owners_at(
        &self,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = PrincipalId> + '_ {
        self.owners
            .get(&group)
            .into_iter()
            .flat_map(|edges| edges.iter())
            .filter(move |edge| edge.window.contains(now))
            .map(|edge| edge.key)
    }

    /// How many schedules are indexed (group-in-group memberships count once).
    pub fn assignment_count(&self) -> usize {
        let members: usize = self.member_of.values().map(Vec::len).sum();
        let owners: usize = self.owners.values().map(Vec::len).sum();
        members + owners
    }

    /// An estimate of the heap the index holds: table slots (key, value and one control byte each)
    /// and the edges' vectors at their capacity.
    pub fn approximate_bytes(&self) -> usize {
        fn table<K, E>(map: &HashMap<K, Vec<Edge<E>>>) -> usize {
            let slot = size_of::<K>() + size_of::<Vec<Edge<E>>>() + 1;
            let edges: usize = map.values().map(Vec::capacity).sum();
            map.capacity() * slot + edges * size_of::<Edge<E>>()
        }
        table(&self.member_of) + table(&self.member_groups) + table(&self.owners)
    }
}

/// The window an active schedule is indexed under; `None` when not indexed.
fn indexed_window(schedule: &Schedule) -> Option<Window> {
    let window = schedule.effective_window();
    let empty = window.end.is_some_and(|end| end <= window.start);
    (schedule.kind == ScheduleKind::Active && !empty).then_some(window)
}

/// The edges of `edges` (sorted by key) whose key is `key`.
fn run_of<K: Ord + Copy>(edges: &[Edge<K>], key: K) -> &[Edge<K>] {
    let first = edges.partition_point(|edge| edge.key < key);
    let len = edges[first..].partition_point(|edge| edge.key == key);
    &edges[first..first + len]
}

fn add<K: Ord + Copy>(edges: &mut Vec<Edge<K>>, key: K, window: Window) {
    let at = edges.partition_point(|edge| edge.key <= key);
    edges.insert(at, Edge { key, window });
}

fn drop_edge<O: std::hash::Hash + Eq, K: Ord + Copy>(
    map: &mut HashMap<O, Vec<Edge<K>>>,
    owner: O,
    key: K,
    window: Window,
) {
    let Some(edges) = map.get_mut(&owner) else {
        return;
    };
    let first = edges.partition_point(|edge| edge.key < key);
    if let Some(offset) = edges[first..]
        .iter()
        .take_while(|edge| edge.key == key)
        .position(|edge| edge.window == window)
    {
        edges.remove(first + offset);
    }
    if edges.is_empty() {
        map.remove(&owner);
    }
}

/// `Some(latest end)` of the windows in force at `now` (`Some(None)`: one is permanent).
fn latest_end<'a, K: 'a>(
    edges: impl IntoIterator<Item = &'a Edge<K>>,
    now: DateTime<Utc>,
) -> Option<Option<DateTime<Utc>>> {
    edges
        .into_iter()
        .filter(|edge| edge.window.contains(now))
        .map(|edge| edge.window.end)
        .reduce(|a, b| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        })
}

#[cfg(test)]
#[path = "tests/index.rs"]
mod tests;
