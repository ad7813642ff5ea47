//! The membership index against a from-scratch computation over the schedules (SPEC X2, issue 7):
//! random sequences of schedule writes and endings (user-in-group and group-in-group, nesting
//! chains five deep, cycles), users disabled, groups deleted, restored or appearing late, and
//! pruning, probed at many instants.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use crate::check::{check, groups_of, Grant};
use crate::directory::Group;
use crate::ids::{GroupId, PrincipalId, ScheduleId, UserId};
use crate::rules::fixture::*;
use crate::schedule::{
    Access, AssignmentType, EndReason, Ended, MemberType, Schedule, ScheduleKind, Window,
};
use crate::state::State;
use crate::Change;

const USERS: usize = 3;
/// Groups known from the start; one more (the last id) only appears with [`Op::Appear`].
const GROUPS: usize = 6;

#[derive(Clone, Debug)]
enum Op {
    /// Creates or replaces the schedule `slot` of (group, access) for `principal`.
    Upsert {
        slot: u128,
        principal: usize,
        group: usize,
        owner: bool,
        active: bool,
        start: i64,
        length: Option<i64>,
    },
    /// Makes each group of `from..from + len` a member of the previous one (and, if `close`, the
    /// first a member of the last: a cycle, which V6 would refuse).
    Chain {
        slot: u128,
        from: usize,
        len: usize,
        close: bool,
        start: i64,
        length: Option<i64>,
    },
    /// Ends the `pick`-th existing schedule early, or records its expiry.
    End {
        pick: usize,
        at: i64,
        reason: usize,
    },
    SetEnabled {
        user: usize,
        enabled: bool,
    },
    DeleteGroup {
        group: usize,
    },
    RestoreGroup {
        group: usize,
    },
    /// The late group becomes known (schedules may already name it).
    Appear,
    /// Drops what has ended by `at` (or by the previous prune, if later); probes are no earlier.
    Prune {
        at: i64,
    },
}

fn window_of(start: i64, length: Option<i64>) -> Window {
    Window {
        start: at(start),
        end: length.map(|length| at(start + length)),
    }
}

fn op() -> impl Strategy<Value = Op> {
    let length = || prop::option::weighted(0.7, 1i64..300);
    prop_oneof![
        8 => (
            0u128..3,
            0..USERS + GROUPS + 1,
            0..GROUPS + 1,
            any::<bool>(),
            prop::bool::weighted(0.85),
            -120i64..240,
            length(),
        )
            .prop_map(|(slot, principal, group, owner, active, start, length)| Op::Upsert {
                slot,
                principal,
                group,
                owner,
                active,
                start,
                length,
            }),
        2 => (0u128..2, 0..GROUPS, 2usize..6, prop::bool::weighted(0.2), -120i64..240, length())
            .prop_map(|(slot, from, len, close, start, length)| Op::Chain {
                slot,
                from,
                len,
                close,
                start,
                length,
            }),
        2 => (any::<usize>(), -60i64..300, 0usize..4)
            .prop_map(|(pick, at, reason)| Op::End { pick, at, reason }),
        1 => (0..USERS, any::<bool>()).prop_map(|(user, enabled)| Op::SetEnabled { user, enabled }),
        1 => (0..GROUPS + 1).prop_map(|group| Op::DeleteGroup { group }),
        1 => (0..GROUPS + 1).prop_map(|group| Op::RestoreGroup { group }),
        1 => Just(Op::Appear),
        1 => (-60i64..400).prop_map(|at| Op::Prune { at }),
    ]
}

fn at(minute: i64) -> DateTime<Utc> {
    t0() + minutes(minute)
}

/// The world of one run: principals (users, then groups), groups (the last one late) and the
/// late group's record until it appears.
struct World {
    f: Fixture,
    principals: Vec<PrincipalId>,
    groups: Vec<GroupId>,
    late: Group,
    /// Probes are at or after this minute (the latest prune).
    floor: i64,
}

impl World {
    fn new() -> World {
        let mut f = Fixture::new();
        let mut principals: Vec<PrincipalId> = (0..USERS)
            .map(|i| f.user(&format!("user{i}")).into())
            .collect();
        let mut groups: Vec<GroupId> = (0..GROUPS).map(|i| f.group(&format!("group{i}"))).collect();
        let mut late = f.state.groups[&groups[0]].clone();
        late.id = GroupId(f.fresh_id());
        late.display_name = "late".into();
        groups.push(late.id);
        principals.extend(groups.iter().map(|&g| PrincipalId::from(g)));
        World {
            f,
            principals,
            groups,
            late,
            floor: -1_000,
        }
    }

    fn member_schedule(
        &mut self,
        origin: u128,
        principal: PrincipalId,
        group: GroupId,
        window: Window,
    ) {
        self.put(
            origin,
            principal,
            group,
            Access::Member,
            ScheduleKind::Active,
            window,
        );
    }

    fn put(
        &mut self,
        origin: u128,
        principal: PrincipalId,
        group: GroupId,
        access: Access,
        kind: ScheduleKind,
        window: Window,
    ) {
        let id = ScheduleId {
            group,
            access,
            origin: Uuid::from_u128(origin),
        };
        self.f.state.apply(Change::Schedule(Schedule {
            id,
            kind,
            principal_id: principal,
            member_type: MemberType::Direct,
            assignment_type: AssignmentType::Assigned,
            window,
            created_using: None,
            created_at: window.start,
            modified_at: window.start,
            ended: None,
            reminders_sent: 0,
        }));
    }

    fn set_deleted(&mut self, group: usize, deleted: bool) {
        let id = self.groups[group];
        let Some(mut record) = self.f.state.groups.get(&id).cloned() else {
            return;
        };
        record.deleted_at = deleted.then(t0);
        self.f.state.apply(Change::Group(record));
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Upsert {
                slot,
                principal,
                group,
                owner,
                active,
                start,
                length,
            } => {
                // A schedule never changes principal (State's by-principal index assumes so).
                let origin = 1_000_000 + slot * 100 + principal as u128;
                let access = if owner { Access::Owner } else { Access::Member };
                let kind = if active {
                    ScheduleKind::Active
                } else {
                    ScheduleKind::Eligible
                };
                let (principal, group) = (self.principals[principal], self.groups[group]);
                self.put(
                    origin,
                    principal,
                    group,
                    access,
                    kind,
                    window_of(start, length),
                );
            }
            Op::Chain {
                slot,
                from,
                len,
                close,
                start,
                length,
            } => {
                let chain: Vec<usize> = (from..from + len).map(|i| i % GROUPS).collect();
                let window = window_of(start, length);
                for pair in chain.windows(2) {
                    let (parent, child) = (self.groups[pair[0]], self.groups[pair[1]]);
                    let origin = 2_000_000 + slot * 100 + (USERS + pair[1]) as u128;
                    self.member_schedule(origin, child.into(), parent, window);
                }
                if let (true, Some(&first), Some(&last)) = (close, chain.first(), chain.last()) {
                    let origin = 3_000_000 + slot * 100 + (USERS + first) as u128;
                    self.member_schedule(
                        origin,
                        self.groups[first].into(),
                        self.groups[last],
                        window,
                    );
                }
            }
            Op::End {
                pick,
                at: minute,
                reason,
            } => {
                let mut ids: Vec<ScheduleId> = self.f.state.schedules.keys().copied().collect();
                if ids.is_empty() {
                    return;
                }
                ids.sort_by_key(|id| (id.group, id.access, id.origin));
                let mut schedule = self.f.state.schedules[&ids[pick % ids.len()]].clone();
                let reason = [
                    EndReason::Removed,
                    EndReason::Expired,
                    EndReason::Superseded,
                    EndReason::Deactivated,
                ][reason];
                schedule.ended = Some(Ended {
                    at: at(minute),
                    reason,
                });
                self.f.state.apply(Change::Schedule(schedule));
            }
            Op::SetEnabled { user, enabled } => {
                let mut account = self.f.state.users[&UserId(self.principals[user].0)].clone();
                account.account_enabled = enabled;
                self.f.state.apply(Change::User(account));
            }
            Op::DeleteGroup { group } => self.set_deleted(group, true),
            Op::RestoreGroup { group } => self.set_deleted(group, false),
            Op::Appear => {
                if !self.f.state.groups.contains_key(&self.late.id) {
                    self.f.state.apply(Change::Group(self.late.clone()));
                }
            }
            Op::Prune { at: minute } => {
                self.floor = self.floor.max(minute);
                self.f.state.prune_ended(at(self.floor));
            }
        }
    }
}

/// From scratch: the latest end of the in-force active schedules of one link.
fn scratch_end(
    state: &State,
    principal: PrincipalId,
    group: GroupId,
    access: Access,
    now: DateTime<Utc>,
) -> Option<Option<DateTime<Utc>>> {
    state
        .schedules_for(group, principal, access, ScheduleKind::Active)
        .filter(|s| s.is_in_force_at(now))
        .map(|s| s.effective_window().end)
        .reduce(|a, b| a.zip(b).map(|(a, b)| a.max(b)))
}

/// From scratch: the end of a membership link in force at `now` between principals that hold.
fn link_end(
    state: &State,
    child: PrincipalId,
    parent: GroupId,
    now: DateTime<Utc>,
) -> Option<Option<DateTime<Utc>>> {
    if !state.direct_member_of(child, now).contains(&parent) {
        return None;
    }
    scratch_end(state, child, parent, Access::Member, now)
}

fn earlier(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

fn end_key(end: Option<DateTime<Utc>>) -> (bool, Option<DateTime<Utc>>) {
    (end.is_none(), end)
}

/// From scratch: the latest end, over every simple path from `principal` up to `group` whose
/// links are all in force at `now`, of the path's earliest link end.
fn scratch_until(
    state: &State,
    principal: PrincipalId,
    group: GroupId,
    now: DateTime<Utc>,
) -> Option<Option<DateTime<Utc>>> {
    fn walk(
        state: &State,
        at: PrincipalId,
        group: GroupId,
        now: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
        visited: &mut Vec<PrincipalId>,
        best: &mut Option<Option<DateTime<Utc>>>,
    ) {
        for parent in state.direct_member_of(at, now) {
            let Some(end) = scratch_end(state, at, parent, Access::Member, now) else {
                continue;
            };
            let until = earlier(until, end);
            if parent == group && best.is_none_or(|best| end_key(until) > end_key(best)) {
                *best = Some(until);
            }
            if !visited.contains(&parent.into()) {
                visited.push(parent.into());
                walk(state, parent.into(), group, now, until, visited, best);
                visited.pop();
            }
        }
    }
    let mut best = None;
    walk(
        state,
        principal,
        group,
        now,
        None,
        &mut vec![principal],
        &mut best,
    );
    best
}

/// The grant's path is real (every link in force at `now`) and lasts exactly until `until`.
fn assert_path(
    state: &State,
    principal: PrincipalId,
    group: GroupId,
    grant: &Grant,
    now: DateTime<Utc>,
) {
    let mut lower = vec![principal];
    lower.extend(grant.via.iter().map(|&g| PrincipalId::from(g)));
    let mut upper: Vec<GroupId> = grant.via.clone();
    upper.push(group);
    let mut until: Option<DateTime<Utc>> = None;
    for (&child, &parent) in lower.iter().zip(&upper) {
        let end = link_end(state, child, parent, now)
            .unwrap_or_else(|| panic!("link {child:?} in {parent:?} of {grant:?} in force"));
        until = earlier(until, end);
    }
    assert_eq!(
        grant.until, until,
        "until of {principal:?} in {group:?} along {grant:?}"
    );
}

fn assert_agrees(
    state: &State,
    principals: &[PrincipalId],
    groups: &[GroupId],
    now: DateTime<Utc>,
) {
    for &principal in principals {
        for &group in groups {
            let member = check(state, principal, group, Access::Member, now);
            assert_eq!(
                member.is_some(),
                state.is_effective_member(principal, group, now),
                "member {principal:?} of {group:?} at {now}: {member:?}"
            );
            if let Some(grant) = &member {
                assert_path(state, principal, group, grant, now);
                let best = scratch_until(state, principal, group, now);
                assert_eq!(
                    Some(grant.until),
                    best,
                    "the longest-lasting way, {grant:?}"
                );
                if link_end(state, principal, group, now) == Some(grant.until) {
                    assert!(grant.via.is_empty(), "a direct membership first: {grant:?}");
                }
            }
            let owner = check(state, principal, group, Access::Owner, now);
            assert_eq!(
                owner.is_some(),
                state
                    .direct_holders(group, Access::Owner, now)
                    .contains(&principal),
                "owner {principal:?} of {group:?} at {now}: {owner:?}"
            );
            if let Some(grant) = owner {
                assert!(grant.via.is_empty());
                let expected = scratch_end(state, principal, group, Access::Owner, now).flatten();
                assert_eq!(grant.until, expected);
            }
        }
        let listed = groups_of(state, principal, now);
        let names: Vec<GroupId> = listed.iter().map(|(group, _)| *group).collect();
        let expected: Vec<GroupId> = state
            .transitive_member_of(principal, now)
            .into_iter()
            .collect();
        assert_eq!(names, expected, "groups of {principal:?} at {now}");
        for (group, grant) in listed {
            assert_eq!(
                Some(grant),
                check(state, principal, group, Access::Member, now),
                "groups_of agrees with check for {group:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn x2_the_index_agrees_with_a_from_scratch_computation(
        ops in prop::collection::vec(op(), 1..50),
        probes in prop::collection::vec(-130i64..560, 1..6),
    ) {
        let mut world = World::new();
        for op in ops {
            world.apply(op);
            for &minute in &probes {
                let now = at(minute.max(world.floor));
                assert_agrees(&world.f.state, &world.principals, &world.groups, now);
            }
        }
    }
}
