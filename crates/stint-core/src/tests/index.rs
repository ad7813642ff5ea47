//! The membership index against a from-scratch computation over the schedules (SPEC X2, issue 7),
//! and what it costs in memory.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use crate::check::{check, groups_of};
use crate::ids::{GroupId, PrincipalId, ScheduleId};
use crate::rules::fixture::*;
use crate::schedule::{
    Access, AssignmentType, EndReason, Ended, MemberType, Schedule, ScheduleKind, Window,
};
use crate::state::State;
use crate::Change;

const USERS: usize = 3;
const GROUPS: usize = 4;

#[derive(Clone, Debug)]
enum Op {
    /// Creates or replaces the schedule `slot` of (group, access).
    Upsert {
        slot: u128,
        principal: usize,
        group: usize,
        owner: bool,
        active: bool,
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
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (
            0u128..3,
            0..USERS + GROUPS,
            0..GROUPS,
            any::<bool>(),
            prop::bool::weighted(0.8),
            -120i64..240,
            prop::option::weighted(0.7, 1i64..300),
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
        2 => (any::<usize>(), -60i64..300, 0usize..4)
            .prop_map(|(pick, at, reason)| Op::End { pick, at, reason }),
        1 => (0..USERS, any::<bool>()).prop_map(|(user, enabled)| Op::SetEnabled { user, enabled }),
        1 => (0..GROUPS).prop_map(|group| Op::DeleteGroup { group }),
    ]
}

fn at(minute: i64) -> DateTime<Utc> {
    t0() + minutes(minute)
}

fn apply(f: &mut Fixture, principals: &[PrincipalId], groups: &[GroupId], op: Op) {
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
            let id = ScheduleId {
                group: groups[group],
                access: if owner { Access::Owner } else { Access::Member },
                // A schedule never changes principal (State's by-principal index assumes so).
                origin: Uuid::from_u128(1_000_000 + slot * 100 + principal as u128),
            };
            let window = Window {
                start: at(start),
                end: length.map(|length| at(start + length)),
            };
            f.state.apply(Change::Schedule(Schedule {
                id,
                kind: if active {
                    ScheduleKind::Active
                } else {
                    ScheduleKind::Eligible
                },
                principal_id: principals[principal],
                member_type: MemberType::Direct,
                assignment_type: AssignmentType::Assigned,
                window,
                created_using: None,
                created_at: window.start,
                modified_at: window.start,
                ended: None,
            }));
        }
        Op::End {
            pick,
            at: minute,
            reason,
        } => {
            let mut ids: Vec<ScheduleId> = f.state.schedules.keys().copied().collect();
            if ids.is_empty() {
                return;
            }
            ids.sort_by_key(|id| (id.group, id.access, id.origin));
            let mut schedule = f.state.schedules[&ids[pick % ids.len()]].clone();
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
            f.state.apply(Change::Schedule(schedule));
        }
        Op::SetEnabled { user, enabled } => {
            let mut account = f.state.users[&crate::ids::UserId(principals[user].0)].clone();
            account.account_enabled = enabled;
            f.state.apply(Change::User(account));
        }
        Op::DeleteGroup { group } => {
            let mut deleted = f.state.groups[&groups[group]].clone();
            deleted.deleted_at = Some(t0());
            f.state.apply(Change::Group(deleted));
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
            if let Some(grant) = member {
                // The path is real, and `until` is the earliest end along it.
                let mut links = vec![principal];
                links.extend(grant.via.iter().map(|&g| PrincipalId::from(g)));
                let mut tops: Vec<GroupId> = grant.via.clone();
                tops.push(group);
                let mut until: Option<DateTime<Utc>> = None;
                for (&child, &parent) in links.iter().zip(&tops) {
                    let end = scratch_end(state, child, parent, Access::Member, now)
                        .expect("every link of the path is in force");
                    assert!(state.direct_member_of(child, now).contains(&parent));
                    until = match (until, end) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, None) => a,
                        (None, b) => b,
                    };
                }
                assert_eq!(grant.until, until, "until of {principal:?} in {group:?}");
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
        let listed: Vec<GroupId> = groups_of(state, principal, now)
            .into_iter()
            .map(|(group, _)| group)
            .collect();
        let expected: Vec<GroupId> = state
            .transitive_member_of(principal, now)
            .into_iter()
            .collect();
        assert_eq!(listed, expected, "groups of {principal:?} at {now}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn x2_the_index_agrees_with_a_from_scratch_computation(
        ops in prop::collection::vec(op(), 1..40),
        probes in prop::collection::vec(-130i64..560, 1..5),
    ) {
        let mut f = Fixture::new();
        let mut principals: Vec<PrincipalId> =
            (0..USERS).map(|i| f.user(&format!("user{i}")).into()).collect();
        let groups: Vec<GroupId> = (0..GROUPS).map(|i| f.group(&format!("group{i}"))).collect();
        principals.extend(groups.iter().map(|&g| PrincipalId::from(g)));
        for op in ops {
            apply(&mut f, &principals, &groups, op);
            for &minute in &probes {
                assert_agrees(&f.state, &principals, &groups, at(minute));
            }
        }
    }
}

#[test]
fn index_memory_per_assignment_is_under_100_bytes() {
    let mut f = Fixture::new();
    let groups: Vec<GroupId> = (0..50).map(|i| f.group(&format!("group{i}"))).collect();
    for user in 0..1_000 {
        let user = f.user(&format!("user{user}"));
        for k in 0..10 {
            let group = groups[(user.0.as_u128() as usize * 7 + k * 3) % groups.len()];
            let access = if k == 0 {
                Access::Owner
            } else {
                Access::Member
            };
            f.schedule(
                group,
                user,
                access,
                ScheduleKind::Active,
                window(t0(), t0() + days(30)),
            );
        }
    }
    let index = f.state.index();
    assert_eq!(index.assignment_count(), 10_000);
    let per_assignment = index.approximate_bytes() / index.assignment_count();
    eprintln!(
        "membership index: {per_assignment} bytes per assignment, {} per edge",
        size_of::<crate::index::Edge<GroupId>>()
    );
    assert!(
        per_assignment < 100,
        "{per_assignment} bytes per assignment"
    );
}
