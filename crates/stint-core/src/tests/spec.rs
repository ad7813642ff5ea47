//! The rule ids, the rule index `docs/rules.md` and the names of the tests agree.

use std::fs;
use std::path::{Path, PathBuf};

use super::Rule;

const INDEX: &str = include_str!("../../../../docs/rules.md");

/// One row of the index's table: the id, its meaning, and where it is decided.
struct Row<'a> {
    id: &'a str,
    meaning: &'a str,
    decided_in: &'a str,
}

fn rows() -> Vec<Row<'static>> {
    INDEX
        .lines()
        .filter(|line| {
            line.starts_with("| ") && !line.starts_with("| Rule ") && !line.starts_with("| ---")
        })
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 5, "a row has three cells: {line}");
            Row {
                id: cells[1],
                meaning: cells[2],
                decided_in: cells[3],
            }
        })
        .collect()
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The texts between backticks in `text`.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The rule ids that a function name starts with: `a3` of `a3_…`, `f1` and `f2` of `f1_f2_…`;
/// none of a name that is only an id-like word (`t0`).
fn ids_named_in(function: &str) -> Vec<String> {
    let parts: Vec<&str> = function.split('_').collect();
    parts[..parts.len() - 1]
        .iter()
        .take_while(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_ascii_lowercase())
                && !chars.as_str().is_empty()
                && chars.all(|c| c.is_ascii_digit())
        })
        .map(|part| part.to_ascii_uppercase())
        .collect()
}

fn function_names(source: &str) -> impl Iterator<Item = &str> {
    source.split("fn ").skip(1).map(|rest| {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        &rest[..end]
    })
}

/// Whether `source` defines a function, type or constant called `name`.
fn defines(source: &str, name: &str) -> bool {
    ["fn", "struct", "enum", "const"].iter().any(|keyword| {
        let definition = format!("{keyword} {name}");
        source.match_indices(&definition).any(|(at, _)| {
            !source[at + definition.len()..]
                .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn the_index_has_one_row_per_rule_in_order_with_its_meaning() {
    let listed: Vec<(&str, &str)> = rows().iter().map(|row| (row.id, row.meaning)).collect();
    let rules: Vec<(&str, &str)> = Rule::ALL
        .iter()
        .map(|rule| (rule.id(), rule.meaning()))
        .collect();
    assert_eq!(listed, rules);
}

#[test]
fn every_file_and_item_the_index_names_exists() {
    let mut missing = Vec::new();
    for row in rows() {
        for place in row.decided_in.split(';') {
            let names = quoted(place);
            let Some((path, items)) = names.split_first() else {
                missing.push(format!("{}: no file in '{place}'", row.id));
                continue;
            };
            let file = repository().join(path);
            if path.ends_with('/') {
                if !file.is_dir() {
                    missing.push(format!("{}: {path}", row.id));
                }
                continue;
            }
            let Ok(source) = fs::read_to_string(&file) else {
                missing.push(format!("{}: {path}", row.id));
                continue;
            };
            for item in items {
                let name = item.rsplit("::").next().unwrap_or(item);
                if !defines(&source, name) {
                    missing.push(format!("{}: {name} in {path}", row.id));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/rules.md names what is not there: {missing:?}"
    );
}

#[test]
fn every_id_a_function_is_named_after_is_a_rule_of_the_index() {
    let mut files = Vec::new();
    rust_files(&repository().join("crates"), &mut files);
    let mut unknown = Vec::new();
    for file in &files {
        let source = fs::read_to_string(file).expect("a readable source file");
        for id in function_names(&source).flat_map(ids_named_in) {
            if Rule::from_id(&id).is_none() {
                unknown.push(format!("{id} in {}", file.display()));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "tests are named after ids that are not rules: {unknown:?}"
    );
}

#[test]
fn a_rule_is_shown_as_its_spec_id_and_read_back_from_it() {
    assert_eq!(Rule::V2.to_string(), "V2");
    assert_eq!(Rule::A11.to_string(), "A11");
    for &rule in Rule::ALL {
        assert_eq!(Rule::from_id(rule.id()), Some(rule));
    }
    assert_eq!(Rule::from_id("Z9"), None);
    assert_eq!(Rule::from_id("v2"), None);
}

#[test]
fn function_names_yield_the_ids_they_start_with() {
    assert_eq!(ids_named_in("a3_no_early_removal"), ["A3"]);
    assert_eq!(ids_named_in("f1_f2_the_console_refuses"), ["F1", "F2"]);
    assert!(ids_named_in("activation_window").is_empty());
    assert!(ids_named_in("t0").is_empty());
    assert!(ids_named_in("v_2_is_not_an_id").is_empty());
}

#[test]
fn an_item_is_defined_only_under_its_whole_name() {
    assert!(defines("pub fn check_name(", "check_name"));
    assert!(!defines("pub fn check_name(", "check_nam"));
    assert!(defines("pub struct ApiError {", "ApiError"));
}
