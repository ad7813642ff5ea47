//! Profile: who you are, the roles you hold now, and your TOTP authenticator (SPEC I5): enrol one
//! (the secret, its `otpauth://` URI and a QR code are shown once), confirm it with a first code,
//! verify a code now (a step-up, which rotates the session), or remove it.

use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use std::collections::HashMap;
use stint_core::time_zone::TimeZone;
use stint_core::totp::TotpCode;

use crate::forms::{Errors, FormData, Posted};
use crate::layout::{csrf_field, notice, page, Head, Nav, Tone};
use crate::qr;
use crate::session::Console;
use crate::widgets::{select, Field, Kind};
use crate::wording;

/// `GET /ui/profile`
pub async fn show(console: Console, Query(query): Query<HashMap<String, String>>) -> Response {
    let message = match query.get("notice").map(String::as_str) {
        Some("confirmed") => Some((
            Tone::Success,
            "Authenticator added",
            "From now on, signing in asks for a code from your authenticator app.",
        )),
        Some("verified") => Some((
            Tone::Success,
            "Code verified",
            "Actions that need a recent multi-factor authentication are allowed for the next 10 minutes.",
        )),
        Some("removed") => Some((
            Tone::Info,
            "Authenticator removed",
            "Signing in needs only your password now.",
        )),
        Some("time-zone") => Some((
            Tone::Success,
            "Time zone saved",
            "Times are shown, and read from forms, in the zone you chose.",
        )),
        _ => None,
    };
    let body = profile_page(&console, &Errors::default(), message);
    console.finish(body)
}

fn profile_page(console: &Console, errors: &Errors, message: Option<(Tone, &str, &str)>) -> Markup {
    let (roles, pending_enrolment) = {
        let view = console.view();
        let roles: Vec<String> = view
            .caller()
            .roles
            .iter()
            .map(|held| {
                let via = held
                    .via_group
                    .map(|group| format!(" (through {})", wording::group_name(&view, group)));
                format!(
                    "{}{}{}",
                    held.role.display_name(),
                    if held.scope == stint_core::directory::DirectoryScope::Directory {
                        String::new()
                    } else {
                        format!(" for {}", held.scope)
                    },
                    via.unwrap_or_default()
                )
            })
            .collect();
        let pending_enrolment = view
            .me()
            .and_then(|user| user.authenticator.as_ref())
            .is_some_and(|a| !a.confirmed);
        (roles, pending_enrolment)
    };
    let mfa = match console.session.mfa_at {
        Some(at) => format!(
            "Verified with a code at {}.",
            wording::time_text(at, console.zone())
        ),
        None => "Not verified with a code in this session.".into(),
    };
    let head = Head::new("Profile")
        .subtitle(&console.me.user_principal_name)
        .notice(message.map(|(tone, title, text)| notice(tone, title, Some(text))))
        .errors(errors);
    let body = html! {
        div.grid-2 {
            section.card {
                h2 { "Account" }
                dl.facts {
                    dt { "Name" } dd { (console.me.display_name) }
                    dt { "User name" } dd { (console.me.user_principal_name) }
                    dt { "E-mail" }
                    dd { (console.me.mail.as_deref().unwrap_or("None: an administrator can add one, so that notifications reach you")) }
                    dt { "Directory roles now" }
                    dd {
                        @if roles.is_empty() { "None" }
                        @else { ul.plain { @for role in &roles { li { (role) } } } }
                    }
                    dt { "This session" } dd { (mfa) }
                }
            }
            section.card {
                h2 { "Authenticator app" }
                @if console.me.has_totp {
                    p { (crate::layout::badge("Active")) " Sign-ins ask for a code from your authenticator app." }
                    form.stack method="post" action="/ui/profile/step-up" novalidate {
                        (csrf_field(console))
                        (Field::new(Kind::Code, "code", "Verify a code now")
                            .hint("Some activations need a code verified in the last 10 minutes.")
                            .required(true).errors(errors).render())
                        div.actions { button.button.primary type="submit" { "Verify" } }
                    }
                    form method="post" action="/ui/profile/totp/remove" {
                        (csrf_field(console))
                        p.hint { "Removing it needs a code verified in the last 10 minutes." }
                        button.button.danger type="submit" { "Remove authenticator" }
                    }
                } @else {
                    p {
                        @if pending_enrolment { "You started adding an authenticator but did not confirm it. Start again to get a new QR code." }
                        @else { "Protect your account with a time-based code (TOTP) from an authenticator app." }
                    }
                    form method="post" action="/ui/profile/totp" {
                        (csrf_field(console))
                        button.button.primary type="submit" { "Set up authenticator app" }
                    }
                }
            }
            (time_zone_card(console, errors))
        }
    };
    page(console, Nav::Profile, head, body)
}

fn time_zone_card(console: &Console, errors: &Errors) -> Markup {
    let zones: Vec<(String, String)> = std::iter::once(TimeZone::UTC)
        .chain(TimeZone::all().filter(|zone| !zone.is_utc()))
        .map(|zone| (zone.name().to_owned(), zone.name().replace('_', " ")))
        .collect();
    let zone = console.zone();
    let now = wording::time_text(console.now, zone);
    let hint = if zone.is_utc() {
        format!("Times are shown, and read from forms, in this zone. It is now {now}.")
    } else {
        format!("Times are shown, and read from forms, in this zone; hover over one to see it in UTC. It is now {now}.")
    };
    html! {
        section.card {
            h2 { "Time zone" }
            form.stack method="post" action="/ui/profile/time-zone" {
                (csrf_field(console))
                (select(TIME_ZONE, "Your time zone", &zones, zone.name(), errors, Some(&hint)))
                div.actions { button.button.secondary type="submit" { "Save time zone" } }
            }
        }
    }
}

const TIME_ZONE: &str = "time_zone";

/// `POST /ui/profile/time-zone`
pub async fn set_time_zone(Posted { console, form }: Posted) -> Response {
    let Some(zone) = form.get(TIME_ZONE).as_deref().and_then(TimeZone::named) else {
        let mut errors = Errors::default();
        errors.add(TIME_ZONE, "Choose a time zone from the list.");
        let page = profile_page(&console, &errors, None);
        return (axum::http::StatusCode::BAD_REQUEST, console.finish(page)).into_response();
    };
    match console
        .app
        .set_time_zone(&console.session, &console.meta, Some(zone))
        .await
    {
        Ok(_) => Redirect::to("/ui/profile?notice=time-zone").into_response(),
        Err(error) => {
            let errors = Errors::from_app(error, &|_| Some(TIME_ZONE));
            console.finish(profile_page(&console, &errors, None))
        }
    }
}

/// `POST /ui/profile/totp`: a new authenticator; its secret is shown on this page only.
pub async fn enrol(Posted { console, .. }: Posted) -> Response {
    match console
        .app
        .enrol_totp(&console.session, &console.meta)
        .await
    {
        Ok(enrolled) => {
            let enrolment = enrolled.value;
            let setup = Setup {
                secret: &enrolment.secret,
                otpauth_uri: &enrolment.otpauth_uri,
            };
            console.finish(setup_page(&console, &setup, &Errors::default()))
        }
        Err(error) => {
            let errors = Errors::from_app(error, &|_| None);
            console.finish(profile_page(&console, &errors, None))
        }
    }
}

/// The key of an enrolment not yet confirmed, as the setup page shows it. The confirm form posts
/// it back (the page showed it already), so a wrong code shows the same QR code and key again;
/// the app checks codes against the key it stored, never against these.
struct Setup<'a> {
    secret: &'a str,
    otpauth_uri: &'a str,
}

impl<'a> Setup<'a> {
    /// The key a confirm form posted back, if it looks like one.
    fn posted(form: &'a FormData) -> Option<Setup<'a>> {
        let secret = form.raw("secret")?;
        let otpauth_uri = form.raw("otpauth_uri")?;
        let plausible = otpauth_uri.starts_with("otpauth://totp/")
            && secret.len() <= 128
            && secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '=');
        plausible.then_some(Setup {
            secret,
            otpauth_uri,
        })
    }
}

fn setup_page(console: &Console, setup: &Setup<'_>, errors: &Errors) -> Markup {
    let qr = qr::data_uri(setup.otpauth_uri);
    let head = Head::new("Set up authenticator app")
        .subtitle("Scan the code, then type the first code the app shows.")
        .errors(errors);
    let body = html! {
        div.grid-2 {
            section.card {
                h2 { "1. Add Stint to your app" }
                @if let Some(src) = qr {
                    img.qr src=(src) width="220" height="220"
                        alt="QR code of the otpauth link below, for your authenticator app";
                }
                p.hint { "Can't scan? Enter this key in the app:" }
                p { code.secret { (setup.secret) } }
                p.hint { "Or open this link on the device that has the app:" }
                p { code.wrap { (setup.otpauth_uri) } }
                p.hint { "This key is shown only while you set up the app. Stint never shows it again." }
            }
            section.card {
                h2 { "2. Confirm with a code" }
                (confirm_form(console, Some(setup), errors))
            }
        }
    };
    page(console, Nav::Profile, head, body)
}

fn confirm_form(console: &Console, setup: Option<&Setup<'_>>, errors: &Errors) -> Markup {
    html! {
        form.stack method="post" action="/ui/profile/totp/confirm" novalidate {
            (csrf_field(console))
            @if let Some(setup) = setup {
                input type="hidden" name="secret" value=(setup.secret);
                input type="hidden" name="otpauth_uri" value=(setup.otpauth_uri);
            }
            (Field::new(Kind::Code, "code", "Code from the app")
                .required(true).errors(errors).render())
            div.actions { button.button.primary type="submit" { "Confirm" } }
        }
    }
}

/// `POST /ui/profile/totp/confirm`
pub async fn confirm(Posted { console, form }: Posted) -> Response {
    let errors = match form.get("code") {
        None => {
            let mut errors = Errors::default();
            errors.add("code", "Enter the 6-digit code your app shows.");
            errors
        }
        Some(code) => match console
            .app
            .confirm_totp(&console.session, &console.meta, TotpCode::new(code))
            .await
        {
            Ok(_) => return Redirect::to("/ui/profile?notice=confirmed").into_response(),
            Err(error) => Errors::from_app(error, &|_| Some("code")),
        },
    };
    let page = match Setup::posted(&form) {
        Some(setup) => setup_page(&console, &setup, &errors),
        None => confirm_again(&console, &errors),
    };
    (axum::http::StatusCode::BAD_REQUEST, console.finish(page)).into_response()
}

/// The confirm form without the key, for a post that did not carry it back.
fn confirm_again(console: &Console, errors: &Errors) -> Markup {
    let head = Head::new("Confirm your authenticator").errors(errors);
    let body = html! {
        section.card {
            (confirm_form(console, None, errors))
            form method="post" action="/ui/profile/totp" {
                (csrf_field(console))
                p.hint { "Lost the QR code? Start again to get a new one." }
                button.button.secondary type="submit" { "Start again" }
            }
        }
    };
    page(console, Nav::Profile, head, body)
}

/// `POST /ui/profile/step-up`: verifies a code and rotates the session.
pub async fn step_up(Posted { mut console, form }: Posted) -> Response {
    let Some(code) = form.get("code") else {
        let mut errors = Errors::default();
        errors.add("code", "Enter the 6-digit code your app shows.");
        return console.finish(profile_page(&console, &errors, None));
    };
    match super::step_up(&mut console, code).await {
        Ok(()) => console.finish(Redirect::to("/ui/profile?notice=verified")),
        Err(errors) => console.finish(profile_page(&console, &errors, None)),
    }
}

/// `POST /ui/profile/totp/remove`
pub async fn remove(Posted { console, .. }: Posted) -> Response {
    match console
        .app
        .remove_totp(&console.session, &console.meta)
        .await
    {
        Ok(_) => Redirect::to("/ui/profile?notice=removed").into_response(),
        Err(error) => {
            let errors = Errors::from_app(error, &|field| (field == "MfaRule").then_some("code"));
            console.finish(profile_page(&console, &errors, None))
        }
    }
}
