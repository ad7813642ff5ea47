//! Printing results: `--output table` (aligned columns and short sentences, colour only on a
//! terminal and never with `NO_COLOR`) or `--output json` (stable shapes, see the README).

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use clap::ValueEnum;
use serde_json::Value;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns and sentences, for people.
    Table,
    /// JSON: an array for lists, the server's object for actions.
    Json,
}

/// Colours used in tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Good,
    Waiting,
    Bad,
}

/// Where and how to print.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    pub format: Format,
    color: bool,
    error_color: bool,
}

impl Output {
    pub fn new(format: Format) -> Output {
        let allowed = std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
        Output {
            format,
            color: allowed && std::io::stdout().is_terminal(),
            error_color: allowed && std::io::stderr().is_terminal(),
        }
    }

    pub fn is_json(&self) -> bool {
        self.format == Format::Json
    }

    /// Prints `value` as pretty JSON on stdout.
    pub fn json(&self, value: &Value) {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
        print_line(&text);
    }

    /// Prints `value` as pretty JSON, or in table mode the line `said` makes.
    pub fn either(&self, value: &Value, said: impl FnOnce() -> String) {
        if self.is_json() {
            self.json(value);
        } else {
            self.line(&said());
        }
    }

    /// Prints a line of text on stdout (table mode).
    pub fn line(&self, text: &str) {
        print_line(text);
    }

    /// Prints `table`, or `empty` when it has no rows.
    pub fn table(&self, table: &Table, empty: &str) {
        if table.rows.is_empty() {
            print_line(empty);
        } else {
            print_line(&table.render(self.color));
        }
    }

    /// `rows` as the server answered them (JSON), or a table of `headers` with the `cells` of
    /// each row, or `empty` when there are none.
    pub fn rows(
        &self,
        rows: Vec<Value>,
        headers: &[&str],
        cells: impl Fn(&Value) -> Vec<Cell>,
        empty: &str,
    ) {
        if self.is_json() {
            self.json(&Value::Array(rows));
            return;
        }
        let mut table = Table::new(headers);
        for row in &rows {
            table.row(cells(row));
        }
        self.table(&table, empty);
    }

    /// A note on stderr, e.g. progress while waiting.
    pub fn note(&self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{text}");
    }

    /// An error and what to do next, on stderr.
    pub fn error(&self, message: &str, hint: Option<&str>) {
        let mut stderr = std::io::stderr().lock();
        let label = paint("error:", Tone::Bad, self.error_color, true);
        let _ = writeln!(stderr, "{label} {message}");
        if let Some(hint) = hint {
            let label = paint("hint:", Tone::Plain, self.error_color, true);
            let _ = writeln!(stderr, "{label} {hint}");
        }
    }
}

fn print_line(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`stint ... | head`) is not an error worth a panic.
    let _ = writeln!(stdout, "{text}");
}

/// A cell: its text and tone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    text: String,
    tone: Tone,
}

impl<T: Into<String>> From<T> for Cell {
    fn from(text: T) -> Cell {
        Cell {
            text: text.into(),
            tone: Tone::Plain,
        }
    }
}

impl Cell {
    pub fn toned(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }

    /// A status with the tone of what it means.
    pub fn status(text: &str) -> Cell {
        let tone = match text {
            "Provisioned" | "Granted" | "Approved" | "Active" | "Completed" | "success" | "yes" => {
                Tone::Good
            }
            "PendingApproval" | "Pending approval" | "InProgress" | "NotReviewed" => Tone::Waiting,
            "Denied" | "Failed" | "Canceled" | "Revoked" | "Expired" | "failure" | "no" => {
                Tone::Bad
            }
            _ => Tone::Plain,
        };
        Cell::toned(text, tone)
    }
}

/// Columns aligned to their widest cell.
#[derive(Clone, Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    pub fn render(&self, color: bool) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (index, cell) in row.iter().enumerate().take(columns) {
                widths[index] = widths[index].max(width(&cell.text));
            }
        }
        let mut lines = Vec::with_capacity(self.rows.len() + 1);
        let header: Vec<Cell> = self
            .headers
            .iter()
            .map(|h| Cell::toned(h.clone(), Tone::Plain))
            .collect();
        lines.push(render_row(&header, &widths, color, true));
        for row in &self.rows {
            lines.push(render_row(row, &widths, color, false));
        }
        lines.join("\n")
    }
}

fn render_row(cells: &[Cell], widths: &[usize], color: bool, bold: bool) -> String {
    let last = widths.len().saturating_sub(1);
    let mut line = String::new();
    for (index, target) in widths.iter().enumerate() {
        let cell = cells.get(index).cloned().unwrap_or_else(|| Cell::from(""));
        let pad = if index == last {
            0
        } else {
            target - width(&cell.text) + 2
        };
        line.push_str(&paint(&cell.text, cell.tone, color, bold));
        line.push_str(&" ".repeat(pad));
    }
    line.trim_end().to_string()
}

fn width(text: &str) -> usize {
    text.chars().count()
}

fn paint(text: &str, tone: Tone, color: bool, bold: bool) -> String {
    if !color || text.is_empty() {
        return text.to_string();
    }
    let code = match (tone, bold) {
        (Tone::Plain, false) => return text.to_string(),
        (Tone::Plain, true) => "1",
        (Tone::Good, _) => "32",
        (Tone::Waiting, _) => "33",
        (Tone::Bad, true) => "1;31",
        (Tone::Bad, false) => "31",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM UTC`; other text unchanged, `null` as `-`.
pub fn format_time(text: &str) -> String {
    match DateTime::parse_from_rfc3339(text) {
        Ok(at) => at
            .with_timezone(&Utc)
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        Err(_) => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned_without_colour() {
        let mut table = Table::new(&["GROUP", "STATUS"]);
        table.row(vec!["Tier 0 Admins".into(), Cell::status("Provisioned")]);
        table.row(vec!["Ops".into(), Cell::status("Denied")]);
        assert_eq!(
            table.render(false),
            "GROUP          STATUS\nTier 0 Admins  Provisioned\nOps            Denied"
        );
        let coloured = table.render(true);
        assert!(
            coloured.contains("\x1b[32mProvisioned\x1b[0m"),
            "{coloured}"
        );
    }

    #[test]
    fn times_are_shown_in_utc_to_the_minute() {
        assert_eq!(format_time("2026-05-01T12:34:56Z"), "2026-05-01 12:34 UTC");
        assert_eq!(
            format_time("2026-05-01T14:34:56+02:00"),
            "2026-05-01 12:34 UTC"
        );
        assert_eq!(format_time("soon"), "soon");
    }
}
