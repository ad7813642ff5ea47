//! Lists shown as tables: a head that names the columns, a row per item, and the card that holds
//! a list or says it has nothing. On narrow screens each cell shows its column's name from its
//! `data-label`, which the rows give.

use maud::{html, Markup};

use super::layout::empty;

/// The columns of a table, and how it looks.
#[derive(Clone, Copy, Debug)]
pub struct Table<'a> {
    columns: &'a [&'a str],
    actions: bool,
    class: Option<&'a str>,
}

impl<'a> Table<'a> {
    pub fn new(columns: &'a [&'a str]) -> Table<'a> {
        Table {
            columns,
            actions: false,
            class: None,
        }
    }

    /// With `on`, a last column holds each row's buttons; its name is for screen readers only.
    pub fn actions(self, on: bool) -> Table<'a> {
        Table {
            actions: on,
            ..self
        }
    }

    pub fn class(self, class: &'a str) -> Table<'a> {
        Table {
            class: Some(class),
            ..self
        }
    }

    /// The table: one row per item of `items`, holding the cells `cells` gives for it.
    pub fn rows<T>(
        &self,
        items: impl IntoIterator<Item = T>,
        cells: impl Fn(T) -> Markup,
    ) -> Markup {
        html! {
            div.table-wrap {
                table class=[self.class] {
                    thead { tr {
                        @for column in self.columns { th scope="col" { (column) } }
                        @if self.actions { th scope="col" { span.visually-hidden { "Actions" } } }
                    } }
                    tbody {
                        @for item in items { tr { (cells(item)) } }
                    }
                }
            }
        }
    }
}

/// A flush card holding a list's `table`, or, when the list is empty, `nothing`: a title and a
/// line of text.
pub fn list_card(is_empty: bool, nothing: (&str, &str), table: Markup) -> Markup {
    html! {
        section.card.flush {
            @if is_empty { (empty(nothing.0, nothing.1)) } @else { (table) }
        }
    }
}
