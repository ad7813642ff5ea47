//! The console's pages, one module per blade, and their routes. GET renders; POST goes through
//! [`Posted`](super::forms::Posted) (session, then CSRF) and calls one use case of the app.

mod activate;
mod advisor;
mod approvals;
mod assignment_form;
mod assignment_tabs;
mod assignments;
mod audit;
mod connectors;
mod directory_groups;
mod directory_roles;
mod directory_users;
mod groups;
mod my_roles;
mod oidc;
mod outbox;
mod profile;
mod requests;
mod settings;
mod sign_in;
mod user_identities;

use axum::handler::Handler;
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use stint_core::totp::TotpCode;

use super::error::UiError;
use super::forms::Errors;
use super::session::Console;
use super::UiState;

/// Adds every page under `/ui` to `pages`.
pub fn register(pages: Pages) -> Pages {
    pages
        .get_post("/ui/sign-in", sign_in::form, sign_in::submit)
        .get_post("/ui/sign-in/totp", sign_in::totp_form, sign_in::totp_submit)
        .post("/ui/sign-out", sign_in::sign_out)
        .get("/ui/auth/oidc/start", oidc::start)
        .get("/ui/auth/oidc/callback", oidc::callback)
        .get("/ui/auth/oidc/step-up", oidc::step_up)
        .get("/ui/auth/oidc/cli", oidc::cli)
        .get("/ui/profile", profile::show)
        .post("/ui/profile/totp", profile::enrol)
        .post("/ui/profile/totp/confirm", profile::confirm)
        .post("/ui/profile/totp/remove", profile::remove)
        .post("/ui/profile/step-up", profile::step_up)
        .post("/ui/profile/time-zone", profile::set_time_zone)
        .get("/ui/my-roles", my_roles::show)
        .get_post("/ui/my-roles/activate", activate::form, activate::submit)
        .post("/ui/my-roles/deactivate", my_roles::deactivate)
        .get_post(
            "/ui/my-roles/{change}",
            activate::change_form,
            activate::change_submit,
        )
        .get("/ui/my-requests", requests::show)
        .post("/ui/my-requests/{id}/cancel", requests::cancel)
        .get("/ui/approvals", approvals::list)
        .get_post("/ui/approvals/{id}", approvals::review, approvals::decide)
        .get("/ui/audit", audit::mine)
        .get("/ui/groups", groups::managed)
        .get("/ui/groups/discover", groups::discover_page)
        .get("/ui/groups/{id}", groups::home)
        .post("/ui/groups/{id}/manage", groups::manage)
        .get_post(
            "/ui/groups/{id}/assignments",
            assignments::show,
            assignment_form::create,
        )
        .get_post(
            "/ui/groups/{id}/assignments/new",
            assignment_form::new_form,
            assignment_form::search,
        )
        .get(
            "/ui/groups/{id}/assignments/edit",
            assignment_form::edit_form,
        )
        .post(
            "/ui/groups/{id}/assignments/update",
            assignment_form::update,
        )
        .post("/ui/groups/{id}/assignments/remove", assignments::remove)
        .get("/ui/groups/{id}/settings", settings::overview)
        .get_post(
            "/ui/groups/{id}/settings/{access}",
            settings::edit,
            settings::save,
        )
        .get("/ui/groups/{id}/audit", audit::resource)
        .get_post(
            "/ui/directory/users",
            directory_users::list,
            directory_users::create,
        )
        .get("/ui/directory/users/{id}", directory_users::detail)
        .post(
            "/ui/directory/users/{id}/enabled",
            directory_users::set_enabled,
        )
        .post("/ui/directory/users/{id}/reset", directory_users::reset)
        .post(
            "/ui/directory/users/{id}/identities/{identity}/unlink",
            user_identities::unlink,
        )
        .get_post(
            "/ui/directory/groups",
            directory_groups::list,
            directory_groups::create,
        )
        .get_post(
            "/ui/directory/roles",
            directory_roles::list,
            directory_roles::assign,
        )
        .post("/ui/directory/roles/{id}/remove", directory_roles::remove)
        .get("/ui/outbox", outbox::show)
        .get("/ui/advisor", advisor::show)
        .post("/ui/outbox/{id}/redrive", outbox::redrive)
        .get("/ui/connectors", connectors::show)
        .post("/ui/connectors/{id}/reconcile", connectors::reconcile)
        .get("/ui/{*rest}", not_found)
}

/// The console's routes, registered once: each call adds the handler to the axum router and
/// records (method, path), so the list of routes is the router's own.
pub struct Pages {
    router: Router<UiState>,
    routes: Vec<(Method, String)>,
}

impl Pages {
    pub fn new() -> Pages {
        Pages {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    pub fn get<H, T>(self, path: &str, handler: H) -> Pages
    where
        H: Handler<T, UiState>,
        T: 'static,
    {
        self.route(path, &[Method::GET], get(handler))
    }

    pub fn post<H, T>(self, path: &str, handler: H) -> Pages
    where
        H: Handler<T, UiState>,
        T: 'static,
    {
        self.route(path, &[Method::POST], post(handler))
    }

    /// A page that renders on GET and acts on POST.
    pub fn get_post<G, TG, P, TP>(self, path: &str, render: G, act: P) -> Pages
    where
        G: Handler<TG, UiState>,
        TG: 'static,
        P: Handler<TP, UiState>,
        TP: 'static,
    {
        self.route(path, &[Method::GET, Method::POST], get(render).post(act))
    }

    fn route(mut self, path: &str, methods: &[Method], handlers: MethodRouter<UiState>) -> Pages {
        self.router = self.router.route(path, handlers);
        self.routes.extend(
            methods
                .iter()
                .map(|method| (method.clone(), path.to_string())),
        );
        self
    }

    pub fn into_parts(self) -> (Router<UiState>, Vec<(Method, String)>) {
        (self.router, self.routes)
    }
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
