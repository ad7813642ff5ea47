//! The membership index (SPEC X2, issue 7): flattened nesting in examples, pruning, and what it
//! costs in memory. The property test against a from-scratch computation is in
//! `index_properties.rs`.

use chrono::{DateTime, Utc};

use crate::check::{check, groups_of, Grant};
use crate::ids::{GroupId, PrincipalId, ScheduleId};
use crate::rules::fixture::*;
use crate::schedule::{
    Access, AssignmentType, EndReason, Ended, MemberType, Schedule, ScheduleKind, Window,
};
use crate::state::State;
use crate::Change;

#[path = "index_properties.rs"]
mod properties;

fn member(
    f: &mut Fixture,
    group: GroupId,
    principal: impl Into<PrincipalId>,
    w: Window,
) -> ScheduleId {
    f.schedule(group, principal, Access::Member, ScheduleKind::Active, w)
}

fn end(f: &mut Fixture, id: ScheduleId, at: DateTime<Utc>) {
    let mut schedule = f.state.schedules[&id].clone();
    schedule.ended = Some(Ended {
        at,
        reason: EndReason::Removed,
    });
    f.state.apply(Change::Schedule(schedule));
}

fn member_grant(
    f: &Fixture,
    principal: impl Into<PrincipalId>,
    group: GroupId,
    now: DateTime<Utc>,
) -> Option<Grant> {
    check(&f.state, principal.into(), group, Access::Member, now)
}

fn set_deleted(f: &mut Fixture, group: GroupId, deleted: bool) {
    let mut record = f.state.groups[&group].clone();
    record.deleted_at = deleted.then(t0);
    f.state.apply(Change::Group(record));
}

#[test]
fn x2_of_two_overlapping_paths_the_later_end_is_the_until() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let (a, b, top) = (f.group("A"), f.group("B"), f.group("Top"));
    member(&mut f, a, alice, window(t0(), t0() + days(10)));
    member(&mut f, b, alice, window(t0(), t0() + days(10)));
    member(&mut f, top, a, window(t0(), t0() + days(2)));
    member(&mut f, top, b, window(t0() + hours(1), t0() + days(5)));
    let early = member_grant(&f, alice, top, t0() + minutes(30)).unwrap();
    assert_eq!(
        early,
        Grant {
            via: vec![a],
            until: Some(t0() + days(2))
        }
    );
    let both = member_grant(&f, alice, top, t0() + hours(2)).unwrap();
    assert_eq!(
        both,
        Grant {
            via: vec![b],
            until: Some(t0() + days(5))
        }
    );
    assert_eq!(member_grant(&f, alice, top, t0() + days(5)), None);
}

#[test]
fn x2_a_nested_path_that_outlasts_the_direct_membership_gives_the_until() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let (team, top) = (f.group("Team"), f.group("Top"));
    member(&mut f, top, alice, window(t0(), t0() + days(1)));
    member(&mut f, team, alice, window(t0(), t0() + days(10)));
    let link = member(&mut f, top, team, window(t0(), t0() + days(4)));
    let grant = member_grant(&f, alice, top, t0() + hours(1)).unwrap();
    assert_eq!(
        grant,
        Grant {
            via: vec![team],
            until: Some(t0() + days(4))
        }
    );
    end(&mut f, link, t0() + days(1));
    let direct = member_grant(&f, alice, top, t0() + hours(1)).unwrap();
    assert_eq!(
        direct,
        Grant {
            via: vec![],
            until: Some(t0() + days(1))
        },
        "a tie goes to the direct one"
    );
}

#[test]
fn x2_nesting_four_deep_is_flattened_into_ancestors_and_descendants() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let groups: Vec<GroupId> = (0..5).map(|i| f.group(&format!("G{i}"))).collect();
    for (depth, pair) in groups.windows(2).enumerate() {
        let end = t0() + days(10 - depth as i64);
        member(&mut f, pair[0], pair[1], window(t0(), end));
    }
    member(&mut f, groups[4], alice, window(t0(), t0() + days(30)));
    let index = f.state.index();
    assert_eq!(index.ancestors(groups[4]).len(), 4);
    assert_eq!(index.descendants(groups[0]).len(), 4);
    let grant = member_grant(&f, alice, groups[0], t0() + hours(1)).unwrap();
    assert_eq!(grant.via, vec![groups[4], groups[3], groups[2], groups[1]]);
    assert_eq!(grant.until, Some(t0() + days(7)));
    for (target, via) in [(0, 4), (1, 3), (3, 1)] {
        let reach = (index.member_reach(alice.into(), groups[target], t0())).unwrap();
        assert_eq!(
            index
                .path(&reach, groups[target], t0())
                .map(|path| path.len()),
            Some(via),
            "the path to G{target} follows the index's hops, without the search that stands in \
             for them when stored nesting has a cycle"
        );
    }
    let all: Vec<GroupId> = groups_of(&f.state, alice.into(), t0())
        .into_iter()
        .map(|(g, _)| g)
        .collect();
    let mut expected = groups.clone();
    expected.sort();
    assert_eq!(all, expected);
}

#[test]
fn x2_a_group_link_removed_in_the_middle_cuts_everything_below_from_everything_above() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let groups: Vec<GroupId> = (0..4).map(|i| f.group(&format!("G{i}"))).collect();
    let links: Vec<ScheduleId> = groups
        .windows(2)
        .map(|pair| member(&mut f, pair[0], pair[1], Window::permanent_from(t0())))
        .collect();
    member(&mut f, groups[3], alice, Window::permanent_from(t0()));
    assert!(member_grant(&f, alice, groups[0], t0()).is_some());
    end(&mut f, links[1], t0());
    assert_eq!(member_grant(&f, alice, groups[0], t0()), None);
    assert_eq!(member_grant(&f, alice, groups[1], t0()), None);
    assert_eq!(
        member_grant(&f, alice, groups[2], t0()).unwrap().via,
        vec![groups[3]]
    );
    assert_eq!(f.state.index().descendants(groups[0]).len(), 1);
    assert_eq!(f.state.index().ancestors(groups[3]).len(), 1);
}

#[test]
fn d1_a_deleted_group_is_no_path_until_it_is_restored() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let (lower, middle, top) = (f.group("Lower"), f.group("Middle"), f.group("Top"));
    member(&mut f, middle, lower, Window::permanent_from(t0()));
    member(&mut f, top, middle, Window::permanent_from(t0()));
    member(&mut f, lower, alice, Window::permanent_from(t0()));
    set_deleted(&mut f, middle, true);
    assert_eq!(member_grant(&f, alice, top, t0()), None);
    assert_eq!(member_grant(&f, alice, middle, t0()), None);
    set_deleted(&mut f, middle, false);
    assert_eq!(
        member_grant(&f, alice, top, t0()).unwrap().via,
        vec![lower, middle]
    );
}

#[test]
fn d1_a_disabled_user_holds_nothing_through_nesting() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let (team, top) = (f.group("Team"), f.group("Top"));
    member(&mut f, top, team, Window::permanent_from(t0()));
    member(&mut f, team, alice, Window::permanent_from(t0()));
    f.disable(alice);
    assert_eq!(member_grant(&f, alice, top, t0()), None);
    assert!(groups_of(&f.state, alice.into(), t0()).is_empty());
}

#[test]
fn x2_a_nesting_cycle_in_stored_data_neither_hangs_nor_invents_access() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let (a, b, c, outside) = (f.group("A"), f.group("B"), f.group("C"), f.group("Outside"));
    member(&mut f, b, a, Window::permanent_from(t0()));
    member(&mut f, c, b, Window::permanent_from(t0()));
    member(&mut f, a, c, Window::permanent_from(t0()));
    member(&mut f, a, alice, window(t0(), t0() + days(1)));
    let grant = member_grant(&f, alice, c, t0()).unwrap();
    assert_eq!(
        grant,
        Grant {
            via: vec![a, b],
            until: Some(t0() + days(1))
        }
    );
    assert_eq!(member_grant(&f, alice, a, t0()).unwrap().via, vec![]);
    assert_eq!(member_grant(&f, alice, outside, t0()), None);
    assert_eq!(groups_of(&f.state, alice.into(), t0()).len(), 3);
    assert_eq!(
        f.state.index().ancestors(a).len(),
        2,
        "a group is not its own ancestor"
    );
}

#[test]
fn x2_a_group_known_after_its_memberships_takes_part_in_nesting_when_it_appears() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let top = f.group("Top");
    let mut late = f.state.groups[&top].clone();
    late.id = GroupId(f.fresh_id());
    member(&mut f, top, late.id, Window::permanent_from(t0()));
    member(&mut f, late.id, alice, Window::permanent_from(t0()));
    assert_eq!(member_grant(&f, alice, top, t0()), None);
    f.state.apply(Change::Group(late.clone()));
    assert_eq!(
        member_grant(&f, alice, top, t0()).unwrap().via,
        vec![late.id]
    );
}

#[test]
fn x2_pruning_keeps_every_answer_from_then_on_and_frees_what_ended() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let (team, top) = (f.group("Team"), f.group("Top"));
    member(&mut f, top, team, window(t0(), t0() + days(2)));
    member(&mut f, top, team, window(t0() + days(3), t0() + days(9)));
    member(&mut f, team, alice, Window::permanent_from(t0()));
    for i in 0..20 {
        let group = f.group(&format!("old{i}"));
        member(&mut f, group, alice, window(t0(), t0() + hours(1)));
    }
    let probes: Vec<DateTime<Utc>> = (0..12).map(|d| t0() + days(2) + hours(d * 17)).collect();
    let before: Vec<_> = probes
        .iter()
        .map(|&now| member_grant(&f, alice, top, now))
        .collect();
    let (count, bytes) = (
        f.state.index().assignment_count(),
        f.state.index().approximate_bytes(),
    );
    f.state.prune_ended(t0() + days(2));
    f.state.shrink_index();
    let after: Vec<_> = probes
        .iter()
        .map(|&now| member_grant(&f, alice, top, now))
        .collect();
    assert_eq!(before, after);
    assert_eq!(f.state.index().assignment_count(), count - 21);
    assert!(f.state.index().approximate_bytes() < bytes);
    assert_eq!(f.state.index().ancestors(team).len(), 1);
}

/// 100,000 users' assignments plus 500 groups nested four deep, loaded as a store loads them.
fn bulk_changes() -> (Vec<Change>, usize) {
    let mut f = Fixture::new();
    let groups: Vec<GroupId> = (0..500).map(|i| f.group(&format!("group{i}"))).collect();
    let users: Vec<_> = (0..10_000).map(|i| f.user(&format!("user{i}"))).collect();
    let mut changes: Vec<Change> = f.state.users.values().cloned().map(Change::User).collect();
    changes.extend(f.state.groups.values().cloned().map(Change::Group));
    let mut schedule = |group: GroupId, principal: PrincipalId, access: Access, n: u128| {
        let window = window(t0(), t0() + days(30));
        changes.push(Change::Schedule(Schedule {
            id: ScheduleId {
                group,
                access,
                origin: uuid::Uuid::from_u128(n),
            },
            kind: ScheduleKind::Active,
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
    };
    let mut n = 0;
    // Group i is a member of group i / 5: depths 0 (group 0) to 4 (groups 125..500).
    for (i, &group) in groups.iter().enumerate().skip(1) {
        n += 1;
        schedule(groups[i / 5], group.into(), Access::Member, n);
    }
    for (u, &user) in users.iter().enumerate() {
        for k in 0..10 {
            n += 1;
            let group = groups[(u * 7 + k * 31) % groups.len()];
            let access = if k == 0 {
                Access::Owner
            } else {
                Access::Member
            };
            schedule(group, user.into(), access, n);
        }
    }
    (changes, n as usize)
}

#[test]
fn index_memory_per_assignment_is_under_100_bytes() {
    let (changes, assignments) = bulk_changes();
    let mut grown = State::default();
    for change in changes.iter().cloned() {
        grown.apply(change);
    }
    let state = State::from_changes(changes);
    let index = state.index();
    assert_eq!(index.assignment_count(), assignments);
    let per_assignment = index.approximate_bytes() / index.assignment_count();
    let grown_per_assignment = grown.index().approximate_bytes() / assignments;
    eprintln!(
        "membership index: {per_assignment} bytes per assignment after the load \
         ({grown_per_assignment} before shrinking), {} per membership cell, {} per span",
        size_of::<super::principals::Cell>(),
        size_of::<crate::index::Span>(),
    );
    assert!(
        per_assignment < 100,
        "{per_assignment} bytes per assignment"
    );
    assert!(
        grown_per_assignment < 100,
        "{grown_per_assignment} bytes per assignment"
    );
}

#[test]
fn x2_an_index_grown_one_change_at_a_time_answers_as_one_bulk_loaded_and_packed() {
    let (changes, _) = bulk_changes();
    let mut grown = State::default();
    for change in changes.iter().cloned() {
        grown.apply(change);
    }
    let mut packed = State::from_changes(changes);
    packed.prune_ended(t0());
    packed.shrink_index();
    let now = t0() + days(1);
    let principals: Vec<PrincipalId> = (grown.users.keys().map(|&user| user.into()))
        .chain(grown.groups.keys().map(|&group| group.into()))
        .collect();
    let mut memberships = 0;
    for principal in principals {
        let answers = groups_of(&grown, principal, now);
        memberships += answers.len();
        assert_eq!(answers, groups_of(&packed, principal, now), "{principal:?}");
    }
    assert!(memberships > 90_000, "{memberships} memberships compared");
}

#[test]
fn x2_a_group_with_many_nested_groups_finds_each_of_the_principals_paths() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let top = f.group("Top");
    let teams: Vec<GroupId> = (0..30).map(|i| f.group(&format!("Team{i}"))).collect();
    for (i, &team) in teams.iter().enumerate() {
        member(&mut f, top, team, window(t0(), t0() + days(40 + i as i64)));
    }
    let joined = [2, 11, 17, 29];
    for &i in &joined {
        member(&mut f, teams[i], alice, window(t0(), t0() + days(100)));
    }
    assert_eq!(f.state.index().descendants(top).len(), teams.len());
    let grant = member_grant(&f, alice, top, t0()).unwrap();
    assert_eq!(
        grant,
        Grant {
            via: vec![teams[29]],
            until: Some(t0() + days(69)),
        },
        "of the teams alice is in, the one whose link to Top lasts longest"
    );
    for &i in &joined {
        assert_eq!(
            f.state.index().next_hop(teams[i], top, t0()),
            Some(top),
            "Team{i} is directly in Top"
        );
    }
    let through = |f: &Fixture, at| {
        let reach = f.state.index().member_reach(alice.into(), top, at);
        reach.and_then(|reach| reach.through)
    };
    assert_eq!(through(&f, t0() + days(68)), Some(teams[29]));
    assert_eq!(through(&f, t0() + days(69)), None, "every link has ended");
    let bob = f.user("bob");
    member(&mut f, teams[5], bob, window(t0(), t0() + days(1)));
    assert_eq!(
        member_grant(&f, bob, top, t0()).unwrap().via,
        vec![teams[5]]
    );
    assert_eq!(member_grant(&f, bob, teams[6], t0()), None);
}
