//! `$filter`: a small OData v4 subset (comparisons, `in`, `and`/`or`/`not`, parentheses).

mod ast;
mod eval;
mod lexer;
mod parser;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::fmt;

use serde_json::Value;

use self::ast::{CompareOp, Expr, Literal};
use crate::error::ODataError;

pub(crate) use self::parser::is_identifier;

/// Longest `$filter` accepted, in characters.
const MAX_LENGTH: usize = 2_000;
/// Deepest nesting of parentheses and `not` accepted, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;
/// Most comparisons (an `in` list counts as one) accepted in one filter.
const MAX_TERMS: usize = 64;

/// A parsed `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    root: Expr,
}

impl Filter {
    /// Parses `$filter` text (already percent-decoded).
    pub fn parse(text: &str) -> Result<Filter, ODataError> {
        parser::parse(text).map(|root| Filter { root })
    }

    /// Evaluates against one JSON object (the Graph-shaped entity). Missing property = null.
    pub fn matches(&self, entity: &Value) -> bool {
        eval::matches(&self.root, entity)
    }

    /// If the filter is a conjunction (a top-level `and` chain, or a single comparison) that
    /// contains `<property> eq '<value>'`, returns that value. The property is compared
    /// case-insensitively. Used to check for the filters Graph requires, e.g. `groupId`.
    pub fn required_eq(&self, property: &str) -> Option<&str> {
        required_eq(&self.root, property)
    }

    /// Names of all properties referenced (first path segment), in order of first appearance.
    pub fn properties(&self) -> Vec<&str> {
        let mut names = Vec::new();
        collect_properties(&self.root, &mut names);
        names
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root.fmt(f)
    }
}

fn required_eq<'a>(expr: &'a Expr, property: &str) -> Option<&'a str> {
    match expr {
        Expr::Compare {
            path,
            op: CompareOp::Eq,
            value: Literal::String(value),
        } if path.join("/").eq_ignore_ascii_case(property) => Some(value),
        Expr::And(items) => items.iter().find_map(|item| required_eq(item, property)),
        _ => None,
    }
}

fn collect_properties<'a>(expr: &'a Expr, names: &mut Vec<&'a str>) {
    match expr {
        Expr::Compare { path, .. } | Expr::In { path, .. } => {
            if let Some(first) = path.first() {
                if !names.contains(&first.as_str()) {
                    names.push(first);
                }
            }
        }
        Expr::Not(inner) => collect_properties(inner, names),
        Expr::And(items) | Expr::Or(items) => {
            for item in items {
                collect_properties(item, names);
            }
        }
    }
}

/// An "Invalid $filter" error pointing at a zero-based character position.
fn syntax_error(detail: impl fmt::Display, pos: usize) -> ODataError {
    ODataError::new(
        "$filter",
        format!("Invalid $filter: {detail} at position {pos}."),
    )
}
