//! docs/permissions.md read as data: one row per route (method and path template), one column per
//! caller of the cast, one expected answer per cell.

use std::collections::BTreeMap;

/// Where the documented matrix lives, from this crate's directory.
pub const DOCUMENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/permissions.md");

/// What a cell says the caller gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Allowed: neither 401 nor 403 nor 404 (nor, in the console, a trip to the sign-in page).
    Yes,
    /// Refused with 403.
    No,
    /// Refused with 404: the API hides that the object exists.
    Hidden,
    /// Needs sign-in: 401 from the API, a redirect to the sign-in page from the console.
    SignIn,
    /// Not asserted.
    Open,
}

impl Cell {
    fn parse(text: &str) -> Option<Cell> {
        Some(match text {
            "yes" => Cell::Yes,
            "no" => Cell::No,
            "404" => Cell::Hidden,
            "401" => Cell::SignIn,
            "-" => Cell::Open,
            _ => return None,
        })
    }
}

/// A route as the matrix names it: `GET /v1.0/groups/{id}`.
pub type Route = (String, String);

/// The matrix: its columns (the cast, in the document's order) and its rows.
#[derive(Debug)]
pub struct Matrix {
    pub columns: Vec<String>,
    pub rows: BTreeMap<Route, Vec<Cell>>,
}

impl Matrix {
    pub fn read() -> Matrix {
        let text = std::fs::read_to_string(DOCUMENT).expect("docs/permissions.md is readable");
        Matrix::parse(&text)
    }

    /// Every table whose first header cell is `Route` contributes rows; their headers must agree.
    pub fn parse(text: &str) -> Matrix {
        let mut columns: Vec<String> = Vec::new();
        let mut rows = BTreeMap::new();
        for line in text.lines() {
            let cells: Vec<&str> = line
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            if !line.trim_start().starts_with('|') || cells.len() < 2 {
                continue;
            }
            if cells[0] == "Route" {
                let header: Vec<String> = cells[1..].iter().map(|c| c.to_string()).collect();
                assert!(
                    columns.is_empty() || columns == header,
                    "every table of docs/permissions.md has the same columns: {header:?}"
                );
                columns = header;
                continue;
            }
            let Some(route) = cells[0].strip_prefix('`').and_then(|r| r.strip_suffix('`')) else {
                continue;
            };
            let (method, path) = route
                .split_once(' ')
                .unwrap_or_else(|| panic!("a route is `METHOD /path`: {route}"));
            let parsed: Vec<Cell> = cells[1..]
                .iter()
                .map(|cell| {
                    Cell::parse(cell).unwrap_or_else(|| panic!("unknown cell {cell:?} in {route}"))
                })
                .collect();
            assert_eq!(parsed.len(), columns.len(), "cells of {route}");
            let key = (method.to_string(), path.to_string());
            assert!(rows.insert(key, parsed).is_none(), "{route} has two rows");
        }
        assert!(!columns.is_empty(), "docs/permissions.md has a Route table");
        Matrix { columns, rows }
    }
}
