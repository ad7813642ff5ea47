//! The index's answers: memberships through nesting with their best reach, paths, direct edges,
//! and what the index costs in memory.

use chrono::{DateTime, Utc};

use super::edges::{earlier, latest_end, run_of, Edge, Keyed};
use super::principals::Cell;
use super::span::{self, Descendant, Span};
use super::{Hop, MembershipIndex, Reach};
use crate::ids::{GroupId, PrincipalId};

impl Reach {
    fn direct(until: Option<DateTime<Utc>>) -> Reach {
        Reach {
            until,
            through: None,
            depth: 0,
            hop: None,
        }
    }

    /// Through the principal's direct group `through` (in force until `link_end`) and `span` from
    /// it up to the group in `target_slot`.
    fn nested(
        through: GroupId,
        link_end: Option<DateTime<Utc>>,
        span: &Descendant,
        target_slot: u32,
    ) -> Reach {
        Reach {
            until: earlier(link_end, span.window.end),
            through: Some(through),
            depth: span.depth,
            hop: Some(Hop {
                slot: span.hop_slot,
                target_slot,
            }),
        }
    }

    /// Whether `self` is a better answer than `other`: it lasts longer, or as long with a shorter
    /// path (then the lower group, so that answers do not depend on iteration order).
    fn beats(&self, other: &Reach) -> bool {
        let rank = |reach: &Reach| {
            (
                std::cmp::Reverse(super::end_key(reach.until)),
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

impl MembershipIndex {
    /// The best membership of `principal` in `group` at `now`, directly or through nesting: `None`
    /// when there is none, or the principal cannot hold (D1), or the group is not live.
    ///
    /// Two hash probes (the principal, the group), the principal's direct memberships, packed,
    /// and the group's flags and compact descendants; both lists are sorted by slot, so one walk
    /// finds the principal's groups nested in the checked one with their spans. The descendants
    /// are read only when the flags' filter says one of the principal's groups may be among them.
    /// The principal is probed first: its memberships are the one read from main memory, and the
    /// group's probe, in cache, is done while that read is under way.
    pub fn member_reach(
        &self,
        principal: PrincipalId,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> Option<Reach> {
        let found = self.principals.get(principal);
        let target_slot = self.slot(group)?;
        let target = self.flags_at(target_slot);
        let found = found.filter(|found| found.can_hold && target.live)?;
        let mut below = match target.descendant_bits {
            0 => Below::default(),
            _ => Below::of(self, target_slot),
        };
        let mut best = None;
        for run in by_group(found.members) {
            let slot = run[0].key();
            let spans = if slot == target_slot {
                &[][..]
            } else if target.may_have_below(slot) {
                match below.skip_to(slot) {
                    [] => continue,
                    spans => spans,
                }
            } else {
                continue;
            };
            let Some(link_end) = latest_end(run, now) else {
                continue;
            };
            if spans.is_empty() {
                offer(&mut best, Reach::direct(link_end));
            } else if let Some(span) = span::in_force(spans, now) {
                let through = self.id_at(slot);
                offer(
                    &mut best,
                    Reach::nested(through, link_end, span, target_slot),
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
    ) -> Vec<(GroupId, Reach)> {
        let Some(principal) = self
            .principals
            .get(principal)
            .filter(|found| found.can_hold)
        else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for run in by_group(principal.members) {
            let slot = run[0].key();
            if !self.flags_at(slot).live {
                continue;
            }
            let Some(link_end) = latest_end(run, now) else {
                continue;
            };
            let through = self.id_at(slot);
            found.push((through, Reach::direct(link_end)));
            for (ancestor, spans) in span::runs(self.ancestors.get(slot)) {
                if let Some(span) = span::in_force(spans, now) {
                    let reach = Reach::nested(through, link_end, &span.into(), span.slot);
                    found.push((ancestor, reach));
                }
            }
        }
        found.sort_by(|(a, reach_a), (b, reach_b)| {
            a.cmp(b)
                .then_with(|| match (reach_a.beats(reach_b), reach_b.beats(reach_a)) {
                    (true, _) => std::cmp::Ordering::Less,
                    (_, true) => std::cmp::Ordering::Greater,
                    _ => std::cmp::Ordering::Equal,
                })
        });
        found.dedup_by_key(|(group, _)| *group);
        found
    }

    /// The path of `reach` (a membership of `group`): the groups from the principal's direct group
    /// up to `group` (excluded), following each group's next hop. `None` if the hops go round
    /// (possible only with a nesting cycle in stored data) or break off.
    pub fn path(&self, reach: &Reach, group: GroupId, now: DateTime<Utc>) -> Option<Vec<GroupId>> {
        let (Some(first), Some(mut hop)) = (reach.through, reach.hop) else {
            return Some(Vec::new());
        };
        if self.id_at(hop.target_slot) != group {
            return None;
        }
        let mut via = Vec::with_capacity(reach.depth as usize);
        via.push(first);
        loop {
            if hop.slot == hop.target_slot {
                return Some(via);
            }
            let next = self.id_at(hop.slot);
            if via.contains(&next) {
                return None;
            }
            via.push(next);
            let span = self.span_at(hop.slot, hop.target_slot, now)?;
            hop.slot = span.hop_slot;
        }
    }

    /// Of the spans from the group in `slot` up to the group in `target`, the one in force at
    /// `now` that lasts longest (read from `target`'s descendants, where a check of `target`
    /// finds all it needs).
    fn span_at(&self, slot: u32, target: u32, now: DateTime<Utc>) -> Option<&Descendant> {
        span::in_force(Below::of(self, target).skip_to(slot), now)
    }

    /// On the longest-lasting path in force at `now` from group `from` up to group `to`, the group
    /// right above `from` (`to` itself when `from` is directly in it).
    pub fn next_hop(&self, from: GroupId, to: GroupId, now: DateTime<Utc>) -> Option<GroupId> {
        self.span_at(self.slot(from)?, self.slot(to)?, now)
            .map(|span| self.id_at(span.hop_slot))
    }

    /// Whether `group` is known and not deleted, as the index sees it.
    pub fn is_live_group(&self, group: GroupId) -> bool {
        self.slot(group)
            .is_some_and(|slot| self.flags_at(slot).live)
    }

    /// The flattened ancestors of `group` (every window, in force or not), sorted by the index's
    /// slot of the ancestor.
    pub fn ancestors(&self, group: GroupId) -> &[Span] {
        self.slot(group)
            .map_or(&[], |slot| self.ancestors.get(slot))
    }

    /// The flattened descendants of `group`, sorted by the index's slot of the descendant: the
    /// mirror of [`ancestors`](Self::ancestors).
    pub fn descendants(&self, group: GroupId) -> Vec<Span> {
        let below = self
            .slot(group)
            .map_or(&[][..], |slot| self.below.get(slot));
        (below.iter())
            .map(|below| Span {
                group: self.id_at(below.slot),
                window: below.window,
                hop: self.id_at(below.hop_slot),
                depth: below.depth,
                slot: below.slot,
                hop_slot: below.hop_slot,
            })
            .collect()
    }

    /// `Some(end)` when `principal` is directly an active member of `group` at `now`: the latest
    /// end of its in-force schedules (`None` inside: permanent). Liveness is not checked here.
    pub fn direct_member_end(
        &self,
        principal: PrincipalId,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> Option<Option<DateTime<Utc>>> {
        let slot = self.slot(group)?;
        latest_end(run_of(self.member_edges_of(principal), slot), now)
    }

    /// The groups `principal` is directly an active member of at `now`, sorted by group
    /// (liveness not checked).
    pub fn direct_groups_of(&self, principal: PrincipalId, now: DateTime<Utc>) -> Vec<GroupId> {
        let mut groups: Vec<GroupId> = self
            .member_edges_of(principal)
            .iter()
            .filter(|edge| edge.window().contains(now))
            .map(|edge| self.id_at(edge.key()))
            .collect();
        groups.sort_unstable();
        groups.dedup();
        groups
    }

    /// The groups that are directly active members of `group` at `now`, each with the latest end
    /// of its in-force schedules (liveness not checked).
    pub fn child_groups(
        &self,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = (GroupId, Option<DateTime<Utc>>)> + '_ {
        self.group(group)
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
        latest_end(run_of(&self.group(group)?.owners, principal), now)
    }

    /// The principals with an in-force direct active ownership of `group` at `now`.
    pub fn owners_at(
        &self,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = PrincipalId> + '_ {
        self.group(group)
            .into_iter()
            .flat_map(|entry| entry.owners.iter())
            .filter(move |edge| edge.window.contains(now))
            .map(|edge| edge.key)
    }

    /// How many schedules are indexed (group-in-group memberships count once).
    pub fn assignment_count(&self) -> usize {
        let members = self.principals.member_count();
        let owners: usize = self.groups.iter().map(|e| e.owners.len()).sum();
        members + owners
    }

    /// An estimate of the heap the index holds: each hash table's buckets (key and value inline)
    /// with their control bytes, and every vector at its capacity (edges, group records, flattened
    /// spans).
    pub fn approximate_bytes(&self) -> usize {
        let groups: usize = self
            .groups
            .iter()
            .map(|entry| {
                entry.owners.capacity() * size_of::<Edge<PrincipalId>>()
                    + entry.children.capacity() * size_of::<Edge<GroupId>>()
            })
            .sum();
        self.principals.bytes()
            + self.slots.bytes()
            + self.flags.capacity() * size_of::<super::GroupFlags>()
            + self.groups.capacity() * size_of::<super::GroupEntry>()
            + groups
            + self.below.bytes()
            + self.ancestors.bytes()
    }
}

/// The descendants of one group as a check reads them, walked in slot order.
#[derive(Default)]
struct Below<'a> {
    rest: &'a [Descendant],
}

impl<'a> Below<'a> {
    fn of(index: &'a MembershipIndex, target: u32) -> Below<'a> {
        Below {
            rest: index.below.get(target),
        }
    }

    /// The spans of the descendant in `slot`; what comes before them is skipped for good (so
    /// calls must come in increasing slot order). A group's descendants are usually few, and the
    /// next one usually near: the first few are looked at in turn before a binary search.
    fn skip_to(&mut self, slot: u32) -> &'a [Descendant] {
        const NEAR: usize = 8;
        let near = self.rest.iter().take(NEAR).position(|d| d.slot >= slot);
        let first = near.unwrap_or_else(|| {
            let far = self.rest.get(NEAR..).unwrap_or_default();
            NEAR.min(self.rest.len()) + far.partition_point(|d| d.slot < slot)
        });
        self.rest = &self.rest[first..];
        let len = self.rest.iter().take_while(|d| d.slot == slot).count();
        &self.rest[..len]
    }
}

/// The runs of `edges` (sorted by group slot) that share a group, each non-empty.
fn by_group(edges: &[Cell]) -> impl Iterator<Item = &[Cell]> {
    edges.chunk_by(|a, b| a.key() == b.key())
}
