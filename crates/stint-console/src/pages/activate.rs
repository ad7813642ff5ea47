//! Activate (SPEC V1–V3, V8): duration up to the policy's maximum, an optional later start, the
//! reason and ticket, and a TOTP code when the policy needs a recent MFA (the code steps the
//! session up before the request is made). And the Extend (E1) and Renew (E2) requests, which the
//! group's administrators decide.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::TimeDelta;
use maud::{html, Markup};
use stint_app::View;
use stint_core::duration::IsoDuration;
use stint_core::ids::GroupId;
use stint_core::policy::{Approver, PolicySettings};
use stint_core::request::{
    Expiration, GroupAccess, RequestAction, RequestStatus, RequestedSchedule, TicketInfo,
};
use stint_core::rules::activation::EXTENSION_WINDOW;
use stint_core::rules::assignments::{RequestInput, MAX_JUSTIFICATION_CHARS, RENEWAL_WINDOW};
use stint_core::schedule::{Access, ScheduleKind};

use crate::error::UiError;
use crate::forms::{Errors, FormData, Posted};
use crate::layout::{csrf_field, page, Head, Nav};
use crate::session::Console;
use crate::widgets::{select, Field, Kind};
use crate::wording;

/// Where a refusal of an activation goes in the form.
fn field_of(key: &str) -> Option<&'static str> {
    Some(match key {
        "justification" | "JustificationRule" => "justification",
        "TicketingRule" => "ticket_number",
        "MfaRule" | "code" | "MfaRequired" | "InvalidTotpCode" | "TooManyRequests" => "totp",
        "ExpirationRule" | "ActiveDurationTooShort" | "scheduleInfo.expiration.endDateTime" => {
            "duration"
        }
        "scheduleInfo" | "scheduleInfo.startDateTime" => "start",
        _ => return None,
    })
}

/// What the activation form is about.
struct Target {
    group: GroupId,
    group_name: String,
    access: Access,
    settings: PolicySettings,
    approvers: Vec<String>,
}

fn target(console: &Console, group: Option<&str>, access: Option<&str>) -> Result<Target, UiError> {
    let group: GroupId = group
        .and_then(|g| g.parse().ok())
        .ok_or_else(|| UiError::not_found("That group"))?;
    let access: Access = access
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| UiError::BadRequest("Choose member or owner.".into()))?;
    let view = console.view();
    let found = view
        .live_group(group)
        .ok_or_else(|| UiError::not_found("That group"))?;
    let settings = view.policy_settings(group, access);
    let approvers = approver_names(&view, &settings.approval.approvers);
    Ok(Target {
        group,
        group_name: found.display_name.clone(),
        access,
        settings,
        approvers,
    })
}

/// The approvers of a policy as people read them.
pub fn approver_names(view: &View<'_>, approvers: &[Approver]) -> Vec<String> {
    approvers
        .iter()
        .map(|approver| match approver {
            Approver::User(user) => wording::principal(view, (*user).into()).0,
            Approver::MembersOf(group) => {
                format!("members of {}", wording::group_name(view, *group))
            }
        })
        .collect()
}

/// `GET /ui/my-roles/activate?group=&access=`
pub async fn form(
    console: Console,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let target = readable_target(
        &console,
        query.get("group").map(String::as_str),
        query.get("access").map(String::as_str),
    )?;
    let body = activate_page(&console, &target, &FormData::default(), &Errors::default());
    Ok(console.finish(body))
}

/// Durations offered: common ones up to the policy's maximum, and the maximum itself.
fn durations(maximum: TimeDelta) -> Vec<(String, String)> {
    let mut options: Vec<TimeDelta> = [30, 60, 120, 180, 240, 360, 480, 720, 1440]
        .into_iter()
        .map(TimeDelta::minutes)
        .filter(|d| *d < maximum)
        .collect();
    options.push(maximum);
    options
        .into_iter()
        .map(|d| (IsoDuration::from_delta(d).to_string(), wording::duration(d)))
        .collect()
}

fn activate_page(console: &Console, target: &Target, form: &FormData, errors: &Errors) -> Markup {
    let settings = &target.settings;
    let maximum = settings.activation_maximum.as_delta();
    let chosen = form
        .get("duration")
        .unwrap_or_else(|| settings.activation_maximum.to_string());
    let needs_mfa = settings.activation_requires_mfa();
    let (has_fresh_mfa, freshness) = {
        let view = console.view();
        (view.mfa_is_fresh(), wording::duration(view.mfa_freshness()))
    };
    let required = &settings.activation_requirements;
    let title = format!("Activate {}", wording::access(target.access).to_lowercase());
    let subtitle = format!("{} · {}", target.group_name, wording::access(target.access));
    let head = Head::new(title)
        .subtitle(&subtitle)
        .trail(&[("My roles", "/ui/my-roles")])
        .errors(errors);
    let body = html! {
        div.grid-2.wide-first {
            section.card {
                form.stack method="post" action="/ui/my-roles/activate" novalidate {
                    (csrf_field(console))
                    input type="hidden" name="group" value=(target.group);
                    input type="hidden" name="access" value=(target.access);
                    (select("duration", "Duration", &durations(maximum), &chosen, errors,
                        Some(&format!("At most {} for this group.", wording::duration(maximum)))))
                    (Field::new(Kind::DateTime, "start", &wording::in_zone_label("Start later", console.zone()))
                        .value(form.value("start"))
                        .hint("Leave empty to start now.")
                        .errors(errors).render())
                    (Field::new(Kind::TextArea, "justification", "Reason")
                        .value(form.value("justification"))
                        .required(required.justification)
                        .maxlength(MAX_JUSTIFICATION_CHARS)
                        .hint("Why you need this access (at most 500 characters).")
                        .errors(errors).render())
                    div.field-row {
                        (Field::new(Kind::Text, "ticket_number", "Ticket number")
                            .value(form.value("ticket_number")).required(required.ticket)
                            .maxlength(100).errors(errors).render())
                        (Field::new(Kind::Text, "ticket_system", "Ticket system")
                            .value(form.value("ticket_system")).required(required.ticket)
                            .maxlength(100).errors(errors).render())
                    }
                    @if let Some((href, provider)) = provider_step_up(console, target, has_fresh_mfa) {
                        div.field {
                            p.hint { "This group needs you to sign in again with " (provider) " (multi-factor) within the last " (freshness) "." }
                            a.button.secondary href=(href) { "Verify with " (provider) }
                        }
                    } @else if needs_mfa {
                        (Field::new(Kind::Code, "totp", "Authenticator code")
                            .required(needs_mfa && !has_fresh_mfa)
                            .hint(if !needs_mfa {
                                "Not needed for this group.".to_string()
                            } else if has_fresh_mfa {
                                format!("Not needed: you verified a code in the last {freshness}.")
                            } else {
                                format!("This group needs a code verified in the last {freshness}.")
                            })
                            .errors(errors).render())
                    }
                    div.actions {
                        button.button.primary type="submit" { "Activate" }
                        a.button.secondary href="/ui/my-roles" { "Cancel" }
                    }
                }
            }
            aside.card.muted-card {
                h2 { "This group's rules" }
                ul.checks {
                    li { "Up to " strong { (wording::duration(maximum)) } " per activation" }
                    li { @if required.justification { "A reason is required" } @else { "A reason is optional" } }
                    li { @if required.ticket { "A ticket is required" } @else { "A ticket is optional" } }
                    li { @if needs_mfa { "A recent authenticator code is required" } @else { "No authenticator code needed" } }
                    li {
                        @if settings.approval.required {
                            "Needs approval by " strong { (target.approvers.join(", ")) }
                        } @else { "No approval needed" }
                    }
                }
            }
        }
    };
    page(console, Nav::MyRoles, head, body)
}

/// O2: for a person who signs in through the identity provider and has no authenticator, where
/// the activation needs a fresh MFA they lack: the step-up link (back to this page, with the
/// policy's authentication context as `acr_values`) and the provider's name.
fn provider_step_up(
    console: &Console,
    target: &Target,
    has_fresh_mfa: bool,
) -> Option<(String, String)> {
    let oidc = console.app.oidc()?;
    let settings = &target.settings;
    if !settings.activation_requires_mfa()
        || has_fresh_mfa
        || !console.me.federated
        || console.me.has_totp
    {
        return None;
    }
    let back = format!(
        "/ui/my-roles/activate?group={}&access={}",
        target.group, target.access
    );
    let mut href = format!(
        "/ui/auth/oidc/step-up?next={}",
        crate::session::encode(&back)
    );
    if let Some(acr) = &settings.authentication_context {
        href.push_str(&format!("&acr={}", crate::session::encode(acr)));
    }
    Some((href, oidc.display_name().to_owned()))
}

/// `POST /ui/my-roles/activate`
/// The group and access the page is about, once the caller may read what its activations need:
/// only those eligible and the group's PIM administrators may (the page shows its rules).
fn readable_target(
    console: &Console,
    group: Option<&str>,
    access: Option<&str>,
) -> Result<Target, UiError> {
    let target = target(console, group, access)?;
    console
        .view()
        .activation_rules(target.group, target.access)
        .map_err(|refusal| UiError::from(stint_app::AppError::Rule(refusal)))?;
    Ok(target)
}

pub async fn submit(Posted { mut console, form }: Posted) -> Result<Response, UiError> {
    let target = readable_target(
        &console,
        form.get("group").as_deref(),
        form.get("access").as_deref(),
    )?;
    let mut errors = Errors::default();
    let duration = form
        .get("duration")
        .and_then(|d| d.parse::<IsoDuration>().ok())
        .unwrap_or(target.settings.activation_maximum);
    let start = form.time("start", console.zone(), &mut errors);
    if !errors.is_empty() {
        return Ok(rerender(&console, &target, &form, &errors));
    }
    if let Some(code) = form.get("totp") {
        if let Err(step_errors) = super::step_up_into(&mut console, code, "totp").await {
            return Ok(rerender(&console, &target, &form, &step_errors));
        }
    }
    let input = RequestInput {
        kind: ScheduleKind::Active,
        action: RequestAction::SelfActivate,
        target: GroupAccess {
            group_id: target.group,
            access: target.access,
        },
        principal_id: console.me.id.into(),
        schedule: Some(RequestedSchedule {
            start,
            expiration: Expiration::AfterDuration(duration),
        }),
        justification: form.get("justification"),
        ticket: ticket(&form),
        is_validation_only: false,
    };
    Ok(match console.submit_request(input).await {
        Ok(committed) => {
            let to = match committed.value.status {
                RequestStatus::PendingApproval => "/ui/my-requests?notice=pending".to_string(),
                _ if start.is_some_and(|s| s > console.now) => {
                    "/ui/my-roles?tab=active&notice=scheduled".to_string()
                }
                _ => "/ui/my-roles?tab=active&notice=activated".to_string(),
            };
            console.finish(Redirect::to(&to))
        }
        Err(error) => {
            let errors = Errors::from_app(error, &field_of);
            rerender(&console, &target, &form, &errors)
        }
    })
}

fn ticket(form: &FormData) -> Option<TicketInfo> {
    let number = form.get("ticket_number");
    let system = form.get("ticket_system");
    (number.is_some() || system.is_some()).then_some(TicketInfo { number, system })
}

fn rerender(console: &Console, target: &Target, form: &FormData, errors: &Errors) -> Response {
    let body = activate_page(console, target, form, errors);
    (StatusCode::BAD_REQUEST, console.finish(body)).into_response()
}

/// Extend or renew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Extend,
    Renew,
}

fn change_of(path: &str) -> Option<Change> {
    match path {
        "extend" => Some(Change::Extend),
        "renew" => Some(Change::Renew),
        _ => None,
    }
}

/// `GET /ui/my-roles/{extend|renew}?group=&access=&kind=`
pub async fn change_form(
    console: Console,
    Path(which): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let Some(change) = change_of(&which) else {
        return Ok(UiError::not_found("That page").into_response());
    };
    let target = target(
        &console,
        query.get("group").map(String::as_str),
        query.get("access").map(String::as_str),
    )?;
    let mut form = FormData::default();
    form.0.push((
        "kind".into(),
        query
            .get("kind")
            .cloned()
            .unwrap_or_else(|| "active".into()),
    ));
    let body = change_page(&console, change, &target, &form, &Errors::default());
    Ok(console.finish(body))
}

fn change_page(
    console: &Console,
    change: Change,
    target: &Target,
    form: &FormData,
    errors: &Errors,
) -> Markup {
    let (title, action, explain) = match change {
        Change::Extend => (
            "Request an extension",
            "/ui/my-roles/extend",
            format!(
                "Your assignment ends within {}. An administrator of the group decides the new end.",
                wording::duration(EXTENSION_WINDOW)
            ),
        ),
        Change::Renew => (
            "Request a renewal",
            "/ui/my-roles/renew",
            format!(
                "Your assignment ended within the last {}. An administrator of the group decides whether and until when to renew it.",
                wording::duration(RENEWAL_WINDOW)
            ),
        ),
    };
    let kind = form.get("kind").unwrap_or_else(|| "active".into());
    let subtitle = format!(
        "{} · {} ({})",
        target.group_name,
        wording::access(target.access),
        kind
    );
    let head = Head::new(title)
        .subtitle(&subtitle)
        .trail(&[("My roles", "/ui/my-roles")])
        .errors(errors);
    let body = html! {
        section.card {
            p { (explain) }
            form.stack method="post" action=(action) novalidate {
                (csrf_field(console))
                input type="hidden" name="group" value=(target.group);
                input type="hidden" name="access" value=(target.access);
                input type="hidden" name="kind" value=(kind);
                (Field::new(Kind::DateTime, "end", &wording::in_zone_label("Requested end", console.zone()))
                    .value(form.value("end")).errors(errors)
                    .hint("The administrator may choose another end.").render())
                (Field::new(Kind::TextArea, "justification", "Reason")
                    .value(form.value("justification")).maxlength(MAX_JUSTIFICATION_CHARS)
                    .errors(errors).render())
                div.actions {
                    button.button.primary type="submit" { "Send request" }
                    a.button.secondary href="/ui/my-roles" { "Cancel" }
                }
            }
        }
    };
    page(console, Nav::MyRoles, head, body)
}

/// `POST /ui/my-roles/{extend|renew}`
pub async fn change_submit(
    Path(which): Path<String>,
    Posted { console, form }: Posted,
) -> Result<Response, UiError> {
    let Some(change) = change_of(&which) else {
        return Ok(UiError::not_found("That page").into_response());
    };
    let target = target(
        &console,
        form.get("group").as_deref(),
        form.get("access").as_deref(),
    )?;
    let kind = match form.get("kind").as_deref() {
        Some("eligible") => ScheduleKind::Eligible,
        _ => ScheduleKind::Active,
    };
    let mut errors = Errors::default();
    let end = form.time("end", console.zone(), &mut errors);
    if errors.is_empty() {
        let input = RequestInput {
            kind,
            action: match change {
                Change::Extend => RequestAction::SelfExtend,
                Change::Renew => RequestAction::SelfRenew,
            },
            target: GroupAccess {
                group_id: target.group,
                access: target.access,
            },
            principal_id: console.me.id.into(),
            schedule: end.map(|end| RequestedSchedule {
                start: None,
                expiration: Expiration::AfterDateTime(end),
            }),
            justification: form.get("justification"),
            ticket: None,
            is_validation_only: false,
        };
        match console.submit_request(input).await {
            Ok(_) => return Ok(console.finish(Redirect::to("/ui/my-requests?notice=sent"))),
            Err(error) => {
                errors = Errors::from_app(error, &|key| match key {
                    "justification" => Some("justification"),
                    "scheduleInfo.expiration.endDateTime" | "endDateTime" => Some("end"),
                    _ => None,
                })
            }
        }
    }
    let body = change_page(&console, change, &target, &form, &errors);
    Ok((StatusCode::BAD_REQUEST, console.finish(body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_lengths_offered_include_3_hours_and_end_at_the_maximum() {
        let offered: Vec<String> = durations(TimeDelta::hours(8))
            .into_iter()
            .map(|(_, words)| words)
            .collect();
        assert_eq!(
            offered,
            [
                "30 minutes",
                "1 hour",
                "2 hours",
                "3 hours",
                "4 hours",
                "6 hours",
                "8 hours"
            ]
        );
    }
}
