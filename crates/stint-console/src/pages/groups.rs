//! Groups (SPEC P1–P4): the groups PIM manages that the signed-in user administers, discovering
//! groups not yet managed, and bringing one under management (there is no way back, P4). Also the
//! header every group page shares.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use stint_app::view::Whose;
use stint_core::directory::{Group, GroupKind};
use stint_core::ids::GroupId;
use stint_core::rules::onboarding::why_not_manageable;
use stint_core::schedule::{Access, ScheduleKind};

use crate::error::UiError;
use crate::forms::{Errors, Posted};
use crate::layout::{
    badge, breadcrumbs, csrf_field, empty, error_summary, heading, page, tabs, Nav,
};
use crate::session::Console;
use crate::widgets::{Field, Kind};

/// The sections of a group's pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Assignments,
    Settings,
    Audit,
}

/// A group the signed-in user may administer in PIM, or the page that says they may not.
pub fn group_for(console: &Console, id: &str) -> Result<Group, UiError> {
    let id: GroupId = id.parse().map_err(|_| UiError::not_found("That group"))?;
    let view = console.view();
    match view.live_group(id) {
        None => Err(UiError::not_found("That group")),
        Some(group) if view.authority().pim_reader(id).is_none() => Err(UiError::Forbidden(
            format!("You do not administer {} in PIM.", group.display_name),
        )),
        Some(group) => Ok(group.clone()),
    }
}

fn describe(group: &Group) -> String {
    let kind = match group.kind {
        GroupKind::Security => "Security group",
        GroupKind::Microsoft365 => "Microsoft 365 group",
    };
    if group.is_assignable_to_role {
        format!("{kind} · role-assignable")
    } else {
        kind.to_string()
    }
}

/// The heading and section tabs of a group's pages.
pub fn group_head(group: &Group, section: Section, title: &str) -> Markup {
    let base = format!("/ui/groups/{}", group.id);
    html! {
        (breadcrumbs(&[("Groups", "/ui/groups"), (&group.display_name, &format!("{base}/assignments"))]))
        (heading(&format!("{} · {title}", group.display_name), Some(&describe(group))))
        (tabs("Group", &[
            ("Assignments", format!("{base}/assignments"), section == Section::Assignments, None),
            ("Settings", format!("{base}/settings"), section == Section::Settings, None),
            ("Resource audit", format!("{base}/audit"), section == Section::Audit, None),
        ]))
    }
}

/// `GET /ui/groups`
pub async fn managed(console: Console) -> Response {
    let rows: Vec<(Group, usize, usize)> = {
        let view = console.view();
        let open = |group: GroupId, kind: ScheduleKind| {
            view.schedules(Whose::Group(group), kind)
                .into_iter()
                .filter(|s| s.is_open_at(view.now()))
                .count()
        };
        view.groups_i_manage()
            .into_iter()
            .map(|group| {
                (
                    group.clone(),
                    open(group.id, ScheduleKind::Eligible),
                    open(group.id, ScheduleKind::Active),
                )
            })
            .collect()
    };
    let body = page(
        &console,
        Nav::Groups,
        "Groups",
        html! {
            (heading("Groups", Some("Groups managed by PIM that you administer.")))
            div.toolbar {
                a.button.primary href="/ui/groups/discover" { "Discover groups" }
            }
            section.card.flush {
                @if rows.is_empty() {
                    (empty("No managed groups", "Use Discover groups to bring a group you administer under PIM."))
                } @else {
                    div.table-wrap { table {
                        thead { tr {
                            th scope="col" { "Group" }
                            th scope="col" { "Type" }
                            th scope="col" { "Eligible" }
                            th scope="col" { "Active" }
                            th scope="col" { span.visually-hidden { "Actions" } }
                        } }
                        tbody {
                            @for (group, eligible, active) in &rows {
                                tr {
                                    td data-label="Group" {
                                        a href=(format!("/ui/groups/{}/assignments", group.id)) { strong { (group.display_name) } }
                                        @if let Some(description) = &group.description { br; span.muted { (description) } }
                                    }
                                    td data-label="Type" { (describe(group)) }
                                    td data-label="Eligible" { (eligible) }
                                    td data-label="Active" { (active) }
                                    td.actions-cell {
                                        a.button.secondary.small href=(format!("/ui/groups/{}/settings", group.id))
                                            aria-label=(format!("Settings of {}", group.display_name)) { "Settings" }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
        },
    );
    console.finish(body)
}

/// `GET /ui/groups/discover?q=`
pub async fn discover_page(
    console: Console,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let body = discover_body(
        &console,
        query.get("q").map(String::as_str),
        &Errors::default(),
    );
    console.finish(body)
}

fn discover_body(console: &Console, search: Option<&str>, errors: &Errors) -> Markup {
    let needle = search.unwrap_or_default().trim().to_lowercase();
    let groups: Vec<(Group, Option<String>)> = console
        .view()
        .groups_to_discover()
        .into_iter()
        .filter(|g| needle.is_empty() || g.display_name.to_lowercase().contains(&needle))
        .map(|g| (g.clone(), why_not_manageable(g)))
        .collect();
    page(
        console,
        Nav::Groups,
        "Discover groups",
        html! {
            (breadcrumbs(&[("Groups", "/ui/groups")]))
            (heading("Discover groups", Some("Groups you administer that PIM does not manage yet. Once managed, a group cannot be taken out of management.")))
            (error_summary(errors))
            form.search method="get" action="/ui/groups/discover" role="search" {
                (Field::new(Kind::Search, "q", "Search groups").value(search.unwrap_or_default()).render())
                button.button.secondary type="submit" { "Search" }
            }
            section.card.flush {
                @if groups.is_empty() {
                    (empty("No groups to discover", "Every group you administer is managed already, or none matches."))
                } @else {
                    div.table-wrap { table {
                        thead { tr {
                            th scope="col" { "Group" }
                            th scope="col" { "Type" }
                            th scope="col" { span.visually-hidden { "Actions" } }
                        } }
                        tbody {
                            @for (group, why_not) in &groups {
                                tr {
                                    td data-label="Group" { strong { (group.display_name) } }
                                    td data-label="Type" { (describe(group)) }
                                    td.actions-cell {
                                        @if let Some(reason) = why_not {
                                            (badge("Not manageable")) p.small { (reason) }
                                        } @else {
                                            form method="post" action=(format!("/ui/groups/{}/manage", group.id)) {
                                                (csrf_field(console))
                                                button.button.primary.small type="submit"
                                                    aria-label=(format!("Manage {}", group.display_name)) { "Manage group" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
        },
    )
}

/// `POST /ui/groups/{id}/manage`
pub async fn manage(Path(id): Path<String>, Posted { console, .. }: Posted) -> Response {
    let Ok(group) = id.parse::<GroupId>() else {
        return UiError::not_found("That group").into_response();
    };
    match console
        .app
        .manage_group(&console.session, &console.meta, group)
        .await
    {
        Ok(_) => {
            Redirect::to(&format!("/ui/groups/{group}/assignments?notice=managed")).into_response()
        }
        Err(error) => {
            let errors = Errors::from_app(error, &|_| None);
            let body = discover_body(&console, None, &errors);
            (StatusCode::BAD_REQUEST, console.finish(body)).into_response()
        }
    }
}

/// A group's default page.
pub async fn home(Path(id): Path<String>) -> Response {
    match id.parse::<GroupId>() {
        Ok(id) => Redirect::to(&format!("/ui/groups/{id}/assignments")).into_response(),
        Err(_) => UiError::not_found("That group").into_response(),
    }
}

/// Text for an access and kind, such as "eligible member".
pub fn access_kind(access: Access, kind: ScheduleKind) -> String {
    format!(
        "{} {}",
        crate::wording::kind(kind).to_lowercase(),
        crate::wording::access(access).to_lowercase()
    )
}
