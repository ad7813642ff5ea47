//! Add assignments and Update (SPEC A1–A8): Member or Owner, principals picked with a search box
//! (a GET form filtering users and groups by name), Eligible or Active, "Permanently" only where
//! the group's policy allows it, start and end, and the justification the policy may require.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use stint_core::directory::Group;
use stint_core::ids::PrincipalId;
use stint_core::policy::PolicySettings;
use stint_core::request::{Expiration, RequestAction, RequestedSchedule};
use stint_core::rules::assignments::{RequestInput, MAX_JUSTIFICATION_CHARS};
use stint_core::schedule::{Access, ScheduleKind};
use stint_core::state::State;

use super::groups::{group_for, group_head, Section};
use crate::ui::forms::{parse_time, time_value, Errors, FormData, Posted};
use crate::ui::layout::{csrf_field, error_summary, page, Nav};
use crate::ui::session::Console;
use crate::ui::view;
use crate::ui::widgets::{checkbox, radios, select, Field, Kind};

/// How many principals a search shows.
const SEARCH_RESULTS: usize = 25;

fn field_of(key: &str) -> Option<&'static str> {
    Some(match key {
        "principalId" | "SubjectNotFound" | "GroupNestingNotAllowed" | "MembershipCycle" => {
            "principal"
        }
        "ExpirationRule"
        | "ActiveDurationTooShort"
        | "scheduleInfo.expiration.endDateTime"
        | "scheduleInfo.expiration" => "end",
        "JustificationRule" | "justification" => "justification",
        "MfaRule" => "totp",
        "scheduleInfo" => "start",
        _ => return None,
    })
}

fn settings(state: &State, group: &Group, access: Access) -> PolicySettings {
    state
        .policies
        .get(&(group.id, access))
        .map(|p| p.settings.clone())
        .unwrap_or_default()
}

fn access_of(text: Option<&str>) -> Access {
    text.and_then(|a| a.parse().ok()).unwrap_or(Access::Member)
}

fn kind_of(text: Option<&str>) -> ScheduleKind {
    match text {
        Some("active") => ScheduleKind::Active,
        _ => ScheduleKind::Eligible,
    }
}

/// `GET /ui/groups/{id}/assignments/new?access=&q=`
pub async fn new_form(
    console: Console,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let group = match group_for(&console, &id) {
        Ok(group) => group,
        Err(error) => return error.into_response(),
    };
    let mut form = FormData::default();
    for key in ["access", "q"] {
        if let Some(value) = query.get(key) {
            form.0.push((key.to_string(), value.clone()));
        }
    }
    let body = add_page(&console, &group, &form, &Errors::default());
    console.finish(body)
}

/// Users and groups whose name contains the search, for the picker.
fn candidates(
    state: &State,
    group: &Group,
    access: Access,
    search: &str,
    keep: Option<PrincipalId>,
) -> Vec<(PrincipalId, String, String)> {
    let needle = search.trim().to_lowercase();
    let matches = |name: &str, detail: &str| {
        needle.is_empty()
            || name.to_lowercase().contains(&needle)
            || detail.to_lowercase().contains(&needle)
    };
    let mut found: Vec<(PrincipalId, String, String)> = state
        .users
        .values()
        .filter(|u| matches(&u.display_name, &u.user_principal_name))
        .map(|u| {
            (
                u.id.into(),
                u.display_name.clone(),
                u.user_principal_name.clone(),
            )
        })
        .collect();
    if access == Access::Member {
        found.extend(
            state
                .groups
                .values()
                .filter(|g| !g.is_deleted() && g.id != group.id && matches(&g.display_name, ""))
                .map(|g| (g.id.into(), g.display_name.clone(), "Group".to_string())),
        );
    }
    found.sort_by(|a, b| {
        a.1.to_lowercase()
            .cmp(&b.1.to_lowercase())
            .then(a.0.cmp(&b.0))
    });
    found.truncate(SEARCH_RESULTS);
    if let Some(keep) = keep {
        if !found.iter().any(|(id, ..)| *id == keep) {
            let (name, detail) = view::principal(state, keep);
            found.insert(0, (keep, name, detail));
        }
    }
    found
}

fn add_page(console: &Console, group: &Group, form: &FormData, errors: &Errors) -> Markup {
    let access = access_of(form.get("access").as_deref());
    let kind = kind_of(form.get("kind").as_deref());
    let search = form.value("q");
    let chosen = form
        .get("principal")
        .and_then(|p| p.parse::<PrincipalId>().ok());
    let (people, policy) = console.app.read(|state| {
        (
            candidates(state, group, access, &search, chosen),
            settings(state, group, access),
        )
    });
    let base = format!("/ui/groups/{}/assignments", group.id);
    let access_options = vec![
        ("member".to_string(), "Member".to_string()),
        ("owner".to_string(), "Owner".to_string()),
    ];
    let chosen_text = chosen.map(|c| c.to_string()).unwrap_or_default();
    let options: Vec<(String, String, Option<String>)> = people
        .iter()
        .map(|(id, name, detail)| (id.to_string(), name.clone(), Some(detail.clone())))
        .collect();
    let permanent_eligible = !policy.eligible_assignment.expiration_required;
    let permanent_active = !policy.active_assignment.expiration_required;
    {
        {
            page(
                console,
                Nav::Groups,
                &format!("{} · Add assignments", group.display_name),
                html! {
                    (group_head(group, Section::Assignments, "Add assignments"))
                    (error_summary(errors))
                    section.card {
                        h2 { "1. Role and who" }
                        form.search method="get" action=(format!("{base}/new")) role="search" {
                            (select("access", "Select role", &access_options, access.as_str(), &Errors::default(), None))
                            (Field::new(Kind::Search, "q", "Search users and groups").value(search.clone()).render())
                            button.button.secondary type="submit" { "Search" }
                        }
                    }
                    section.card {
                        h2 { "2. Assignment" }
                        form.stack method="post" action=(base.clone()) novalidate {
                            (csrf_field(console))
                            input type="hidden" name="access" value=(access);
                            input type="hidden" name="q" value=(search);
                            @let principal_error = errors.field("principal");
                            fieldset.field.radios.has-error[principal_error.is_some()] id="f-principal" {
                                legend { "Select a " (view::access(access).to_lowercase()) }
                                @if let Some(error) = principal_error {
                                    p.field-error { span.visually-hidden { "Error: " } (error) }
                                }
                                @if options.is_empty() {
                                    p.hint { "No user or group matches. Search again above." }
                                }
                                div.pick-list {
                                    @for (value, name, detail) in &options {
                                        @let id = format!("f-principal-{value}");
                                        div.check {
                                            input type="radio" id=(id) name="principal" value=(value) checked[*value == chosen_text];
                                            label for=(id) {
                                                (name)
                                                @if let Some(detail) = detail { " " span.muted { (detail) } }
                                            }
                                        }
                                    }
                                }
                            }
                            (radios("kind", "Assignment type", &[
                                ("eligible", "Eligible", Some("Must activate to use the role.")),
                                ("active", "Active", Some("Holds the role without activating.")),
                            ], match kind { ScheduleKind::Eligible => "eligible", ScheduleKind::Active => "active" }, errors))
                            (schedule_fields(form, errors, permanent_eligible, permanent_active, &policy))
                            (Field::new(Kind::TextArea, "justification", "Justification")
                                .value(form.value("justification")).maxlength(MAX_JUSTIFICATION_CHARS)
                                .required(policy.active_assignment_requirements.justification && kind == ScheduleKind::Active)
                                .hint(if policy.active_assignment_requirements.justification { "Required for active assignments." } else { "Kept in the audit log." })
                                .errors(errors).render())
                            @if policy.active_assignment_requirements.mfa {
                                (Field::new(Kind::Code, "totp", "Your authenticator code")
                                    .hint("Active assignments in this group need a code verified in the last 10 minutes.")
                                    .errors(errors).render())
                            }
                            div.actions {
                                button.button.primary type="submit" { "Assign" }
                                a.button.secondary href=(base) { "Cancel" }
                            }
                        }
                    }
                },
            )
        }
    }
}

/// Start, end and "Permanently" (only where the policy allows a permanent assignment).
fn schedule_fields(
    form: &FormData,
    errors: &Errors,
    permanent_eligible: bool,
    permanent_active: bool,
    policy: &PolicySettings,
) -> Markup {
    let hint_permanent = match (permanent_eligible, permanent_active) {
        (true, true) => "No end date.",
        (true, false) => "Allowed for eligible assignments only.",
        (false, true) => "Allowed for active assignments only.",
        (false, false) => "",
    };
    let end_hint = format!(
        "Leave empty for the longest the settings allow: {} eligible, {} active.",
        view::duration(policy.eligible_assignment.maximum.as_delta()),
        view::duration(policy.active_assignment.maximum.as_delta())
    );
    html! {
        @if permanent_eligible || permanent_active {
            (checkbox("permanent", "Permanently", form.checked("permanent"), Some(hint_permanent)))
        }
        div.field-row {
            (Field::new(Kind::DateTime, "start", "Start (UTC)").value(form.value("start"))
                .hint("Leave empty to start now.").errors(errors).render())
            (Field::new(Kind::DateTime, "end", "End (UTC)").value(form.value("end"))
                .hint(end_hint).errors(errors).render())
        }
    }
}

/// The requested schedule from the form; a missing end means the policy's longest.
fn schedule_from(
    form: &FormData,
    errors: &mut Errors,
    policy: &PolicySettings,
    kind: ScheduleKind,
) -> Option<RequestedSchedule> {
    let mut read = |name: &'static str| {
        form.get(name).and_then(|text| {
            let parsed = parse_time(&text);
            if parsed.is_none() {
                errors.add(name, "Enter a date and time, such as 2026-02-01 17:00.");
            }
            parsed
        })
    };
    let start = read("start");
    let end = read("end");
    let expiration = if form.checked("permanent") {
        Expiration::NoExpiration
    } else if let Some(end) = end {
        Expiration::AfterDateTime(end)
    } else {
        Expiration::AfterDuration(policy.assignment_expiration(kind).maximum)
    };
    Some(RequestedSchedule { start, expiration })
}

/// `POST /ui/groups/{id}/assignments`
pub async fn create(Path(id): Path<String>, Posted { mut console, form }: Posted) -> Response {
    let group = match group_for(&console, &id) {
        Ok(group) => group,
        Err(error) => return error.into_response(),
    };
    let access = access_of(form.get("access").as_deref());
    let kind = kind_of(form.get("kind").as_deref());
    let policy = console.app.read(|state| settings(state, &group, access));
    let mut errors = Errors::default();
    let principal = form
        .get("principal")
        .and_then(|p| p.parse::<PrincipalId>().ok());
    if principal.is_none() {
        errors.add("principal", "Select who to assign.");
    }
    let schedule = schedule_from(&form, &mut errors, &policy, kind);
    if let (true, Some(code)) = (errors.is_empty(), form.get("totp")) {
        if let Err(step) = super::step_up_into(&mut console, code, "totp").await {
            errors = step;
        }
    }
    if let (true, Some(principal)) = (errors.is_empty(), principal) {
        let input = RequestInput {
            kind,
            action: RequestAction::AdminAssign,
            group_id: group.id,
            principal_id: principal,
            access,
            schedule,
            justification: form.get("justification"),
            ticket: None,
            is_validation_only: false,
        };
        match console
            .app
            .submit_request(&console.session, &console.meta, input)
            .await
        {
            Ok(_) => {
                let tab = if kind == ScheduleKind::Active {
                    "active"
                } else {
                    "eligible"
                };
                return console.finish(Redirect::to(&format!(
                    "/ui/groups/{}/assignments?tab={tab}&notice=assigned",
                    group.id
                )));
            }
            Err(error) => errors = Errors::from_app(error, &field_of),
        }
    }
    let body = add_page(&console, &group, &form, &errors);
    (StatusCode::BAD_REQUEST, console.finish(body)).into_response()
}

/// `GET /ui/groups/{id}/assignments/edit?principal=&access=&kind=`
pub async fn edit_form(
    console: Console,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let group = match group_for(&console, &id) {
        Ok(group) => group,
        Err(error) => return error.into_response(),
    };
    let mut form = FormData::default();
    for key in ["principal", "access", "kind"] {
        if let Some(value) = query.get(key) {
            form.0.push((key.to_string(), value.clone()));
        }
    }
    let current = current_window(&console, &group, &form);
    if let Some((start, end)) = current {
        form.0.push(("start".into(), time_value(start)));
        match end {
            Some(end) => form.0.push(("end".into(), time_value(end))),
            None => form.0.push(("permanent".into(), "on".into())),
        }
    }
    let body = edit_page(&console, &group, &form, &Errors::default());
    console.finish(body)
}

type WindowEnds = (
    chrono::DateTime<chrono::Utc>,
    Option<chrono::DateTime<chrono::Utc>>,
);

fn current_window(console: &Console, group: &Group, form: &FormData) -> Option<WindowEnds> {
    let principal = form.get("principal")?.parse::<PrincipalId>().ok()?;
    let access = access_of(form.get("access").as_deref());
    let kind = kind_of(form.get("kind").as_deref());
    let now = console.now;
    console.app.read(|state| {
        state
            .schedules_for(group.id, principal, access, kind)
            .filter(|s| s.is_open_at(now))
            .max_by_key(|s| (s.created_at, s.id))
            .map(|s| (s.window.start, s.window.end))
    })
}

fn edit_page(console: &Console, group: &Group, form: &FormData, errors: &Errors) -> Markup {
    let access = access_of(form.get("access").as_deref());
    let kind = kind_of(form.get("kind").as_deref());
    let principal = form
        .get("principal")
        .and_then(|p| p.parse::<PrincipalId>().ok());
    let (name, policy) = console.app.read(|state| {
        (
            principal
                .map(|p| view::principal(state, p))
                .unwrap_or_default(),
            settings(state, group, access),
        )
    });
    let permanent_eligible = !policy.eligible_assignment.expiration_required;
    let permanent_active = !policy.active_assignment.expiration_required;
    let allow = match kind {
        ScheduleKind::Eligible => permanent_eligible,
        ScheduleKind::Active => permanent_active,
    };
    let base = format!("/ui/groups/{}/assignments", group.id);
    page(
        console,
        Nav::Groups,
        &format!("{} · Update assignment", group.display_name),
        html! {
            (group_head(group, Section::Assignments, "Update assignment"))
            (error_summary(errors))
            section.card {
                p { strong { (name.0) } " (" (name.1) ") · " (super::groups::access_kind(access, kind)) }
                form.stack method="post" action=(format!("{base}/update")) novalidate {
                    (csrf_field(console))
                    input type="hidden" name="principal" value=(form.value("principal"));
                    input type="hidden" name="access" value=(access);
                    input type="hidden" name="kind" value=(form.get("kind").unwrap_or_else(|| "eligible".into()));
                    (schedule_fields(form, errors, allow && kind == ScheduleKind::Eligible, allow && kind == ScheduleKind::Active, &policy))
                    (Field::new(Kind::TextArea, "justification", "Justification")
                        .value(form.value("justification")).maxlength(MAX_JUSTIFICATION_CHARS)
                        .errors(errors).render())
                    div.actions {
                        button.button.primary type="submit" { "Save" }
                        a.button.secondary href=(base) { "Cancel" }
                    }
                }
            }
        },
    )
}

/// `POST /ui/groups/{id}/assignments/update`
pub async fn update(Path(id): Path<String>, Posted { console, form }: Posted) -> Response {
    let group = match group_for(&console, &id) {
        Ok(group) => group,
        Err(error) => return error.into_response(),
    };
    let access = access_of(form.get("access").as_deref());
    let kind = kind_of(form.get("kind").as_deref());
    let policy = console.app.read(|state| settings(state, &group, access));
    let mut errors = Errors::default();
    let schedule = schedule_from(&form, &mut errors, &policy, kind);
    let principal = form
        .get("principal")
        .and_then(|p| p.parse::<PrincipalId>().ok());
    if let (true, Some(principal)) = (errors.is_empty(), principal) {
        let input = RequestInput {
            kind,
            action: RequestAction::AdminUpdate,
            group_id: group.id,
            principal_id: principal,
            access,
            schedule,
            justification: form.get("justification"),
            ticket: None,
            is_validation_only: false,
        };
        match console
            .app
            .submit_request(&console.session, &console.meta, input)
            .await
        {
            Ok(_) => {
                return Redirect::to(&format!(
                    "/ui/groups/{}/assignments?tab={}&notice=updated",
                    group.id,
                    if kind == ScheduleKind::Active {
                        "active"
                    } else {
                        "eligible"
                    }
                ))
                .into_response()
            }
            Err(error) => errors = Errors::from_app(error, &field_of),
        }
    } else if principal.is_none() {
        errors.general("Choose an assignment to update.");
    }
    let body = edit_page(&console, &group, &form, &errors);
    (StatusCode::BAD_REQUEST, console.finish(body)).into_response()
}
