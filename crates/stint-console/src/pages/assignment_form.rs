//! Add assignments and Update (SPEC A1–A8): Member or Owner, principals picked with a search box
//! (filtering users and groups by name), Eligible or Active, "Permanently" only where the group's
//! policy allows it, start and end, and the justification the policy may require.
//!
//! "Add assignments" is one form: its Search button posts everything chosen so far to `…/new`,
//! which shows the page again with the same choices and the principals found, and Assign posts it
//! to be assigned. So the role, type, dates and justification picked before a search are the ones
//! assigned. Posted fields are read strictly: a missing or unknown role, type or principal is an
//! error under its field, never a default.

use std::collections::HashMap;
use std::str::FromStr;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use stint_app::view::{PageAsk, Whose};
use stint_app::View;
use stint_core::directory::Group;
use stint_core::ids::PrincipalId;
use stint_core::policy::PolicySettings;
use stint_core::request::{Expiration, GroupAccess, RequestAction, RequestedSchedule};
use stint_core::rules::assignments::{RequestInput, MAX_JUSTIFICATION_CHARS};
use stint_core::schedule::{Access, ScheduleKind};
use stint_core::time_zone::TimeZone;

use super::groups::{group_for, group_head, GroupPage, Section};
use crate::error::UiError;
use crate::forms::{time_value, Errors, FormData, Posted};
use crate::layout::{csrf_field, page, Nav};
use crate::session::Console;
use crate::widgets::{checkbox, radios, select, Field, Kind};
use crate::wording;

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

/// The role shown on a page (Member until one is picked); posts read it with [`access_from`].
fn access_of(text: Option<&str>) -> Access {
    text.and_then(|a| a.parse().ok()).unwrap_or(Access::Member)
}

/// The assignment type shown on a page (Eligible until one is picked).
fn kind_of(text: Option<&str>) -> ScheduleKind {
    kind_named(text.unwrap_or_default()).unwrap_or(ScheduleKind::Eligible)
}

fn kind_named(text: &str) -> Option<ScheduleKind> {
    match text.to_ascii_lowercase().as_str() {
        "eligible" => Some(ScheduleKind::Eligible),
        "active" => Some(ScheduleKind::Active),
        _ => None,
    }
}

/// The posted value of `name` read with `parse`; when missing or unreadable, `None` and the
/// message under the field.
fn required<T>(
    form: &FormData,
    errors: &mut Errors,
    name: &'static str,
    parse: impl Fn(&str) -> Option<T>,
    message: &str,
) -> Option<T> {
    let value = form.get(name).and_then(|text| parse(&text));
    if value.is_none() {
        errors.add(name, message);
    }
    value
}

/// [`required`] for a value that reads itself from text.
fn required_parsed<T: FromStr>(
    form: &FormData,
    errors: &mut Errors,
    name: &'static str,
    message: &str,
) -> Option<T> {
    required(form, errors, name, |text| text.parse().ok(), message)
}

fn access_from(form: &FormData, errors: &mut Errors) -> Option<Access> {
    required_parsed(form, errors, "access", "Select a role: Member or Owner.")
}

fn kind_from(form: &FormData, errors: &mut Errors) -> Option<ScheduleKind> {
    required(
        form,
        errors,
        "kind",
        kind_named,
        "Select an assignment type: Eligible or Active.",
    )
}

fn principal_from(form: &FormData, errors: &mut Errors) -> Option<PrincipalId> {
    required_parsed(
        form,
        errors,
        "principal",
        "Pick a user or group from the list.",
    )
}

/// `GET /ui/groups/{id}/assignments/new?access=&kind=&q=`
pub async fn new_form(
    GroupPage { console, group }: GroupPage,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let form = FormData::from_query(&query, &["access", "kind", "q"]);
    let body = add_page(&console, &group, &form, &Errors::default());
    console.finish(body)
}

/// `POST /ui/groups/{id}/assignments/new`: the Search button. Shows the page again with the
/// principals found and every choice made so far; changes nothing.
pub async fn search(
    Path(id): Path<String>,
    Posted { console, form }: Posted,
) -> Result<Response, UiError> {
    let group = group_for(&console, &id)?;
    let body = add_page(&console, &group, &form, &Errors::default());
    Ok(console.finish(body))
}

/// Users and groups whose name contains the search, for the picker.
fn candidates(
    view: &View<'_>,
    group: &Group,
    access: Access,
    search: &str,
    keep: Option<PrincipalId>,
) -> Vec<(PrincipalId, String, String)> {
    // The first matches of each list in name order are enough: the picker shows the first
    // SEARCH_RESULTS of both (issue 19 item 12: no sort of every user).
    let mut found: Vec<(PrincipalId, String, String)> = view
        .users_page(&PageAsk::first_found(SEARCH_RESULTS, search))
        .items
        .into_iter()
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
            view.live_groups_page(&PageAsk::first_found(SEARCH_RESULTS + 1, search))
                .items
                .into_iter()
                .filter(|g| g.id != group.id)
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
            let (name, detail) = wording::principal(view, keep);
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
    let (people, policy) = {
        let view = console.view();
        (
            candidates(&view, group, access, &search, chosen),
            view.policy_settings(group.id, access),
        )
    };
    let base = format!("/ui/groups/{}/assignments", group.id);
    // A role or type refused is shown unpicked, so the page never shows a choice not made.
    let mut access_options = vec![
        ("member".to_string(), "Member".to_string()),
        ("owner".to_string(), "Owner".to_string()),
    ];
    let access_shown = if errors.field("access").is_some() {
        access_options.insert(0, (String::new(), "Select a role".to_string()));
        ""
    } else {
        access.as_str()
    };
    let kind_shown = match (errors.field("kind"), kind) {
        (Some(_), _) => "",
        (None, ScheduleKind::Eligible) => "eligible",
        (None, ScheduleKind::Active) => "active",
    };
    let chosen_text = chosen.map(|c| c.to_string()).unwrap_or_default();
    let permanent_eligible = !policy.eligible_assignment.expiration_required;
    let permanent_active = !policy.active_assignment.expiration_required;
    let head = group_head(group, Section::Assignments, "Add assignments").errors(errors);
    let body = html! {
        form method="post" action=(base) novalidate {
            (csrf_field(console))
            section.card {
                h2 { "1. Role and who" }
                (select("access", "Select role", &access_options, access_shown, errors,
                    Some("Users can be members or owners; groups can only be members.")))
                div.search-row role="search" {
                    (Field::new(Kind::Search, "q", "Search users and groups").value(search.clone()).render())
                    // The first submit button: pressing Enter in a field searches, never assigns.
                    button.button.secondary type="submit" formaction=(format!("{base}/new")) { "Search" }
                }
                (principal_picker(&people, &chosen_text, errors))
            }
            section.card.stack {
                h2 { "2. Assignment" }
                (radios("kind", "Assignment type", &[
                    ("eligible", "Eligible", Some("Must activate to use the role.")),
                    ("active", "Active", Some("Holds the role without activating.")),
                ], kind_shown, errors))
                (schedule_fields(form, errors, console.zone(), permanent_eligible, permanent_active, &policy))
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
    };
    page(console, Nav::Groups, head, body)
}

/// The principals found, one radio each; `chosen` stays picked.
fn principal_picker(
    people: &[(PrincipalId, String, String)],
    chosen: &str,
    errors: &Errors,
) -> Markup {
    let error = errors.field("principal");
    html! {
        fieldset.field.radios.has-error[error.is_some()] id="f-principal" {
            legend { "Select who to assign" }
            @if let Some(error) = error {
                p.field-error { span.visually-hidden { "Error: " } (error) }
            }
            @if people.is_empty() {
                p.hint { "No user or group matches. Search again." }
            }
            div.pick-list {
                @for (id, name, detail) in people {
                    @let value = id.to_string();
                    @let input_id = format!("f-principal-{value}");
                    div.check {
                        input type="radio" id=(input_id) name="principal" value=(value) checked[value == chosen];
                        label for=(input_id) { (name) " " span.muted { (detail) } }
                    }
                }
            }
        }
    }
}

/// Start, end and "Permanently" (only where the policy allows a permanent assignment).
fn schedule_fields(
    form: &FormData,
    errors: &Errors,
    zone: TimeZone,
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
        wording::duration(policy.eligible_assignment.maximum.as_delta()),
        wording::duration(policy.active_assignment.maximum.as_delta())
    );
    html! {
        @if permanent_eligible || permanent_active {
            (checkbox("permanent", "Permanently", form.checked("permanent"), Some(hint_permanent)))
        }
        div.field-row {
            (Field::new(Kind::DateTime, "start", &wording::in_zone_label("Start", zone)).value(form.value("start"))
                .hint("Leave empty to start now.").errors(errors).render())
            (Field::new(Kind::DateTime, "end", &wording::in_zone_label("End", zone)).value(form.value("end"))
                .hint(end_hint).errors(errors).render())
        }
    }
}

/// Start, end and "Permanently" as posted.
struct Times {
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    permanent: bool,
}

impl Times {
    /// The schedule asked for; no end and not permanent means the policy's longest.
    fn schedule(&self, policy: &PolicySettings, kind: ScheduleKind) -> RequestedSchedule {
        let expiration = match (self.permanent, self.end) {
            (true, _) => Expiration::NoExpiration,
            (false, Some(end)) => Expiration::AfterDateTime(end),
            (false, None) => Expiration::AfterDuration(policy.assignment_expiration(kind).maximum),
        };
        RequestedSchedule {
            start: self.start,
            expiration,
        }
    }
}

/// Reads start, end and "Permanently"; an unreadable time, or an end with "Permanently", is an
/// error under its field.
fn times_from(form: &FormData, zone: TimeZone, errors: &mut Errors) -> Times {
    let start = form.time("start", zone, errors);
    let end = form.time("end", zone, errors);
    let permanent = form.checked("permanent");
    if permanent && end.is_some() {
        errors.add("end", "Either give an end or tick Permanently, not both.");
    }
    Times {
        start,
        end,
        permanent,
    }
}

/// `POST /ui/groups/{id}/assignments`: the Assign button.
pub async fn create(
    Path(id): Path<String>,
    Posted { mut console, form }: Posted,
) -> Result<Response, UiError> {
    let group = group_for(&console, &id)?;
    let mut errors = Errors::default();
    let access = access_from(&form, &mut errors);
    let principal = principal_from(&form, &mut errors);
    let kind = kind_from(&form, &mut errors);
    let times = times_from(&form, console.zone(), &mut errors);
    if let (true, Some(access), Some(principal), Some(kind)) =
        (errors.is_empty(), access, principal, kind)
    {
        let policy = console.view().policy_settings(group.id, access);
        let input = RequestInput {
            kind,
            action: RequestAction::AdminAssign,
            target: GroupAccess {
                group_id: group.id,
                access,
            },
            principal_id: principal,
            schedule: Some(times.schedule(&policy, kind)),
            justification: form.get("justification"),
            ticket: None,
            is_validation_only: false,
        };
        match assign(&mut console, &form, input).await {
            Ok(()) => {
                let tab = if kind == ScheduleKind::Active {
                    "active"
                } else {
                    "eligible"
                };
                return Ok(console.finish(Redirect::to(&format!(
                    "/ui/groups/{}/assignments?tab={tab}&notice=assigned",
                    group.id
                ))));
            }
            Err(refused) => errors = refused,
        }
    }
    let body = add_page(&console, &group, &form, &errors);
    Ok((StatusCode::BAD_REQUEST, console.finish(body)).into_response())
}

/// Steps up with the code given, if any, then submits the assignment.
async fn assign(console: &mut Console, form: &FormData, input: RequestInput) -> Result<(), Errors> {
    if let Some(code) = form.get("totp") {
        super::step_up_into(console, code, "totp").await?;
    }
    console
        .submit_request(input)
        .await
        .map(|_| ())
        .map_err(|error| Errors::from_app(error, &field_of))
}

/// The assignment an Update page is about, as its link or form names it.
#[derive(Clone, Copy)]
struct Target {
    principal: PrincipalId,
    access: Access,
    kind: ScheduleKind,
}

impl Target {
    /// Principal, role and type, each read strictly; `None` if any is missing or unknown.
    fn from_form(form: &FormData) -> Option<Target> {
        let mut errors = Errors::default();
        let principal = principal_from(form, &mut errors);
        let access = access_from(form, &mut errors);
        let kind = kind_from(form, &mut errors);
        Some(Target {
            principal: principal?,
            access: access?,
            kind: kind?,
        })
    }

    fn kind_name(self) -> &'static str {
        match self.kind {
            ScheduleKind::Eligible => "eligible",
            ScheduleKind::Active => "active",
        }
    }
}

fn no_target() -> Response {
    UiError::BadRequest(
        "This does not name an assignment (who, Member or Owner, Eligible or Active); open it again from the group's Assignments page."
            .into(),
    )
    .into_response()
}

/// `GET /ui/groups/{id}/assignments/edit?principal=&access=&kind=`
pub async fn edit_form(
    GroupPage { console, group }: GroupPage,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut form = FormData::from_query(&query, &["principal", "access", "kind"]);
    let Some(target) = Target::from_form(&form) else {
        return no_target();
    };
    if let Some((start, end)) = current_window(&console, &group, target) {
        form.0
            .push(("start".into(), time_value(start, console.zone())));
        match end {
            Some(end) => form.0.push(("end".into(), time_value(end, console.zone()))),
            None => form.0.push(("permanent".into(), "on".into())),
        }
    }
    let body = edit_page(&console, &group, target, &form, &Errors::default());
    console.finish(body)
}

fn current_window(
    console: &Console,
    group: &Group,
    target: Target,
) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let view = console.view();
    view.schedules(Whose::Group(group.id), target.kind)
        .into_iter()
        .filter(|s| s.principal_id == target.principal && s.access() == target.access)
        .filter(|s| s.is_open_at(view.now()))
        .max_by_key(|s| (s.created_at, s.id))
        .map(|s| (s.window.start, s.window.end))
}

fn edit_page(
    console: &Console,
    group: &Group,
    target: Target,
    form: &FormData,
    errors: &Errors,
) -> Markup {
    let Target {
        principal,
        access,
        kind,
    } = target;
    let (name, policy) = {
        let view = console.view();
        (
            wording::principal(&view, principal),
            view.policy_settings(group.id, access),
        )
    };
    let allow = match kind {
        ScheduleKind::Eligible => !policy.eligible_assignment.expiration_required,
        ScheduleKind::Active => !policy.active_assignment.expiration_required,
    };
    let base = format!("/ui/groups/{}/assignments", group.id);
    let head = group_head(group, Section::Assignments, "Update assignment").errors(errors);
    let body = html! {
        section.card {
            p { strong { (name.0) } " (" (name.1) ") · " (super::groups::access_kind(access, kind)) }
            form.stack method="post" action=(format!("{base}/update")) novalidate {
                (csrf_field(console))
                input type="hidden" name="principal" value=(principal.to_string());
                input type="hidden" name="access" value=(access);
                input type="hidden" name="kind" value=(target.kind_name());
                (schedule_fields(form, errors, console.zone(), allow && kind == ScheduleKind::Eligible, allow && kind == ScheduleKind::Active, &policy))
                (Field::new(Kind::TextArea, "justification", "Justification")
                    .value(form.value("justification")).maxlength(MAX_JUSTIFICATION_CHARS)
                    .errors(errors).render())
                div.actions {
                    button.button.primary type="submit" { "Save" }
                    a.button.secondary href=(base) { "Cancel" }
                }
            }
        }
    };
    page(console, Nav::Groups, head, body)
}

/// `POST /ui/groups/{id}/assignments/update`
pub async fn update(
    Path(id): Path<String>,
    Posted { console, form }: Posted,
) -> Result<Response, UiError> {
    let group = group_for(&console, &id)?;
    let Some(target) = Target::from_form(&form) else {
        return Ok(no_target());
    };
    let mut errors = Errors::default();
    let times = times_from(&form, console.zone(), &mut errors);
    if errors.is_empty() {
        let policy = console.view().policy_settings(group.id, target.access);
        let input = RequestInput {
            kind: target.kind,
            action: RequestAction::AdminUpdate,
            target: GroupAccess {
                group_id: group.id,
                access: target.access,
            },
            principal_id: target.principal,
            schedule: Some(times.schedule(&policy, target.kind)),
            justification: form.get("justification"),
            ticket: None,
            is_validation_only: false,
        };
        match console.submit_request(input).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!(
                    "/ui/groups/{}/assignments?tab={}&notice=updated",
                    group.id,
                    target.kind_name()
                ))
                .into_response());
            }
            Err(error) => errors = Errors::from_app(error, &field_of),
        }
    }
    let body = edit_page(&console, &group, target, &form, &errors);
    Ok((StatusCode::BAD_REQUEST, console.finish(body)).into_response())
}
