//! The check of SPEC X2: is a principal an effective member (or owner) of a group now, until when,
//! and through which groups.
//!
//! Answered from the [membership index](crate::index) kept in [`State`], where nesting is flattened
//! (each group's ancestors and descendants with their windows): a membership check is two hash
//! probes (the principal, the group), binary searches and time comparisons, however deep the
//! nesting. `until` is the latest end among the ways the principal is a member in force now (a
//! direct schedule, or a path whose end is its earliest link's); `via` is that way's path, found
//! by following each group's next hop toward the checked group. Disabled users and deleted groups
//! are filtered by the index's flags (D1), and A11's retained last owner comes from
//! [`State::retained_last_owner`] when no owner is in force.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Utc};

use crate::ids::{GroupId, PrincipalId, UserId};
use crate::index::{end_key, Reach};
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
/// membership follows nesting (a group's members through groups that are members of it), along
/// the path that lasts longest (of equals, the shortest; a direct membership first).
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
    state
        .index()
        .member_reaches(principal, now)
        .into_iter()
        .map(|(group, reach)| (group, grant(state, group, reach, now)))
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
    let reach = state.index().member_reach(principal, group, now)?;
    Some(grant(state, group, reach, now))
}

/// The grant of a membership of `group` reached as `reach`, with its path.
fn grant(state: &State, group: GroupId, reach: Reach, now: DateTime<Utc>) -> Grant {
    let via = match reach.through {
        None => Vec::new(),
        Some(first) => (state.index().path(&reach, group, now))
            .or_else(|| search_path(state, first, group, reach.until, now))
            .unwrap_or_else(|| vec![first]),
    };
    Grant {
        via,
        until: reach.until,
    }
}

/// A fallback for the index's path (nesting cycles in stored data can make next hops go round): the
/// shortest path from `first` up to `group` whose every link lasts until `until`.
fn search_path(
    state: &State,
    first: GroupId,
    group: GroupId,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Vec<GroupId>> {
    let index = state.index();
    let mut above: Vec<(GroupId, Option<usize>)> = vec![(first, None)];
    let mut seen = HashSet::from([first]);
    let mut queue = VecDeque::from([0]);
    while let Some(at) = queue.pop_front() {
        let (current, _) = above[at];
        for parent in index.direct_groups_of(current.into(), now) {
            let lasts = index
                .direct_member_end(current.into(), parent, now)
                .is_some_and(|end| end_key(end) >= end_key(until));
            if !lasts || !index.is_live_group(parent) {
                continue;
            }
            if parent == group {
                let mut via = Vec::new();
                let mut step = Some(at);
                while let Some(index) = step {
                    via.push(above[index].0);
                    step = above[index].1;
                }
                via.reverse();
                return Some(via);
            }
            if seen.insert(parent) {
                above.push((parent, Some(at)));
                queue.push_back(above.len() - 1);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::*;
    use crate::schedule::{ScheduleKind, Window};

    /// Makes `principal` an active member of `group` during `window`.
    fn active_member(
        f: &mut Fixture,
        group: GroupId,
        principal: impl Into<PrincipalId>,
        window: Window,
    ) {
        f.schedule(
            group,
            principal,
            Access::Member,
            ScheduleKind::Active,
            window,
        );
    }

    /// Whether, and until when, `principal` is an effective member of `group` at `at`.
    fn membership(
        f: &Fixture,
        principal: impl Into<PrincipalId>,
        group: GroupId,
        at: DateTime<Utc>,
    ) -> Option<Grant> {
        check(&f.state, principal.into(), group, Access::Member, at)
    }

    #[test]
    fn x2_a_direct_member_is_allowed_until_the_schedule_ends() {
        let mut f = Fixture::new();
        let alice = f.user("alice");
        let group = f.group("Finance");
        active_member(&mut f, group, alice, window(t0(), t0() + hours(2)));
        let grant = membership(&f, alice, group, t0() + minutes(1)).unwrap();
        assert_eq!(
            grant,
            Grant {
                via: vec![],
                until: Some(t0() + hours(2))
            }
        );
        assert_eq!(membership(&f, alice, group, t0() + hours(2)), None);
    }

    #[test]
    fn x2_a_nested_member_is_allowed_through_the_group_until_the_earliest_link_ends() {
        let mut f = Fixture::new();
        let alice = f.user("alice");
        let team = f.group("SRE");
        let production = f.group("Production");
        active_member(&mut f, team, alice, window(t0(), t0() + days(10)));
        active_member(&mut f, production, team, window(t0(), t0() + days(3)));
        let grant = membership(&f, alice, production, t0() + hours(1)).unwrap();
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
        assert_eq!(membership(&f, alice, group, t0()), None);
        assert!(check(&f.state, alice.into(), group, Access::Owner, t0()).is_some());
    }
}
