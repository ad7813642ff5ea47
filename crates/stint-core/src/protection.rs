//! Which groups and users only the privileged may touch (SPEC D4 and D8, with what Stint adds to
//! Entra): everything a lesser administrator could change to reach a privileged role.
//!
//! A group is *protected* while it is role-assignable, while it is a member (eligible or active,
//! now or later) of a protected group, or while a protected group's policy names it as approvers.
//! A user is *protected* while they hold, or may come to hold, anything in a protected group
//! (membership or ownership, eligible or active, now or later), hold or are eligible for a
//! directory role, or are named as an approver of a protected group.
//!
//! Protection is read from the schedules as they stand at `now` on every call, never kept as a
//! flag, so the order in which groups are nested and filled does not matter. It counts schedules
//! of disabled users too: re-enabling an account must not reopen a path that disabling closed.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::directory::Group;
use crate::ids::{GroupId, PrincipalId, UserId};
use crate::schedule::Access;
use crate::state::State;

/// Why a protected group that is not itself role-assignable is protected, for error messages.
pub const LEADS_TO_PRIVILEGE: &str = "leads to a role-assignable group (it is a member of one, or of a group nested in one, or approves its activations)";

/// D4: whether `group` may be changed only by Global and Privileged Role Administrators and its
/// owners.
pub fn is_protected_group(state: &State, group: &Group, now: DateTime<Utc>) -> bool {
    let mut visited = HashSet::new();
    let mut frontier = vec![group.id];
    while let Some(next) = frontier.pop() {
        if !visited.insert(next) {
            continue;
        }
        let Some(group) = state.live_group(next) else {
            continue;
        };
        if group.is_assignable_to_role {
            return true;
        }
        frontier.extend(containers_of(state, next.into(), now));
        frontier.extend(state.groups_approved_by(next.into()));
    }
    false
}

/// D8: whether resetting `user`'s credentials or changing their account is for the privileged
/// only.
pub fn is_protected_user(state: &State, user: UserId, now: DateTime<Utc>) -> bool {
    let principal = PrincipalId::from(user);
    let in_protected_group = state
        .schedules_of_principal(principal)
        .filter(|s| s.is_open_at(now))
        .filter_map(|s| state.live_group(s.group_id()))
        .any(|group| is_protected_group(state, group, now));
    let has_role = state
        .role_assignments
        .values()
        .any(|assignment| assignment.principal_id == principal && assignment.is_open_at(now));
    let approves_protected = state
        .groups_approved_by(principal)
        .filter_map(|group| state.live_group(group))
        .any(|group| is_protected_group(state, group, now));
    in_protected_group || has_role || approves_protected || holds_through_nesting(state, user, now)
}

/// Groups that `principal` is, or will be, a member of (eligible or active) by a schedule open at
/// `now`.
fn containers_of(
    state: &State,
    principal: PrincipalId,
    now: DateTime<Utc>,
) -> impl Iterator<Item = GroupId> + '_ {
    state
        .schedules_of_principal(principal)
        .filter(move |s| s.access() == Access::Member && s.is_open_at(now))
        .map(|s| s.group_id())
}

/// What D8 protected before anything was added to it: effective membership of a role-assignable
/// group now (through active nesting), and a last owner kept by A11 after their schedule ended.
fn holds_through_nesting(state: &State, user: UserId, now: DateTime<Utc>) -> bool {
    state
        .groups
        .values()
        .filter(|group| group.is_assignable_to_role && !group.is_deleted())
        .any(|group| {
            Access::ALL.into_iter().any(|access| {
                state
                    .direct_holders(group.id, access, now)
                    .contains(&user.into())
            }) || state.is_effective_member(user.into(), group.id, now)
        })
}

#[cfg(test)]
#[path = "tests/protection.rs"]
mod tests;
