//! Keeping the flattened nesting current: when a group-in-group membership (or a group's
//! liveness) changes under group `C`, the ancestors of `C` and of every group below it are
//! recomputed, and mirrored into the descendants of the groups above them.
//!
//! Groups are recomputed parents first (a topological order of the groups concerned), each from its
//! direct parent edges and its parents' ancestors, so in a tree or DAG each is computed once. A
//! nesting cycle (refused by V6, but the index must survive one in stored data) is settled by
//! recomputing until nothing changes; paths are capped at as many links as there are groups (a
//! longer one repeats a group and adds nothing), and a budget bounds the work in any case.

use std::collections::{HashSet, VecDeque};

use super::edges::{run_range, Keyed};
use super::span::{intersect, normalize, runs, Descendant, Span};
use super::MembershipIndex;
use crate::ids::{GroupId, PrincipalId};

impl MembershipIndex {
    /// Recomputes the ancestors of `root` and of every group below it (see the module docs).
    pub(super) fn refresh(&mut self, root: GroupId) {
        let affected = self.below(root);
        let concerned: HashSet<GroupId> = affected.iter().copied().collect();
        for &group in &affected {
            self.unmirror(group);
        }
        let max_depth = u32::try_from(self.groups.len()).unwrap_or(u32::MAX);
        let mut queue: VecDeque<GroupId> = self.parents_first(&affected, &concerned).into();
        let mut queued = concerned.clone();
        let mut budget = affected
            .len()
            .saturating_mul(affected.len().saturating_add(16))
            .saturating_add(1024);
        while let Some(group) = queue.pop_front() {
            queued.remove(&group);
            if budget == 0 {
                break;
            }
            budget -= 1;
            let fresh = self.closure_of(group, max_depth);
            let Some(slot) = self.slot(group) else {
                continue;
            };
            if self.ancestors.get(slot) == fresh.as_slice() {
                continue;
            }
            self.set_ancestors(slot, &fresh);
            for child in self.children_of(group) {
                if concerned.contains(&child) && queued.insert(child) {
                    queue.push_back(child);
                }
            }
        }
        for &group in &affected {
            self.mirror(group);
        }
    }

    /// `root` and every group below it, through group-in-group edges of any time.
    fn below(&self, root: GroupId) -> Vec<GroupId> {
        let mut found = vec![root];
        let mut seen = HashSet::from([root]);
        let mut next = 0;
        while let Some(&group) = found.get(next) {
            next += 1;
            for child in self.children_of(group) {
                if seen.insert(child) {
                    found.push(child);
                }
            }
        }
        found
    }

    /// The distinct groups with a membership edge into `group`.
    fn children_of(&self, group: GroupId) -> Vec<GroupId> {
        let mut children: Vec<GroupId> = self
            .group(group)
            .map(|entry| entry.children.iter().map(|edge| edge.key).collect())
            .unwrap_or_default();
        children.dedup();
        children
    }

    /// `groups` ordered parents first (Kahn's algorithm over the edges among them); groups on a
    /// cycle come last, in their original order.
    fn parents_first(&self, groups: &[GroupId], concerned: &HashSet<GroupId>) -> Vec<GroupId> {
        let mut pending: std::collections::HashMap<GroupId, usize> =
            groups.iter().map(|&group| (group, 0)).collect();
        for &group in groups {
            for child in self.children_of(group) {
                if child != group && concerned.contains(&child) {
                    *pending.entry(child).or_default() += 1;
                }
            }
        }
        let mut order: Vec<GroupId> = groups
            .iter()
            .copied()
            .filter(|group| pending.get(group) == Some(&0))
            .collect();
        let mut next = 0;
        while let Some(&group) = order.get(next) {
            next += 1;
            for child in self.children_of(group) {
                if child == group {
                    continue;
                }
                if let Some(count) = pending.get_mut(&child) {
                    *count = count.saturating_sub(1);
                    if *count == 0 {
                        order.push(child);
                    }
                }
            }
        }
        let placed: HashSet<GroupId> = order.iter().copied().collect();
        order.extend(groups.iter().filter(|group| !placed.contains(group)));
        order
    }

    /// The ancestors of `group` from its direct parent edges and its parents' ancestors.
    fn closure_of(&self, group: GroupId, max_depth: u32) -> Vec<Span> {
        let Some(slot) = self.slot(group) else {
            return Vec::new();
        };
        if !self.flags_at(slot).live {
            return Vec::new();
        }
        let mut spans = Vec::new();
        for edge in self.member_edges_of(PrincipalId(group.0)) {
            let (parent_slot, link) = (edge.key(), *edge.window());
            let parent = self.id_at(parent_slot);
            if parent == group || !self.flags_at(parent_slot).live {
                continue;
            }
            spans.push(Span {
                group: parent,
                window: link,
                hop: parent,
                depth: 1,
                slot: parent_slot,
                hop_slot: parent_slot,
            });
            for span in self.ancestors.get(parent_slot) {
                if span.group == group || span.depth >= max_depth {
                    continue;
                }
                if let Some(window) = intersect(&link, &span.window) {
                    spans.push(Span {
                        group: span.group,
                        window,
                        hop: parent,
                        depth: span.depth + 1,
                        slot: span.slot,
                        hop_slot: parent_slot,
                    });
                }
            }
        }
        normalize(&mut spans);
        spans
    }

    /// Removes `group` from the descendants of its ancestors and clears its ancestors.
    fn unmirror(&mut self, group: GroupId) {
        let Some(slot) = self.slot(group) else {
            return;
        };
        let ancestors = self.ancestors.get(slot).to_vec();
        self.set_ancestors(slot, &[]);
        for (_, run) in runs(&ancestors) {
            let above = run[0].slot;
            let mut descendants = self.below.get(above).to_vec();
            descendants.drain(run_range(&descendants, slot));
            self.set_descendants(above, &descendants);
        }
    }

    /// Copies the ancestors of `group` into the descendants of each of them.
    fn mirror(&mut self, group: GroupId) {
        let Some(slot) = self.slot(group) else {
            return;
        };
        let ancestors = self.ancestors.get(slot).to_vec();
        for (_, run) in runs(&ancestors) {
            let above = run[0].slot;
            let mut descendants = self.below.get(above).to_vec();
            let at = descendants.partition_point(|below| below.slot < slot);
            let mirrored = run.iter().map(|span| Descendant {
                slot,
                ..Descendant::from(span)
            });
            descendants.splice(at..at, mirrored);
            self.set_descendants(above, &descendants);
        }
    }
}
