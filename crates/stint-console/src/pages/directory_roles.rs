//! Directory role assignments (SPEC D5, D6): who holds which built-in role, for the whole
//! directory or an administrative unit; assigning a role to a user or a role-assignable group, and
//! removing an assignment.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use stint_app::view::PageAsk;
use stint_app::View;
use stint_core::directory::{BuiltInRole, DirectoryScope, RoleAssignment};
use stint_core::ids::{PrincipalId, RoleAssignmentId};

use crate::confirm::{self, Confirmation};
use crate::error::UiError;
use crate::forms::{done_or_again, Errors, FormData, Posted};
use crate::layout::{csrf_field, flash, page, Flash, Head, Nav};
use crate::pager;
use crate::session::Console;
use crate::table::{list_card, Table};
use crate::widgets::{select, Field, Kind};
use crate::wording;

/// What the list says after a change.
const NOTICES: &[Flash] = &[
    Flash::success("assigned", "Role assigned"),
    Flash::info("removed", "Role assignment removed"),
];

/// How many users and groups the principal list offers: the first matches of the search.
const PRINCIPAL_CHOICES: usize = 25;

/// `GET /ui/directory/roles?q=`: `q` narrows the users and groups offered (issue 19 item 12).
pub async fn list(console: Console, Query(query): Query<HashMap<String, String>>) -> Response {
    let message = flash(&query, NOTICES);
    let search = pager::search(&query);
    let body = list_page(
        &console,
        &search,
        &FormData::default(),
        &Errors::default(),
        message,
    );
    console.finish(body)
}

/// The first users and role-assignable groups whose names hold `search`, by name, and `chosen`.
fn principal_choices(
    view: &View<'_>,
    search: &str,
    chosen: Option<PrincipalId>,
) -> Vec<(String, String)> {
    let users = view.users_page(&PageAsk::first_found(PRINCIPAL_CHOICES, search));
    let ask = PageAsk::first_found(PRINCIPAL_CHOICES, search);
    let groups = view.live_groups_page_where(&ask, |g| g.is_assignable_to_role);
    let mut principals: Vec<(String, String)> = (users.items.into_iter())
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} ({})", u.display_name, u.user_principal_name),
            )
        })
        .chain(
            (groups.items.into_iter())
                .map(|g| (g.id.to_string(), format!("{} (group)", g.display_name))),
        )
        .collect();
    principals.sort_by_key(|p| p.1.to_lowercase());
    principals.truncate(PRINCIPAL_CHOICES);
    if let Some(chosen) = chosen.filter(|id| !principals.iter().any(|p| p.0 == id.to_string())) {
        principals.insert(0, (chosen.to_string(), wording::principal(view, chosen).0));
    }
    principals.insert(0, (String::new(), "Choose a user or group".into()));
    principals
}

fn list_page(
    console: &Console,
    search: &str,
    form: &FormData,
    errors: &Errors,
    message: Option<Markup>,
) -> Markup {
    let (assignments, principals, scopes) = {
        let view = console.view();
        let mut list: Vec<(RoleAssignment, String)> = view
            .role_assignments_in_force()
            .map(|a| (a.clone(), wording::principal(&view, a.principal_id).0))
            .collect();
        list.sort_by(|a, b| (a.0.role, &a.1).cmp(&(b.0.role, &b.1)));
        let chosen = form.get("principal").and_then(|p| p.parse().ok());
        let principals = principal_choices(&view, search, chosen);
        let mut scopes = vec![("/".to_string(), "Whole directory".to_string())];
        scopes.extend(view.administrative_units().into_iter().map(|u| {
            (
                DirectoryScope::AdministrativeUnit(u.id).to_string(),
                format!("Administrative unit: {}", u.display_name),
            )
        }));
        (list, principals, scopes)
    };
    let roles: Vec<(String, String)> = std::iter::once((String::new(), "Choose a role".into()))
        .chain(
            BuiltInRole::ALL
                .iter()
                .map(|r| (r.id().to_string(), r.display_name().to_string())),
        )
        .collect();
    let scope_name = |scope: DirectoryScope| {
        scopes
            .iter()
            .find(|(value, _)| *value == scope.to_string())
            .map_or_else(|| scope.to_string(), |(_, name)| name.clone())
    };
    let head = Head::new("Role assignments")
        .subtitle("Built-in directory roles held by users and role-assignable groups.")
        .notice(message)
        .errors(errors);
    let body = html! {
        section.card {
            h2 { "Assign a role" }
            form.search method="get" action="/ui/directory/roles" role="search" {
                (Field::new(Kind::Search, "q", "Find a user or group").value(search)
                    .hint("The list below offers the first 25 whose name or user name holds this.").render())
                button.button.secondary type="submit" { "Find" }
            }
            form.stack method="post" action="/ui/directory/roles" novalidate {
                (csrf_field(console))
                div.field-row {
                    (select("principal", "User or group", &principals, &form.value("principal"), errors, None))
                    (select("role", "Role", &roles, &form.value("role"), errors, None))
                    (select("scope", "Scope", &scopes, &form.get("scope").unwrap_or_else(|| "/".into()), errors, None))
                }
                div.actions { button.button.primary type="submit" { "Assign role" } }
            }
        }
        (list_card(assignments.is_empty(), ("No role assignments", "Assign one above."),
            roles_table(console, &assignments, &scope_name)))
    };
    page(console, Nav::RoleAssignments, head, body)
}

fn roles_table(
    console: &Console,
    assignments: &[(RoleAssignment, String)],
    scope_name: &dyn Fn(DirectoryScope) -> String,
) -> Markup {
    let table = Table::new(&["Role", "Held by", "Scope", "Type", "End"]).actions(true);
    table.rows(assignments, |(assignment, name)| {
        html! {
            td data-label="Role" { strong { (assignment.role.display_name()) } }
            td data-label="Held by" { (name) }
            td data-label="Scope" { (scope_name(assignment.scope)) }
            td data-label="Type" { (if assignment.eligible { "Eligible" } else { "Active" }) }
            td data-label="End" { (wording::end(assignment.window.end, console.zone())) }
            td.actions-cell {
                form method="post" action=(format!("/ui/directory/roles/{}/remove", assignment.id)) {
                    (csrf_field(console))
                    button.button.danger.small type="submit"
                        aria-label=(format!("Remove {} from {}", assignment.role.display_name(), name)) { "Remove" }
                }
            }
        }
    })
}

/// `POST /ui/directory/roles`
pub async fn assign(Posted { console, form }: Posted) -> Response {
    let mut errors = Errors::default();
    let principal = form
        .get("principal")
        .and_then(|p| p.parse::<PrincipalId>().ok());
    let role = form
        .get("role")
        .and_then(|r| r.parse().ok())
        .and_then(BuiltInRole::from_id);
    let scope = form
        .get("scope")
        .and_then(|s| s.parse::<DirectoryScope>().ok());
    if principal.is_none() {
        errors.add("principal", "Choose a user or group.");
    }
    if role.is_none() {
        errors.add("role", "Choose a role.");
    }
    if scope.is_none() {
        errors.add("scope", "Choose a scope.");
    }
    if let (Some(principal), Some(role), Some(scope)) = (principal, role, scope) {
        match console
            .app
            .assign_role(&console.session, &console.meta, principal, role, scope)
            .await
        {
            Ok(_) => return Redirect::to("/ui/directory/roles?notice=assigned").into_response(),
            Err(error) => {
                errors = Errors::from_app(error, &|key| match key {
                    "principalId" => Some("principal"),
                    "roleDefinitionId" => Some("role"),
                    "directoryScopeId" => Some("scope"),
                    _ => None,
                })
            }
        }
    }
    let body = list_page(&console, "", &form, &errors, None);
    (StatusCode::BAD_REQUEST, console.finish(body)).into_response()
}

/// `POST /ui/directory/roles/{id}/remove`
pub async fn remove(Path(id): Path<String>, Posted { console, form }: Posted) -> Response {
    let Ok(id) = id.parse::<RoleAssignmentId>() else {
        return UiError::not_found("That role assignment").into_response();
    };
    let what = role_assignment_words(&console, id);
    if let (Some(what), false) = (what, confirm::confirmed(&form)) {
        let action = format!("/ui/directory/roles/{id}/remove");
        return confirm::ask(
            &console,
            Confirmation {
                question: "Remove this role assignment?",
                consequence: format!(
                    "{what} This cannot be undone; assign the role again if it was a mistake."
                ),
                button: "Remove",
                action: &action,
                fields: &[],
                back: "/ui/directory/roles",
                nav: Nav::RoleAssignments,
            },
        );
    }
    let removed = console
        .app
        .remove_role_assignment(&console.session, &console.meta, id)
        .await;
    let done = "/ui/directory/roles?notice=removed";
    done_or_again(&console, removed, done, |errors| {
        list_page(&console, "", &FormData::default(), errors, None)
    })
}

/// What removing the role assignment `id` takes away, if it is in force and the caller may
/// remove it (anyone else hears the app's refusal instead of a question).
fn role_assignment_words(console: &Console, id: RoleAssignmentId) -> Option<String> {
    let view = console.view();
    view.authority()
        .role_manager("remove role assignments")
        .ok()?;
    let assignment = view.role_assignments_in_force().find(|a| a.id == id)?;
    let (name, _) = wording::principal(&view, assignment.principal_id);
    Some(format!(
        "{name} will no longer hold the {} role.",
        assignment.role.display_name()
    ))
}
