//! The check of SPEC X2: is a principal an effective member (or owner) of a group now, until when,
//! and through which groups.
//!
//! Answered from the [membership index](crate::index) kept in [`State`]: a direct check is a hash
//! probe, a binary search and a time comparison; a nested one walks down the group-in-group edges
//! under the group (few) and probes the principal's memberships at each. Disabled users and deleted
//! groups are filtered here (D1), and A11's retained last owner comes from
//! [`State::retained_last_owner`] when no owner is in force.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};

use crate::ids::{GroupId, PrincipalId, UserId};
use crate::schedule::Access;
use crate::state::State;

/// Why a principal holds access: the groups the membership passes through (empty when direct),
/// and when the shortest-lived link of that path ends (`None`: permanent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub via: Vec<GroupId>,
    pub until: Option<DateTime<Utc>>,
}

/// The grant of `access` in `group` to `principal` at `now`, if any. Ownership is direct only;
/// membership follows nesting (a group's members through groups that are members of it), along a
/// shortest path.
pub fn check(
    state: &State,
    principal: PrincipalId,
    group: GroupId,
    access: Access,
    now: DateTime<Utc>,
) -> Option<Grant> {
    match access {
        Access::Owner => ownership(state, principal, group, now),
        Access::Member => membership(state, principal, group, now),
    }
}

/// The groups a principal effectively holds `Member` in now, each with its grant, by group.
pub fn groups_of(
    state: &State,
    principal: PrincipalId,
    now: DateTime<Utc>,
) -> Vec<(GroupId, Grant)> {
    let index = state.index();
    let mut found = BTreeSet::new();
    let mut frontier = vec![principal];
    while let Some(next) = frontier.pop() {
        if !can_hold(state, next) {
            continue;
        }
        for group in index.direct_groups_of(next, now) {
            if state.live_group(group).is_some() && found.insert(group) {
                frontier.push(group.into());
            }
        }
    }
    found
        .into_iter()
        .filter_map(|group| membership(state, principal, group, now).map(|grant| (group, grant)))
        .collect()
}

fn ownership(
    state: &State,
    principal: PrincipalId,
    group: GroupId,
    now: DateTime<Utc>,
) -> Option<Grant> {
    let index = state.index();
    if can_hold(state, principal) {
        if let Some(until) = index.direct_owner_end(group, principal, now) {
            return Some(Grant {
                via: Vec::new(),
                until,
            });
        }
    }
    if index
        .owners_at(group, now)
        .any(|owner| can_hold(state, owner))
    {
        return None;
    }
    // A11: no owner in force; the last one to expire is kept (no schedule of it is in force).
    state
        .retained_last_owner(group, now)
        .filter(|schedule| schedule.principal_id == principal)
        .map(|_| Grant {
            via: Vec::new(),
            until: None,
        })
}

fn membership(
    state: &State,
    principal: PrincipalId,
    group: GroupId,
    now: DateTime<Utc>,
) -> Option<Grant> {
    if !can_hold(state, principal) || state.live_group(group).is_none() {
        return None;
    }
    let index = state.index();
    if let Some(until) = index.direct_member_end(principal, group, now) {
        return Some(Grant {
            via: Vec::new(),
            until,
        });
    }
    // Breadth-first down the groups that are members of `group`.
    let mut steps = vec![Step {
        group,
        above: None,
        until: None,
    }];
    let mut seen = HashSet::from([group]);
    let mut next = 0;
    while let Some(&Step {
        group: current,
        until: until_here,
        ..
    }) = steps.get(next)
    {
        for (child, link_end) in index.child_groups(current, now) {
            if state.live_group(child).is_none() || !seen.insert(child) {
                continue;
            }
            let until = earliest(until_here, link_end);
            steps.push(Step {
                group: child,
                above: Some(next),
                until,
            });
            if let Some(direct_end) = index.direct_member_end(principal, child, now) {
                return Some(Grant {
                    via: path_up(&steps, steps.len() - 1),
                    until: earliest(until, direct_end),
                });
            }
        }
        next += 1;
    }
    None
}

/// D1: a disabled user holds nothing; a deleted or unknown group holds nothing.
fn can_hold(state: &State, principal: PrincipalId) -> bool {
    match state.users.get(&UserId(principal.0)) {
        Some(user) => user.account_enabled,
        None => state.live_group(GroupId(principal.0)).is_some(),
    }
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// A group reached walking down from the checked group.
#[derive(Clone, Copy, Debug)]
struct Step {
    group: GroupId,
    /// The step this group is a member of (`None`: the checked group itself).
    above: Option<usize>,
    /// When the path from this group up to the checked group ends (`None`: permanent).
    until: Option<DateTime<Utc>>,
}

/// The groups from step `from` up to the checked group (excluded).
fn path_up(steps: &[Step], from: usize) -> Vec<GroupId> {
    let mut path = Vec::new();
    let mut at = from;
    while let Some(&Step {
        group,
        above: Some(above),
        ..
    }) = steps.get(at)
    {
        path.push(group);
        at = above;
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::*;
    use crate::schedule::ScheduleKind;

    #[test]
    fn x2_a_direct_member_is_allowed_until_the_schedule_ends() {
        let mut f = Fixture::new();
        let alice = f.user("alice");
        let group = f.group("Finance");
        f.schedule(
            group,
            alice,
            Access::Member,
            ScheduleKind::Active,
            window(t0(), t0() + hours(2)),
        );
        let grant = check(
            &f.state,
            alice.into(),
            group,
            Access::Member,
            t0() + minutes(1),
        )
        .unwrap();
        assert_eq!(
            grant,
            Grant {
                via: vec![],
                until: Some(t0() + hours(2))
            }
        );
        assert_eq!(
            check(
                &f.state,
                alice.into(),
                group,
                Access::Member,
                t0() + hours(2)
            ),
            None
        );
    }

    #[test]
    fn x2_a_nested_member_is_allowed_through_the_group_until_the_earliest_link_ends() {
        let mut f = Fixture::new();
        let alice = f.user("alice");
        let team = f.group("SRE");
        let production = f.group("Production");
        f.schedule(
            team,
            alice,
            Access::Member,
            ScheduleKind::Active,
            window(t0(), t0() + days(10)),
        );
        f.schedule(
            production,
            team,
            Access::Member,
            ScheduleKind::Active,
            window(t0(), t0() + days(3)),
        );
        let grant = check(
            &f.state,
            alice.into(),
            production,
            Access::Member,
            t0() + hours(1),
        )
        .unwrap();
        assert_eq!(grant.via, vec![team]);
        assert_eq!(grant.until, Some(t0() + days(3)));
        assert_eq!(groups_of(&f.state, alice.into(), t0() + hours(1)).len(), 2);
    }

    #[test]
    fn x2_eligibility_and_ownership_are_not_membership() {
        let mut f = Fixture::new();
        let alice = f.user("alice");
        let group = f.group("Finance");
        f.eligible_member(group, alice);
        f.owner(group, alice);
        assert_eq!(
            check(&f.state, alice.into(), group, Access::Member, t0()),
            None
        );
        assert!(check(&f.state, alice.into(), group, Access::Owner, t0()).is_some());
    }
}
