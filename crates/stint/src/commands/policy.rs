//! `stint policy show|set`: a group's member or owner policy, read as a summary of its 17 rules,
//! and changed by PATCHing the rules an option touches, all at once. Those eligible for a group
//! but not administering it read what their activations need instead.

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::resolve::{self, GroupRef, Names, PrincipalKind};
use super::Ctx;
use crate::client::{odata_string, segment, CliError, CliResult, Client};
use crate::output::{format_time, Table};
use crate::when::{humane, parse_span, Span};

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show a group's member (or owner) policy: its 17 rules. To those eligible for it who do not
    /// administer it: what an activation needs.
    #[command(after_long_help = "Examples:
  stint policy show \"Tier 0 Admins\"
  stint policy show \"Tier 0 Admins\" --owner
  stint policy show \"Tier 0 Admins\" --output json | jq '.[] | select(.id == \"Approval_EndUser_Assignment\")'

With --output json the rules are printed as the server returns them.")]
    Show(ShowArgs),
    /// Change a group's member (or owner) policy.
    #[command(after_long_help = "Examples:
  stint policy set \"Tier 0 Admins\" --max-activation 4h --require-justification --require-ticket
  stint policy set \"Tier 0 Admins\" --require-approval --approver carol@contoso.com --approver \"Security Leads\"
  stint policy set \"Tier 0 Admins\" --require-mfa --no-require-approval
  stint policy set \"Tier 0 Admins\" --owner --max-eligible 90d --max-active 7d

Options left out keep their current setting. The changed rules are applied together, or none is.")]
    Set(SetArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The group: its id, or its display name.
    group: String,
    /// The owner policy instead of the member policy.
    #[arg(long)]
    owner: bool,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The group: its id, or its display name.
    group: String,
    /// The owner policy instead of the member policy.
    #[arg(long)]
    owner: bool,
    /// The longest activation (30m to 24h), e.g. 4h.
    #[arg(long, value_name = "DURATION", value_parser = parse_span)]
    max_activation: Option<Span>,
    /// Activations wait for an approver's decision.
    #[arg(long, conflicts_with = "no_require_approval")]
    require_approval: bool,
    /// Activations need no approval.
    #[arg(long)]
    no_require_approval: bool,
    /// Who approves: a user (principal name or id) or a group (name or id), whose members
    /// approve. Repeat for several; replaces the current approvers.
    #[arg(long, value_name = "PRINCIPAL")]
    approver: Vec<String>,
    /// Activations need a justification.
    #[arg(long, conflicts_with = "no_require_justification")]
    require_justification: bool,
    /// Activations need no justification.
    #[arg(long)]
    no_require_justification: bool,
    /// Activations need a ticket (system and number).
    #[arg(long, conflicts_with = "no_require_ticket")]
    require_ticket: bool,
    /// Activations need no ticket.
    #[arg(long)]
    no_require_ticket: bool,
    /// Activations need a recent TOTP check (MFA).
    #[arg(long, conflicts_with = "no_require_mfa")]
    require_mfa: bool,
    /// Activations need no MFA.
    #[arg(long)]
    no_require_mfa: bool,
    /// Eligible assignments expire after at most this long, e.g. 365d.
    #[arg(long, value_name = "DURATION", value_parser = parse_span, conflicts_with = "permanent_eligible")]
    max_eligible: Option<Span>,
    /// Eligible assignments may be permanent.
    #[arg(long)]
    permanent_eligible: bool,
    /// Active assignments expire after at most this long, e.g. 180d.
    #[arg(long, value_name = "DURATION", value_parser = parse_span, conflicts_with = "permanent_active")]
    max_active: Option<Span>,
    /// Active assignments may be permanent.
    #[arg(long)]
    permanent_active: bool,
}

pub fn run(ctx: &Ctx, command: PolicyCommand) -> CliResult<()> {
    match command {
        PolicyCommand::Show(args) => {
            let client = ctx.client()?;
            let group = resolve::group(&client, &args.group)?;
            show(ctx, &client, &group, access(args.owner))
        }
        PolicyCommand::Set(args) => set(ctx, args),
    }
}

fn access(owner: bool) -> &'static str {
    if owner {
        "owner"
    } else {
        "member"
    }
}

/// A group's policy for one access, with its rules.
#[derive(Debug)]
pub struct Policy {
    pub id: String,
    pub policy: Value,
    pub rules: Vec<Value>,
}

impl Policy {
    pub fn rule(&self, id: &str) -> Option<&Value> {
        self.rules
            .iter()
            .find(|rule| rule.get("id").and_then(Value::as_str) == Some(id))
    }
}

/// Reads the policy of `group` for `access` (`member` or `owner`) with its rules.
pub fn read(client: &Client, group_id: &str, access: &str) -> CliResult<Policy> {
    let filter = format!(
        "scopeId eq {} and scopeType eq 'Group' and roleDefinitionId eq {}",
        odata_string(group_id),
        odata_string(access)
    );
    let assignments = client.get_all(
        "/v1.0/policies/roleManagementPolicyAssignments",
        &[
            ("$filter", filter),
            ("$expand", "policy($expand=rules)".into()),
        ],
    )?;
    let assignment = assignments.into_iter().next().ok_or_else(|| {
        CliError::local(
            format!("The group {group_id} has no {access} policy."),
            Some("A deleted group has none; `stint groups list` shows the managed groups.".into()),
        )
    })?;
    let mut policy = assignment.get("policy").cloned().unwrap_or(Value::Null);
    let rules = match policy.get_mut("rules").map(Value::take) {
        Some(Value::Array(rules)) => rules,
        _ => Vec::new(),
    };
    Ok(Policy {
        id: assignment
            .get("policyId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        policy,
        rules,
    })
}

fn show(ctx: &Ctx, client: &Client, group: &GroupRef, access: &str) -> CliResult<()> {
    let policy = match read(client, &group.id, access) {
        Err(refusal) if refusal.code() == Some("Authorization_RequestDenied") => {
            return show_activation_rules(ctx, client, group, access)
                .map_err(|_| refusal.with_hint(NOT_ELIGIBLE));
        }
        read => read?,
    };
    if ctx.out.is_json() {
        ctx.out.json(&Value::Array(policy.rules));
        return Ok(());
    }
    let mut names = Names::default();
    let changed = match (
        policy
            .policy
            .get("lastModifiedDateTime")
            .and_then(Value::as_str),
        policy
            .policy
            .pointer("/lastModifiedBy/displayName")
            .and_then(Value::as_str),
    ) {
        (Some(at), Some(by)) => format!(", last changed {} by {by}", format_time(at)),
        (Some(at), None) => format!(", last changed {}", format_time(at)),
        _ => ", never changed".into(),
    };
    ctx.out.line(&format!(
        "The {access} policy of {} ({}){changed}:\n",
        group.display_name, policy.id
    ));
    let mut table = Table::new(&["RULE", "APPLIES TO", "SETTING"]);
    for rule in &policy.rules {
        table.row(vec![
            rule.get("id").and_then(Value::as_str).unwrap_or("-").into(),
            applies_to(rule).into(),
            describe(rule, &mut |id| names.name(client, id)).into(),
        ]);
    }
    ctx.out.table(&table, "The policy has no rules.");
    Ok(())
}

const NOT_ELIGIBLE: &str = "Nor are you eligible for it: those eligible may read the rules of \
its activations. `stint eligible` lists the groups you are eligible for.";

/// For those eligible but not administrators: what an activation must meet, without the policy's
/// approvers and notification recipients.
fn show_activation_rules(
    ctx: &Ctx,
    client: &Client,
    group: &GroupRef,
    access: &str,
) -> CliResult<()> {
    let rules = client.get(
        &format!(
            "/stint/v1/pim/groups/{}/activationRules",
            segment(&group.id)
        ),
        &[("access", access.into())],
    )?;
    if ctx.out.is_json() {
        ctx.out.json(&rules);
        return Ok(());
    }
    let flag = |key: &str| rules.get(key).and_then(Value::as_bool).unwrap_or(false);
    let needed = |key: &str, what: &str| {
        let need = if flag(key) { "needed" } else { "not needed" };
        format!("{what}: {need}")
    };
    let maximum = rules
        .get("maximumDuration")
        .and_then(Value::as_str)
        .map(humane)
        .unwrap_or_else(|| "-".into());
    ctx.out.line(&format!(
        "Activating your {access}ship of {} needs:\n",
        group.display_name
    ));
    for line in [
        format!("Longest activation: {maximum}"),
        needed("isApprovalRequired", "Approval"),
        needed(
            "isMfaRequired",
            "Multi-factor authentication (a recent TOTP code)",
        ),
        needed("isJustificationRequired", "A reason (justification)"),
        needed("isTicketRequired", "A ticket (system and number)"),
    ] {
        ctx.out.line(&format!("  {line}"));
    }
    ctx.out
        .note("The full policy is for the group's PIM administrators to read.");
    Ok(())
}

/// `items` after `lead`, joined by commas, or `none` when there are none.
fn listed(items: &[impl AsRef<str>], lead: &str, none: &str) -> String {
    if items.is_empty() {
        return none.into();
    }
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("{lead} {}", items.join(", "))
}

fn applies_to(rule: &Value) -> &'static str {
    match (
        rule.pointer("/target/caller").and_then(Value::as_str),
        rule.pointer("/target/level").and_then(Value::as_str),
    ) {
        (Some("EndUser"), _) => "activation",
        (_, Some("Eligibility")) => "eligible assignment",
        (_, Some("Assignment")) => "active assignment",
        _ => "-",
    }
}

/// One rule in words. `name` turns an approver's id into a name.
pub fn describe(rule: &Value, name: &mut dyn FnMut(&str) -> Option<String>) -> String {
    let kind = rule
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim_start_matches("#microsoft.graph.unifiedRoleManagementPolicy");
    let flag = |key: &str| rule.get(key).and_then(Value::as_bool).unwrap_or(false);
    match kind {
        "ExpirationRule" => {
            let maximum = rule
                .get("maximumDuration")
                .and_then(Value::as_str)
                .map(humane)
                .unwrap_or_else(|| "-".into());
            if flag("isExpirationRequired") {
                format!("ends after at most {maximum}")
            } else {
                "may be permanent".into()
            }
        }
        "EnablementRule" => {
            let required: Vec<&str> = rule
                .get("enabledRules")
                .and_then(Value::as_array)
                .map(|rules| {
                    rules
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|rule| match rule {
                            "MultiFactorAuthentication" => "MFA",
                            "Justification" => "justification",
                            "Ticketing" => "ticket",
                            other => other,
                        })
                        .collect()
                })
                .unwrap_or_default();
            listed(&required, "requires", "requires nothing")
        }
        "ApprovalRule" => {
            let setting = rule.get("setting").cloned().unwrap_or(Value::Null);
            if setting.get("isApprovalRequired") != Some(&Value::Bool(true)) {
                return "no approval".into();
            }
            let approvers: Vec<String> = setting
                .pointer("/approvalStages/0/primaryApprovers")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .map(|approver| approver_name(approver, name))
                        .collect()
                })
                .unwrap_or_default();
            listed(
                &approvers,
                "approval by",
                "approval required (no approvers named)",
            )
        }
        "AuthenticationContextRule" => match rule.get("claimValue").and_then(Value::as_str) {
            Some(claim) if flag("isEnabled") => format!("authentication context {claim}"),
            _ => "off".into(),
        },
        "NotificationRule" => {
            let level = rule
                .get("notificationLevel")
                .and_then(Value::as_str)
                .unwrap_or("-");
            let recipient = rule
                .get("recipientType")
                .and_then(Value::as_str)
                .unwrap_or("-")
                .to_lowercase();
            let extra = rule
                .get("notificationRecipients")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let defaults = if flag("isDefaultRecipientsEnabled") {
                "default recipients"
            } else {
                "no default recipients"
            };
            let extra = if extra > 0 {
                format!(" + {extra} more")
            } else {
                String::new()
            };
            format!("notify {recipient}: {level}, {defaults}{extra}")
        }
        _ => "-".into(),
    }
}

fn approver_name(approver: &Value, name: &mut dyn FnMut(&str) -> Option<String>) -> String {
    let (id, group) = match (
        approver.get("userId").and_then(Value::as_str),
        approver.get("groupId").and_then(Value::as_str),
    ) {
        (Some(id), _) => (id, false),
        (None, Some(id)) => (id, true),
        _ => return "?".into(),
    };
    let shown = name(id).unwrap_or_else(|| id.to_string());
    if group {
        format!("members of {shown}")
    } else {
        shown
    }
}

/// `Some(true)` for `--x`, `Some(false)` for `--no-x`, `None` for neither.
fn tri(on: bool, off: bool) -> Option<bool> {
    match (on, off) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

fn set(ctx: &Ctx, args: SetArgs) -> CliResult<()> {
    let approval = tri(args.require_approval, args.no_require_approval);
    let enablement = [
        (
            "MultiFactorAuthentication",
            tri(args.require_mfa, args.no_require_mfa),
        ),
        (
            "Justification",
            tri(args.require_justification, args.no_require_justification),
        ),
        (
            "Ticketing",
            tri(args.require_ticket, args.no_require_ticket),
        ),
    ];
    let eligible = expiration_change(args.max_eligible, args.permanent_eligible);
    let active = expiration_change(args.max_active, args.permanent_active);
    let nothing = args.max_activation.is_none()
        && approval.is_none()
        && args.approver.is_empty()
        && enablement.iter().all(|(_, change)| change.is_none())
        && eligible.is_none()
        && active.is_none();
    if nothing {
        return Err(CliError::Usage(
            "Nothing to change: give at least one setting, such as --max-activation 4h or --require-approval."
                .into(),
        ));
    }
    let client = ctx.client()?;
    let group = resolve::group(&client, &args.group)?;
    let access = access(args.owner);
    let policy = read(&client, &group.id, access)?;
    let rule = |id: &str| -> CliResult<Value> {
        policy.rule(id).cloned().ok_or_else(|| {
            CliError::Other(format!(
                "The server's policy {} has no rule {id}.",
                policy.id
            ))
        })
    };
    let mut changed = Vec::new();
    if let Some(maximum) = args.max_activation {
        let mut expiration = rule("Expiration_EndUser_Assignment")?;
        expiration["isExpirationRequired"] = Value::Bool(true);
        expiration["maximumDuration"] = Value::String(maximum.to_iso());
        changed.push(expiration);
    }
    if enablement.iter().any(|(_, change)| change.is_some()) {
        let mut rule = rule("Enablement_EndUser_Assignment")?;
        let mut enabled: Vec<String> = rule
            .get("enabledRules")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        for (name, change) in enablement {
            match change {
                Some(true) if !enabled.iter().any(|e| e == name) => enabled.push(name.into()),
                Some(false) => enabled.retain(|e| e != name),
                _ => {}
            }
        }
        rule["enabledRules"] = json!(enabled);
        changed.push(rule);
    }
    if approval.is_some() || !args.approver.is_empty() {
        let mut rule = rule("Approval_EndUser_Assignment")?;
        if let Some(required) = approval {
            rule["setting"]["isApprovalRequired"] = Value::Bool(required);
        }
        if !args.approver.is_empty() {
            let approvers = approvers(&client, &args.approver)?;
            let stages = rule["setting"]["approvalStages"].as_array_mut();
            match stages.and_then(|stages| stages.first_mut()) {
                Some(stage) => stage["primaryApprovers"] = approvers,
                None => {
                    rule["setting"]["approvalStages"] = json!([{ "primaryApprovers": approvers }]);
                }
            }
        }
        changed.push(rule);
    }
    for (id, change) in [
        ("Expiration_Admin_Eligibility", eligible),
        ("Expiration_Admin_Assignment", active),
    ] {
        if let Some(change) = change {
            let mut rule = rule(id)?;
            match change {
                Some(maximum) => {
                    rule["isExpirationRequired"] = Value::Bool(true);
                    rule["maximumDuration"] = Value::String(maximum.to_iso());
                }
                None => rule["isExpirationRequired"] = Value::Bool(false),
            }
            changed.push(rule);
        }
    }
    client.patch(
        &format!(
            "/v1.0/policies/roleManagementPolicies/{}",
            segment(&policy.id)
        ),
        &json!({ "rules": changed }),
    )?;
    if !ctx.out.is_json() {
        let rules = if changed.len() == 1 { "rule" } else { "rules" };
        ctx.out.line(&format!(
            "Changed {} {rules} of the {access} policy of {}.\n",
            changed.len(),
            group.display_name
        ));
    }
    show(ctx, &client, &group, access)
}

/// `Some(Some(max))` for a maximum, `Some(None)` for permanent, `None` for no change.
fn expiration_change(maximum: Option<Span>, permanent: bool) -> Option<Option<Span>> {
    match (maximum, permanent) {
        (Some(maximum), _) => Some(Some(maximum)),
        (None, true) => Some(None),
        (None, false) => None,
    }
}

fn approvers(client: &Client, wanted: &[String]) -> CliResult<Value> {
    let mut list = Vec::new();
    for text in wanted {
        let principal = resolve::principal(client, text)?;
        list.push(match principal.kind {
            PrincipalKind::User => json!({
                "@odata.type": "#microsoft.graph.singleUser",
                "userId": principal.id,
            }),
            PrincipalKind::Group => json!({
                "@odata.type": "#microsoft.graph.groupMembers",
                "groupId": principal.id,
            }),
        });
    }
    Ok(Value::Array(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_names(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn rules_are_described_in_words() {
        let expiration = json!({
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
            "id": "Expiration_EndUser_Assignment", "isExpirationRequired": true, "maximumDuration": "PT8H",
            "target": {"caller": "EndUser", "level": "Assignment"},
        });
        assert_eq!(
            describe(&expiration, &mut no_names),
            "ends after at most 8h"
        );
        assert_eq!(applies_to(&expiration), "activation");

        let enablement = json!({
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
            "enabledRules": ["Justification", "MultiFactorAuthentication"],
        });
        assert_eq!(
            describe(&enablement, &mut no_names),
            "requires justification, MFA"
        );

        let approval = json!({
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
            "setting": {"isApprovalRequired": true, "approvalStages": [{"primaryApprovers": [
                {"@odata.type": "#microsoft.graph.singleUser", "userId": "u1"},
                {"@odata.type": "#microsoft.graph.groupMembers", "groupId": "g1"},
            ]}]},
        });
        let mut names = |id: &str| (id == "u1").then(|| "carol".to_string());
        assert_eq!(
            describe(&approval, &mut names),
            "approval by carol, members of g1"
        );

        let notification = json!({
            "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule",
            "recipientType": "Admin", "notificationLevel": "All", "isDefaultRecipientsEnabled": true,
            "notificationRecipients": ["a@contoso.com"],
        });
        assert_eq!(
            describe(&notification, &mut no_names),
            "notify admin: All, default recipients + 1 more"
        );
    }

    #[test]
    fn paired_flags_are_three_way() {
        assert_eq!(tri(true, false), Some(true));
        assert_eq!(tri(false, true), Some(false));
        assert_eq!(tri(false, false), None);
        assert_eq!(expiration_change(None, true), Some(None));
        assert_eq!(expiration_change(None, false), None);
    }
}
