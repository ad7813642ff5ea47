//! Posted forms: reading `application/x-www-form-urlencoded` bodies (with repeated fields), the
//! CSRF check every state-changing form goes through, and the errors shown next to fields.
//!
//! A refusal from the rules (`Violation`) is shown in a person's words next to the field it
//! concerns: the one named by `violation.field`, or, for
//! `RoleAssignmentRequestPolicyValidationFailed`, the fields of the policy rules the message
//! names. Each page says which of its inputs stands for which field.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use maud::Markup;
use stint_app::{AppError, AppResult};
use stint_core::time_zone::{SkippedTime, TimeZone};
use stint_core::{in_words, Violation};

use super::error::UiError;
use super::session::Console;
use super::{csrf, UiState};

/// The fields of a posted form, in order, repeated names kept.
#[derive(Clone, Debug, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The values of `names` in a query string, as a form to show again.
    pub fn from_query(query: &HashMap<String, String>, names: &[&str]) -> FormData {
        let picked = names
            .iter()
            .filter_map(|name| Some((name.to_string(), query.get(*name)?.clone())))
            .collect();
        FormData(picked)
    }

    /// The first value of `name`, trimmed; `None` when missing or blank.
    pub fn get(&self, name: &str) -> Option<String> {
        self.raw(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// The first value of `name` as typed (for passwords), `None` when missing or empty.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Whether the checkbox `name` was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(key, _)| key == name)
    }

    /// The `datetime-local` value of `name`, a wall-clock time in `zone`, as the instant it
    /// names; `None` when blank, or when unreadable or skipped by the zone's clocks, then with an
    /// error under the field.
    pub fn time(
        &self,
        name: &'static str,
        zone: TimeZone,
        errors: &mut Errors,
    ) -> Option<DateTime<Utc>> {
        let text = self.get(name)?;
        let Some(wall_clock) = parse_wall_clock(&text) else {
            errors.add(name, "Enter a date and time, such as 2026-02-01 17:00.");
            return None;
        };
        match zone.instant(wall_clock) {
            Ok(at) => Some(at),
            Err(SkippedTime) => {
                errors.add(
                    name,
                    format!(
                        "The clocks in {zone} skip that time (summer time starts): choose another."
                    ),
                );
                None
            }
        }
    }

    /// The value of `name`, or an empty string (to put back in the form).
    pub fn value(&self, name: &str) -> String {
        self.raw(name).unwrap_or_default().to_string()
    }
}

/// A signed-in POST: the session, then the body, then the CSRF check, before any handler runs.
/// A body without the session's CSRF value is refused with a 403 page and changes nothing.
#[derive(Debug)]
pub struct Posted {
    pub console: Console,
    pub form: FormData,
}

impl FromRequest<UiState> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, ui: &UiState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let console = Console::from_request_parts(&mut parts, ui).await?;
        let request = Request::from_parts(parts, body);
        let form = read_form(request, ui).await?;
        let given = form.raw(csrf::FIELD).unwrap_or_default();
        if !csrf::same(given, &console.csrf) {
            return Err(UiError::csrf().into_response());
        }
        Ok(Posted { console, form })
    }
}

/// Reads a form body (the router limits its size), refusing anything else with a 400 page.
pub async fn read_form(request: Request, ui: &UiState) -> Result<FormData, Response> {
    axum::extract::Form::<Vec<(String, String)>>::from_request(request, ui)
        .await
        .map(|axum::extract::Form(pairs)| FormData(pairs))
        .map_err(|_| {
            UiError::BadRequest("The form could not be read; send it as the page does.".into())
                .into_response()
        })
}

/// Where a button that acts with no form of its own leads: on to `done` when the app did it, else
/// back to the page `again` makes, with the app's refusal at its top (a 400).
pub fn done_or_again<T>(
    console: &Console,
    result: AppResult<T>,
    done: &str,
    again: impl FnOnce(&Errors) -> Markup,
) -> Response {
    match result {
        Ok(_) => Redirect::to(done).into_response(),
        Err(error) => {
            let errors = Errors::from_app(error, &|_| None);
            (StatusCode::BAD_REQUEST, console.finish(again(&errors))).into_response()
        }
    }
}

/// What went wrong with a form: messages by field, and messages about the whole form.
#[derive(Clone, Debug, Default)]
pub struct Errors {
    pub fields: BTreeMap<&'static str, String>,
    pub general: Vec<String>,
}

impl Errors {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_empty()
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.fields.entry(field).or_insert_with(|| message.into());
    }

    pub fn general(&mut self, message: impl Into<String>) {
        self.general.push(message.into());
    }

    /// An error of the app: a rule's refusal goes next to its field (found through `map`, which
    /// turns a violation's field or policy rule name into one of the page's inputs); anything
    /// else is a message about the whole form.
    pub fn from_app(error: AppError, map: &dyn Fn(&str) -> Option<&'static str>) -> Errors {
        let mut errors = Errors::default();
        match error {
            AppError::Rule(violation) => errors.add_violation(&violation, map),
            AppError::Unauthenticated => {
                errors.general("Your session ended; sign in again.");
            }
            AppError::Store(store) => {
                tracing::error!(error = %store, "store failure");
                errors.general("The service cannot complete this right now; retry shortly.");
            }
            AppError::Busy => {
                errors.general("The service is busy; retry shortly.");
            }
            AppError::Throttled {
                retry_after_seconds,
            } => errors.general(super::error::too_many_attempts(retry_after_seconds)),
        }
        errors
    }

    /// Puts `violation`, in a person's words, next to every input it concerns (each failed
    /// policy rule's own sentence next to that rule's input), or at the top of the form.
    pub fn add_violation(
        &mut self,
        violation: &Violation,
        map: &dyn Fn(&str) -> Option<&'static str>,
    ) {
        let said = violation.in_words();
        let mut placed = false;
        if let Some(field) = violation.field.and_then(map) {
            self.add(field, said.clone());
            placed = true;
        }
        let detail = violation.message.split_once("]. ").map_or("", |(_, d)| d);
        let mut elsewhere = Vec::new();
        for rule in in_words::failed_policy_rules(&violation.message) {
            let sentence = in_words::policy_rule_in_words(rule, detail);
            match map(rule.as_str()) {
                Some(field) => {
                    self.add(field, sentence);
                    placed = true;
                }
                None => elsewhere.push(sentence),
            }
        }
        if placed && !elsewhere.is_empty() {
            self.general(elsewhere.join(" "));
        }
        if !placed {
            if let Some(field) = map(violation.code.as_str()) {
                self.add(field, said.clone());
                placed = true;
            }
        }
        if !placed {
            self.general(said);
        }
    }
}

/// Reads a `datetime-local` value (`2026-01-05T09:30`, seconds optional) as a wall-clock time.
fn parse_wall_clock(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// A time as a `datetime-local` value on the clocks of `zone`.
pub fn time_value(at: DateTime<Utc>, zone: TimeZone) -> String {
    zone.local(at).format("%Y-%m-%dT%H:%M").to_string()
}

/// Reads a date (`2026-01-05`) as the start of that day in `zone` (its first instant, when the
/// clocks skip midnight).
pub fn parse_date(text: &str, zone: TimeZone) -> Option<DateTime<Utc>> {
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    (0..24)
        .filter_map(|hour| date.and_hms_opt(hour, 0, 0))
        .find_map(|wall_clock| zone.instant(wall_clock).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use stint_core::{ErrorCode, PolicyRule};

    #[test]
    fn policy_failures_go_next_to_each_named_rule() {
        let violation =
            Violation::policy_failed(&[PolicyRule::JustificationRule, PolicyRule::MfaRule], "x");
        let map = |key: &str| match key {
            "JustificationRule" => Some("justification"),
            "MfaRule" => Some("totp"),
            _ => None,
        };
        let mut errors = Errors::default();
        errors.add_violation(&violation, &map);
        assert!(errors.field("justification").is_some());
        assert!(errors.field("totp").is_some());
        assert!(errors.general.is_empty());
    }

    #[test]
    fn a_violation_without_a_known_field_is_about_the_whole_form() {
        let violation = Violation::new(ErrorCode::RoleAssignmentExists, "exists");
        let mut errors = Errors::default();
        errors.add_violation(&violation, &|_| None);
        assert_eq!(errors.general, vec!["exists".to_string()]);
    }

    #[test]
    fn datetime_local_values_are_read_on_the_clocks_of_the_persons_zone() {
        let read = |text: &str, zone: TimeZone| {
            let form = FormData(vec![("start".into(), text.into())]);
            let mut errors = Errors::default();
            (form.time("start", zone, &mut errors), errors)
        };
        let (at, _) = read("2026-01-05T09:30", TimeZone::UTC);
        let at = at.unwrap();
        assert_eq!(at.to_rfc3339(), "2026-01-05T09:30:00+00:00");
        assert_eq!(time_value(at, TimeZone::UTC), "2026-01-05T09:30");

        let paris = TimeZone::named("Europe/Paris").unwrap();
        let (at, _) = read("2026-01-05T09:30", paris);
        let at = at.unwrap();
        assert_eq!(at.to_rfc3339(), "2026-01-05T08:30:00+00:00");
        assert_eq!(time_value(at, paris), "2026-01-05T09:30");

        let (skipped, errors) = read("2026-03-29T02:30", paris);
        assert!(skipped.is_none());
        assert!(errors.field("start").unwrap().contains("Europe/Paris skip"));
        let (unreadable, errors) = read("yesterday", paris);
        assert!(unreadable.is_none());
        assert!(errors.field("start").unwrap().contains("such as"));
    }

    #[test]
    fn a_date_starts_at_midnight_in_the_persons_zone() {
        let tokyo = TimeZone::named("Asia/Tokyo").unwrap();
        let start = parse_date("2026-01-05", tokyo).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-01-04T15:00:00+00:00");
        assert!(parse_date("5 Jan", tokyo).is_none());
    }
}
