//! Directory administration of users (SPEC D1, D8): list and search, create, enable or disable,
//! and reset a user's credentials (password and/or authenticator) under D8's protection of
//! privileged users, and unlink their identities at identity providers (O5,
//! [`super::user_identities`]). Who may do each is the app's decision.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use stint_app::directory::{UserChanges, UserInput};
use stint_app::mfa::CredentialReset;
use stint_app::view::{Page, PageAsk, DEFAULT_PAGE_SIZE};
use stint_app::Password;
use stint_core::directory::User;
use stint_core::ids::UserId;

use crate::error::UiError;
use crate::forms::{done_or_again, Errors, FormData, Posted};
use crate::layout::{
    badge, creation_card, csrf_field, flash, notice, page, Flash, Head, Nav, Tone,
};
use crate::pager;
use crate::session::Console;
use crate::table::{list_card, Table};
use crate::widgets::{checkbox, Field, Kind};

/// The same bounds as the API's.
const MIN_PASSWORD: usize = 8;
const MAX_PASSWORD: usize = 256;

fn password(form: &FormData, name: &'static str, errors: &mut Errors) -> Option<Password> {
    let text = form.raw(name)?;
    let length = text.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&length) {
        errors.add(
            name,
            format!("A password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long."),
        );
        return None;
    }
    Some(Password::new(text))
}

fn user_field(key: &str) -> Option<&'static str> {
    Some(match key {
        "userPrincipalName" => "upn",
        "displayName" => "display_name",
        "password" => "password",
        "mail" => "mail",
        _ => return None,
    })
}

/// What the list says after a change.
const NOTICES: &[Flash] = &[
    Flash::success("created", "User created"),
    Flash::success("updated", "User updated"),
];

/// `GET /ui/directory/users?q=&after=&before=`: a page of users (issue 19 item 12).
pub async fn list(console: Console, Query(query): Query<HashMap<String, String>>) -> Response {
    let message = flash(&query, NOTICES);
    let ask = pager::ask(&query);
    let body = list_page(
        &console,
        &ask,
        &FormData::default(),
        &Errors::default(),
        message,
    );
    console.finish(body)
}

fn list_page(
    console: &Console,
    ask: &PageAsk<UserId>,
    form: &FormData,
    errors: &Errors,
    message: Option<Markup>,
) -> Markup {
    let users: Page<(User, bool)> = {
        let view = console.view();
        view.users_page(ask)
            .map(|u| (u.clone(), view.is_protected_user(u.id)))
    };
    let base = "/ui/directory/users";
    let pages = pager::by_cursor(&users, |(user, _)| user.id, base, ask);
    let head = Head::new("Users")
        .subtitle("People who can sign in to Stint.")
        .notice(message)
        .errors(errors);
    let body = html! {
        (creation_card(console, ("New user", "Create user"), "/ui/directory/users", errors, html! {
            div.field-row {
                (Field::new(Kind::Text, "upn", "User name").value(form.value("upn"))
                    .required(true).autocomplete("off").hint("Such as alice@contoso.com.").errors(errors).render())
                (Field::new(Kind::Text, "display_name", "Display name").value(form.value("display_name"))
                    .required(true).errors(errors).render())
            }
            (Field::new(Kind::Text, "mail", "E-mail (optional)").value(form.value("mail"))
                .autocomplete("off").hint("Where notifications reach them, such as alice@contoso.com.").errors(errors).render())
            (Field::new(Kind::Password, "password", "Password").required(true)
                .autocomplete("new-password").hint("8 to 256 characters. Tell it to the user safely.").errors(errors).render())
            (checkbox("enabled", "Account enabled", form.0.is_empty() || form.checked("enabled"), None))
        }))
        form.search method="get" action=(base) role="search" {
            (Field::new(Kind::Search, "q", "Search users").value(&ask.search)
                .hint("Part of a name, user name or e-mail.").render())
            button.button.secondary type="submit" { "Search" }
        }
        (list_card(users.items.is_empty(), ("No users", "No user matches."), html! {
            (users_table(console, &users.items)) (pages)
        }))
    };
    page(console, Nav::Users, head, body)
}

fn users_table(console: &Console, users: &[(User, bool)]) -> Markup {
    let table = Table::new(&["Name", "Status", "Authenticator"]).actions(true);
    table.rows(users, |(user, protected)| {
        html! {
            td data-label="Name" {
                strong { (user.display_name) } br; span.muted { (user.user_principal_name) }
                @if *protected { br; span.small { "Privileged: only Global and Privileged Role Administrators may reset" } }
            }
            td data-label="Status" { (badge(if user.account_enabled { "Enabled" } else { "Disabled" })) }
            td data-label="Authenticator" {
                @if user.authenticator.as_ref().is_some_and(|a| a.confirmed) { "TOTP" } @else { "None" }
            }
            td.actions-cell { div.row-actions {
                form method="post" action=(format!("/ui/directory/users/{}/enabled", user.id)) {
                    (csrf_field(console))
                    input type="hidden" name="enabled" value=(if user.account_enabled { "false" } else { "true" });
                    @if user.account_enabled {
                        button.button.secondary.small type="submit" aria-label=(format!("Disable {}", user.display_name)) { "Disable" }
                    } @else {
                        button.button.secondary.small type="submit" aria-label=(format!("Enable {}", user.display_name)) { "Enable" }
                    }
                }
                a.button.secondary.small href=(format!("/ui/directory/users/{}", user.id))
                    aria-label=(format!("Reset the credentials of {}", user.display_name)) { "Reset credentials" }
            } }
        }
    })
}

/// `POST /ui/directory/users`
pub async fn create(Posted { console, form }: Posted) -> Response {
    let mut errors = Errors::default();
    let upn = form.get("upn");
    let display_name = form.get("display_name");
    if upn.is_none() {
        errors.add("upn", "Enter a user name.");
    }
    if upn
        .as_ref()
        .is_some_and(|u| u.chars().any(char::is_whitespace) || u.len() > 256)
    {
        errors.add(
            "upn",
            "A user name has no spaces and at most 256 characters.",
        );
    }
    if display_name.is_none() {
        errors.add("display_name", "Enter a display name.");
    }
    let password = password(&form, "password", &mut errors);
    if form.raw("password").is_none() {
        errors.add("password", "Enter a password.");
    }
    if let (true, Some(upn), Some(display_name), Some(password)) =
        (errors.is_empty(), upn, display_name, password)
    {
        let input = UserInput {
            user_principal_name: upn,
            display_name,
            account_enabled: form.checked("enabled"),
            password,
            mail: form.get("mail"),
        };
        match console
            .app
            .create_user(&console.session, &console.meta, input)
            .await
        {
            Ok(_) => return Redirect::to("/ui/directory/users?notice=created").into_response(),
            Err(error) => errors = Errors::from_app(error, &user_field),
        }
    }
    let body = list_page(
        &console,
        &PageAsk::first(DEFAULT_PAGE_SIZE),
        &form,
        &errors,
        None,
    );
    (StatusCode::BAD_REQUEST, console.finish(body)).into_response()
}

/// `POST /ui/directory/users/{id}/enabled`
pub async fn set_enabled(Path(id): Path<String>, Posted { console, form }: Posted) -> Response {
    let Ok(id) = id.parse::<UserId>() else {
        return UiError::not_found("That user").into_response();
    };
    let changes = UserChanges {
        account_enabled: Some(form.get("enabled").as_deref() == Some("true")),
        ..UserChanges::default()
    };
    let updated = console
        .app
        .update_user(&console.session, &console.meta, id, changes)
        .await;
    let done = "/ui/directory/users?notice=updated";
    done_or_again(&console, updated, done, |errors| {
        list_page(
            &console,
            &PageAsk::first(DEFAULT_PAGE_SIZE),
            &FormData::default(),
            errors,
            None,
        )
    })
}

/// `GET /ui/directory/users/{id}`: the credential reset form.
pub async fn detail(console: Console, Path(id): Path<String>) -> Response {
    match reset_page(&console, &id, &Errors::default(), None) {
        Ok(body) => console.finish(body),
        Err(error) => error.into_response(),
    }
}

pub(super) fn reset_page(
    console: &Console,
    id: &str,
    errors: &Errors,
    message: Option<Markup>,
) -> Result<Markup, UiError> {
    let id: UserId = id.parse().map_err(|_| UiError::not_found("That user"))?;
    let (user, protected) = {
        let view = console.view();
        view.user(id)
            .map(|u| (u.clone(), view.is_protected_user(id)))
            .ok_or_else(|| UiError::not_found("That user"))?
    };
    let subtitle = format!("{} · {}", user.display_name, user.user_principal_name);
    let head = Head::new("Reset credentials")
        .subtitle(&subtitle)
        .trail(&[("Users", "/ui/directory/users")])
        .notice(message)
        .errors(errors);
    let body = html! {
        @if protected {
            (notice(Tone::Warning, "Privileged user", Some("This user holds privileged access now, so only a Global Administrator or Privileged Role Administrator may reset their credentials.")))
        }
        section.card {
            form.stack method="post" action=(format!("/ui/directory/users/{}/reset", user.id)) novalidate {
                (csrf_field(console))
                (Field::new(Kind::Password, "new_password", "New password").autocomplete("new-password")
                    .hint("Leave empty to keep the password.").errors(errors).render())
                (checkbox("remove_authenticator", "Remove the authenticator app", false,
                    Some("The user signs in with the password alone until they add a new one.")))
                p.hint { "Resetting ends every session of the user." }
                div.actions {
                    button.button.danger type="submit" { "Reset" }
                    a.button.secondary href="/ui/directory/users" { "Cancel" }
                }
            }
        }
        (super::user_identities::section(console, user.id))
    };
    Ok(page(console, Nav::Users, head, body))
}

/// `POST /ui/directory/users/{id}/reset`
pub async fn reset(Path(id): Path<String>, Posted { console, form }: Posted) -> Response {
    let Ok(user) = id.parse::<UserId>() else {
        return UiError::not_found("That user").into_response();
    };
    let mut errors = Errors::default();
    let new_password = password(&form, "new_password", &mut errors);
    let remove = form.checked("remove_authenticator");
    if errors.is_empty() && new_password.is_none() && !remove {
        errors.general("Choose what to reset: a new password, the authenticator, or both.");
    }
    if errors.is_empty() {
        let reset = CredentialReset {
            password: new_password,
            remove_authenticator: remove,
        };
        match console
            .app
            .reset_credentials(&console.session, &console.meta, user, reset)
            .await
        {
            Ok(_) => {
                return match reset_page(
                    &console,
                    &id,
                    &Errors::default(),
                    Some(notice(
                        Tone::Success,
                        "Credentials reset",
                        Some("The user's sessions have ended."),
                    )),
                ) {
                    Ok(body) => console.finish(body),
                    Err(error) => error.into_response(),
                }
            }
            Err(error) => {
                errors =
                    Errors::from_app(error, &|key| (key == "password").then_some("new_password"))
            }
        }
    }
    match reset_page(&console, &id, &errors, None) {
        Ok(body) => (StatusCode::BAD_REQUEST, console.finish(body)).into_response(),
        Err(error) => error.into_response(),
    }
}
