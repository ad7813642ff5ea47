//! Slicing a result set into pages addressed by `$top` and `$skiptoken`.

use crate::error::ODataError;

/// One page of results and, when more remain, the offset the next page starts at.
#[derive(Debug, PartialEq, Eq)]
pub struct Page<'a, T> {
    pub items: &'a [T],
    pub next_skip: Option<usize>,
}

/// Returns the page of `items` starting at the offset in `skip_token` (a decimal string; none
/// means 0) holding `top` items, or `default_page_size` when `top` is absent. An offset past the
/// end gives an empty last page, since items may have been removed since the previous page.
pub fn page<'a, T>(
    items: &'a [T],
    top: Option<usize>,
    skip_token: Option<&str>,
    default_page_size: usize,
) -> Result<Page<'a, T>, ODataError> {
    let offset = skip_offset(skip_token)?;
    let size = page_size(top, default_page_size);
    let start = offset.min(items.len());
    let end = start.saturating_add(size).min(items.len());
    Ok(Page {
        items: &items[start..end],
        next_skip: (end < items.len()).then_some(end),
    })
}

/// The offset a `$skiptoken` names (none: 0), for lists paged as they are read.
pub fn skip_offset(skip_token: Option<&str>) -> Result<usize, ODataError> {
    match skip_token {
        None => Ok(0),
        Some(token) => {
            parse_offset(token).ok_or_else(|| ODataError::new("$skiptoken", "Invalid $skiptoken."))
        }
    }
}

/// The page size `$top` asks for, or `default_page_size`; at least 1, since a zero page size
/// would hand back the same offset forever.
pub fn page_size(top: Option<usize>, default_page_size: usize) -> usize {
    top.unwrap_or(default_page_size).max(1)
}

fn parse_offset(token: &str) -> Option<usize> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITEMS: [u32; 5] = [0, 1, 2, 3, 4];

    #[test]
    fn first_page_uses_top_and_points_at_the_rest() {
        let first = page(&ITEMS, Some(2), None, 100).unwrap();
        assert_eq!(first.items, &[0, 1]);
        assert_eq!(first.next_skip, Some(2));
    }

    #[test]
    fn skip_token_continues_where_the_last_page_ended() {
        let second = page(&ITEMS, Some(2), Some("2"), 100).unwrap();
        assert_eq!(second.items, &[2, 3]);
        assert_eq!(second.next_skip, Some(4));
        let last = page(&ITEMS, Some(2), Some("4"), 100).unwrap();
        assert_eq!(last.items, &[4]);
        assert_eq!(last.next_skip, None);
    }

    #[test]
    fn default_page_size_applies_without_top() {
        let all = page(&ITEMS, None, None, 3).unwrap();
        assert_eq!(all.items, &[0, 1, 2]);
        assert_eq!(all.next_skip, Some(3));
    }

    #[test]
    fn exact_fit_has_no_next_page() {
        assert_eq!(page(&ITEMS, Some(5), None, 100).unwrap().next_skip, None);
    }

    #[test]
    fn offset_past_the_end_is_an_empty_last_page() {
        let past = page(&ITEMS, None, Some("99"), 100).unwrap();
        assert!(past.items.is_empty());
        assert_eq!(past.next_skip, None);
    }

    #[test]
    fn zero_default_page_size_still_advances() {
        assert_eq!(page(&ITEMS, None, None, 0).unwrap().next_skip, Some(1));
    }

    #[test]
    fn invalid_skip_tokens_are_refused() {
        for token in [
            "",
            "-1",
            "+1",
            "abc",
            "1.5",
            " 1",
            "99999999999999999999999",
        ] {
            let error = page(&ITEMS, None, Some(token), 100).unwrap_err();
            assert_eq!(error.message(), "Invalid $skiptoken.", "{token:?}");
            assert_eq!(error.option(), "$skiptoken");
        }
    }
}
