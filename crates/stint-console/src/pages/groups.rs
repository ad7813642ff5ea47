//! Groups (SPEC P1–P4): the groups PIM manages that the signed-in user administers, discovering
//! groups not yet managed, and bringing one under management (there is no way back, P4). Also what
//! every group page shares: the group from its path ([`GroupPage`]) and its head.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use stint_app::view::{Page, PageAsk, Whose, DEFAULT_PAGE_SIZE};
use stint_core::directory::{Group, GroupKind};
use stint_core::ids::GroupId;
use stint_core::rules::onboarding::why_not_manageable;
use stint_core::schedule::{Access, ScheduleKind};

use crate::confirm::{self, Confirmation};
use crate::error::UiError;
use crate::forms::{done_or_again, Errors, Posted};
use crate::layout::{badge, csrf_field, page, tabs, Head, Nav};
use crate::pager;
use crate::session::Console;
use crate::table::{list_card, Table};
use crate::widgets::{Field, Kind};
use crate::UiState;

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

/// The signed-in user and the group the path's `{id}` names, which they administer in PIM; a
/// request for any other group gets the page that says why not.
pub struct GroupPage {
    pub console: Console,
    pub group: Group,
}

impl FromRequestParts<UiState> for GroupPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ui: &UiState) -> Result<Self, Response> {
        let console = Console::from_request_parts(parts, ui).await?;
        let Path(path) = Path::<HashMap<String, String>>::from_request_parts(parts, ui)
            .await
            .map_err(IntoResponse::into_response)?;
        let id = path.get("id").map_or("", String::as_str);
        let group = group_for(&console, id).map_err(IntoResponse::into_response)?;
        Ok(GroupPage { console, group })
    }
}

/// The head of a group's pages: the trail back, the heading and the section tabs.
pub fn group_head(group: &Group, section: Section, title: &str) -> Head {
    let base = format!("/ui/groups/{}", group.id);
    let home = format!("{base}/assignments");
    let sections: Vec<_> = [
        (Section::Assignments, "Assignments", "assignments"),
        (Section::Settings, "Settings", "settings"),
        (Section::Audit, "Resource audit", "audit"),
    ]
    .into_iter()
    .map(|(tab, label, path)| (label, format!("{base}/{path}"), tab == section, None))
    .collect();
    Head::new(format!("{} · {title}", group.display_name))
        .subtitle(&describe(group))
        .trail(&[("PIM groups", "/ui/groups"), (&group.display_name, &home)])
        .tabs(tabs("Group", &sections))
}

/// `GET /ui/groups?q=&after=&before=`: a page of the managed groups (issue 19 item 12).
pub async fn managed(console: Console, Query(query): Query<HashMap<String, String>>) -> Response {
    let ask = pager::ask(&query);
    let (rows, discoverable): (Page<(Group, usize, usize)>, bool) = {
        let view = console.view();
        let open = |group: GroupId, kind: ScheduleKind| {
            view.schedules(Whose::Group(group), kind)
                .into_iter()
                .filter(|s| s.is_open_at(view.now()))
                .count()
        };
        let rows = view.pim_groups_page(true, &ask).map(|group| {
            (
                group.clone(),
                open(group.id, ScheduleKind::Eligible),
                open(group.id, ScheduleKind::Active),
            )
        });
        let to_discover = view.pim_groups_page(false, &PageAsk::first(1));
        (rows, to_discover.total > 0)
    };
    let empty = if !ask.search.is_empty() {
        ("No groups", "No managed group matches.")
    } else if discoverable {
        (
            "No managed groups",
            "Use Discover groups to bring a group you administer under PIM.",
        )
    } else {
        (
            "No groups to administer",
            "You administer no group in PIM. Groups you may activate are under My roles.",
        )
    };
    let base = "/ui/groups";
    let pages = pager::by_cursor(&rows, |row| row.0.id, base, &ask);
    let head = Head::new("PIM groups").subtitle("Groups managed by PIM that you administer.");
    let searchable = rows.total > 0 || !ask.search.is_empty();
    let body = html! {
        @if discoverable {
            div.toolbar {
                a.button.primary href="/ui/groups/discover" { "Discover groups" }
            }
        }
        @if searchable { (search_form(base, &ask.search)) }
        (list_card(rows.items.is_empty(), empty, html! { (managed_table(&rows.items)) (pages) }))
    };
    console.finish(page(&console, Nav::Groups, head, body))
}

/// The search box of a list of groups.
fn search_form(action: &str, search: &str) -> Markup {
    html! {
        form.search method="get" action=(action) role="search" {
            (Field::new(Kind::Search, "q", "Search groups").value(search)
                .hint("Part of a group's name.").render())
            button.button.secondary type="submit" { "Search" }
        }
    }
}

fn managed_table(rows: &[(Group, usize, usize)]) -> Markup {
    let table = Table::new(&["Group", "Type", "Eligible", "Active"]).actions(true);
    table.rows(rows, |(group, eligible, active)| {
        html! {
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
    })
}

/// `GET /ui/groups/discover?q=&after=&before=`: a page of the groups to discover (issue 19 item 12).
pub async fn discover_page(
    console: Console,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let body = discover_body(&console, &pager::ask(&query), &Errors::default());
    console.finish(body)
}

fn discover_body(console: &Console, ask: &PageAsk<GroupId>, errors: &Errors) -> Markup {
    let groups: Page<(Group, Option<String>)> = console
        .view()
        .pim_groups_page(false, ask)
        .map(|g| (g.clone(), why_not_manageable(g)));
    let base = "/ui/groups/discover";
    let pages = pager::by_cursor(&groups, |row| row.0.id, base, ask);
    let head = Head::new("Discover groups").subtitle("Groups you administer that PIM does not manage yet. Once managed, a group cannot be taken out of management.")
    .trail(&[("PIM groups", "/ui/groups")])
    .errors(errors);
    let body = html! {
        (search_form(base, &ask.search))
        (list_card(groups.items.is_empty(), ("No groups to discover", "Every group you administer is managed already, or none matches."),
            html! { (discover_table(console, &groups.items)) (pages) }))
    };
    page(console, Nav::Groups, head, body)
}

fn discover_table(console: &Console, groups: &[(Group, Option<String>)]) -> Markup {
    let table = Table::new(&["Group", "Type"]).actions(true);
    table.rows(groups, |(group, why_not)| {
        html! {
            td data-label="Group" { strong { (group.display_name) } }
            td data-label="Type" { (describe(group)) }
            td.actions-cell {
                @if let Some(reason) = why_not {
                    (badge("Not manageable")) p.small { (stint_core::in_words::plain(reason)) }
                } @else {
                    form method="post" action=(format!("/ui/groups/{}/manage", group.id)) {
                        (csrf_field(console))
                        button.button.primary.small type="submit"
                            aria-label=(format!("Manage {}", group.display_name)) { "Manage group" }
                    }
                }
            }
        }
    })
}

/// `POST /ui/groups/{id}/manage`
pub async fn manage(Path(id): Path<String>, Posted { console, form }: Posted) -> Response {
    let Ok(group) = id.parse::<GroupId>() else {
        return UiError::not_found("That group").into_response();
    };
    // Only someone who may manage the group is asked; anyone else hears the app's refusal.
    let may_manage = console.view().authority().pim_admin_of(group).is_ok();
    if may_manage && !confirm::confirmed(&form) {
        let name = crate::wording::group_name(&console.view(), group);
        let action = format!("/ui/groups/{group}/manage");
        return confirm::ask(
            &console,
            Confirmation {
                question: &format!("Manage {name} in PIM?"),
                consequence: format!("PIM will manage {name} from now on: its members and owners are then assigned through PIM. This cannot be undone; a managed group cannot be taken out of management."),
                button: "Manage group",
                action: &action,
                fields: &[],
                back: "/ui/groups/discover",
                nav: Nav::Groups,
            },
        );
    }
    let managed = console
        .app
        .manage_group(&console.session, &console.meta, group)
        .await;
    let done = format!("/ui/groups/{group}/assignments?notice=managed");
    done_or_again(&console, managed, &done, |errors| {
        discover_body(&console, &PageAsk::first(DEFAULT_PAGE_SIZE), errors)
    })
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
