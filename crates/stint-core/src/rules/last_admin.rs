//! The last Global Administrator (issue 14, ADR 0008): no decision may leave the tenant without an
//! enabled user who holds Global Administrator for the whole directory *permanently* — through an
//! active role assignment without an end, directly or through role-assignable groups whose
//! memberships have no end either. A permanent holder cannot expire, so holding that line against
//! every decision also keeps the scheduler from ever ending the last one.
//!
//! [`guard`] looks at a decision's changes laid over the state, without applying them. And
//! [`recover_admin`] is the way back for the person who holds the database (`stint recover-admin`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::{AuditRecord, Outcome};
use crate::change::{Change, Decision};
use crate::directory::{BuiltInRole, DirectoryScope, Group, PasswordHash, RoleAssignment, User};
use crate::ids::{GroupId, PrincipalId, RoleAssignmentId, ScheduleId, UserId};
use crate::schedule::{Access, Schedule, ScheduleKind};
use crate::state::State;
use crate::violation::{ErrorCode, Violation};

/// Refuses `decision` if it would take away the last permanent Global Administrator. A tenant
/// that has none already (a database from before this rule) is not held to it.
pub fn guard(state: &State, decision: &Decision, now: DateTime<Utc>) -> Result<(), Violation> {
    if !decision.changes.iter().any(may_take_away) {
        return Ok(());
    }
    if View::after(state, decision).has_permanent_global_administrator(now)
        || !View::before(state).has_permanent_global_administrator(now)
    {
        return Ok(());
    }
    Err(Violation::new(
        ErrorCode::LastGlobalAdministrator,
        "This would leave no enabled user holding the Global Administrator role permanently, and nothing could bring it back. Give another enabled user an active, permanent Global Administrator assignment first.",
    ))
}

/// Whether an enabled user holds Global Administrator permanently at `now` (see the module).
pub fn has_permanent_global_administrator(state: &State, now: DateTime<Utc>) -> bool {
    View::before(state).has_permanent_global_administrator(now)
}

/// Only these kinds of change can end a holding: a role assignment, a user (disabled), a group
/// (deleted) or a schedule (a membership ended).
fn may_take_away(change: &Change) -> bool {
    match change {
        Change::RoleAssignment(assignment) => assignment.role == BuiltInRole::GlobalAdministrator,
        Change::User(user) => !user.account_enabled,
        Change::Group(group) => group.is_deleted(),
        Change::Schedule(schedule) => schedule.access() == Access::Member,
        _ => false,
    }
}

/// The state as it would be with a decision's users, groups, role assignments and schedules.
struct View<'a> {
    state: &'a State,
    users: HashMap<UserId, &'a User>,
    groups: HashMap<GroupId, &'a Group>,
    assignments: HashMap<RoleAssignmentId, &'a RoleAssignment>,
    schedules: HashMap<ScheduleId, &'a Schedule>,
}

impl<'a> View<'a> {
    fn before(state: &'a State) -> Self {
        View {
            state,
            users: HashMap::new(),
            groups: HashMap::new(),
            assignments: HashMap::new(),
            schedules: HashMap::new(),
        }
    }

    fn after(state: &'a State, decision: &'a Decision) -> Self {
        let mut view = View::before(state);
        for change in &decision.changes {
            match change {
                Change::User(user) => {
                    view.users.insert(user.id, user);
                }
                Change::Group(group) => {
                    view.groups.insert(group.id, group);
                }
                Change::RoleAssignment(assignment) => {
                    view.assignments.insert(assignment.id, assignment);
                }
                Change::Schedule(schedule) => {
                    view.schedules.insert(schedule.id, schedule);
                }
                _ => {}
            }
        }
        view
    }

    fn has_permanent_global_administrator(&self, now: DateTime<Utc>) -> bool {
        let mut visited = HashSet::new();
        self.permanent_global_administrator_assignments(now)
            .any(|assignment| self.reaches_enabled_user(assignment.principal_id, now, &mut visited))
    }

    fn permanent_global_administrator_assignments(
        &self,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a RoleAssignment> + '_ {
        let unchanged = self
            .state
            .role_assignments
            .values()
            .filter(|assignment| !self.assignments.contains_key(&assignment.id));
        unchanged
            .chain(self.assignments.values().copied())
            .filter(move |assignment| {
                assignment.role == BuiltInRole::GlobalAdministrator
                    && assignment.scope == DirectoryScope::Directory
                    && assignment.is_active_at(now)
                    && assignment.window.end.is_none()
            })
    }

    /// Whether `principal` is an enabled user, or a live group with one among its permanent
    /// members, through nesting.
    fn reaches_enabled_user(
        &self,
        principal: PrincipalId,
        now: DateTime<Utc>,
        visited: &mut HashSet<PrincipalId>,
    ) -> bool {
        if !visited.insert(principal) {
            return false;
        }
        if let Some(user) = self.user(UserId(principal.0)) {
            return user.account_enabled;
        }
        let group = GroupId(principal.0);
        if self.group(group).is_none_or(Group::is_deleted) {
            return false;
        }
        let members: Vec<PrincipalId> = self
            .member_schedules(group)
            .filter(|s| s.kind == ScheduleKind::Active && s.is_in_force_at(now))
            .filter(|s| s.effective_window().end.is_none())
            .map(|s| s.principal_id)
            .collect();
        members
            .into_iter()
            .any(|member| self.reaches_enabled_user(member, now, visited))
    }

    fn member_schedules(&self, group: GroupId) -> impl Iterator<Item = &'a Schedule> + '_ {
        let unchanged = self
            .state
            .schedules_of_group(group)
            .filter(|s| !self.schedules.contains_key(&s.id));
        let changed = self
            .schedules
            .values()
            .copied()
            .filter(move |s| s.group_id() == group);
        unchanged
            .chain(changed)
            .filter(|s| s.access() == Access::Member)
    }

    fn user(&self, id: UserId) -> Option<&'a User> {
        self.users
            .get(&id)
            .copied()
            .or_else(|| self.state.users.get(&id))
    }

    fn group(&self, id: GroupId) -> Option<&'a Group> {
        self.groups
            .get(&id)
            .copied()
            .or_else(|| self.state.groups.get(&id))
    }
}

/// What `stint recover-admin` was asked to do.
#[derive(Clone)]
pub struct Recovery {
    /// The user to re-enable, or to create if there is none of that name.
    pub user_principal_name: String,
    pub password_hash: PasswordHash,
    /// Who ran it, for the audit (e.g. `recover-admin on host db-1 as root`).
    pub operator: String,
}

crate::redacted_debug!(Recovery {
    user_principal_name,
    operator
});

/// The way back in: the named user is enabled (created if missing), gets a new password and loses
/// their TOTP authenticator, and gets an active, permanent Global Administrator assignment unless
/// they already hold one. Refused only when there is no tenant yet (the first start creates one).
pub fn recover_admin(
    state: &State,
    now: DateTime<Utc>,
    mut fresh_id: impl FnMut() -> Uuid,
    recovery: Recovery,
) -> Result<(Decision, User), Violation> {
    if state.tenant.is_none() {
        return Err(Violation::new(
            ErrorCode::BadRequest,
            "This database has no tenant yet: start `stint serve` once to create it.",
        ));
    }
    let existing = state.user_by_name(&recovery.user_principal_name);
    let created = existing.is_none();
    let mut user = existing.cloned().unwrap_or_else(|| User {
        id: UserId(fresh_id()),
        user_principal_name: recovery.user_principal_name.clone(),
        display_name: "Administrator".to_string(),
        account_enabled: true,
        password_hash: recovery.password_hash.clone(),
        created_at: now,
        authenticator: None,
        recent_failed_codes: Vec::new(),
        identities: Vec::new(),
        time_zone: None,
        mail: None,
    });
    user.account_enabled = true;
    user.password_hash = recovery.password_hash;
    // The authenticator may be what was lost; the new password is the only way in.
    let had_authenticator = user.authenticator.take().is_some();
    user.recent_failed_codes.clear();
    let mut decision = Decision::new().change(Change::User(user.clone()));
    let holds_permanently = state.role_assignments.values().any(|assignment| {
        assignment.principal_id == user.id.into()
            && assignment.role == BuiltInRole::GlobalAdministrator
            && assignment.scope == DirectoryScope::Directory
            && assignment.is_active_at(now)
            && assignment.window.end.is_none()
    });
    if !holds_permanently {
        decision.push(Change::RoleAssignment(RoleAssignment::permanent(
            RoleAssignmentId(fresh_id()),
            user.id.into(),
            BuiltInRole::GlobalAdministrator,
            DirectoryScope::Directory,
            now,
        )));
    }
    let message = format!(
        "{} {} with a new one-time password{}{} ({}).",
        if created { "Created" } else { "Re-enabled" },
        user.user_principal_name,
        if had_authenticator {
            ", without their TOTP authenticator"
        } else {
            ""
        },
        if holds_permanently {
            "; they already held Global Administrator"
        } else {
            " and an active, permanent Global Administrator assignment"
        },
        recovery.operator,
    );
    decision.record(AuditRecord {
        id: fresh_id(),
        at: now,
        actor: None,
        action: "admin.recovered".to_string(),
        outcome: Outcome::Success,
        target_type: "user".to_string(),
        target_id: user.id.to_string(),
        group_id: None,
        principal_id: Some(user.id.into()),
        justification: None,
        ticket: None,
        correlation_id: None,
        client: Some(recovery.operator),
        message,
    });
    Ok((decision, user))
}

#[cfg(test)]
#[path = "tests/last_admin.rs"]
mod tests;
