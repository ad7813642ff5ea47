//! Changing a group's settings (SPEC S1–S5, P6), and finding a group's policies by Graph id.
//!
//! A managed group's two policies are in `State::policies`. A group not yet managed still has
//! policies to read, as in Graph: the defaults, under ids derived from the group and the access,
//! which change when the group is brought under PIM (Graph's ids change on onboarding too).

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::authz::PimAdmin;
use crate::change::{Change, Decision};
use crate::directory::Group;
use crate::ids::GroupId;
use crate::policy::{Approver, Policy, PolicySettings};
use crate::policy_rules::{self, invalid, PolicyRuleId, RuleSetting};
use crate::rules::onboarding::ensure_managed;
use crate::rules::{AuditRecordExt, Context};
use crate::schedule::Access;
use crate::state::State;
use crate::violation::{ErrorCode, Violation};

/// S3, S4, P6: sets one rule of the `access` policy of `admin`'s group.
pub fn update_rule(
    state: &State,
    ctx: &Context,
    admin: PimAdmin<'_>,
    access: Access,
    rule_id: PolicyRuleId,
    setting: RuleSetting,
) -> Result<Decision, Violation> {
    update_rules(state, ctx, admin, access, vec![(rule_id, setting)]).map(|(decision, _)| decision)
}

/// Sets several rules of one policy at once: all are applied, in order, or none.
///
/// Only the policy changes (S5): schedules keep their ends, and new requests meet the new rules.
pub fn update_rules(
    state: &State,
    ctx: &Context,
    admin: PimAdmin<'_>,
    access: Access,
    changes: Vec<(PolicyRuleId, RuleSetting)>,
) -> Result<(Decision, Policy), Violation> {
    let group = admin.group();
    check_each_rule_once(&changes)?;
    let mut decision = ensure_managed(state, ctx, group)?;
    let current = decision
        .changes
        .iter()
        .find_map(|change| match change {
            Change::Policy(policy) if policy.group_id == group.id && policy.access == access => {
                Some(policy.clone())
            }
            _ => None,
        })
        .or_else(|| state.policies.get(&(group.id, access)).cloned())
        .unwrap_or_else(|| Policy {
            id: ctx.fresh_id(),
            ..unmanaged_policy(group.id, access)
        });

    let mut settings = current.settings.clone();
    let mut summaries = Vec::new();
    for (rule_id, setting) in changes {
        let before = describe(&policy_rules::rule(&settings, rule_id));
        settings = policy_rules::apply_rule(&settings, rule_id, setting)?;
        check_approvers_exist(state, rule_id, &settings)?;
        let after = describe(&policy_rules::rule(&settings, rule_id));
        summaries.push(if before == after {
            format!("{rule_id} unchanged ({after})")
        } else {
            format!("{rule_id} {before} → {after}")
        });
    }

    let updated = Policy {
        settings,
        modified_at: Some(ctx.now),
        modified_by: Some(ctx.caller.user),
        ..current
    };
    decision
        .changes
        .retain(|change| !matches!(change, Change::Policy(p) if p.group_id == group.id && p.access == access));
    decision.push(Change::Policy(updated.clone()));
    decision.record(
        ctx.event("policy.update", "policy", updated.graph_id())
            .about(Some(group.id), None)
            .saying(format!(
                "Changed the {access} policy of {}: {}.",
                group.display_name,
                summaries.join("; ")
            )),
    );
    Ok((decision, updated))
}

fn check_each_rule_once(changes: &[(PolicyRuleId, RuleSetting)]) -> Result<(), Violation> {
    if changes.is_empty() {
        return Err(Violation::bad_request(
            "rules",
            "Give at least one rule to change.",
        ));
    }
    for (index, (rule_id, _)) in changes.iter().enumerate() {
        if changes[..index]
            .iter()
            .any(|(earlier, _)| earlier == rule_id)
        {
            return Err(Violation::bad_request(
                "rules",
                format!("The rule {rule_id} is given more than once."),
            ));
        }
    }
    Ok(())
}

/// V3: approvers are users, or groups whose members approve, that exist.
fn check_approvers_exist(
    state: &State,
    rule_id: PolicyRuleId,
    settings: &PolicySettings,
) -> Result<(), Violation> {
    if rule_id != PolicyRuleId::ApprovalEndUserAssignment {
        return Ok(());
    }
    let field = "setting.approvalStages[0].primaryApprovers";
    for approver in &settings.approval.approvers {
        match approver {
            Approver::User(user) if !state.users.contains_key(user) => {
                let hint = if state.live_group(GroupId(user.0)).is_some() {
                    "; it is a group: name it as groupMembers"
                } else {
                    ""
                };
                return Err(invalid(
                    rule_id,
                    field,
                    format!("names the user '{user}', who does not exist{hint}."),
                ));
            }
            Approver::MembersOf(group) if state.live_group(*group).is_none() => {
                return Err(invalid(
                    rule_id,
                    field,
                    format!("names the group '{group}', which does not exist."),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A rule's setting in a few words, for the audit log.
pub fn describe(setting: &RuleSetting) -> String {
    match setting {
        RuleSetting::Expiration {
            is_expiration_required,
            maximum_duration,
        } => format!(
            "isExpirationRequired {is_expiration_required}, maximumDuration {}",
            maximum_duration.map_or("none".to_string(), |d| d.to_string())
        ),
        RuleSetting::Enablement { enabled_rules } => {
            let names: Vec<&str> = enabled_rules.iter().map(|rule| rule.as_str()).collect();
            format!("enabledRules [{}]", names.join(", "))
        }
        RuleSetting::Approval(approval) => {
            let approvers: Vec<String> = approval
                .approval_stages
                .iter()
                .flat_map(|stage| &stage.primary_approvers)
                .map(|approver| match approver {
                    Approver::User(user) => format!("user {user}"),
                    Approver::MembersOf(group) => format!("members of group {group}"),
                })
                .collect();
            format!(
                "isApprovalRequired {}, approvers [{}]",
                approval.is_approval_required,
                approvers.join(", ")
            )
        }
        RuleSetting::AuthenticationContext {
            is_enabled,
            claim_value,
        } => match claim_value {
            Some(claim) if *is_enabled => format!("isEnabled true, claimValue {claim}"),
            _ => format!("isEnabled {is_enabled}"),
        },
        RuleSetting::Notification {
            notification_level,
            is_default_recipients_enabled,
            notification_recipients,
            ..
        } => {
            let shown: Vec<&str> = notification_recipients
                .iter()
                .take(5)
                .map(String::as_str)
                .collect();
            let more = match notification_recipients.len() {
                n if n > shown.len() => format!(", … ({n} in all)"),
                _ => String::new(),
            };
            format!(
                "notificationLevel {}, isDefaultRecipientsEnabled {is_default_recipients_enabled}, notificationRecipients [{}{more}]",
                notification_level.as_str(),
                shown.join(", ")
            )
        }
    }
}

// Reading policies.

/// `group`'s policy for `access`: the stored one, or for a group not yet managed the defaults
/// under an id derived from the group. `None` when the group does not exist.
pub fn policy_of(state: &State, group: GroupId, access: Access) -> Option<Policy> {
    state.live_group(group)?;
    Some(
        state
            .policies
            .get(&(group, access))
            .cloned()
            .unwrap_or_else(|| unmanaged_policy(group, access)),
    )
}

/// Both policies of a group, member first (S1, P6).
pub fn policies_of(state: &State, group: &Group) -> Vec<Policy> {
    Access::ALL
        .into_iter()
        .filter_map(|access| policy_of(state, group.id, access))
        .collect()
}

/// The defaults a group not yet managed shows, under a stable id until it is onboarded.
fn unmanaged_policy(group: GroupId, access: Access) -> Policy {
    let digest = Sha256::new()
        .chain_update(b"stint.unmanaged-policy:")
        .chain_update(group.0.as_bytes())
        .chain_update(access.as_str().as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Policy {
        id: uuid::Builder::from_custom_bytes(bytes).into_uuid(),
        group_id: group,
        access,
        settings: PolicySettings::default(),
        modified_at: None,
        modified_by: None,
    }
}

/// Graph's policy assignment id: `Group_{groupId}_{policyGuid}_{member|owner}`.
pub fn policy_assignment_id(policy: &Policy) -> String {
    format!("{}_{}", policy.graph_id(), policy.access)
}

/// The (group, access) of a Graph policy id `Group_{groupId}_{guid}`.
pub fn resolve_policy_id(state: &State, id: &str) -> Result<(GroupId, Access), Violation> {
    match split_graph_id(id) {
        Some((group, guid, None)) => find_policy(state, group, guid, None),
        _ => None,
    }
    .ok_or_else(|| policy_not_found("policy", id))
}

/// The (group, access) of a Graph policy assignment id `Group_{groupId}_{guid}_{member|owner}`.
pub fn resolve_policy_assignment_id(
    state: &State,
    id: &str,
) -> Result<(GroupId, Access), Violation> {
    match split_graph_id(id) {
        Some((group, guid, Some(access))) => find_policy(state, group, guid, Some(access)),
        _ => None,
    }
    .ok_or_else(|| policy_not_found("policy assignment", id))
}

fn find_policy(
    state: &State,
    group: GroupId,
    guid: Uuid,
    access: Option<Access>,
) -> Option<(GroupId, Access)> {
    Access::ALL
        .into_iter()
        .filter(|candidate| access.is_none_or(|wanted| wanted == *candidate))
        .find(|candidate| policy_of(state, group, *candidate).is_some_and(|p| p.id == guid))
        .map(|candidate| (group, candidate))
}

/// `Group_{groupId}_{guid}` with an optional `_{access}`; GUIDs hold no `_`.
fn split_graph_id(id: &str) -> Option<(GroupId, Uuid, Option<Access>)> {
    let prefix = id.get(..6)?;
    if !prefix.eq_ignore_ascii_case("Group_") {
        return None;
    }
    let mut parts = id[6..].split('_');
    let group = parts.next()?.parse().ok()?;
    let guid = Uuid::parse_str(parts.next()?).ok()?;
    let access = match parts.next() {
        Some(access) => Some(access.parse().ok()?),
        None => None,
    };
    parts.next().is_none().then_some((group, guid, access))
}

fn policy_not_found(what: &str, id: &str) -> Violation {
    Violation::new(
        ErrorCode::ResourceNotFound,
        format!(
            "The {what} '{}' does not exist. Policy ids change when a group is brought under PIM; list them again with $filter=scopeId eq '{{groupId}}' and scopeType eq 'Group'.",
            id.chars().take(120).collect::<String>()
        ),
    )
}

#[cfg(test)]
#[path = "tests/policies.rs"]
mod tests;
