//! M2: groups that SCIM creates, renames, fills and deletes. They are `scim` groups, mastered by
//! the identity provider: PIM cannot manage them (P3) and the groups API cannot change them, but
//! they can be eligible members of groups PIM manages (D4). Their members are users and groups
//! that SCIM created; each is an active, permanent, direct membership, so the membership index
//! and every check see a change at once.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{check_external_id, current, fresh, hidden, live_object, touched, Provisioner};
use crate::change::{Change, Decision};
use crate::directory::{Group, GroupKind, GroupSource};
use crate::ids::{GroupId, PrincipalId};
use crate::names::check_name;
use crate::rules::assignment::end_all;
use crate::rules::directory::{check_group_nesting, direct_schedule, group_deletion};
use crate::rules::{AuditRecordExt, Context};
use crate::schedule::{Access, EndReason, Schedule, ScheduleKind};
use crate::scim::{ScimKind, ScimObject};
use crate::spec::Rule;
use crate::state::State;
use crate::violation::Violation;

/// A group as SCIM writes it, already read from the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScimGroupInput {
    pub display_name: String,
    pub external_id: Option<String>,
    /// The ids of the members, each a user or group SCIM created.
    pub members: BTreeSet<Uuid>,
}

impl ScimGroupInput {
    fn check(&self) -> Result<(), Violation> {
        if self.display_name.trim().is_empty() {
            return Err(
                Violation::bad_request("displayName", "displayName is required.").rule(Rule::M2),
            );
        }
        check_name("displayName", &self.display_name)?;
        check_external_id(self.external_id.as_deref())
    }
}

/// The members of a group as SCIM shows them: its direct, active members now.
pub fn members_of(state: &State, group: GroupId, now: DateTime<Utc>) -> BTreeSet<Uuid> {
    member_schedules(state, group, now)
        .map(|schedule| schedule.principal_id.0)
        .collect()
}

fn member_schedules(
    state: &State,
    group: GroupId,
    now: DateTime<Utc>,
) -> impl Iterator<Item = &Schedule> {
    state
        .schedules_of_group(group)
        .filter(|s| s.access() == Access::Member && s.kind == ScheduleKind::Active)
        .filter(move |s| s.is_in_force_at(now))
}

/// M2: a new SCIM group with its members.
pub fn create_group(
    state: &State,
    ctx: &Context,
    provisioner: &Provisioner,
    input: ScimGroupInput,
) -> Result<(Decision, GroupId), Violation> {
    input.check()?;
    let group = Group {
        id: GroupId(ctx.fresh_id()),
        display_name: input.display_name.clone(),
        description: None,
        kind: GroupKind::Security,
        is_assignable_to_role: false,
        membership_rule: None,
        source: GroupSource::Scim,
        created_at: ctx.now,
        managed_since: None,
        deleted_at: None,
    };
    let object = fresh(group.id.0, ScimKind::Group, input.external_id, ctx.now);
    let mut decision = Decision::of(
        Change::Group(group.clone()),
        provisioner
            .event(ctx, "scim.group.create", "group", group.id)
            .about(Some(group.id), None)
            .saying(format!(
                "Created group {}{}.",
                group.display_name,
                provisioner.over_scim()
            )),
    )
    .change(Change::ScimObject(object));
    change_members(
        state,
        ctx,
        provisioner,
        &group,
        &BTreeSet::new(),
        &input.members,
        &mut decision,
    )?;
    Ok((decision, group.id))
}

/// M2: replaces a SCIM group with what `edit` makes of its current version and members (a PUT,
/// or a PATCH applied to it), if `expected` is its version. A member taken out loses the
/// membership at once, and with it what it reached through the group (V6, D6).
pub fn write_group(
    state: &State,
    ctx: &Context,
    provisioner: &Provisioner,
    id: Uuid,
    expected: Option<u64>,
    edit: impl FnOnce(&Group, &ScimObject, &BTreeSet<Uuid>) -> Result<ScimGroupInput, Violation>,
) -> Result<Decision, Violation> {
    let (current, object) = scim_group(state, id, expected)?;
    let members = members_of(state, current.id, ctx.now);
    let input = edit(current, object, &members)?;
    input.check()?;
    let group = Group {
        display_name: input.display_name.clone(),
        ..current.clone()
    };
    let mut decision = Decision::new();
    if group != *current {
        decision.push(Change::Group(group.clone()));
    }
    decision.push(Change::ScimObject(ScimObject {
        external_id: input.external_id.clone(),
        ..touched(object, ctx.now)
    }));
    decision.record(
        provisioner
            .event(ctx, "scim.group.update", "group", id)
            .about(Some(group.id), None)
            .saying(format!(
                "Changed group {}{}.",
                group.display_name,
                provisioner.over_scim()
            )),
    );
    change_members(
        state,
        ctx,
        provisioner,
        &group,
        &members,
        &input.members,
        &mut decision,
    )?;
    Ok(decision)
}

/// M2, P5: deletes a SCIM group as the groups API would (its schedules end, its requests are
/// cancelled) and hides it from SCIM.
pub fn delete_group(
    state: &State,
    ctx: &Context,
    provisioner: &Provisioner,
    id: Uuid,
    expected: Option<u64>,
) -> Result<Decision, Violation> {
    let (current, object) = scim_group(state, id, expected)?;
    let mut decision = group_deletion(state, ctx, current);
    decision.push(hidden(object, ctx.now));
    decision.record(
        provisioner
            .event(ctx, "scim.group.delete", "group", id)
            .about(Some(current.id), None)
            .saying(format!(
                "Deleted group {}{}.",
                current.display_name,
                provisioner.over_scim()
            )),
    );
    Ok(decision)
}

fn scim_group(
    state: &State,
    id: Uuid,
    expected: Option<u64>,
) -> Result<(&Group, &ScimObject), Violation> {
    current(state, (ScimKind::Group, "Group"), id, expected, |state| {
        state.live_group(GroupId(id))
    })
}

/// Adds the members in `wanted` but not in `current`, and ends those in `current` but not in
/// `wanted`, each audited.
fn change_members(
    state: &State,
    ctx: &Context,
    provisioner: &Provisioner,
    group: &Group,
    current: &BTreeSet<Uuid>,
    wanted: &BTreeSet<Uuid>,
    decision: &mut Decision,
) -> Result<(), Violation> {
    for &added in wanted.difference(current) {
        let member = live_object(state, ScimKind::User, added)
            .or_else(|_| live_object(state, ScimKind::Group, added))
            .map_err(|_| {
                Violation::bad_request(
                    "members",
                    format!("'{added}' is not a user or group provisioned over SCIM; a SCIM group holds only those."),
                )
                .rule(Rule::M2)
            })?;
        if member.kind == ScimKind::Group {
            check_group_nesting(
                state,
                ctx.now,
                GroupId(added),
                group,
                Access::Member,
                ScheduleKind::Active,
            )
            .map_err(|violation| Violation {
                field: Some("members"),
                ..violation
            })?;
        }
        let principal = PrincipalId(added);
        decision.push(Change::Schedule(direct_schedule(
            ctx,
            group.id,
            principal,
            Access::Member,
        )));
        decision.record(
            provisioner
                .event(ctx, "scim.group.member.add", "group", group.id)
                .about(Some(group.id), Some(principal))
                .saying(format!(
                    "Added {added} as member of {}{}.",
                    group.display_name,
                    provisioner.over_scim()
                )),
        );
    }
    let removed: BTreeSet<Uuid> = current.difference(wanted).copied().collect();
    if removed.is_empty() {
        return Ok(());
    }
    let ending: Vec<&Schedule> = member_schedules(state, group.id, ctx.now)
        .filter(|schedule| removed.contains(&schedule.principal_id.0))
        .collect();
    for ended in end_all(ending, ctx.now, EndReason::Removed) {
        decision.push(Change::Schedule(ended));
    }
    for gone in removed {
        decision.record(
            provisioner
                .event(ctx, "scim.group.member.remove", "group", group.id)
                .about(Some(group.id), Some(PrincipalId(gone)))
                .saying(format!(
                    "Removed {gone} as member of {}{}.",
                    group.display_name,
                    provisioner.over_scim()
                )),
        );
    }
    Ok(())
}
