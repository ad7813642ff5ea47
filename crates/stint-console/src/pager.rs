//! Lists a page at a time (issue 19 item 12): the page a query asks for (`q`, `size`, `after`,
//! `before`, or `start` for lists counted by position) and the "Showing 1–50 of N" line with its
//! Previous page and Next page links, which keep the search and the size.

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;

use maud::{html, Markup};
use stint_app::view::{Cursor, Page, PageAsk, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use stint_core::text::percent_encode;

/// The search text of `?q=`, trimmed.
pub fn search(query: &HashMap<String, String>) -> String {
    query
        .get("q")
        .map(|q| q.trim().to_string())
        .unwrap_or_default()
}

/// The page size `?size=` asks for, within 1..=[`MAX_PAGE_SIZE`]; 50 unless given.
pub fn size(query: &HashMap<String, String>) -> usize {
    query
        .get("size")
        .and_then(|text| text.trim().parse::<usize>().ok())
        .map_or(DEFAULT_PAGE_SIZE, |size| size.clamp(1, MAX_PAGE_SIZE))
}

/// The page `?after=`/`?before=`, `?size=` and `?q=` ask for; an id that does not parse starts
/// the list.
pub fn ask<Id: FromStr>(query: &HashMap<String, String>) -> PageAsk<Id> {
    let id = |name: &str| query.get(name).and_then(|text| text.parse::<Id>().ok());
    let cursor = match (id("after"), id("before")) {
        (Some(after), _) => Cursor::After(after),
        (None, Some(before)) => Cursor::Before(before),
        (None, None) => Cursor::Start,
    };
    PageAsk {
        cursor,
        size: size(query),
        search: search(query),
    }
}

/// The position `?start=` asks for in a list counted by position.
pub fn start(query: &HashMap<String, String>) -> usize {
    query
        .get("start")
        .and_then(|text| text.parse().ok())
        .unwrap_or(0)
}

/// `base` with the query `pairs` (values percent-encoded), leaving out empty values.
fn link(base: &str, pairs: &[(&str, String)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", percent_encode(value)))
        .collect();
    if query.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", query.join("&"))
    }
}

/// The query pairs that keep a list's search and page size from page to page.
pub fn kept(search: &str, size: usize) -> Vec<(&'static str, String)> {
    let mut pairs = vec![("q", search.to_string())];
    if size != DEFAULT_PAGE_SIZE {
        pairs.push(("size", size.to_string()));
    }
    pairs
}

/// The pager of a page read by cursor, `ask` being what it was read with: links carry the id of
/// the first or last item shown.
pub fn by_cursor<T, Id: Display>(
    page: &Page<T>,
    id_of: impl Fn(&T) -> Id,
    base: &str,
    ask: &PageAsk<Id>,
) -> Markup {
    let keep = kept(&ask.search, ask.size);
    let with = |name: &'static str, item: Option<&T>| {
        item.map(|item| {
            let mut pairs = keep.clone();
            pairs.push((name, id_of(item).to_string()));
            link(base, &pairs)
        })
    };
    let previous = page
        .has_previous()
        .then(|| with("before", page.items.first()))
        .flatten();
    let next = page
        .has_next()
        .then(|| with("after", page.items.last()))
        .flatten();
    pager(page.offset, page.items.len(), page.total, previous, next)
}

/// The pager of a list counted by position: `shown` items from `offset` of `total`, `size` a
/// page; `keep` are the query pairs every link carries.
pub fn by_position(
    (offset, shown, total): (usize, usize, usize),
    size: usize,
    base: &str,
    keep: &[(&str, String)],
) -> Markup {
    let with = |start: usize| {
        let mut pairs = keep.to_vec();
        if start > 0 {
            pairs.push(("start", start.to_string()));
        }
        link(base, &pairs)
    };
    let previous = (offset > 0).then(|| with(offset.saturating_sub(size)));
    let next = (offset + shown < total).then(|| with(offset + shown));
    pager(offset, shown, total, previous, next)
}

fn pager(
    offset: usize,
    shown: usize,
    total: usize,
    previous: Option<String>,
    next: Option<String>,
) -> Markup {
    if total == 0 {
        return html! {};
    }
    let range = if shown == 0 {
        format!("None of {}", thousands(total))
    } else {
        format!(
            "Showing {}–{} of {}",
            thousands(offset + 1),
            thousands(offset + shown),
            thousands(total)
        )
    };
    html! {
        nav.pager aria-label="Pages" {
            p.pager-range { (range) }
            div.pager-links {
                @if let Some(previous) = previous { a.button.secondary.small href=(previous) rel="prev" { "Previous page" } }
                @if let Some(next) = next { a.button.secondary.small href=(next) rel="next" { "Next page" } }
            }
        }
    }
}

fn thousands(number: usize) -> String {
    stint_core::text::thousands(u64::try_from(number).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_19_item_12_counts_read_with_thousands_separators() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(100001), "100,001");
    }

    #[test]
    fn issue_19_item_12_links_keep_the_search_encoded() {
        assert_eq!(
            link("/ui/x", &[("q", "a b&c".into()), ("after", "1".into())]),
            "/ui/x?q=a%20b%26c&after=1"
        );
        assert_eq!(link("/ui/x", &[("q", String::new())]), "/ui/x");
    }
}
