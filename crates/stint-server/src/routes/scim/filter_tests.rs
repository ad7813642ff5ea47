#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;

fn user() -> Value {
    json!({
        "id": "2819c223",
        "userName": "Bjensen@example.com",
        "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "meta": {"lastModified": "2026-01-05T09:00:00Z"}
    })
}

fn matches(filter: &str) -> bool {
    parse(filter).unwrap().matches(&user())
}

#[test]
fn every_operator_and_case_insensitive_names_and_operators() {
    let cases = [
        ("userName eq \"bjensen@example.com\"", true),
        ("USERNAME EQ \"BJENSEN@EXAMPLE.COM\"", true),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"bjensen@example.com\"",
            true,
        ),
        ("userName ne \"bjensen@example.com\"", false),
        ("userName co \"jensen\"", true),
        ("userName sw \"bj\"", true),
        ("userName ew \".com\"", true),
        ("name.familyName pr", true),
        ("name.middleName pr", false),
        ("meta.lastModified gt \"2026-01-01T00:00:00Z\"", true),
        ("meta.lastModified ge \"2026-01-05T09:00:00Z\"", true),
        ("meta.lastModified lt \"2026-01-01T00:00:00Z\"", false),
        ("meta.lastModified le \"2026-01-05T09:00:00Z\"", true),
        ("active eq true", true),
        ("active eq false", false),
        ("emails.value eq \"babs@jensen.org\"", true),
        ("emails eq \"babs@jensen.org\"", true),
        ("emails[type eq \"work\" and value co \"example\"]", true),
        ("emails[type eq \"other\"]", false),
        (
            "userName sw \"x\" or (active eq true and not (name.givenName eq \"Ann\"))",
            true,
        ),
        ("not (active eq true)", false),
        ("id eq \"2819C223\"", false),
        ("title eq null", true),
    ];
    for (filter, expected) in cases {
        assert_eq!(matches(filter), expected, "{filter}");
    }
}

#[test]
fn malformed_filters_are_invalid_filter_errors() {
    for filter in [
        "",
        "userName",
        "userName eq",
        "userName xx \"a\"",
        "(userName eq \"a\"",
        "userName eq \"a",
        "emails[type eq \"work\"",
        "userName eq \"a\" and",
        "1 eq 1",
    ] {
        let error = parse(filter).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidFilter"), "{filter}");
    }
    let deep = format!("{}userName pr{}", "(".repeat(40), ")".repeat(40));
    assert!(parse(&deep).is_err());
}
