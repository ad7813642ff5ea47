//! The check of SPEC X2: is a principal an effective member (or owner) of a group now, until when,
//! and through which groups.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::ids::{GroupId, PrincipalId};
use crate::schedule::{Access, ScheduleKind};
use crate::state::State;

/// Why a principal holds access: the groups the membership passes through (empty when direct),
/// and when the shortest-lived link of that path ends (`None`: permanent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub via: Vec<GroupId>,
    pub until: Option<DateTime<Utc>>,
}

/// The grant of `access` in `group` to `principal` at `now`, if any. Ownership is direct only;
/// membership follows nesting (a group's members through groups that are members of it).
pub fn check(
    state: &State,
    principal: PrincipalId,
    group: GroupId,
    access: Access,
    now: DateTime<Utc>,
) -> Option<Grant> {
    if access == Access::Owner {
        return state
            .direct_holders(group, Access::Owner, now)
            .contains(&principal)
            .then(|| Grant {
                via: Vec::new(),
                until: direct_end(state, principal, group, access, now),
            });
    }
    // Breadth-first from the principal up through the groups it is a member of.
    let mut reached: HashMap<PrincipalId, (Option<PrincipalId>, Option<DateTime<Utc>>)> =
        HashMap::new();
    reached.insert(principal, (None, None));
    let mut frontier = VecDeque::from([principal]);
    while let Some(current) = frontier.pop_front() {
        let until_here = reached[&current].1;
        for parent in state.direct_member_of(current, now) {
            let parent_principal: PrincipalId = parent.into();
            if reached.contains_key(&parent_principal) {
                continue;
            }
            let link_end = direct_end(state, current, parent, Access::Member, now);
            let until = earliest(until_here, link_end);
            reached.insert(parent_principal, (Some(current), until));
            if parent == group {
                return Some(Grant {
                    via: path_to(&reached, current, principal),
                    until,
                });
            }
            frontier.push_back(parent_principal);
        }
    }
    None
}

/// The groups a principal effectively holds `Member` in now, each with its grant.
pub fn groups_of(
    state: &State,
    principal: PrincipalId,
    now: DateTime<Utc>,
) -> Vec<(GroupId, Grant)> {
    let mut groups: Vec<(GroupId, Grant)> = state
        .transitive_member_of(principal, now)
        .into_iter()
        .filter_map(|group| {
            check(state, principal, group, Access::Member, now).map(|grant| (group, grant))
        })
        .collect();
    groups.sort_by_key(|(group, _)| *group);
    groups
}

/// The latest end among the principal's in-force direct active schedules of `group`.
fn direct_end(
    state: &State,
    principal: PrincipalId,
    group: GroupId,
    access: Access,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let windows: Vec<Option<DateTime<Utc>>> = state
        .schedules_for(group, principal, access, ScheduleKind::Active)
        .filter(|s| s.is_in_force_at(now))
        .map(|s| s.effective_window().end)
        .collect();
    if windows.iter().any(Option::is_none) {
        None
    } else {
        windows.into_iter().flatten().max()
    }
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The intermediate groups from `principal` up to `last` (excluded: the principal itself).
fn path_to(
    reached: &HashMap<PrincipalId, (Option<PrincipalId>, Option<DateTime<Utc>>)>,
    last: PrincipalId,
    principal: PrincipalId,
) -> Vec<GroupId> {
    let mut path = Vec::new();
    let mut current = last;
    while current != principal {
        path.push(GroupId(current.0));
        current = match reached[&current].0 {
            Some(previous) => previous,
            None => break,
        };
    }
    path.reverse();
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::*;

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
