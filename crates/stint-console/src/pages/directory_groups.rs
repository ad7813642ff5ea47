//! Directory administration of groups (SPEC D2, D3): the list, and creating a cloud group
//! (security or Microsoft 365, role-assignable or not; role-assignable is fixed at creation).

use std::collections::HashMap;

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use stint_app::view::{Page, PageAsk, DEFAULT_PAGE_SIZE};
use stint_core::directory::{Group, GroupKind, GroupSource};
use stint_core::ids::GroupId;
use stint_core::rules::directory::NewGroup;

use crate::forms::{Errors, FormData, Posted};
use crate::layout::{badge, creation_card, notice, page, Head, Nav, Tone};
use crate::pager;
use crate::session::Console;
use crate::table::{list_card, Table};
use crate::widgets::{checkbox, select, Field, Kind};

/// `GET /ui/directory/groups?q=&after=&before=`: a page of groups (issue 19 item 12).
pub async fn list(console: Console, Query(query): Query<HashMap<String, String>>) -> Response {
    let message = query.get("notice").filter(|n| *n == "created").map(|_| {
        notice(
            Tone::Success,
            "Group created",
            Some("Bring it under PIM from Groups › Discover groups."),
        )
    });
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
    ask: &PageAsk<GroupId>,
    form: &FormData,
    errors: &Errors,
    message: Option<Markup>,
) -> Markup {
    let groups: Page<Group> = console.view().live_groups_page(ask).map(Group::clone);
    let base = "/ui/directory/groups";
    let pages = pager::by_cursor(&groups, |group| group.id, base, ask);
    let kinds = vec![
        ("security".to_string(), "Security".to_string()),
        ("microsoft365".to_string(), "Microsoft 365".to_string()),
    ];
    let nothing = if ask.search.is_empty() {
        "Create one above."
    } else {
        "No group matches."
    };
    let head = Head::new("Directory groups")
        .subtitle("Every group of the directory, managed by PIM or not.")
        .notice(message)
        .errors(errors);
    let body = html! {
        (creation_card(console, ("New group", "Create group"), "/ui/directory/groups", errors, html! {
            div.field-row {
                (Field::new(Kind::Text, "display_name", "Name").value(form.value("display_name"))
                    .required(true).maxlength(256).errors(errors).render())
                (select("kind", "Type", &kinds, &form.get("kind").unwrap_or_else(|| "security".into()), errors, None))
            }
            (Field::new(Kind::Text, "description", "Description").value(form.value("description"))
                .maxlength(1024).errors(errors).render())
            (checkbox("role_assignable", "Microsoft Entra roles can be assigned to the group",
                form.checked("role_assignable"), Some("Set only now; it can never change. Such groups get extra protection.")))
        }))
        form.search method="get" action=(base) role="search" {
            (Field::new(Kind::Search, "q", "Search groups").value(&ask.search)
                .hint("Part of a group's name.").render())
            button.button.secondary type="submit" { "Search" }
        }
        (list_card(groups.items.is_empty(), ("No groups", nothing), html! {
            (groups_table(&groups.items)) (pages)
        }))
    };
    page(console, Nav::DirectoryGroups, head, body)
}

fn first_page() -> PageAsk<GroupId> {
    PageAsk::first(DEFAULT_PAGE_SIZE)
}

fn groups_table(groups: &[Group]) -> Markup {
    let table = Table::new(&["Name", "Type", "Role-assignable", "PIM"]);
    table.rows(groups, |group| {
        html! {
            td data-label="Name" {
                strong { (group.display_name) }
                @if let Some(d) = &group.description { br; span.muted { (d) } }
            }
            td data-label="Type" {
                (match group.kind { GroupKind::Security => "Security", GroupKind::Microsoft365 => "Microsoft 365" })
                @if group.is_dynamic() { " · dynamic" }
                @if group.source == GroupSource::Synced { " · synced" }
            }
            td data-label="Role-assignable" { (if group.is_assignable_to_role { "Yes" } else { "No" }) }
            td data-label="PIM" {
                @if group.is_managed() {
                    a href=(format!("/ui/groups/{}/assignments", group.id)) { (badge("Managed")) }
                } @else { span.muted { "Not managed" } }
            }
        }
    })
}

/// `POST /ui/directory/groups`
pub async fn create(Posted { console, form }: Posted) -> Response {
    let mut errors = Errors::default();
    let Some(display_name) = form.get("display_name") else {
        errors.add("display_name", "Enter a name.");
        let body = list_page(&console, &first_page(), &form, &errors, None);
        return (StatusCode::BAD_REQUEST, console.finish(body)).into_response();
    };
    let input = NewGroup {
        display_name,
        description: form.get("description"),
        kind: match form.get("kind").as_deref() {
            Some("microsoft365") => GroupKind::Microsoft365,
            _ => GroupKind::Security,
        },
        is_assignable_to_role: form.checked("role_assignable"),
        membership_rule: None,
        source: GroupSource::Cloud,
    };
    match console
        .app
        .create_group(&console.session, &console.meta, input)
        .await
    {
        Ok(_) => Redirect::to("/ui/directory/groups?notice=created").into_response(),
        Err(error) => {
            errors = Errors::from_app(error, &|key| match key {
                "displayName" => Some("display_name"),
                "isAssignableToRole" => Some("role_assignable"),
                _ => None,
            });
            let body = list_page(&console, &first_page(), &form, &errors, None);
            (StatusCode::BAD_REQUEST, console.finish(body)).into_response()
        }
    }
}
