//! Bringing groups under PIM (SPEC P1–P4, P6).

use chrono::{DateTime, Utc};

use crate::authz::{Authority, Caller, PimAdmin};
use crate::change::{Change, Decision};
use crate::directory::{Group, GroupSource};
use crate::policy::{Policy, PolicySettings};

use crate::rules::{AuditRecordExt, Context};
use crate::schedule::Access;
use crate::spec::Rule;
use crate::state::State;
use crate::violation::{ErrorCode, Violation};

/// P3: why a group cannot be managed by PIM, if it cannot.
pub fn why_not_manageable(group: &Group) -> Option<String> {
    if group.is_dynamic() {
        return Some(format!(
            "'{}' is a dynamic group: its members come from a membership rule, so PIM cannot grant membership in it.",
            group.display_name
        ));
    }
    if group.source == GroupSource::Synced {
        return Some(format!(
            "'{}' is synchronised from an external directory, which masters its membership; manage it there.",
            group.display_name
        ));
    }
    if group.source == GroupSource::Scim {
        return Some(format!(
            "'{}' is provisioned by the identity provider over SCIM, which masters its membership (M2); make it an eligible member of a group PIM manages instead.",
            group.display_name
        ));
    }
    None
}

/// P1: the groups the caller may administer, managed or not yet managed.
pub fn discover<'a>(
    state: &'a State,
    caller: &Caller,
    now: DateTime<Utc>,
    managed: bool,
) -> Vec<&'a Group> {
    let authority = Authority::new(state, caller, now);
    let mut groups: Vec<&Group> = state
        .groups
        .values()
        .filter(|group| !group.is_deleted() && group.is_managed() == managed)
        .filter(|group| authority.administers_pim(group))
        .collect();
    groups.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
    groups
}

/// P2: bring a group under management explicitly; `admin` is the caller's right to.
pub fn manage(ctx: &Context, admin: PimAdmin<'_>) -> Result<Decision, Violation> {
    let group = admin.group();
    if group.is_managed() {
        return Err(Violation::new(
            ErrorCode::GroupAlreadyManaged,
            format!("'{}' is already managed by PIM.", group.display_name),
        )
        .rule(Rule::P2));
    }
    onboarding_changes(ctx, group)
}

/// P6: a request or policy update for an unmanaged group onboards it first.
/// Returns no changes when the group is already managed.
pub fn ensure_managed(state: &State, ctx: &Context, group: &Group) -> Result<Decision, Violation> {
    if !group.is_managed() {
        return onboarding_changes(ctx, group);
    }
    let mut decision = Decision::new();
    for access in Access::ALL {
        if !state.policies.contains_key(&(group.id, access)) {
            decision.push(Change::Policy(default_policy(ctx, group, access)));
        }
    }
    Ok(decision)
}

fn onboarding_changes(ctx: &Context, group: &Group) -> Result<Decision, Violation> {
    if let Some(reason) = why_not_manageable(group) {
        return Err(Violation::new(ErrorCode::GroupNotManageable, reason).rule(Rule::P3));
    }
    let mut decision = Decision::new();
    let mut managed = group.clone();
    managed.managed_since = Some(ctx.now);
    decision.push(Change::Group(managed));
    for access in Access::ALL {
        decision.push(Change::Policy(default_policy(ctx, group, access)));
    }
    decision.record(
        ctx.event("group.manage", "group", group.id)
            .about(Some(group.id), None)
            .saying(format!(
                "Brought {} under PIM management with the default member and owner policies.",
                group.display_name
            )),
    );
    Ok(decision)
}

/// P6: a policy with the defaults of S2.
fn default_policy(ctx: &Context, group: &Group, access: Access) -> Policy {
    Policy {
        id: ctx.fresh_id(),
        group_id: group.id,
        access,
        settings: PolicySettings::default(),
        modified_at: None,
        modified_by: None,
    }
}

pub fn require_pim_administrator(
    state: &State,
    ctx: &Context,
    group: &Group,
) -> Result<(), Violation> {
    Authority::new(state, ctx.caller, ctx.now)
        .pim_admin(group)
        .map(drop)
}

#[cfg(test)]
#[path = "tests/onboarding.rs"]
mod tests;
