//! Who may do what (SPEC D7, D8, P2, A6, S4, V3, and D4/D8 as Stint amends them), decided from
//! the roles a caller holds now: the one place Stint's permission model is written. The table of
//! roles is the constants below; drivers and rules obtain [`authority`] handles from it.

mod authority;

pub use authority::{
    ActivationRulesReader, AdvisorReader, Approver, AuditReader, Authority, ConnectorManager,
    CredentialResetter, GroupManager, MetricsReader, PimAdmin, PimReader, ProvisioningManager,
    RoleManager, RoleViewer, UserManager, WebhookManager,
};

use chrono::{DateTime, Utc};

use crate::directory::{BuiltInRole, DirectoryScope, Group, GroupKind};
use std::collections::BTreeSet;

use crate::ids::{GroupId, PrincipalId, UserId};
use crate::protection::{is_protected_group, is_protected_user};
use crate::request::ScheduleRequest;
use crate::rules::requests::is_approver;
use crate::schedule::Access;
use crate::state::{HeldRole, State};

use BuiltInRole::*;

/// A signed-in user and the roles they hold at the moment of the call.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: UserId,
    pub roles: Vec<HeldRole>,
}

impl Caller {
    pub fn of(state: &State, user: UserId, now: DateTime<Utc>) -> Caller {
        Caller {
            user,
            roles: state.roles_of(user, now),
        }
    }

    /// Holds `role` for the whole directory.
    pub fn has_directory_role(&self, role: BuiltInRole) -> bool {
        self.roles
            .iter()
            .any(|held| held.role == role && held.scope == DirectoryScope::Directory)
    }

    pub fn has_any_directory_role(&self, roles: &[BuiltInRole]) -> bool {
        roles.iter().any(|role| self.has_directory_role(*role))
    }

    /// Holds `role` scoped to an administrative unit that contains `object`.
    fn has_unit_role_over(&self, state: &State, roles: &[BuiltInRole], object: uuid::Uuid) -> bool {
        self.roles.iter().any(|held| match held.scope {
            DirectoryScope::AdministrativeUnit(unit) => {
                roles.contains(&held.role)
                    && state
                        .administrative_units
                        .get(&unit)
                        .is_some_and(|unit| unit.members.contains(&object))
            }
            DirectoryScope::Directory => false,
        })
    }
}

pub(crate) const PRIVILEGED: &[BuiltInRole] = &[GlobalAdministrator, PrivilegedRoleAdministrator];
const GROUP_MANAGERS: &[BuiltInRole] = &[
    GlobalAdministrator,
    PrivilegedRoleAdministrator,
    GroupsAdministrator,
    UserAdministrator,
    DirectoryWriters,
    IdentityGovernanceAdministrator,
];

/// P2, A6, S4: who may bring a group under PIM, assign in it and change its settings.
/// Only roles scoped to the whole directory count. A protected group (D4) is treated as the
/// role-assignable group it leads to.
pub fn may_administer_pim(
    state: &State,
    caller: &Caller,
    group: &Group,
    now: DateTime<Utc>,
) -> bool {
    if caller.has_any_directory_role(PRIVILEGED) || state.is_owner(caller.user, group.id, now) {
        return true;
    }
    caller.has_any_directory_role(GROUP_MANAGERS) && !is_protected_group(state, group, now)
}

/// P2: everyone who may administer PIM for `group` at `now`, the "Admin" recipients of its
/// notifications (N2). The candidates (holders of directory-wide roles, directly or through a
/// group, and the group's owners) are each asked [`may_administer_pim`].
pub fn pim_administrators(state: &State, group: &Group, now: DateTime<Utc>) -> Vec<UserId> {
    let mut candidates: BTreeSet<PrincipalId> = state
        .direct_holders(group.id, Access::Owner, now)
        .into_iter()
        .collect();
    for assignment in state.role_assignments.values() {
        if assignment.is_active_at(now) && assignment.scope == DirectoryScope::Directory {
            candidates.insert(assignment.principal_id);
            candidates.extend(state.transitive_members(GroupId(assignment.principal_id.0), now));
        }
    }
    candidates
        .into_iter()
        .map(|principal| UserId(principal.0))
        .filter(|user| state.users.contains_key(user))
        .filter(|user| may_administer_pim(state, &Caller::of(state, *user, now), group, now))
        .collect()
}

/// D7: who may change members and owners through the plain groups API, and the group itself.
/// Administrators scoped to an administrative unit containing the group count here. A protected
/// group (D4) is treated as the role-assignable group it leads to.
pub fn may_manage_group_directly(
    state: &State,
    caller: &Caller,
    group: &Group,
    now: DateTime<Utc>,
) -> bool {
    let holds = |roles: &[BuiltInRole]| {
        caller.has_any_directory_role(roles) || caller.has_unit_role_over(state, roles, group.id.0)
    };
    if state.is_owner(caller.user, group.id, now) || holds(PRIVILEGED) {
        return true;
    }
    let mut roles = GROUP_MANAGERS.to_vec();
    if group.kind == GroupKind::Microsoft365 {
        roles.push(ExchangeAdministrator);
    }
    holds(&roles) && !is_protected_group(state, group, now)
}

/// Who may create a group, and change or delete one (same people as D7, owners aside for creation).
pub fn may_create_group(caller: &Caller, role_assignable: bool, kind: GroupKind) -> bool {
    if role_assignable {
        return caller.has_any_directory_role(PRIVILEGED);
    }
    caller.has_any_directory_role(GROUP_MANAGERS)
        || (kind == GroupKind::Microsoft365 && caller.has_directory_role(ExchangeAdministrator))
}

/// D8: resetting a password or authenticators.
pub fn may_reset_credentials(
    state: &State,
    caller: &Caller,
    target: UserId,
    now: DateTime<Utc>,
) -> bool {
    if caller.has_any_directory_role(PRIVILEGED) {
        return true;
    }
    if is_protected_user(state, target, now) {
        return false;
    }
    let roles = [
        HelpdeskAdministrator,
        AuthenticationAdministrator,
        UserAdministrator,
    ];
    caller.has_any_directory_role(&roles) || caller.has_unit_role_over(state, &roles, target.0)
}

/// Creating users, and changing their name or whether they may sign in (protected users: D8).
pub fn may_manage_user(
    state: &State,
    caller: &Caller,
    target: Option<UserId>,
    now: DateTime<Utc>,
) -> bool {
    if caller.has_any_directory_role(PRIVILEGED) {
        return true;
    }
    if target.is_some_and(|user| is_protected_user(state, user, now)) {
        return false;
    }
    caller.has_directory_role(UserAdministrator)
}

/// V3: a named approver for activations, an administrator of the group for extend and renew,
/// never the requester, never a disabled user (D1).
pub fn may_decide_approval(
    state: &State,
    caller: &Caller,
    request: &ScheduleRequest,
    now: DateTime<Utc>,
) -> bool {
    let Some(approval) = &request.approval else {
        return false;
    };
    let user = caller.user;
    if request.created_by == user || request.principal_id == user.into() {
        return false;
    }
    if !state.users.get(&user).is_some_and(|u| u.account_enabled) {
        return false;
    }
    if approval.by_group_administrators {
        return state
            .live_group(request.target.group_id)
            .is_some_and(|group| may_administer_pim(state, caller, group, now));
    }
    is_approver(state, user, request, now)
}

/// Who may read an approval: its deciders, the requester and the group's PIM administrators.
pub fn may_view_approval(
    state: &State,
    caller: &Caller,
    request: &ScheduleRequest,
    now: DateTime<Utc>,
) -> bool {
    let user = caller.user;
    request.created_by == user
        || request.principal_id == user.into()
        || may_decide_approval(state, caller, request, now)
        || state
            .groups
            .get(&request.target.group_id)
            .is_some_and(|group| may_administer_pim(state, caller, group, now))
}

/// Directory roles and administrative units are managed by the privileged roles only.
pub fn may_manage_roles(caller: &Caller) -> bool {
    caller.has_any_directory_role(PRIVILEGED)
}

/// Reading the audit of everything.
pub fn may_read_all_audit(caller: &Caller) -> bool {
    caller.has_any_directory_role(PRIVILEGED)
}

#[cfg(test)]
#[path = "tests/authz.rs"]
mod tests;
