//! The Eligible / Active / Expired tabs of an assignment list: a group's, and the signed-in
//! user's "My roles".

use std::collections::HashMap;

use maud::Markup;

use crate::layout::tabs;

/// Which list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Eligible,
    Active,
    Expired,
}

impl Tab {
    /// The tab a `?tab=` query asks for; Eligible unless it names another.
    pub fn asked(query: &HashMap<String, String>) -> Tab {
        match query.get("tab").map(String::as_str) {
            Some("active") => Tab::Active,
            Some("expired") => Tab::Expired,
            _ => Tab::Eligible,
        }
    }

    /// The tab's name in `?tab=`.
    pub fn name(self) -> &'static str {
        match self {
            Tab::Eligible => "eligible",
            Tab::Active => "active",
            Tab::Expired => "expired",
        }
    }
}

/// The rows of each tab.
#[derive(Clone, Debug)]
pub struct ByTab<R> {
    pub eligible: Vec<R>,
    pub active: Vec<R>,
    pub expired: Vec<R>,
}

impl<R> ByTab<R> {
    pub fn of(&self, tab: Tab) -> &[R] {
        match tab {
            Tab::Eligible => &self.eligible,
            Tab::Active => &self.active,
            Tab::Expired => &self.expired,
        }
    }

    /// The tab links to `base?tab=…` named `label`, each with its count, `current` marked.
    pub fn links(&self, label: &str, base: &str, current: Tab) -> Markup {
        let link = |tab: Tab| format!("{base}?tab={}", tab.name());
        tabs(
            label,
            &[
                (
                    "Eligible assignments",
                    link(Tab::Eligible),
                    current == Tab::Eligible,
                    Some(self.eligible.len()),
                ),
                (
                    "Active assignments",
                    link(Tab::Active),
                    current == Tab::Active,
                    Some(self.active.len()),
                ),
                (
                    "Expired assignments",
                    link(Tab::Expired),
                    current == Tab::Expired,
                    Some(self.expired.len()),
                ),
            ],
        )
    }
}
