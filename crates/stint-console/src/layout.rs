//! The page shell: the document head, the top bar with the signed-in user, the left navigation
//! (like Entra's PIM blade; it moves to the top on narrow screens), the top of each page
//! ([`Head`]), and small shared pieces (notices, error summaries, tabs, creation cards, empty
//! states, status badges).
//!
//! Every page has exactly one `h1`; no inline script or style (the CSP forbids both).

use std::collections::HashMap;

use maud::{html, Markup, DOCTYPE};

use super::forms::Errors;
use super::session::Console;

/// Where a page sits in the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    MyRoles,
    MyRequests,
    Approvals,
    MyAudit,
    Groups,
    Profile,
    Users,
    DirectoryGroups,
    RoleAssignments,
    Outbox,
    Connectors,
    Advisor,
}

/// A full console page: the shell, then `head` and `body` in the main area.
pub fn page(console: &Console, nav: Nav, head: Head, body: Markup) -> Markup {
    let (pending, directory, connectors, advisor, pim_groups) = {
        let view = console.view();
        let directory = view.holds_directory_roles();
        (
            view.requests_awaiting_me().len(),
            directory,
            view.connector_manager().is_ok(),
            view.authority().advisor_reader().is_ok(),
            directory || view.administers_any_group(),
        )
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            (document_head(&head.title))
            body {
                a.skip href="#main" { "Skip to content" }
                header.topbar {
                    a.brand href="/ui/my-roles" {
                        span.logo aria-hidden="true" { "S" }
                        span { "Stint" }
                        span.product { "Privileged Identity Management" }
                    }
                    div.account {
                        a.who href="/ui/profile" title="Your profile" {
                            span.avatar aria-hidden="true" { (initials(&console.me.display_name)) }
                            span.who-name { (console.me.display_name) }
                        }
                        form method="post" action="/ui/sign-out" {
                            (csrf_field(console))
                            button.link-button type="submit" { "Sign out" }
                        }
                    }
                }
                div.shell {
                    nav.sidenav aria-label="Main" {
                        p.nav-title { "My access" }
                        ul {
                            (nav_item(nav, Nav::MyRoles, "/ui/my-roles", "My roles", None))
                            (nav_item(nav, Nav::MyRequests, "/ui/my-requests", "My requests", None))
                            (nav_item(nav, Nav::Approvals, "/ui/approvals", "Approve requests", (pending > 0).then_some(pending)))
                            (nav_item(nav, Nav::MyAudit, "/ui/audit", "My audit", None))
                        }
                        p.nav-title { "Manage" }
                        ul {
                            @if pim_groups {
                                (nav_item(nav, Nav::Groups, "/ui/groups", "PIM groups", None))
                            }
                            (nav_item(nav, Nav::Profile, "/ui/profile", "Profile", None))
                        }
                        @if directory {
                            p.nav-title { "Directory" }
                            ul {
                                (nav_item(nav, Nav::Users, "/ui/directory/users", "Users", None))
                                (nav_item(nav, Nav::DirectoryGroups, "/ui/directory/groups", "All groups", None))
                                (nav_item(nav, Nav::RoleAssignments, "/ui/directory/roles", "Role assignments", None))
                                (nav_item(nav, Nav::Outbox, "/ui/outbox", "Outbox", None))
                                @if connectors {
                                    (nav_item(nav, Nav::Connectors, "/ui/connectors", "Connectors", None))
                                }
                                @if advisor {
                                    (nav_item(nav, Nav::Advisor, "/ui/advisor", "Advisor", None))
                                }
                            }
                        }
                    }
                    main #main tabindex="-1" {
                        (head.render())
                        (body)
                    }
                }
            }
        }
    }
}

/// A page outside the signed-in shell: sign-in and error pages.
pub fn bare_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (document_head(title))
            body.bare {
                main.bare-main #main {
                    div.bare-brand {
                        span.logo aria-hidden="true" { "S" }
                        span { "Stint" }
                    }
                    (body)
                }
            }
        }
    }
}

fn document_head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="no-referrer";
            title { (title) " · Stint" }
            link rel="stylesheet" href=(super::assets::CSS_PATH);
            link rel="icon" href=(super::assets::ICON_PATH) type="image/svg+xml";
        }
    }
}

fn nav_item(current: Nav, item: Nav, href: &str, label: &str, count: Option<usize>) -> Markup {
    let here = current == item;
    html! {
        li {
            a.current[here] href=(href) aria-current=[here.then_some("page")] {
                (label)
                @if let Some(count) = count {
                    span.count aria-label=(format!("{count} waiting")) { (count) }
                }
            }
        }
    }
}

fn initials(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .collect();
    if letters.is_empty() {
        "?".into()
    } else {
        letters.to_uppercase()
    }
}

/// The top of a page, in this order: a trail of links, the `h1` (also the document's title) with
/// an optional line under it, tabs, the notice of what just happened, and the errors of the
/// page's form.
#[derive(Debug)]
pub struct Head {
    title: String,
    subtitle: Option<String>,
    trail: Option<Markup>,
    tabs: Option<Markup>,
    notice: Option<Markup>,
    errors: Option<Markup>,
}

impl Head {
    pub fn new(title: impl Into<String>) -> Head {
        Head {
            title: title.into(),
            subtitle: None,
            trail: None,
            tabs: None,
            notice: None,
            errors: None,
        }
    }

    /// A line under the heading.
    pub fn subtitle(mut self, text: &str) -> Head {
        self.subtitle = Some(text.to_string());
        self
    }

    /// Links above the heading: `(label, href)`.
    pub fn trail(mut self, items: &[(&str, &str)]) -> Head {
        self.trail = Some(html! {
            nav.breadcrumbs aria-label="Breadcrumb" {
                ol {
                    @for (label, href) in items {
                        li { a href=(href) { (label) } }
                    }
                }
            }
        });
        self
    }

    pub fn tabs(mut self, tabs: Markup) -> Head {
        self.tabs = Some(tabs);
        self
    }

    pub fn notice(mut self, notice: Option<Markup>) -> Head {
        self.notice = notice;
        self
    }

    pub fn errors(mut self, errors: &Errors) -> Head {
        self.errors = Some(error_summary(errors));
        self
    }

    fn render(&self) -> Markup {
        html! {
            @if let Some(trail) = &self.trail { (trail) }
            div.page-head {
                h1 { (self.title) }
                @if let Some(subtitle) = &self.subtitle {
                    p.subtitle { (subtitle) }
                }
            }
            @if let Some(tabs) = &self.tabs { (tabs) }
            @if let Some(notice) = &self.notice { (notice) }
            @if let Some(errors) = &self.errors { (errors) }
        }
    }
}

/// The hidden CSRF field of a signed-in form.
pub fn csrf_field(console: &Console) -> Markup {
    html! { input type="hidden" name=(super::csrf::FIELD) value=(console.csrf); }
}

/// A card that opens to a form creating something, named by `summary` and sent with the button
/// `submit`; it is open while the form has errors.
pub fn creation_card(
    console: &Console,
    (summary, submit): (&str, &str),
    action: &str,
    errors: &Errors,
    fields: Markup,
) -> Markup {
    html! {
        details.card open[!errors.is_empty()] {
            summary { (summary) }
            form.stack method="post" action=(action) novalidate {
                (csrf_field(console))
                (fields)
                div.actions { button.button.primary type="submit" { (submit) } }
            }
        }
    }
}

/// How a notice looks.
#[derive(Clone, Copy, Debug)]
pub enum Tone {
    Success,
    Info,
    Warning,
}

/// A banner that says what just happened.
/// A notice a page shows after a redirect, chosen by the `notice` value of its query.
#[derive(Clone, Copy, Debug)]
pub struct Flash {
    code: &'static str,
    tone: Tone,
    title: &'static str,
    text: Option<&'static str>,
}

impl Flash {
    pub const fn success(code: &'static str, title: &'static str) -> Flash {
        Flash {
            code,
            tone: Tone::Success,
            title,
            text: None,
        }
    }

    pub const fn info(code: &'static str, title: &'static str) -> Flash {
        Flash {
            tone: Tone::Info,
            ..Flash::success(code, title)
        }
    }

    /// The sentence under the title.
    pub const fn saying(self, text: &'static str) -> Flash {
        Flash {
            text: Some(text),
            ..self
        }
    }
}

/// The notice of `flashes` that the query's `notice` names, if any.
pub fn flash(query: &HashMap<String, String>, flashes: &[Flash]) -> Option<Markup> {
    let code = query.get("notice")?;
    let flash = flashes.iter().find(|flash| flash.code == code)?;
    Some(notice(flash.tone, flash.title, flash.text))
}

pub fn notice(tone: Tone, title: &str, text: Option<&str>) -> Markup {
    let class = match tone {
        Tone::Success => "notice success",
        Tone::Info => "notice info",
        Tone::Warning => "notice warning",
    };
    html! {
        div class=(class) role="status" {
            p.notice-title { (title) }
            @if let Some(text) = text { p { (text) } }
        }
    }
}

/// The errors of a form, listed at its top with links to the fields.
pub fn error_summary(errors: &Errors) -> Markup {
    if errors.is_empty() {
        return html! {};
    }
    html! {
        div.error-summary role="alert" tabindex="-1" {
            p.notice-title { "There is a problem" }
            ul {
                @for message in &errors.general {
                    li { (message) }
                }
                @for (field, message) in &errors.fields {
                    li { a href=(format!("#f-{field}")) { (message) } }
                }
            }
        }
    }
}

/// Tabs as links: `(label, href, active, count)`.
pub fn tabs(label: &str, items: &[(&str, String, bool, Option<usize>)]) -> Markup {
    html! {
        nav.tabs aria-label=(label) {
            @for (text, href, active, count) in items {
                a.tab.active[*active] href=(href) aria-current=[active.then_some("page")] {
                    (text)
                    @if let Some(count) = count { span.tab-count { (count) } }
                }
            }
        }
    }
}

/// What a list shows when it has nothing.
pub fn empty(title: &str, text: &str) -> Markup {
    html! {
        div.empty {
            p.empty-title { (title) }
            p { (text) }
        }
    }
}

/// A status as a coloured badge.
pub fn badge(status: &str) -> Markup {
    let tone = match status {
        "Provisioned" | "Active" | "Approved" | "Granted" | "Success" | "Managed" | "Enabled"
        | "Sent" | "Healthy" => "ok",
        "PendingApproval" | "Pending approval" | "Eligible" | "Scheduled" | "Pending" => "pending",
        "Denied" | "Failed" | "Failure" | "Revoked" | "Disabled" | "Failing" => "bad",
        _ => "neutral",
    };
    let text = match status {
        "PendingApproval" => "Pending approval",
        other => other,
    };
    html! { span class=(format!("badge {tone}")) { (text) } }
}
