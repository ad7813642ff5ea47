//! The console's pages, one module per blade, and their routes. GET renders; POST goes through
//! [`Posted`](super::forms::Posted) (session, then CSRF) and calls one use case of the app.

mod activate;
mod approvals;
mod assignment_form;
mod assignment_tabs;
mod assignments;
mod audit;
mod directory_groups;
mod directory_roles;
mod directory_users;
mod groups;
mod my_roles;
mod profile;
mod requests;
mod settings;
mod sign_in;

use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use stint_core::totp::TotpCode;

use super::error::UiError;
use super::forms::Errors;
use super::session::Console;
use super::UiState;

/// Every page under `/ui`.
pub fn routes() -> Router<UiState> {
    Router::new()
        .route("/ui/sign-in", get(sign_in::form).post(sign_in::submit))
        .route(
            "/ui/sign-in/totp",
            get(sign_in::totp_form).post(sign_in::totp_submit),
        )
        .route("/ui/sign-out", post(sign_in::sign_out))
        .route("/ui/profile", get(profile::show))
        .route("/ui/profile/totp", post(profile::enrol))
        .route("/ui/profile/totp/confirm", post(profile::confirm))
        .route("/ui/profile/totp/remove", post(profile::remove))
        .route("/ui/profile/step-up", post(profile::step_up))
        .route("/ui/my-roles", get(my_roles::show))
        .route(
            "/ui/my-roles/activate",
            get(activate::form).post(activate::submit),
        )
        .route("/ui/my-roles/deactivate", post(my_roles::deactivate))
        .route(
            "/ui/my-roles/{change}",
            get(activate::change_form).post(activate::change_submit),
        )
        .route("/ui/my-requests", get(requests::show))
        .route("/ui/my-requests/{id}/cancel", post(requests::cancel))
        .route("/ui/approvals", get(approvals::list))
        .route(
            "/ui/approvals/{id}",
            get(approvals::review).post(approvals::decide),
        )
        .route("/ui/audit", get(audit::mine))
        .route("/ui/groups", get(groups::managed))
        .route("/ui/groups/discover", get(groups::discover_page))
        .route("/ui/groups/{id}", get(groups::home))
        .route("/ui/groups/{id}/manage", post(groups::manage))
        .route(
            "/ui/groups/{id}/assignments",
            get(assignments::show).post(assignment_form::create),
        )
        .route(
            "/ui/groups/{id}/assignments/new",
            get(assignment_form::new_form).post(assignment_form::search),
        )
        .route(
            "/ui/groups/{id}/assignments/edit",
            get(assignment_form::edit_form),
        )
        .route(
            "/ui/groups/{id}/assignments/update",
            post(assignment_form::update),
        )
        .route(
            "/ui/groups/{id}/assignments/remove",
            post(assignments::remove),
        )
        .route("/ui/groups/{id}/settings", get(settings::overview))
        .route(
            "/ui/groups/{id}/settings/{access}",
            get(settings::edit).post(settings::save),
        )
        .route("/ui/groups/{id}/audit", get(audit::resource))
        .route(
            "/ui/directory/users",
            get(directory_users::list).post(directory_users::create),
        )
        .route("/ui/directory/users/{id}", get(directory_users::detail))
        .route(
            "/ui/directory/users/{id}/enabled",
            post(directory_users::set_enabled),
        )
        .route(
            "/ui/directory/users/{id}/reset",
            post(directory_users::reset),
        )
        .route(
            "/ui/directory/groups",
            get(directory_groups::list).post(directory_groups::create),
        )
        .route(
            "/ui/directory/roles",
            get(directory_roles::list).post(directory_roles::assign),
        )
        .route(
            "/ui/directory/roles/{id}/remove",
            post(directory_roles::remove),
        )
        .route("/ui/{*rest}", get(not_found))
}

/// `GET /ui`: the signed-in user's roles (or the sign-in page, through the session check).
pub async fn home(_: Console) -> Redirect {
    Redirect::to("/ui/my-roles")
}

async fn not_found() -> Response {
    UiError::NotFound("There is no such page.".into()).into_response()
}

/// Checks a TOTP code on the session (a step-up, SPEC I5) and rotates the session token, so the
/// page goes on with a fresh MFA and a new token; a refused code is put next to `field`.
pub async fn step_up_into(
    console: &mut Console,
    code: String,
    field: &'static str,
) -> Result<(), Errors> {
    let app = console.app.clone();
    if let Err(error) = app
        .step_up(&console.token, &console.meta, TotpCode::new(code))
        .await
    {
        return Err(Errors::from_app(error, &|_| Some(field)));
    }
    let rotated = app
        .exchange_token(&console.token, None, &console.meta)
        .await
        .map_err(|error| Errors::from_app(error, &|_| None))?;
    console
        .rotate_to(rotated.token)
        .map_err(|error| Errors::from_app(error, &|_| None))
}

/// [`step_up_into`] for a form whose code field is `code`.
pub async fn step_up(console: &mut Console, code: String) -> Result<(), Errors> {
    step_up_into(console, code, "code").await
}
