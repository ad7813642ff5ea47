use chrono::{DateTime, FixedOffset};
use proptest::prelude::*;
use serde_json::json;

use super::ast::{CompareOp, Expr, Literal};
use super::{Filter, MAX_LENGTH, MAX_TERMS};

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,8}".prop_filter("`not` starts a negation", |name| {
        !name.eq_ignore_ascii_case("not")
    })
}

fn path() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(name(), 1..4)
}

fn datetime() -> impl Strategy<Value = DateTime<FixedOffset>> {
    // Years 1970..=9999 so the RFC 3339 rendering keeps four year digits.
    (
        0i64..253_402_300_799,
        0u32..1_000_000_000,
        -86_399i32..86_400,
    )
        .prop_map(|(seconds, nanos, offset_seconds)| {
            let offset = FixedOffset::east_opt(offset_seconds / 60 * 60).expect("offset in range");
            DateTime::from_timestamp(seconds, nanos)
                .expect("timestamp in range")
                .with_timezone(&offset)
        })
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        ".{0,12}".prop_map(Literal::String),
        any::<i64>().prop_map(Literal::Int),
        (prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO)
            .prop_map(Literal::Float),
        any::<bool>().prop_map(Literal::Bool),
        Just(Literal::Null),
        datetime().prop_map(Literal::DateTime),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
        Just(CompareOp::Lt),
        Just(CompareOp::Le),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (path(), op(), literal()).prop_map(|(path, op, value)| Expr::Compare { path, op, value }),
        (path(), prop::collection::vec(literal(), 1..4))
            .prop_map(|(path, values)| Expr::In { path, values }),
    ];
    leaf.prop_recursive(5, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|item| Expr::Not(Box::new(item))),
            prop::collection::vec(inner.clone(), 2..5).prop_map(Expr::And),
            prop::collection::vec(inner, 2..5).prop_map(Expr::Or),
        ]
    })
}

fn terms(expr: &Expr) -> usize {
    match expr {
        Expr::Compare { .. } | Expr::In { .. } => 1,
        Expr::Not(inner) => terms(inner),
        Expr::And(items) | Expr::Or(items) => items.iter().map(terms).sum(),
    }
}

/// Characters and words that make up filters, so random input reaches deep into the parser.
fn filterish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(" ".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("'".to_owned()),
        Just(",".to_owned()),
        Just("/".to_owned()),
        Just("not".to_owned()),
        Just("and".to_owned()),
        Just("or".to_owned()),
        Just("eq".to_owned()),
        Just("in".to_owned()),
        Just("any".to_owned()),
        Just("null".to_owned()),
        Just("2023-02-06T19:25:00Z".to_owned()),
        "[a-z0-9.:+-]{1,6}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn parsing_arbitrary_strings_never_panics(text in any::<String>()) {
        let _ = Filter::parse(&text);
    }

    #[test]
    fn parsing_filter_like_strings_never_panics(text in filterish()) {
        if let Ok(parsed) = Filter::parse(&text) {
            let _ = parsed.matches(&json!({"a": 1, "eq": "x", "and": [1]}));
            let _ = parsed.properties();
            let _ = parsed.required_eq("eq");
        }
    }

    #[test]
    fn rendered_asts_parse_back_to_the_same_ast(root in expr()) {
        let text = root.to_string();
        prop_assume!(text.chars().count() <= MAX_LENGTH && terms(&root) <= MAX_TERMS);
        let parsed = Filter::parse(&text)
            .map_err(|error| TestCaseError::fail(format!("{text:?}: {error}")))?;
        prop_assert_eq!(parsed.root, root);
    }

    #[test]
    fn ne_is_always_the_negation_of_eq(
        path in path(),
        value in literal(),
        entity in prop_oneof![
            Just(json!({})),
            Just(json!({"a": null})),
            Just(json!({"a": "x"})),
            Just(json!({"a": 1})),
            Just(json!({"a": [1]})),
        ],
    ) {
        let eq = Filter { root: Expr::Compare { path: path.clone(), op: CompareOp::Eq, value: value.clone() } };
        let ne = Filter { root: Expr::Compare { path, op: CompareOp::Ne, value } };
        prop_assert_ne!(eq.matches(&entity), ne.matches(&entity));
    }
}
