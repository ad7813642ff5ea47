//! The confirmation step of actions that cannot be undone, without JavaScript: the action's first
//! POST shows a page that says what will happen; its button posts the same fields again with
//! `confirm=yes`, and only that second POST acts. "Cancel" goes back and changes nothing.

use axum::response::Response;
use maud::html;

use super::forms::FormData;
use super::layout::{csrf_field, page, Head, Nav};
use super::session::Console;

/// The field that says the person confirmed.
pub const FIELD: &str = "confirm";

/// Whether `form` is the confirmed second POST.
pub fn confirmed(form: &FormData) -> bool {
    form.get(FIELD).as_deref() == Some("yes")
}

/// What to ask before an action.
pub struct Confirmation<'a> {
    /// The page's heading, a question: "Remove this assignment?".
    pub question: &'a str,
    /// What happens, in a sentence or two.
    pub consequence: String,
    /// The confirming button: "Remove".
    pub button: &'a str,
    /// Where the form posts: the action's own path.
    pub action: &'a str,
    /// The action's own fields, posted again.
    pub fields: &'a [(&'a str, String)],
    /// Where "Cancel" leads.
    pub back: &'a str,
    pub nav: Nav,
}

/// The page that asks.
pub fn ask(console: &Console, confirmation: Confirmation<'_>) -> Response {
    let head = Head::new(confirmation.question);
    let body = html! {
        section.card.narrow {
            p { (confirmation.consequence) }
            form method="post" action=(confirmation.action) {
                (csrf_field(console))
                @for (name, value) in confirmation.fields {
                    input type="hidden" name=(name) value=(value);
                }
                input type="hidden" name=(FIELD) value="yes";
                div.actions {
                    button.button.danger type="submit" { (confirmation.button) }
                    a.button.secondary href=(confirmation.back) { "Cancel" }
                }
            }
        }
    };
    console.finish(page(console, confirmation.nav, head, body))
}
