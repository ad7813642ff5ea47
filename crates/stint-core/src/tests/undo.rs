//! Applying changes ahead and taking them back (group commit, ADR 0017): applied ahead, the state
//! answers as if the changes had been applied one by one; taken back, as if they never were.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

use crate::ids::{GroupId, PrincipalId};
use crate::rules::fixture::*;
use crate::schedule::{Access, EndReason, Ended};
use crate::{Change, State, Undo};

/// What a reader can ask the state about `groups` and `principals`, in a stable order.
fn answers(state: &State, principals: &[PrincipalId], groups: &[GroupId]) -> Vec<String> {
    let far = t0() + days(1000);
    let sorted = |items: Vec<String>| items.into_iter().collect::<BTreeSet<_>>();
    let mut seen = vec![
        format!(
            "{:?}",
            sorted(state.schedules.values().map(|s| format!("{s:?}")).collect())
        ),
        format!(
            "{:?}",
            sorted(state.requests.values().map(|r| format!("{r:?}")).collect())
        ),
        format!(
            "{:?}",
            sorted(state.users.values().map(|u| format!("{u:?}")).collect())
        ),
        format!(
            "{:?}",
            sorted(state.groups.values().map(|g| format!("{g:?}")).collect())
        ),
        format!("{:?}", state.due().ends_by(far).collect::<Vec<_>>()),
        format!("{:?}", state.due().owner_ends_by(far).collect::<Vec<_>>()),
        format!(
            "{:?}",
            state
                .requests_pending_since(far)
                .map(|r| r.id)
                .collect::<Vec<_>>()
        ),
    ];
    for group in groups {
        let of_group: BTreeSet<_> = state.schedules_of_group(*group).map(|s| s.id).collect();
        let owned: BTreeSet<_> = (state.schedules_of_group_for(*group, Access::Owner))
            .map(|s| s.id)
            .collect();
        let requests: BTreeSet<_> = state.requests_of_group(*group).map(|r| r.id).collect();
        seen.push(format!("{group:?}: {of_group:?} {owned:?} {requests:?}"));
        for at in [t0(), t0() + days(10)] {
            seen.push(format!("{:?}", state.transitive_members(*group, at)));
            for principal in principals {
                let member = state.is_effective_member(*principal, *group, at);
                let reach = state.index().member_reach(*principal, *group, at);
                seen.push(format!(
                    "{principal:?} in {group:?} at {at}: {member} {reach:?}"
                ));
            }
        }
    }
    for principal in principals {
        let of_principal: BTreeSet<_> = state
            .schedules_of_principal(*principal)
            .map(|s| s.id)
            .collect();
        seen.push(format!("{principal:?}: {of_principal:?}"));
    }
    seen
}

/// The objects `after` holds that `before` does not hold as they are, as changes in an order that
/// applies (users and groups before the schedules and requests that name them).
fn changes_between(before: &State, after: &State) -> Vec<Change> {
    let mut changes = Vec::new();
    changes.extend(changed(&before.users, &after.users, Change::User));
    changes.extend(changed(&before.groups, &after.groups, Change::Group));
    changes.extend(changed(
        &before.schedules,
        &after.schedules,
        Change::Schedule,
    ));
    changes.extend(changed(&before.requests, &after.requests, Change::Request));
    changes
}

/// The objects of `after` that `before` does not hold as they are, made changes by `change`.
fn changed<K: Eq + Hash, V: Clone + PartialEq>(
    before: &HashMap<K, V>,
    after: &HashMap<K, V>,
    change: fn(V) -> Change,
) -> Vec<Change> {
    (after.iter())
        .filter(|(key, object)| before.get(key) != Some(object))
        .map(|(_, object)| change(object.clone()))
        .collect()
}

#[test]
fn changes_applied_ahead_read_as_applied_and_taken_back_read_as_never_applied() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let bob = f.user("bob");
    let team = f.group("Team");
    let department = f.group("Department");
    f.member(department, team);
    let alices = f.member(team, alice);
    f.owner(team, bob);
    f.eligible_member(team, bob);
    f.pending_request(team, bob, Access::Member);
    let before = f.state.clone();

    // A new user in a new group nested in the department, an ended membership, a new request.
    let carol = f.user("carol");
    let ops = f.group("Ops");
    f.member(ops, carol);
    f.member(department, ops);
    let mut ended = f.schedule_of(alices).clone();
    ended.ended = Some(Ended {
        at: t0() + hours(1),
        reason: EndReason::Removed,
    });
    ended.window.end = Some(t0() + hours(1));
    f.state.apply(Change::Schedule(ended));
    f.pending_request(ops, alice, Access::Member);
    let after = f.state.clone();

    let principals = [
        alice.into(),
        bob.into(),
        carol.into(),
        team.into(),
        ops.into(),
    ];
    let groups = [team, department, ops];
    let changes = changes_between(&before, &after);
    assert!(before.can_take_back(&changes));
    let mut state = before.clone();
    let mut undo = Undo::new();
    state.apply_ahead(&changes, &mut undo);
    assert_eq!(
        answers(&state, &principals, &groups),
        answers(&after, &principals, &groups)
    );
    state.take_back(undo);
    assert_eq!(
        answers(&state, &principals, &groups),
        answers(&before, &principals, &groups)
    );
}

#[test]
fn a_new_group_that_schedules_already_name_as_a_member_cannot_be_taken_back() {
    let mut f = Fixture::new();
    let department = f.group("Department");
    let before = f.state.clone();
    let ops = f.group("Ops");
    let ops_group = f.state.groups[&ops].clone();
    let mut named = before.clone();
    // A schedule naming the group as a member before the group exists.
    f.member(department, ops);
    let membership = changes_between(&before, &f.state)
        .into_iter()
        .find(|change| matches!(change, Change::Schedule(_)));
    named.apply(membership.expect("the membership"));
    assert!(!named.can_take_back(&[Change::Group(ops_group.clone())]));
    assert!(before.can_take_back(&[Change::Group(ops_group)]));
}
