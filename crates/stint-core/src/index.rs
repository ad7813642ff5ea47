//! The membership index of SPEC X2 (DESIGN.md "Membership index"), Leopard-style: direct active
//! memberships and ownerships with their windows, and group nesting flattened into per-group
//! ancestor and descendant sets, kept in [`State`](crate::State) and updated by
//! [`State::apply`](crate::State::apply) on every change, so that a check is a hash probe, a binary
//! search and a time comparison instead of a scan of the schedules or a walk of the nesting.
//!
//! What it holds:
//!
//! - per principal: the groups it is a direct active member of, one [`Edge`]
//!   (group and the schedule's effective `[start, end)`) per schedule, sorted by group; and whether
//!   it can hold anything at all (an enabled user, a live group: D1);
//! - per group: whether it is live (known and not deleted); its direct owners (few;
//!   owners are not nested, and the A11 fallback asks whether any owner is in force); the groups
//!   that are direct members of it (few); its *ancestors*, every group it is transitively a member
//!   of through nested group memberships, as [`Span`]s (the intersection of the links' windows
//!   along a path, kept per path unless inside another span: usually one); and the mirror of those,
//!   its *descendants*.
//!
//! A membership check of `p` in `G` at `now` probes `p` (its direct groups) and `G` (liveness and
//! descendants): either `p` is directly in `G`, or some direct group `D` of `p` in force at `now`
//! is among `G`'s descendants with a span in force at `now`. `until` is the latest end among what
//! is in force at `now`: of a direct schedule, or of a path (the earliest end of its links). A user
//! edge is an O(1)-ish insertion into its principal's vector; a group-in-group edge, or a group
//! deleted or appearing (rare), recomputes the ancestors of the groups below it (module `closure`).
//!
//! Disabled users and deleted groups are filtered at probe time by the flags above (kept current by
//! `State::apply` on user and group changes); their edges stay. A deleted group is no path's
//! intermediate: the nesting is recomputed around it. Eligible schedules are not indexed. Windows
//! that have ended stay until [`MembershipIndex::prune_ended`] drops them; a decision at `now`
//! ignores them anyway.
//!
//! Memory: an edge is 40 bytes (a 16-byte id and a 24-byte window); each assignment is one edge
//! (two for group-in-group membership, one more per flattened span), plus its principal's share of
//! the hash table and `Vec` slack ([`MembershipIndex::shrink_to_fit`] after a bulk load removes the
//! slack). [`MembershipIndex::approximate_bytes`] counts table buckets with their control bytes and
//! every vector at its capacity; the test `index_memory_per_assignment_is_under_100_bytes` measures
//! it.

mod closure;
mod edges;
mod span;

use std::collections::btree_map::{self, BTreeMap};
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::ids::{GroupId, PrincipalId};
use crate::schedule::{Access, Schedule, Window};
pub use edges::Edge;
use edges::{add, indexed_window, latest_end, remove, run_of};
pub(crate) use edges::{earlier, end_key};
pub use span::Span;

/// Direct memberships and ownerships with their windows, and flattened nesting. See the module
/// documentation.
#[derive(Clone, Debug, Default)]
pub struct MembershipIndex {
    principals: HashMap<PrincipalId, PrincipalEntry>,
    groups: HashMap<GroupId, GroupEntry>,
}

/// What the index holds for one principal with direct active memberships.
#[derive(Clone, Debug, Default)]
struct PrincipalEntry {
    /// D1: an enabled user or a live group.
    can_hold: bool,
    /// The groups it is a direct active member of, sorted by group.
    member_of: Vec<Edge<GroupId>>,
}

/// What the index holds for one group.
#[derive(Clone, Debug, Default)]
struct GroupEntry {
    /// Known and not deleted.
    live: bool,
    /// Direct active owners, sorted by principal.
    owners: Vec<Edge<PrincipalId>>,
    /// Groups that are direct active members of it, sorted by group.
    children: Vec<Edge<GroupId>>,
    /// Every group it is a member of through nesting, sorted by (group, start).
    ancestors: Vec<Span>,
    /// Every group that is a member of it through nesting, sorted by (group, start).
    descendants: Vec<Span>,
}

impl GroupEntry {
    fn is_empty(&self) -> bool {
        self.owners.is_empty()
            && self.children.is_empty()
            && self.ancestors.is_empty()
            && self.descendants.is_empty()
    }
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
}

impl Reach {
    /// Whether `self` is a better answer than `other`: it lasts longer, or as long with a shorter
    /// path (then the lower group, so that answers do not depend on iteration order).
    fn beats(&self, other: &Reach) -> bool {
        let rank = |reach: &Reach| {
            (
                std::cmp::Reverse(end_key(reach.until)),
                reach.depth,
                reach.through,
            )
        };
        rank(self) < rank(other)
    }
}

fn offer(best: &mut Option<Reach>, candidate: Reach) {
    if best.as_ref().is_none_or(|best| candidate.beats(best)) {
        *best = Some(candidate);
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
        let children = [before, after].into_iter().flatten().map(|link| link.0);
        let mut done: Option<GroupId> = None;
        for child in children {
            if done != Some(child) && self.groups.contains_key(&child) {
                self.refresh(child);
                done = Some(child);
            }
        }
    }

    fn insert(&mut self, schedule: &Schedule, facts: PrincipalFacts) {
        let Some(window) = indexed_window(schedule) else {
            return;
        };
        let group = schedule.group_id();
        let principal = schedule.principal_id;
        match schedule.access() {
            Access::Member => {
                let entry = self.principals.entry(principal).or_default();
                entry.can_hold = facts.can_hold;
                add(&mut entry.member_of, group, window);
                if facts.is_group {
                    let child = GroupId(principal.0);
                    add(
                        &mut self.groups.entry(group).or_default().children,
                        child,
                        window,
                    );
                }
            }
            Access::Owner => add(
                &mut self.groups.entry(group).or_default().owners,
                principal,
                window,
            ),
        }
    }

    fn remove(&mut self, schedule: &Schedule) {
        let Some(window) = indexed_window(schedule) else {
            return;
        };
        let group = schedule.group_id();
        let principal = schedule.principal_id;
        match schedule.access() {
            Access::Member => {
                if let Some(entry) = self.principals.get_mut(&principal) {
                    remove(&mut entry.member_of, group, window);
                    if entry.member_of.is_empty() {
                        self.principals.remove(&principal);
                    }
                }
                if let Some(entry) = self.groups.get_mut(&group) {
                    remove(&mut entry.children, GroupId(principal.0), window);
                }
            }
            Access::Owner => {
                if let Some(entry) = self.groups.get_mut(&group) {
                    remove(&mut entry.owners, principal, window);
                }
            }
        }
        self.tidy(group);
    }

    /// Forgets the entry of `group` if it holds nothing.
    fn tidy(&mut self, group: GroupId) {
        if self
            .groups
            .get(&group)
            .is_some_and(|entry| !entry.live && entry.is_empty())
        {
            self.groups.remove(&group);
        }
    }

    /// A user was written: whether it can hold memberships now (D1).
    pub(crate) fn principal_changed(&mut self, principal: PrincipalId, can_hold: bool) {
        if let Some(entry) = self.principals.get_mut(&principal) {
            entry.can_hold = can_hold;
        }
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
        if appeared {
            let edges = self
                .principals
                .get(&PrincipalId(group.0))
                .map(|entry| entry.member_of.clone())
                .unwrap_or_default();
            for edge in edges {
                let parent = self.groups.entry(edge.key).or_default();
                add(&mut parent.children, group, edge.window);
            }
        }
        let entry = self.groups.entry(group).or_default();
        let was_live = std::mem::replace(&mut entry.live, live);
        self.principal_changed(group.into(), can_hold);
        if appeared || was_live != live {
            self.refresh(group);
        }
        self.tidy(group);
    }

    /// Drops every edge and span that has ended by `now`. Afterwards the index answers only for
    /// instants at or after `now` (the scheduler's tick calls this with its current time).
    pub fn prune_ended(&mut self, now: DateTime<Utc>) {
        let open = |window: &Window| !window.has_ended_by(now);
        self.principals.retain(|_, entry| {
            entry.member_of.retain(|edge| open(&edge.window));
            !entry.member_of.is_empty()
        });
        self.groups.retain(|_, entry| {
            entry.owners.retain(|edge| open(&edge.window));
            entry.children.retain(|edge| open(&edge.window));
            entry.ancestors.retain(|span| open(&span.window));
            entry.descendants.retain(|span| open(&span.window));
            entry.live || !entry.is_empty()
        });
    }

    /// Releases the slack of every table and vector (once, after a bulk load).
    pub fn shrink_to_fit(&mut self) {
        self.principals.shrink_to_fit();
        for entry in self.principals.values_mut() {
            entry.member_of.shrink_to_fit();
        }
        self.groups.shrink_to_fit();
        for entry in self.groups.values_mut() {
            entry.owners.shrink_to_fit();
            entry.children.shrink_to_fit();
            entry.ancestors.shrink_to_fit();
            entry.descendants.shrink_to_fit();
        }
    }
}

// Queries.
impl MembershipIndex {
    /// The best membership of `principal` in `group` at `now`, directly or through nesting: `None`
    /// when there is none, or the principal cannot hold (D1), or the group is not live.
    pub fn member_reach(
        &self,
        principal: PrincipalId,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> Option<Reach> {
        let target = self.groups.get(&group).filter(|entry| entry.live)?;
        let entry = self
            .principals
            .get(&principal)
            .filter(|entry| entry.can_hold)?;
        let mut best = None;
        for run in entry.member_of.chunk_by(|a, b| a.key == b.key) {
            let Some(direct) = run.first().map(|edge| edge.key) else {
                continue;
            };
            if direct != group && target.descendants.is_empty() {
                continue;
            }
            let Some(link_end) = latest_end(run, now) else {
                continue;
            };
            if direct == group {
                offer(
                    &mut best,
                    Reach {
                        until: link_end,
                        through: None,
                        depth: 0,
                    },
                );
            } else if let Some(span) =
                span::in_force(span::run_of(&target.descendants, direct), now)
            {
                let until = earlier(link_end, span.window.end);
                offer(
                    &mut best,
                    Reach {
                        until,
                        through: Some(direct),
                        depth: span.depth,
                    },
                );
            }
        }
        best
    }

    /// Every group `principal` is a member of at `now`, directly or through nesting, with the best
    /// way it is (see [`member_reach`](Self::member_reach)), by group.
    pub fn member_reaches(
        &self,
        principal: PrincipalId,
        now: DateTime<Utc>,
    ) -> BTreeMap<GroupId, Reach> {
        let mut found = BTreeMap::new();
        let Some(entry) = self
            .principals
            .get(&principal)
            .filter(|entry| entry.can_hold)
        else {
            return found;
        };
        let mut offer_to = |group: GroupId, candidate: Reach| match found.entry(group) {
            btree_map::Entry::Vacant(vacant) => {
                vacant.insert(candidate);
            }
            btree_map::Entry::Occupied(mut occupied) => {
                if candidate.beats(occupied.get()) {
                    occupied.insert(candidate);
                }
            }
        };
        for run in entry.member_of.chunk_by(|a, b| a.key == b.key) {
            let Some(direct) = run.first().map(|edge| edge.key) else {
                continue;
            };
            let Some(link_end) = latest_end(run, now) else {
                continue;
            };
            let Some(above) = self.groups.get(&direct).filter(|entry| entry.live) else {
                continue;
            };
            offer_to(
                direct,
                Reach {
                    until: link_end,
                    through: None,
                    depth: 0,
                },
            );
            for (ancestor, spans) in span::runs(&above.ancestors) {
                if let Some(span) = span::in_force(spans, now) {
                    let until = earlier(link_end, span.window.end);
                    offer_to(
                        ancestor,
                        Reach {
                            until,
                            through: Some(direct),
                            depth: span.depth,
                        },
                    );
                }
            }
        }
        found
    }

    /// On the longest-lasting path in force at `now` from group `from` up to group `to`, the group
    /// right above `from` (`to` itself when `from` is directly in it).
    pub fn next_hop(&self, from: GroupId, to: GroupId, now: DateTime<Utc>) -> Option<GroupId> {
        let entry = self.groups.get(&from)?;
        span::in_force(span::run_of(&entry.ancestors, to), now).map(|span| span.hop)
    }

    /// Whether `group` is known and not deleted, as the index sees it.
    pub fn is_live_group(&self, group: GroupId) -> bool {
        self.groups.get(&group).is_some_and(|entry| entry.live)
    }

    /// The flattened ancestors of `group` (every window, in force or not), sorted by group.
    pub fn ancestors(&self, group: GroupId) -> &[Span] {
        self.groups
            .get(&group)
            .map_or(&[], |entry| entry.ancestors.as_slice())
    }

    /// The flattened descendants of `group`, sorted by group: the mirror of [`ancestors`](Self::ancestors).
    pub fn descendants(&self, group: GroupId) -> &[Span] {
        self.groups
            .get(&group)
            .map_or(&[], |entry| entry.descendants.as_slice())
    }

    /// `Some(end)` when `principal` is directly an active member of `group` at `now`: the latest
    /// end of its in-force schedules (`None` inside: permanent). Liveness is not checked here.
    pub fn direct_member_end(
        &self,
        principal: PrincipalId,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> Option<Option<DateTime<Utc>>> {
        let entry = self.principals.get(&principal)?;
        latest_end(run_of(&entry.member_of, group), now)
    }

    /// The groups `principal` is directly an active member of at `now` (liveness not checked).
    pub fn direct_groups_of(
        &self,
        principal: PrincipalId,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = GroupId> + '_ {
        self.principals
            .get(&principal)
            .into_iter()
            .flat_map(|entry| entry.member_of.iter())
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
        self.groups
            .get(&group)
            .into_iter()
            .flat_map(|entry| entry.children.chunk_by(|a, b| a.key == b.key))
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
        let entry = self.groups.get(&group)?;
        latest_end(run_of(&entry.owners, principal), now)
    }

    /// The principals with an in-force direct active ownership of `group` at `now`.
    pub fn owners_at(
        &self,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = PrincipalId> + '_ {
        self.groups
            .get(&group)
            .into_iter()
            .flat_map(|entry| entry.owners.iter())
            .filter(move |edge| edge.window.contains(now))
            .map(|edge| edge.key)
    }

    /// How many schedules are indexed (group-in-group memberships count once).
    pub fn assignment_count(&self) -> usize {
        let members: usize = self.principals.values().map(|e| e.member_of.len()).sum();
        let owners: usize = self.groups.values().map(|e| e.owners.len()).sum();
        members + owners
    }

    /// An estimate of the heap the index holds: each table's buckets (key and value inline) with
    /// their control bytes, and every vector at its capacity (edges and flattened spans).
    pub fn approximate_bytes(&self) -> usize {
        let principals: usize = self
            .principals
            .values()
            .map(|entry| entry.member_of.capacity() * size_of::<Edge<GroupId>>())
            .sum();
        let groups: usize = self
            .groups
            .values()
            .map(|entry| {
                entry.owners.capacity() * size_of::<Edge<PrincipalId>>()
                    + entry.children.capacity() * size_of::<Edge<GroupId>>()
                    + (entry.ancestors.capacity() + entry.descendants.capacity())
                        * size_of::<Span>()
            })
            .sum();
        table_bytes(&self.principals) + principals + table_bytes(&self.groups) + groups
    }
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

/// The heap of a `HashMap` (SwissTable): buckets of (key, value) plus one control byte each, plus
/// one group of trailing control bytes. Buckets are a power of two, 7/8 of them usable.
fn table_bytes<K, V>(map: &HashMap<K, V>) -> usize {
    const GROUP_WIDTH: usize = 16;
    let buckets = match map.capacity() {
        0 => return 0,
        1..=3 => 4,
        4..=7 => 8,
        capacity => (capacity * 8 / 7).next_power_of_two(),
    };
    buckets * (size_of::<(K, V)>() + 1) + GROUP_WIDTH
}

#[cfg(test)]
#[path = "tests/index.rs"]
mod tests;
