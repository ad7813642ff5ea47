//! Directory changes outside PIM (SPEC D1–D5, D7, P5).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::authz::{Authority, RoleManager};
use crate::change::{Change, Decision};
use crate::directory::{
    AdministrativeUnit, BuiltInRole, DirectoryScope, Group, GroupKind, GroupSource, PasswordHash,
    RoleAssignment, User,
};
use crate::ids::ScheduleId;
use crate::ids::{AdministrativeUnitId, GroupId, PrincipalId, RoleAssignmentId, UserId};
use crate::names::check_name;

use crate::rules::assignment::{end_all, Assigned};
use crate::rules::{AuditRecordExt, Context};
use crate::schedule::{
    Access, AssignmentType, EndReason, MemberType, Schedule, ScheduleKind, Window,
};
use crate::spec::Rule;
use crate::state::{Principal, State};
use crate::violation::{ErrorCode, Violation};

#[derive(Clone, Debug)]
pub struct NewUser {
    pub user_principal_name: String,
    pub display_name: String,
    pub account_enabled: bool,
    pub password_hash: PasswordHash,
    /// Graph's `mail`: where notifications reach the user (N2).
    pub mail: Option<String>,
}

pub fn create_user(
    state: &State,
    ctx: &Context,
    input: NewUser,
) -> Result<(Decision, User), Violation> {
    Authority::new(state, ctx.caller, ctx.now).user_creator()?;
    check_name("userPrincipalName", &input.user_principal_name)?;
    check_name("displayName", &input.display_name)?;
    if let Some(mail) = &input.mail {
        check_mail(mail)?;
    }
    if state.user_by_name(&input.user_principal_name).is_some() {
        return Err(Violation::new(
            ErrorCode::ObjectConflict,
            format!(
                "Another user already has the userPrincipalName '{}'.",
                input.user_principal_name
            ),
        )
        .rule(Rule::D1)
        .field("userPrincipalName"));
    }
    let user = User {
        id: UserId(ctx.fresh_id()),
        user_principal_name: input.user_principal_name,
        display_name: input.display_name,
        account_enabled: input.account_enabled,
        password_hash: input.password_hash,
        created_at: ctx.now,
        authenticator: None,
        recent_failed_codes: Vec::new(),
        identities: Vec::new(),
        time_zone: None,
        mail: input.mail,
    };
    let event = ctx
        .event("user.create", "user", user.id)
        .about(None, Some(user.id.into()))
        .saying(format!("Created user {}.", user.user_principal_name));
    Ok((Decision::of(Change::User(user.clone()), event), user))
}

#[derive(Clone, Debug, Default)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub account_enabled: Option<bool>,
    pub password_hash: Option<PasswordHash>,
    /// `Some(None)` removes the address.
    pub mail: Option<Option<String>>,
}

pub fn update_user(
    state: &State,
    ctx: &Context,
    id: UserId,
    patch: UserPatch,
) -> Result<(Decision, User), Violation> {
    let current = existing_user(state, id)?;
    let resets_password = patch.password_hash.is_some();
    let disables = patch.account_enabled == Some(false);
    let changes_profile =
        patch.display_name.is_some() || patch.account_enabled.is_some() || patch.mail.is_some();
    Authority::new(state, ctx.caller, ctx.now).user_editor(
        current,
        resets_password,
        changes_profile,
    )?;
    if let Some(name) = &patch.display_name {
        check_name("displayName", name)?;
    }
    if let Some(Some(mail)) = &patch.mail {
        check_mail(mail)?;
    }
    let mut user = current.clone();
    let mut what = Vec::new();
    if let Some(name) = patch.display_name {
        user.display_name = name;
        what.push("displayName");
    }
    if let Some(enabled) = patch.account_enabled {
        user.account_enabled = enabled;
        what.push("accountEnabled");
    }
    if let Some(hash) = patch.password_hash {
        user.password_hash = hash;
        what.push("password");
    }
    if let Some(mail) = patch.mail {
        user.mail = mail;
        what.push("mail");
    }
    let mut decision = Decision::new().change(Change::User(user.clone()));
    // F4: disabling an account or resetting its password ends its tokens and console sessions for
    // good; enabling it again does not bring them back.
    let mut ended = String::new();
    if disables || resets_password {
        let count = super::end_sessions(state, id, &mut decision);
        ended = format!(", and ended {count} session(s)");
    }
    let event = ctx
        .event("user.update", "user", id)
        .about(None, Some(id.into()))
        .saying(format!(
            "Changed {} of {}{ended}.",
            what.join(", "),
            user.user_principal_name
        ));
    decision.record(event);
    Ok((decision, user))
}

/// The longest address SMTP carries (RFC 5321's path limit, less its brackets).
const MAX_MAIL: usize = 254;

/// N2: a mail address that a notification can be sent to: `local@domain`, no spaces or control
/// characters (which could forge mail headers), at most 254 characters.
pub(crate) fn check_mail(mail: &str) -> Result<(), Violation> {
    let well_formed = mail.len() <= MAX_MAIL
        && !mail
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"\\".contains(c))
        && mail.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@') && domain.contains('.')
        });
    if well_formed {
        return Ok(());
    }
    Err(Violation::bad_request(
        "mail",
        "mail must be an e-mail address such as alice@contoso.com, at most 254 characters.",
    ))
}

#[derive(Clone, Debug)]
pub struct NewGroup {
    pub display_name: String,
    pub description: Option<String>,
    pub kind: GroupKind,
    pub is_assignable_to_role: bool,
    pub membership_rule: Option<String>,
    pub source: GroupSource,
}

pub fn create_group(
    state: &State,
    ctx: &Context,
    input: NewGroup,
) -> Result<(Decision, Group), Violation> {
    Authority::new(state, ctx.caller, ctx.now)
        .group_creator(input.is_assignable_to_role, input.kind)?;
    check_name("displayName", &input.display_name)?;
    if input.is_assignable_to_role && input.membership_rule.is_some() {
        return Err(Violation::bad_request(
            "membershipRule",
            "A role-assignable group cannot have a dynamic membership rule.",
        )
        .rule(Rule::D2));
    }
    if input.is_assignable_to_role {
        let limit = state
            .tenant
            .as_ref()
            .map_or(500, |tenant| tenant.role_assignable_group_limit);
        if state.role_assignable_group_count() >= limit as usize {
            return Err(Violation::new(
                ErrorCode::RoleAssignableGroupLimitReached,
                format!("This tenant already has {limit} role-assignable groups, the most it may have. Create the group without isAssignableToRole, or delete a role-assignable group first."),
            )
            .rule(Rule::D3)
            .field("isAssignableToRole"));
        }
    }
    let group = Group {
        id: GroupId(ctx.fresh_id()),
        display_name: input.display_name,
        description: input.description,
        kind: input.kind,
        is_assignable_to_role: input.is_assignable_to_role,
        membership_rule: input.membership_rule,
        source: input.source,
        created_at: ctx.now,
        managed_since: None,
        deleted_at: None,
    };
    let event = ctx
        .event("group.create", "group", group.id)
        .about(Some(group.id), None)
        .saying(format!("Created group {}.", group.display_name));
    Ok((Decision::of(Change::Group(group.clone()), event), group))
}

#[derive(Clone, Debug, Default)]
pub struct GroupPatch {
    pub display_name: Option<String>,
    pub description: Option<Option<String>>,
    pub is_assignable_to_role: Option<bool>,
    pub membership_rule: Option<Option<String>>,
}

pub fn update_group(
    state: &State,
    ctx: &Context,
    id: GroupId,
    patch: GroupPatch,
) -> Result<(Decision, Group), Violation> {
    let current = live_group(state, id)?;
    require_direct_manager(state, ctx, current)?;
    refuse_if_provisioned(current)?;
    if patch
        .is_assignable_to_role
        .is_some_and(|wanted| wanted != current.is_assignable_to_role)
    {
        return Err(Violation::bad_request(
            "isAssignableToRole",
            "isAssignableToRole is set when a group is created and can never change.",
        )
        .rule(Rule::D2));
    }
    if let Some(name) = &patch.display_name {
        check_name("displayName", name)?;
    }
    let mut group = current.clone();
    if let Some(name) = patch.display_name {
        group.display_name = name;
    }
    if let Some(description) = patch.description {
        group.description = description;
    }
    if let Some(rule) = patch.membership_rule {
        if rule.is_some() && (group.is_assignable_to_role || group.is_managed()) {
            return Err(Violation::bad_request(
                "membershipRule",
                "A role-assignable group or a group managed by PIM cannot become dynamic.",
            )
            .rule(Rule::P3));
        }
        group.membership_rule = rule;
    }
    let event = ctx
        .event("group.update", "group", id)
        .about(Some(id), None)
        .saying(format!("Changed group {}.", group.display_name));
    Ok((Decision::of(Change::Group(group.clone()), event), group))
}

/// P5: deleting a group ends its schedules and cancels its pending requests, all recorded.
pub fn delete_group(state: &State, ctx: &Context, id: GroupId) -> Result<Decision, Violation> {
    let current = live_group(state, id)?;
    require_direct_manager(state, ctx, current)?;
    refuse_if_provisioned(current)?;
    Ok(group_deletion(state, ctx, current))
}

/// P5: what deleting `current` decides, once the caller may delete it.
pub(crate) fn group_deletion(state: &State, ctx: &Context, current: &Group) -> Decision {
    let id = current.id;
    let mut decision = Decision::new();
    let mut group = current.clone();
    group.deleted_at = Some(ctx.now);
    decision.push(Change::Group(group));
    decision.record(
        ctx.event("group.delete", "group", id)
            .about(Some(id), None)
            .saying(format!("Deleted group {}.", current.display_name)),
    );
    let held_by_group = state.schedules_of_principal(id.into());
    for schedule in state
        .schedules_of_group(id)
        .chain(held_by_group)
        .filter(|s| s.is_open_at(ctx.now))
    {
        let ended = schedule.ended_at(ctx.now, EndReason::GroupDeleted);
        decision.record(
            ctx.event("schedule.end", "schedule", schedule.id)
                .about(Some(schedule.group_id()), Some(schedule.principal_id))
                .saying("Ended because the group was deleted."),
        );
        decision.push(Change::Schedule(ended));
    }
    for request in state
        .requests_of_group(id)
        .filter(|r| r.status.is_pending())
    {
        let mut canceled = request.clone();
        canceled.status = crate::request::RequestStatus::Canceled;
        canceled.completed_at = Some(ctx.now);
        decision.record(
            ctx.event("request.cancel", "request", request.id)
                .about(Some(id), Some(request.principal_id))
                .saying("Canceled because the group was deleted."),
        );
        decision.push(Change::Request(canceled));
    }
    for unit in state
        .administrative_units
        .values()
        .filter(|unit| unit.members.contains(&id.0))
    {
        let mut unit = unit.clone();
        unit.members.remove(&id.0);
        decision.push(Change::AdministrativeUnit(unit));
    }
    for assignment in state
        .role_assignments
        .values()
        .filter(|a| a.principal_id == id.into() && a.removed_at.is_none())
    {
        let removed = assignment.ended_at(ctx.now, EndReason::GroupDeleted);
        decision.record(
            ctx.event("roleAssignment.delete", "roleAssignment", assignment.id)
                .about(Some(id), Some(id.into()))
                .saying(format!(
                    "Removed {} because the group was deleted.",
                    assignment.role.display_name()
                )),
        );
        decision.push(Change::RoleAssignment(removed));
    }
    decision
}

/// D7: add a member or owner through the plain groups API: an active, permanent, direct schedule.
pub fn add_direct(
    state: &State,
    ctx: &Context,
    group_id: GroupId,
    principal: PrincipalId,
    access: Access,
) -> Result<Decision, Violation> {
    let group = live_group(state, group_id)?;
    require_direct_manager(state, ctx, group)?;
    refuse_if_provisioned(group)?;
    let resolved = state
        .principal(principal)
        .ok_or_else(|| Violation::not_found(format!("Directory object '{principal}'")))?;
    if let Principal::Group(member_group) = resolved {
        check_group_nesting(
            state,
            ctx.now,
            member_group.id,
            group,
            access,
            ScheduleKind::Active,
        )?;
    }
    let already_holds = state
        .schedules_for(group_id, principal, access, ScheduleKind::Active)
        .any(|s| s.is_in_force_at(ctx.now));
    if already_holds {
        return Err(Violation::new(
            ErrorCode::ObjectConflict,
            format!("One or more added object references already exist as {access}s of the group."),
        ));
    }
    let schedule = direct_schedule(ctx, group_id, principal, access);
    let event = ctx
        .event(&format!("group.{access}.add"), "group", group_id)
        .about(Some(group_id), Some(principal))
        .saying(format!(
            "Added {principal} as {access} of {} through the groups API.",
            group.display_name
        ));
    Ok(Decision::of(Change::Schedule(schedule), event))
}

/// D7: remove a member or owner through the plain groups API: ends every active schedule of it.
pub fn remove_direct(
    state: &State,
    ctx: &Context,
    group_id: GroupId,
    principal: PrincipalId,
    access: Access,
) -> Result<Decision, Violation> {
    let group = live_group(state, group_id)?;
    require_direct_manager(state, ctx, group)?;
    refuse_if_provisioned(group)?;
    let in_force: Vec<&Schedule> = state
        .schedules_for(group_id, principal, access, ScheduleKind::Active)
        .filter(|s| s.is_in_force_at(ctx.now))
        .collect();
    if in_force.is_empty() {
        return Err(Violation::not_found(format!(
            "{principal} as {access} of group '{group_id}'"
        )));
    }
    let mut decision = Decision::new();
    for ended in end_all(in_force, ctx.now, EndReason::Removed) {
        decision.push(Change::Schedule(ended));
    }
    decision.record(
        ctx.event(&format!("group.{access}.remove"), "group", group_id)
            .about(Some(group_id), Some(principal))
            .saying(format!(
                "Removed {principal} as {access} of {} through the groups API.",
                group.display_name
            )),
    );
    Ok(decision)
}

/// D7: an active, permanent, direct membership or ownership from now, as the groups API (and
/// SCIM, M2) makes it.
pub(crate) fn direct_schedule(
    ctx: &Context,
    group_id: GroupId,
    principal: PrincipalId,
    access: Access,
) -> Schedule {
    Schedule {
        id: ScheduleId {
            group: group_id,
            access,
            origin: ctx.fresh_id(),
        },
        kind: ScheduleKind::Active,
        principal_id: principal,
        member_type: MemberType::Direct,
        assignment_type: AssignmentType::Assigned,
        window: Window::permanent_from(ctx.now),
        created_using: None,
        created_at: ctx.now,
        modified_at: ctx.now,
        ended: None,
        reminders_sent: 0,
    }
}

/// M2: a group that SCIM provisioned is mastered by the identity provider; the groups API
/// changes neither it nor its members and owners.
fn refuse_if_provisioned(group: &Group) -> Result<(), Violation> {
    if group.source != GroupSource::Scim {
        return Ok(());
    }
    Err(Violation::new(
        ErrorCode::GroupMasteredByIdentityProvider,
        format!(
            "'{}' is provisioned by the identity provider over SCIM, which masters it and its members; change it there.",
            group.display_name
        ),
    )
    .rule(Rule::M2))
}

/// D4 and A1: what a group may hold in another group.
pub fn check_group_nesting(
    state: &State,
    now: DateTime<Utc>,
    child: GroupId,
    parent: &Group,
    access: Access,
    kind: ScheduleKind,
) -> Result<(), Violation> {
    if access == Access::Owner {
        return Err(
            Violation::bad_request("principalId", "Only users can be owners of a group.")
                .rule(Rule::A1),
        );
    }
    if kind == ScheduleKind::Active && parent.is_assignable_to_role {
        return Err(Violation::new(
            ErrorCode::GroupNestingNotAllowed,
            format!("A group cannot be an active member of the role-assignable group '{}'. Make it an eligible member instead.", parent.display_name),
        )
        .rule(Rule::D4));
    }
    if state.would_create_cycle(child, parent.id, now) {
        return Err(Violation::new(
            ErrorCode::MembershipCycle,
            format!(
                "Adding this group to '{}' would make a membership cycle.",
                parent.display_name
            ),
        )
        .rule(Rule::D4));
    }
    Ok(())
}

pub fn create_role_assignment(
    state: &State,
    ctx: &Context,
    principal: PrincipalId,
    role: BuiltInRole,
    scope: DirectoryScope,
) -> Result<(Decision, RoleAssignment), Violation> {
    require_role_manager(ctx)?;
    match state.principal(principal) {
        None => {
            return Err(Violation::new(
                ErrorCode::SubjectNotFound,
                format!("The principal '{principal}' does not exist."),
            )
            .field("principalId"))
        }
        Some(Principal::Group(group)) if !group.is_assignable_to_role => {
            return Err(Violation::bad_request(
                "principalId",
                format!("Only role-assignable groups can be assigned a role; '{}' is not role-assignable.", group.display_name),
            )
            .rule(Rule::D5))
        }
        Some(_) => {}
    }
    if let DirectoryScope::AdministrativeUnit(unit) = scope {
        if !state.administrative_units.contains_key(&unit) {
            return Err(Violation::bad_request(
                "directoryScopeId",
                format!("The administrative unit '{unit}' does not exist."),
            ));
        }
    }
    let duplicate = state.role_assignments.values().any(|a| {
        a.principal_id == principal && a.role == role && a.scope == scope && a.is_active_at(ctx.now)
    });
    if duplicate {
        return Err(Violation::new(
            ErrorCode::RoleAssignmentExists,
            "The Role assignment already exists.",
        )
        .rule(Rule::A8));
    }
    let assignment = RoleAssignment::permanent(
        RoleAssignmentId(ctx.fresh_id()),
        principal,
        role,
        scope,
        ctx.now,
    );
    let event = ctx
        .event("roleAssignment.create", "roleAssignment", assignment.id)
        .about(None, Some(principal))
        .saying(format!(
            "Assigned {} at scope {scope}.",
            role.display_name()
        ));
    Ok((
        Decision::of(Change::RoleAssignment(assignment.clone()), event),
        assignment,
    ))
}

pub fn delete_role_assignment(
    state: &State,
    ctx: &Context,
    id: RoleAssignmentId,
) -> Result<Decision, Violation> {
    require_role_manager(ctx)?;
    let current = state
        .role_assignments
        .get(&id)
        .filter(|a| a.removed_at.is_none())
        .ok_or_else(|| Violation::not_found(format!("Role assignment '{id}'")))?;
    let removed = current.ended_at(ctx.now, EndReason::Removed);
    let event = ctx
        .event("roleAssignment.delete", "roleAssignment", id)
        .about(None, Some(current.principal_id))
        .saying(format!(
            "Removed {} at scope {}.",
            current.role.display_name(),
            current.scope
        ));
    Ok(Decision::of(Change::RoleAssignment(removed), event))
}

pub fn create_unit(
    ctx: &Context,
    display_name: String,
    description: Option<String>,
) -> Result<(Decision, AdministrativeUnit), Violation> {
    require_role_manager(ctx)?;
    check_name("displayName", &display_name)?;
    let unit = AdministrativeUnit {
        id: AdministrativeUnitId(ctx.fresh_id()),
        display_name,
        description,
        members: Default::default(),
        created_at: ctx.now,
    };
    let event = ctx
        .event("administrativeUnit.create", "administrativeUnit", unit.id)
        .saying(format!(
            "Created administrative unit {}.",
            unit.display_name
        ));
    Ok((
        Decision::of(Change::AdministrativeUnit(unit.clone()), event),
        unit,
    ))
}

pub fn change_unit_member(
    state: &State,
    ctx: &Context,
    unit_id: AdministrativeUnitId,
    member: Uuid,
    add: bool,
) -> Result<Decision, Violation> {
    require_role_manager(ctx)?;
    let current = state
        .administrative_units
        .get(&unit_id)
        .ok_or_else(|| Violation::not_found(format!("Administrative unit '{unit_id}'")))?;
    if state.principal(PrincipalId(member)).is_none() {
        return Err(Violation::not_found(format!("Directory object '{member}'")));
    }
    let mut unit = current.clone();
    let changed = if add {
        unit.members.insert(member)
    } else {
        unit.members.remove(&member)
    };
    if !changed {
        return Err(if add {
            Violation::new(
                ErrorCode::ObjectConflict,
                "The object is already a member of the administrative unit.",
            )
        } else {
            Violation::not_found(format!(
                "Member '{member}' of administrative unit '{unit_id}'"
            ))
        });
    }
    let verb = if add { "add" } else { "remove" };
    let event = ctx
        .event(
            &format!("administrativeUnit.member.{verb}"),
            "administrativeUnit",
            unit_id,
        )
        .about(None, Some(PrincipalId(member)))
        .saying(format!(
            "{} {member} {} {}.",
            if add { "Added" } else { "Removed" },
            if add { "to" } else { "from" },
            unit.display_name
        ));
    Ok(Decision::of(Change::AdministrativeUnit(unit), event))
}

pub(crate) fn existing_user(state: &State, id: UserId) -> Result<&User, Violation> {
    state
        .users
        .get(&id)
        .ok_or_else(|| Violation::not_found(format!("User '{id}'")))
}

pub(crate) fn live_group(state: &State, id: GroupId) -> Result<&Group, Violation> {
    state
        .live_group(id)
        .ok_or_else(|| Violation::not_found(format!("Group '{id}'")))
}

fn require_direct_manager(state: &State, ctx: &Context, group: &Group) -> Result<(), Violation> {
    Authority::new(state, ctx.caller, ctx.now)
        .group_manager(group)
        .map(drop)
}

fn require_role_manager(ctx: &Context) -> Result<(), Violation> {
    RoleManager::of(
        ctx.caller,
        "manage directory roles and administrative units",
    )
    .map(drop)
}

#[cfg(test)]
#[path = "tests/directory.rs"]
mod tests;
