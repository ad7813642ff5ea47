//! A group's settings (SPEC S1–S5): the member and owner policies, each with every S2 setting —
//! activation (maximum duration, MFA, justification, ticket, approval with its approvers),
//! assignment (permanent eligible / active and their maximum, MFA and justification on active
//! assignment) and the nine notification rules. Saving sends the changed Graph rules to the app in
//! one decision, all or none; the rules' refusals are shown next to their inputs.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use stint_app::view::PageAsk;
use stint_core::directory::{Group, User};
use stint_core::duration::IsoDuration;
use stint_core::ids::{GroupId, UserId};
use stint_core::policy::{Approver, PolicySettings};
use stint_core::policy_rules::{
    rule, rules, ApprovalStage, EnabledRule, NotificationLevel, NotificationType, PolicyRuleId,
    RuleKind, RuleSetting,
};
use stint_core::schedule::Access;
use stint_core::Violation;

use super::activate::approver_names;
use super::groups::{group_for, group_head, GroupPage, Section};
use crate::error::UiError;
use crate::forms::{Errors, FormData, Posted};
use crate::layout::{csrf_field, flash, notice, page, Flash, Nav, Tone};
use crate::session::Console;
use crate::widgets::{checkbox, checkbox_with_value, select, Field, Kind};
use crate::wording;

/// The button that searches approvers instead of saving.
const SEARCH: &str = "find";

/// The notification rules, in Graph's order, with the names of their inputs.
const NOTIFICATION_INPUTS: [&str; 9] = ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"];
const NOTIFICATION_BLOCKS: [&str; 3] = [
    "When members are assigned as eligible",
    "When members are assigned as active",
    "When eligible members activate",
];

fn notification_rules() -> Vec<PolicyRuleId> {
    PolicyRuleId::ALL
        .into_iter()
        .filter(|id| id.kind() == RuleKind::Notification)
        .collect()
}

fn recipient_label(index: usize) -> &'static str {
    match (index / 3, index % 3) {
        (2, 1) => "Notification to the requester",
        (2, 2) => "Request to approve an activation",
        (_, 0) => "Alert to administrators",
        (_, 1) => "Notification to the assignee",
        _ => "Notification to approvers",
    }
}

/// The form's values, from the stored policy or from what was posted.
#[derive(Clone, Debug)]
struct Values {
    activation_maximum: String,
    activation_mfa: bool,
    activation_justification: bool,
    activation_ticket: bool,
    authentication_context: String,
    approval: bool,
    approvers: Vec<String>,
    eligible_permanent: bool,
    eligible_maximum: String,
    active_permanent: bool,
    active_maximum: String,
    assignment_mfa: bool,
    assignment_justification: bool,
    notifications: Vec<(String, bool, String)>,
}

fn approver_value(approver: &Approver) -> String {
    match approver {
        Approver::User(user) => format!("user:{user}"),
        Approver::MembersOf(group) => format!("group:{group}"),
    }
}

fn level_text(level: NotificationLevel) -> &'static str {
    level.as_str()
}

impl Values {
    fn of(settings: &PolicySettings) -> Values {
        Values {
            activation_maximum: settings.activation_maximum.to_string(),
            activation_mfa: settings.activation_requirements.mfa,
            activation_justification: settings.activation_requirements.justification,
            activation_ticket: settings.activation_requirements.ticket,
            authentication_context: settings.authentication_context.clone().unwrap_or_default(),
            approval: settings.approval.required,
            approvers: settings
                .approval
                .approvers
                .iter()
                .map(approver_value)
                .collect(),
            eligible_permanent: !settings.eligible_assignment.expiration_required,
            eligible_maximum: settings.eligible_assignment.maximum.to_string(),
            active_permanent: !settings.active_assignment.expiration_required,
            active_maximum: settings.active_assignment.maximum.to_string(),
            assignment_mfa: settings.active_assignment_requirements.mfa,
            assignment_justification: settings.active_assignment_requirements.justification,
            notifications: (0..9)
                .map(|i| {
                    let n = settings.notifications.get(i).cloned().unwrap_or_default();
                    (
                        level_text(n.level()).to_string(),
                        n.default_recipients,
                        n.additional_recipients.join(", "),
                    )
                })
                .collect(),
        }
    }

    fn posted(form: &FormData) -> Values {
        Values {
            activation_maximum: form.value("act_max"),
            activation_mfa: form.checked("act_mfa"),
            activation_justification: form.checked("act_justification"),
            activation_ticket: form.checked("act_ticket"),
            authentication_context: form.value("auth_context"),
            approval: form.checked("approval"),
            approvers: form.all("approver"),
            eligible_permanent: form.checked("elig_permanent"),
            eligible_maximum: form.value("elig_max"),
            active_permanent: form.checked("active_permanent"),
            active_maximum: form.value("active_max"),
            assignment_mfa: form.checked("assign_mfa"),
            assignment_justification: form.checked("assign_justification"),
            notifications: NOTIFICATION_INPUTS
                .iter()
                .map(|n| {
                    (
                        form.value(&format!("{n}_level")),
                        form.checked(&format!("{n}_default")),
                        form.value(&format!("{n}_extra")),
                    )
                })
                .collect(),
        }
    }
}

/// What the settings say after a save.
const NOTICES: &[Flash] = &[
    Flash::success("saved", "Settings saved")
        .saying("They apply to new requests; existing assignments keep their ends."),
    Flash::info("unchanged", "Nothing changed"),
];

/// `GET /ui/groups/{id}/settings`
pub async fn overview(
    GroupPage { console, group }: GroupPage,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let policies: Vec<(Access, PolicySettings, Vec<String>)> = {
        let view = console.view();
        Access::ALL
            .into_iter()
            .map(|access| {
                let settings = view.policy_settings(group.id, access);
                let approvers = approver_names(&view, &settings.approval.approvers);
                (access, settings, approvers)
            })
            .collect()
    };
    let message = flash(&query, NOTICES);
    let yes_no = |on: bool| if on { "Yes" } else { "No" };
    let head = group_head(&group, Section::Settings, "Settings").notice(message);
    let body = html! {
        div.grid-2 {
            @for (access, settings, approvers) in &policies {
                section.card {
                    div.card-head {
                        h2 { (wording::access(*access)) }
                        a.button.secondary.small href=(format!("/ui/groups/{}/settings/{}", group.id, access))
                            aria-label=(format!("Edit the {} settings", access)) { "Edit" }
                    }
                    h3 { "Activation" }
                    dl.facts {
                        dt { "Maximum duration" } dd { (wording::duration(settings.activation_maximum.as_delta())) }
                        dt { "Require MFA" } dd { (yes_no(settings.activation_requires_mfa())) }
                        dt { "Require justification" } dd { (yes_no(settings.activation_requirements.justification)) }
                        dt { "Require ticket" } dd { (yes_no(settings.activation_requirements.ticket)) }
                        dt { "Require approval" } dd {
                            (yes_no(settings.approval.required))
                            @if !approvers.is_empty() { " · " (approvers.join(", ")) }
                        }
                    }
                    h3 { "Assignment" }
                    dl.facts {
                        dt { "Permanent eligible" } dd {
                            @if settings.eligible_assignment.expiration_required {
                                "No, at most " (wording::duration(settings.eligible_assignment.maximum.as_delta()))
                            } @else { "Allowed" }
                        }
                        dt { "Permanent active" } dd {
                            @if settings.active_assignment.expiration_required {
                                "No, at most " (wording::duration(settings.active_assignment.maximum.as_delta()))
                            } @else { "Allowed" }
                        }
                        dt { "MFA on active assignment" } dd { (yes_no(settings.active_assignment_requirements.mfa)) }
                        dt { "Justification on active assignment" } dd { (yes_no(settings.active_assignment_requirements.justification)) }
                    }
                }
            }
        }
    };
    console.finish(page(&console, Nav::Groups, head, body))
}

/// The group administered and the role (`member`, `owner`) of a policy page.
fn policy_of(console: &Console, id: &str, access: &str) -> Result<(Group, Access), UiError> {
    let group = group_for(console, id)?;
    let access = access
        .parse()
        .map_err(|_| UiError::not_found("That page"))?;
    Ok((group, access))
}

/// `GET /ui/groups/{id}/settings/{access}`
pub async fn edit(
    console: Console,
    Path((id, access)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let (group, access) = policy_of(&console, &id, &access)?;
    let settings = console.view().policy_settings(group.id, access);
    let search = query.get("q").cloned().unwrap_or_default();
    let body = edit_page(
        &console,
        &group,
        access,
        &Values::of(&settings),
        &search,
        &Errors::default(),
    );
    Ok(console.finish(body))
}

fn options(minutes: &[i64], current: &str) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = minutes
        .iter()
        .map(|minutes| {
            let d = IsoDuration::minutes(*minutes);
            (d.to_string(), wording::duration(d.as_delta()))
        })
        .collect();
    if !current.is_empty() && !list.iter().any(|(v, _)| v == current) {
        let label = current
            .parse::<IsoDuration>()
            .map(|d| wording::duration(d.as_delta()))
            .unwrap_or_else(|_| current.to_string());
        list.push((current.to_string(), label));
    }
    list
}

fn activation_options() -> Vec<i64> {
    let mut minutes = vec![30];
    minutes.extend((1..=24).map(|h| h * 60));
    minutes
}

fn assignment_options() -> Vec<i64> {
    [15, 30, 90, 180, 365]
        .into_iter()
        .map(|d| d * 1440)
        .collect()
}

/// Users and groups that can be approvers, those chosen first, then those matching `search`.
fn approver_candidates(
    console: &Console,
    chosen: &[String],
    search: &str,
) -> Vec<(String, String, String)> {
    let view = console.view();
    let user = |u: &User| {
        let name = u.display_name.clone();
        (
            format!("user:{}", u.id),
            name,
            u.user_principal_name.clone(),
        )
    };
    let group = |g: &Group| {
        let name = g.display_name.clone();
        (
            format!("group:{}", g.id),
            name,
            "Members of the group".to_string(),
        )
    };
    let mut picked: Vec<(String, String, String)> = (chosen.iter())
        .filter_map(|value| match value.split_once(':')? {
            ("user", id) => view.user(id.parse().ok()?).map(user),
            ("group", id) => view.live_group(id.parse().ok()?).map(group),
            _ => None,
        })
        .collect();
    picked.sort_by_key(|candidate| candidate.1.to_lowercase());
    // The first matches of each list in name order (issue 19 item 12: no sort of every user).
    let users = view.users_page(&PageAsk::first_found(APPROVER_CHOICES, search));
    let groups = view.live_groups_page(&PageAsk::first_found(APPROVER_CHOICES, search));
    let mut found: Vec<(String, String, String)> = (users.items.into_iter().map(user))
        .chain(groups.items.into_iter().map(group))
        .filter(|candidate| !chosen.contains(&candidate.0))
        .collect();
    found.sort_by_key(|candidate| candidate.1.to_lowercase());
    picked.extend(found);
    picked.truncate(APPROVER_CHOICES);
    picked
}

/// How many users and groups the approver list offers.
const APPROVER_CHOICES: usize = 100;

fn edit_page(
    console: &Console,
    group: &Group,
    access: Access,
    values: &Values,
    search: &str,
    errors: &Errors,
) -> Markup {
    let action = format!("/ui/groups/{}/settings/{}", group.id, access);
    let candidates = approver_candidates(console, &values.approvers, search);
    let approver_error = errors.field("approvers");
    let mail_enabled = console.view().mail_enabled();
    let levels = vec![
        ("All".to_string(), "All e-mails".to_string()),
        ("Critical".to_string(), "Critical e-mails only".to_string()),
        ("None".to_string(), "None".to_string()),
    ];
    let title = format!("{} settings", wording::access(access));
    let head = group_head(group, Section::Settings, &title).errors(errors);
    let body = html! {
        form.stack method="post" action=(action) novalidate {
            (csrf_field(console))
            section.card {
                h2 { "Activation" }
                (select("act_max", "Activation maximum duration", &options(&activation_options(), &values.activation_maximum),
                    &values.activation_maximum, errors, Some("Between 30 minutes and 24 hours.")))
                (checkbox("act_mfa", "Require multifactor authentication on activation", values.activation_mfa, None))
                (checkbox("act_justification", "Require justification on activation", values.activation_justification, None))
                (checkbox("act_ticket", "Require ticket information on activation", values.activation_ticket, None))
                (Field::new(Kind::Text, "auth_context", "Conditional Access authentication context")
                    .value(values.authentication_context.clone()).maxlength(64)
                    .hint("Such as c1. Stint asks for a recent authenticator code instead.")
                    .errors(errors).render())
                (checkbox("approval", "Require approval to activate", values.approval, None))
                fieldset.field.has-error[approver_error.is_some()] id="f-approvers" {
                    legend { "Approvers" }
                    p.hint { "Any one of them decides. Pick users, or groups whose members approve." }
                    @if let Some(error) = approver_error {
                        p.field-error { span.visually-hidden { "Error: " } (error) }
                    }
                    // Searching posts this whole form, so what was chosen above stays chosen.
                    div.search-row role="search" {
                        (Field::new(Kind::Search, "q", "Find approvers").value(search).render())
                        button.button.secondary type="submit" name=(SEARCH) value="yes" { "Search" }
                    }
                    div.pick-list {
                        @for (value, name, detail) in &candidates {
                            (checkbox_with_value("approver", value, &format!("f-approver-{}", value.replace(':', "-")),
                                &format!("{name} ({detail})"), values.approvers.contains(value), None))
                        }
                    }
                }
            }
            section.card {
                h2 { "Assignment" }
                (checkbox("elig_permanent", "Allow permanent eligible assignment", values.eligible_permanent, None))
                (select("elig_max", "Expire eligible assignments after", &options(&assignment_options(), &values.eligible_maximum),
                    &values.eligible_maximum, errors, None))
                (checkbox("active_permanent", "Allow permanent active assignment", values.active_permanent, None))
                (select("active_max", "Expire active assignments after", &options(&assignment_options(), &values.active_maximum),
                    &values.active_maximum, errors, None))
                (checkbox("assign_mfa", "Require multifactor authentication on active assignment", values.assignment_mfa, None))
                (checkbox("assign_justification", "Require justification on active assignment", values.assignment_justification, None))
            }
            details.card {
                summary { "Notifications (nine e-mail rules)" }
                @if !mail_enabled {
                    (notice(Tone::Info, "E-mail is off", Some("No SMTP server is configured (stint serve --smtp-url), so nothing is mailed. These rules are kept and apply once e-mail is on; webhooks are sent either way.")))
                }
                @for (block, title) in NOTIFICATION_BLOCKS.iter().enumerate() {
                    h3 { (title) }
                    @for index in (block * 3)..(block * 3 + 3) {
                        @let name = NOTIFICATION_INPUTS[index];
                        @let (level, default_on, extra) = values.notifications.get(index).cloned().unwrap_or_default();
                        fieldset.notification {
                            legend { (recipient_label(index)) span.visually-hidden { ", " (title.to_lowercase()) } }
                            div.field-row {
                                (select(&format!("{name}_level"), "E-mails", &levels, &level, errors, None))
                                (Field::new(Kind::Text, &format!("{name}_extra"), "Additional recipients")
                                    .value(extra).hint("E-mail addresses, separated by commas.").errors(errors).render())
                            }
                            (checkbox(&format!("{name}_default"), "Default recipients", default_on, None))
                        }
                    }
                }
            }
            div.actions.sticky-actions {
                button.button.primary type="submit" { "Save settings" }
                a.button.secondary href=(format!("/ui/groups/{}/settings", group.id)) { "Cancel" }
            }
        }
    };
    page(console, Nav::Groups, head, body)
}

/// The rules the form asks for; `Err` names the input that cannot be read.
fn wanted_rules(
    current: &PolicySettings,
    values: &Values,
    errors: &mut Errors,
) -> Vec<(PolicyRuleId, RuleSetting)> {
    let mut duration = |name: &'static str, text: &str| match text.parse::<IsoDuration>() {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(name, "Choose a duration from the list.");
            None
        }
    };
    let activation_maximum = duration("act_max", &values.activation_maximum);
    let eligible_maximum = duration("elig_max", &values.eligible_maximum);
    let active_maximum = duration("active_max", &values.active_maximum);
    let mut wanted = vec![
        (
            PolicyRuleId::ExpirationEndUserAssignment,
            RuleSetting::Expiration {
                is_expiration_required: true,
                maximum_duration: activation_maximum,
            },
        ),
        (
            PolicyRuleId::EnablementEndUserAssignment,
            RuleSetting::Enablement {
                enabled_rules: [
                    (
                        values.activation_mfa,
                        EnabledRule::MultiFactorAuthentication,
                    ),
                    (values.activation_justification, EnabledRule::Justification),
                    (values.activation_ticket, EnabledRule::Ticketing),
                ]
                .into_iter()
                .filter_map(|(on, r)| on.then_some(r))
                .collect(),
            },
        ),
        (
            PolicyRuleId::AuthenticationContextEndUserAssignment,
            RuleSetting::AuthenticationContext {
                is_enabled: !values.authentication_context.trim().is_empty(),
                claim_value: Some(values.authentication_context.trim().to_string())
                    .filter(|c| !c.is_empty()),
            },
        ),
        (
            PolicyRuleId::ExpirationAdminEligibility,
            RuleSetting::Expiration {
                is_expiration_required: !values.eligible_permanent,
                maximum_duration: eligible_maximum,
            },
        ),
        (
            PolicyRuleId::ExpirationAdminAssignment,
            RuleSetting::Expiration {
                is_expiration_required: !values.active_permanent,
                maximum_duration: active_maximum,
            },
        ),
        (
            PolicyRuleId::EnablementAdminAssignment,
            RuleSetting::Enablement {
                enabled_rules: [
                    (
                        values.assignment_mfa,
                        EnabledRule::MultiFactorAuthentication,
                    ),
                    (values.assignment_justification, EnabledRule::Justification),
                ]
                .into_iter()
                .filter_map(|(on, r)| on.then_some(r))
                .collect(),
            },
        ),
    ];
    let approvers: Vec<Approver> = values
        .approvers
        .iter()
        .filter_map(|value| match value.split_once(':') {
            Some(("user", id)) => id.parse::<UserId>().ok().map(Approver::User),
            Some(("group", id)) => id.parse::<GroupId>().ok().map(Approver::MembersOf),
            _ => None,
        })
        .collect();
    if let RuleSetting::Approval(mut approval) =
        rule(current, PolicyRuleId::ApprovalEndUserAssignment)
    {
        approval.is_approval_required = values.approval;
        approval.approval_stages = vec![ApprovalStage::with_approvers(approvers)];
        wanted.push((
            PolicyRuleId::ApprovalEndUserAssignment,
            RuleSetting::Approval(approval),
        ));
    }
    for (index, id) in notification_rules().into_iter().enumerate() {
        let Some((level, default_on, extra)) = values.notifications.get(index) else {
            continue;
        };
        let level = level
            .parse::<NotificationLevel>()
            .unwrap_or(NotificationLevel::All);
        let recipients: Vec<String> = extra
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect();
        if let Some(recipient_type) = id.recipient_type() {
            wanted.push((
                id,
                RuleSetting::Notification {
                    notification_type: NotificationType::Email,
                    recipient_type,
                    notification_level: level,
                    is_default_recipients_enabled: *default_on,
                    notification_recipients: recipients,
                },
            ));
        }
    }
    let current_rules = rules(current);
    wanted
        .into_iter()
        .filter(|(id, setting)| {
            current_rules
                .iter()
                .find(|(rule_id, _)| rule_id == id)
                .is_none_or(|(_, now)| now != setting)
        })
        .collect()
}

/// The input a refusal of the settings concerns.
fn input_for(violation: &Violation) -> Option<&'static str> {
    let id = PolicyRuleId::ALL.into_iter().find(|id| {
        violation.message.starts_with(&format!("{id}."))
            || violation.message.contains(&format!("'{id}'"))
    })?;
    Some(match id {
        PolicyRuleId::ExpirationEndUserAssignment => "act_max",
        PolicyRuleId::EnablementEndUserAssignment => "act_mfa",
        PolicyRuleId::AuthenticationContextEndUserAssignment => "auth_context",
        PolicyRuleId::ApprovalEndUserAssignment => "approvers",
        PolicyRuleId::ExpirationAdminEligibility => "elig_max",
        PolicyRuleId::ExpirationAdminAssignment => "active_max",
        PolicyRuleId::EnablementAdminAssignment | PolicyRuleId::EnablementAdminEligibility => {
            "assign_mfa"
        }
        other => {
            let index = notification_rules().iter().position(|n| *n == other)?;
            match index {
                0 => "n0_extra",
                1 => "n1_extra",
                2 => "n2_extra",
                3 => "n3_extra",
                4 => "n4_extra",
                5 => "n5_extra",
                6 => "n6_extra",
                7 => "n7_extra",
                _ => "n8_extra",
            }
        }
    })
}

/// `POST /ui/groups/{id}/settings/{access}`
pub async fn save(
    Path((id, access)): Path<(String, String)>,
    Posted { console, form }: Posted,
) -> Result<Response, UiError> {
    let (group, access) = policy_of(&console, &id, &access)?;
    let current = console.view().policy_settings(group.id, access);
    let values = Values::posted(&form);
    if form.get(SEARCH).is_some() {
        let body = edit_page(
            &console,
            &group,
            access,
            &values,
            &form.value("q"),
            &Errors::default(),
        );
        return Ok(console.finish(body));
    }
    let mut errors = Errors::default();
    let changes = wanted_rules(&current, &values, &mut errors);
    if errors.is_empty() {
        if changes.is_empty() {
            return Ok(Redirect::to(&format!(
                "/ui/groups/{}/settings?notice=unchanged",
                group.id
            ))
            .into_response());
        }
        match console
            .app
            .update_policy_rules(&console.session, &console.meta, group.id, access, changes)
            .await
        {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/ui/groups/{}/settings?notice=saved", group.id))
                        .into_response(),
                );
            }
            Err(stint_app::AppError::Rule(violation)) => match input_for(&violation) {
                Some(input) => errors.add(input, violation.in_words()),
                None => errors.general(violation.in_words()),
            },
            Err(other) => errors = Errors::from_app(other, &|_| None),
        }
    }
    let body = edit_page(&console, &group, access, &values, "", &errors);
    Ok((StatusCode::BAD_REQUEST, console.finish(body)).into_response())
}
