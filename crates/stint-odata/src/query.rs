//! Splitting a raw URL query string into the system query options an endpoint accepts.

use crate::error::{excerpt, ODataError};
use crate::expand::{parse_expand, Expand};
use crate::filter::Filter;
use crate::select::parse_select;

/// Microsoft Graph's largest page size.
const MAX_TOP: usize = 999;

/// The system query options of one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryOptions {
    pub filter: Option<Filter>,
    /// Property names as given, order kept.
    pub select: Option<Vec<String>>,
    pub expand: Vec<Expand>,
    pub top: Option<usize>,
    /// Opaque, as given in `$skiptoken`.
    pub skip_token: Option<String>,
}

/// What an endpoint accepts. Options not allowed → error. `$skiptoken` is always accepted.
///
/// `expand` lists the relationships that can be expanded as `/`-separated paths, so
/// `&["policy", "policy/rules"]` accepts `$expand=policy($expand=rules)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allowed {
    pub filter: bool,
    pub select: bool,
    pub expand: &'static [&'static str],
    pub top: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SystemOption {
    Filter,
    Select,
    Expand,
    Top,
    SkipToken,
}

impl SystemOption {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "$filter" => Self::Filter,
            "$select" => Self::Select,
            "$expand" => Self::Expand,
            "$top" => Self::Top,
            "$skiptoken" => Self::SkipToken,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Filter => "$filter",
            Self::Select => "$select",
            Self::Expand => "$expand",
            Self::Top => "$top",
            Self::SkipToken => "$skiptoken",
        }
    }

    fn is_allowed(self, allowed: &Allowed) -> bool {
        match self {
            Self::Filter => allowed.filter,
            Self::Select => allowed.select,
            Self::Expand => !allowed.expand.is_empty(),
            Self::Top => allowed.top,
            Self::SkipToken => true,
        }
    }
}

/// Parses the raw (percent-encoded) query string of a request. Parameters that do not start
/// with `$` are left to the caller; unknown, disallowed or repeated `$` options are refused.
pub fn parse_query(raw_query: &str, allowed: &Allowed) -> Result<QueryOptions, ODataError> {
    let raw_query = raw_query.strip_prefix('?').unwrap_or(raw_query);
    let mut options = QueryOptions::default();
    let mut seen = Vec::new();
    for pair in raw_query.split('&').filter(|pair| !pair.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(raw_key);
        if !key.starts_with('$') {
            continue;
        }
        let option = SystemOption::from_name(&key)
            .filter(|option| option.is_allowed(allowed))
            .ok_or_else(|| {
                let shown = excerpt(&key);
                ODataError::new(
                    shown.clone(),
                    format!("The query option '{shown}' is not supported on this endpoint."),
                )
            })?;
        if seen.contains(&option) {
            return Err(ODataError::new(
                option.name(),
                format!(
                    "The query option '{}' is specified more than once.",
                    option.name()
                ),
            ));
        }
        seen.push(option);

        let value = decode(raw_value);
        match option {
            SystemOption::Filter => options.filter = Some(Filter::parse(&value)?),
            SystemOption::Select => options.select = Some(parse_select(&value)?),
            SystemOption::Expand => options.expand = parse_expand(&value, allowed.expand)?,
            SystemOption::Top => options.top = Some(parse_top(&value)?),
            SystemOption::SkipToken => options.skip_token = Some(value),
        }
    }
    Ok(options)
}

fn parse_top(value: &str) -> Result<usize, ODataError> {
    value
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| value.parse::<usize>().ok())
        .flatten()
        .filter(|top| (1..=MAX_TOP).contains(top))
        .ok_or_else(|| {
            ODataError::new(
                "$top",
                format!(
                    "Invalid value for $top: '{}'. It must be a whole number from 1 to {MAX_TOP}.",
                    excerpt(value)
                ),
            )
        })
}

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space and `%XX` a byte.
/// A `%` not followed by two hex digits is kept as is; invalid UTF-8 becomes U+FFFD.
fn decode(component: &str) -> String {
    let bytes = component.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut next = 0;
    while let Some(&byte) = bytes.get(next) {
        let escaped = (byte == b'%')
            .then(|| {
                Some(hex_value(*bytes.get(next + 1)?)? * 16 + hex_value(*bytes.get(next + 2)?)?)
            })
            .flatten();
        match (byte, escaped) {
            (_, Some(value)) => {
                decoded.push(value);
                next += 3;
            }
            (b'+', None) => {
                decoded.push(b' ');
                next += 1;
            }
            (other, None) => {
                decoded.push(other);
                next += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERYTHING: Allowed = Allowed {
        filter: true,
        select: true,
        expand: &["policy", "policy/rules", "principal"],
        top: true,
    };

    fn error(raw_query: &str, allowed: &Allowed) -> ODataError {
        parse_query(raw_query, allowed).expect_err("should be refused")
    }

    /// `raw_query` is refused on `option`, saying `message`.
    fn assert_refused(raw_query: &str, option: &str, message: &str) {
        let refused = error(raw_query, &EVERYTHING);
        assert_eq!(refused.message(), message);
        assert_eq!(refused.option(), option);
    }

    #[test]
    fn percent_encoded_filter_is_decoded() {
        let options =
            parse_query("%24filter=groupId%20eq%20%27abc%27&%24top=5", &EVERYTHING).unwrap();
        assert_eq!(
            options
                .filter
                .as_ref()
                .and_then(|filter| filter.required_eq("groupId")),
            Some("abc")
        );
        assert_eq!(options.top, Some(5));
    }

    #[test]
    fn plus_means_space() {
        let options = parse_query("$filter=status+eq+'Granted'", &EVERYTHING).unwrap();
        assert_eq!(
            options.filter,
            Some(Filter::parse("status eq 'Granted'").unwrap())
        );
    }

    #[test]
    fn encoded_plus_stays_a_plus() {
        let options =
            parse_query("$filter=start+ge+2023-02-06T20:25:00%2B01:00", &EVERYTHING).unwrap();
        assert_eq!(
            options.filter.map(|filter| filter.to_string()),
            Some("start ge 2023-02-06T20:25:00+01:00".to_owned())
        );
    }

    #[test]
    fn every_supported_option_is_read() {
        let options = parse_query(
            "?$filter=status eq 'Granted'&$select=id,status&$expand=policy($expand=rules)&$top=10&$skiptoken=20",
            &EVERYTHING,
        )
        .unwrap();
        assert!(options.filter.is_some());
        assert_eq!(
            options.select,
            Some(vec!["id".to_owned(), "status".to_owned()])
        );
        assert_eq!(
            options.expand,
            vec![Expand {
                name: "policy".to_owned(),
                nested: vec![Expand {
                    name: "rules".to_owned(),
                    nested: Vec::new()
                }],
            }]
        );
        assert_eq!(options.top, Some(10));
        assert_eq!(options.skip_token.as_deref(), Some("20"));
    }

    #[test]
    fn empty_query_has_no_options() {
        assert_eq!(
            parse_query("", &Allowed::default()).unwrap(),
            QueryOptions::default()
        );
        assert_eq!(
            parse_query("&&", &Allowed::default()).unwrap(),
            QueryOptions::default()
        );
    }

    #[test]
    fn option_names_are_case_insensitive() {
        let options = parse_query("$Filter=a eq 1&$TOP=3", &EVERYTHING).unwrap();
        assert!(options.filter.is_some());
        assert_eq!(options.top, Some(3));
    }

    #[test]
    fn parameters_without_a_dollar_are_left_to_the_server() {
        let options = parse_query(
            "managed=true&atLeast=5&on=2023-01-01&filter=garbage(",
            &Allowed::default(),
        )
        .unwrap();
        assert_eq!(options, QueryOptions::default());
    }

    #[test]
    fn unsupported_orderby_is_refused_with_its_name() {
        assert_refused(
            "$orderby=createdDateTime desc",
            "$orderby",
            "The query option '$orderby' is not supported on this endpoint.",
        );
    }

    #[test]
    fn every_other_dollar_option_is_refused() {
        for name in [
            "$search", "$count", "$skip", "$format", "$levels", "$apply", "$foo", "$",
        ] {
            let refused = error(&format!("{name}=1"), &EVERYTHING);
            assert_eq!(
                refused.message(),
                format!("The query option '{name}' is not supported on this endpoint.")
            );
        }
    }

    #[test]
    fn options_the_endpoint_does_not_allow_are_refused() {
        let nothing = Allowed::default();
        for (query, name) in [
            ("$filter=a eq 1", "$filter"),
            ("$select=id", "$select"),
            ("$expand=policy", "$expand"),
            ("$top=1", "$top"),
        ] {
            assert_eq!(
                error(query, &nothing).message(),
                format!("The query option '{name}' is not supported on this endpoint.")
            );
        }
        assert_eq!(
            parse_query("$skiptoken=abc", &nothing)
                .unwrap()
                .skip_token
                .as_deref(),
            Some("abc")
        );
    }

    #[test]
    fn repeated_options_are_refused() {
        assert_refused(
            "$top=1&$TOP=2",
            "$top",
            "The query option '$top' is specified more than once.",
        );
    }

    #[test]
    fn top_must_be_between_one_and_nine_hundred_ninety_nine() {
        assert_eq!(parse_query("$top=1", &EVERYTHING).unwrap().top, Some(1));
        assert_eq!(parse_query("$top=999", &EVERYTHING).unwrap().top, Some(999));
        for value in [
            "0",
            "1000",
            "-1",
            "+5",
            "abc",
            "",
            "1.0",
            " 5",
            "99999999999999999999999",
        ] {
            let refused = error(&format!("$top={value}"), &EVERYTHING);
            assert!(
                refused.message().starts_with("Invalid value for $top: "),
                "{value}: {}",
                refused.message()
            );
            assert_eq!(refused.option(), "$top");
        }
    }

    #[test]
    fn bad_filter_errors_pass_through() {
        let refused = error("$filter=startswith(displayName,'a')", &EVERYTHING);
        assert_eq!(refused.option(), "$filter");
        assert!(refused.message().contains("'startswith' is not supported"));
    }

    #[test]
    fn expand_names_are_checked_against_the_endpoint() {
        let refused = error("$expand=owners", &EVERYTHING);
        assert_eq!(refused.option(), "$expand");
        assert!(error("$expand=*", &EVERYTHING)
            .message()
            .contains("'*' is not supported"));
    }

    #[test]
    fn select_errors_pass_through() {
        assert_eq!(error("$select=", &EVERYTHING).option(), "$select");
        assert_eq!(error("$select=a/b", &EVERYTHING).option(), "$select");
    }

    #[test]
    fn long_option_names_are_truncated_in_messages() {
        let refused = error(&format!("${}=1", "x".repeat(10_000)), &EVERYTHING);
        assert!(refused.message().len() < 200);
    }

    #[test]
    fn decode_handles_malformed_escapes() {
        for (encoded, decoded) in [
            ("100%", "100%"),
            ("%zz%4", "%zz%4"),
            ("%C3%A9", "é"),
            ("%FF", "\u{FFFD}"),
            ("a+b%2Bc", "a b+c"),
        ] {
            assert_eq!(decode(encoded), decoded, "{encoded}");
        }
    }
}
