//! One call per console route for the matrix, made by the caller's signed-in browser (or, for the
//! routes that start or end a session, a browser of its own) with the form the page would send
//! (for an action that asks first, the confirming form).

use reqwest::Method;

use crate::common::PASSWORD;
use crate::ui_kit::{Browser, Page};
use crate::world::{Caller, World};

/// What a console call sends: the path, and the form fields of a POST (the CSRF value is added).
struct Visit {
    path: String,
    fields: Vec<(&'static str, String)>,
    /// `requester`'s request to cancel afterwards if the call left it pending.
    pending: Option<String>,
}

fn visit(path: String) -> Visit {
    Visit {
        path,
        fields: Vec::new(),
        pending: None,
    }
}

fn form(path: String, fields: &[(&'static str, &str)]) -> Visit {
    Visit {
        path,
        fields: fields.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        pending: None,
    }
}

/// Visits `method template` as `caller`.
pub async fn send(world: &World, caller: &Caller, method: &Method, template: &str) -> Page {
    let visit = prepare(world, method, template).await;
    let browser = browser_for(world, caller, template).await;
    let page = if *method == Method::GET {
        browser.get(&visit.path).await
    } else {
        let csrf = if caller.id.is_some() || template.starts_with("/ui/sign-in") {
            csrf_for(&browser, template).await
        } else {
            String::new()
        };
        let fields: Vec<(&str, &str)> =
            visit.fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser.post(&visit.path, &csrf, &fields).await
    };
    if let Some(request) = visit.pending {
        world.settle(&request).await;
    }
    page
}

/// The sign-in pages are met without a session, and signing out ends a session of its own.
async fn browser_for(world: &World, caller: &Caller, template: &str) -> Browser {
    if template.starts_with("/ui/sign-in") {
        return Browser::new(&world.server.base_url);
    }
    if template == "/ui/sign-out" && caller.id.is_some() {
        let browser = Browser::new(&world.server.base_url);
        browser.sign_in(caller.name, PASSWORD, None).await;
        return browser;
    }
    caller.browser.clone()
}

async fn csrf_for(browser: &Browser, template: &str) -> String {
    if template.starts_with("/ui/sign-in") {
        return browser.get("/ui/sign-in").await.csrf();
    }
    browser.csrf().await
}

async fn prepare(world: &World, method: &Method, template: &str) -> Visit {
    let team = &world.team;
    let gated = &world.gated;
    let target = &world.target;
    let member = world.caller_id("member");
    let on = |id: &str| template.replace("{id}", id);
    match (method.as_str(), template) {
        ("POST", "/ui/sign-in") => form(
            template.into(),
            &[
                ("username", "user"),
                ("password", PASSWORD),
                ("next", "/ui/my-roles"),
            ],
        ),
        ("POST", "/ui/sign-in/totp") => form(template.into(), &[("code", "000000")]),
        ("POST", "/ui/profile/totp/confirm" | "/ui/profile/step-up") => {
            form(template.into(), &[("code", "000000")])
        }
        ("POST", "/ui/profile/time-zone") => {
            form(template.into(), &[("time_zone", "Europe/Paris")])
        }
        ("GET", "/ui/my-roles/activate") => {
            visit(format!("{template}?group={gated}&access=member"))
        }
        ("POST", "/ui/my-roles/activate") => form(
            template.into(),
            &[
                ("group", gated),
                ("access", "member"),
                ("duration", "PT1H"),
                ("justification", "Permission matrix"),
            ],
        ),
        ("POST", "/ui/my-roles/deactivate") => {
            form(template.into(), &[("group", gated), ("access", "member")])
        }
        ("GET", "/ui/my-roles/{change}") => {
            visit(format!("/ui/my-roles/extend?group={gated}&access=member"))
        }
        ("POST", "/ui/my-roles/{change}") => form(
            "/ui/my-roles/extend".into(),
            &[
                ("group", gated),
                ("access", "member"),
                ("justification", "Permission matrix"),
            ],
        ),
        ("POST", "/ui/my-requests/{id}/cancel") => {
            let (request, _) = world.fresh_pending().await;
            Visit {
                pending: Some(request.clone()),
                ..visit(on(&request))
            }
        }
        ("GET", "/ui/approvals/{id}") => visit(on(&world.pending_request)),
        ("POST", "/ui/approvals/{id}") => {
            let (request, _) = world.fresh_pending().await;
            Visit {
                pending: Some(request.clone()),
                ..form(
                    on(&request),
                    &[("decision", "deny"), ("justification", "Permission matrix")],
                )
            }
        }
        ("POST", "/ui/groups/{id}/manage") => {
            form(on(&world.fresh_group().await), &[("confirm", "yes")])
        }
        ("POST", "/ui/groups/{id}/assignments") => {
            let principal = world.fresh_principal(false).await;
            form(
                on(team),
                &[
                    ("principal", &principal),
                    ("access", "member"),
                    ("kind", "eligible"),
                    ("justification", "Permission matrix"),
                ],
            )
        }
        ("POST", "/ui/groups/{id}/assignments/new") => form(on(team), &[("q", "target")]),
        ("GET", "/ui/groups/{id}/assignments/edit") => visit(format!(
            "{}?principal={member}&access=member&kind=active",
            on(team)
        )),
        ("POST", "/ui/groups/{id}/assignments/update" | "/ui/groups/{id}/assignments/remove") => {
            let group = world.fresh_group().await;
            form(
                on(&group),
                &[
                    ("principal", &member),
                    ("access", "member"),
                    ("kind", "active"),
                    ("confirm", "yes"),
                ],
            )
        }
        ("GET" | "POST", "/ui/groups/{id}/settings/{access}") => {
            visit(template.replace("{id}", team).replace("{access}", "member"))
        }
        ("POST", "/ui/directory/users") => {
            let name = world.fresh_name("console");
            form(
                template.into(),
                &[
                    ("upn", &name),
                    ("display_name", &name),
                    ("password", PASSWORD),
                    ("enabled", "on"),
                ],
            )
        }
        ("POST", "/ui/directory/users/{id}/enabled") => form(on(target), &[("enabled", "on")]),
        // Target has no linked identity: whoever may unlink is told there is no such identity.
        ("POST", "/ui/directory/users/{id}/identities/{identity}/unlink") => form(
            format!("/ui/directory/users/{target}/identities/0123456789abcdef/unlink"),
            &[("confirm", "yes")],
        ),
        ("POST", "/ui/directory/users/{id}/reset") => {
            form(on(target), &[("remove_authenticator", "on")])
        }
        ("POST", "/ui/directory/groups") => {
            let name = world.fresh_name("Console");
            form(
                template.into(),
                &[("display_name", &name), ("kind", "security")],
            )
        }
        ("POST", "/ui/directory/roles") => {
            let principal = world.fresh_principal(true).await;
            let role = stint_core::directory::BuiltInRole::HelpdeskAdministrator
                .id()
                .to_string();
            form(
                template.into(),
                &[("principal", &principal), ("role", &role), ("scope", "/")],
            )
        }
        ("POST", "/ui/directory/roles/{id}/remove") => {
            let principal = world.fresh_principal(true).await;
            let id = world
                .admin
                .assign_role(
                    &principal,
                    stint_core::directory::BuiltInRole::HelpdeskAdministrator,
                    "/",
                )
                .await;
            form(on(&id), &[("confirm", "yes")])
        }
        ("POST", "/ui/outbox/{id}/redrive") => {
            visit(format!("/ui/outbox/{}/redrive", world.dead_message().await))
        }
        ("POST", "/ui/connectors/{id}/reconcile") => visit(format!(
            "/ui/connectors/{}/reconcile",
            world.fresh_connector().await
        )),
        ("GET", "/ui/{*rest}") => visit("/ui/no-such-page".into()),
        (_, path) if path.starts_with("/ui/groups/{id}") => visit(path.replace("{id}", team)),
        (_, path) if path.starts_with("/ui/directory/users/{id}") => {
            visit(path.replace("{id}", target))
        }
        (_, path) if !path.contains('{') => visit(path.into()),
        _ => {
            panic!("no visit for {method} {template}: add one to tests/permissions_kit/console.rs")
        }
    }
}
