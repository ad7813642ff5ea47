use serde_json::json;

use super::ast::{CompareOp, Expr, Literal};
use super::Filter;

fn filter(text: &str) -> Filter {
    Filter::parse(text).unwrap_or_else(|error| panic!("{text:?} should parse: {error}"))
}

fn error(text: &str) -> String {
    Filter::parse(text)
        .expect_err("should be refused")
        .message()
        .to_owned()
}

fn eq(property: &str, value: Literal) -> Expr {
    Expr::Compare {
        path: vec![property.to_owned()],
        op: CompareOp::Eq,
        value,
    }
}

fn string(text: &str) -> Literal {
    Literal::String(text.to_owned())
}

// Parsing

#[test]
fn graph_group_and_principal_filter_parses_as_a_conjunction() {
    let parsed = filter(
        "groupId eq '2b5ed229-4072-478d-9504-a047ebd4b07d' and principalId eq '3cce9d87-3986-4f19-8335-7ed075408ca2'",
    );
    assert_eq!(
        parsed.root,
        Expr::And(vec![
            eq("groupId", string("2b5ed229-4072-478d-9504-a047ebd4b07d")),
            eq(
                "principalId",
                string("3cce9d87-3986-4f19-8335-7ed075408ca2")
            ),
        ])
    );
}

#[test]
fn graph_scope_filter_with_three_terms_is_one_flat_chain() {
    let parsed = filter(
        "scopeId eq '60bba733-f09d-49b7-8445-32369aa066b3' and scopeType eq 'Group' and roleDefinitionId eq 'owner'",
    );
    let Expr::And(items) = &parsed.root else {
        panic!("expected an and chain, got {:?}", parsed.root);
    };
    assert_eq!(items.len(), 3);
}

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(
        filter("a eq 1 or b eq 2 and c eq 3").root,
        Expr::Or(vec![
            eq("a", Literal::Int(1)),
            Expr::And(vec![eq("b", Literal::Int(2)), eq("c", Literal::Int(3))]),
        ])
    );
}

#[test]
fn not_binds_tighter_than_and() {
    assert_eq!(
        filter("not a eq 1 and b eq 2").root,
        Expr::And(vec![
            Expr::Not(Box::new(eq("a", Literal::Int(1)))),
            eq("b", Literal::Int(2)),
        ])
    );
}

#[test]
fn parentheses_override_precedence() {
    assert_eq!(
        filter("(a eq 1 or b eq 2) and c eq 3").root,
        Expr::And(vec![
            Expr::Or(vec![eq("a", Literal::Int(1)), eq("b", Literal::Int(2))]),
            eq("c", Literal::Int(3)),
        ])
    );
}

#[test]
fn keywords_are_case_insensitive() {
    assert_eq!(
        filter("NOT (status EQ 'x') AND id Ne 'y' Or id In ('z')"),
        filter("not (status eq 'x') and id ne 'y' or id in ('z')")
    );
}

#[test]
fn not_may_touch_its_parenthesis() {
    assert_eq!(
        filter("not(a eq 1)").root,
        Expr::Not(Box::new(eq("a", Literal::Int(1))))
    );
}

#[test]
fn paths_are_split_on_slashes() {
    assert_eq!(
        filter("scheduleInfo/expiration/type eq 'afterDateTime'").root,
        Expr::Compare {
            path: vec![
                "scheduleInfo".to_owned(),
                "expiration".to_owned(),
                "type".to_owned()
            ],
            op: CompareOp::Eq,
            value: string("afterDateTime"),
        }
    );
}

#[test]
fn literals_of_every_kind_are_recognised() {
    let cases = [
        ("'it''s'", string("it's")),
        ("42", Literal::Int(42)),
        ("-7", Literal::Int(-7)),
        ("2.5", Literal::Float(2.5)),
        ("-0.25", Literal::Float(-0.25)),
        ("1e3", Literal::Float(1000.0)),
        ("true", Literal::Bool(true)),
        ("FALSE", Literal::Bool(false)),
        ("null", Literal::Null),
        (
            "2B5ED229-4072-478d-9504-a047ebd4b07d",
            string("2B5ED229-4072-478d-9504-a047ebd4b07d"),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            filter(&format!("x eq {text}")).root,
            eq("x", expected),
            "{text}"
        );
    }
}

#[test]
fn unquoted_datetimes_are_datetime_literals() {
    for text in [
        "2023-02-06T19:25:00Z",
        "2023-02-06T19:25:00.123Z",
        "2023-02-06T20:25:00+01:00",
    ] {
        let Expr::Compare {
            value: Literal::DateTime(instant),
            ..
        } = filter(&format!("start ge {text}")).root
        else {
            panic!("{text} should be a datetime literal");
        };
        assert_eq!(instant.timestamp(), 1_675_711_500, "{text}");
    }
}

#[test]
fn in_keeps_its_values_in_order() {
    assert_eq!(
        filter("status in ('Granted', 'Provisioned')").root,
        Expr::In {
            path: vec!["status".to_owned()],
            values: vec![string("Granted"), string("Provisioned")],
        }
    );
}

#[test]
fn display_writes_a_filter_that_parses_back_the_same() {
    let text = "not (a/b eq 'it''s') and (c in (1,2.5,null) or d ge 2023-02-06T19:25:00Z)";
    let parsed = filter(text);
    assert_eq!(parsed.to_string(), text);
    assert_eq!(filter(&parsed.to_string()), parsed);
}

// Refusals

#[test]
fn missing_value_is_reported_after_the_operator() {
    assert_eq!(
        error("groupId eq "),
        "Invalid $filter: expected a value after 'eq' at position 11."
    );
}

#[test]
fn empty_filter_is_refused() {
    assert_eq!(error("   "), "Invalid $filter: the expression is empty.");
}

#[test]
fn functions_are_refused_by_name() {
    assert_eq!(
        error("startswith(displayName, 'a')"),
        "Invalid $filter: the function 'startswith' is not supported at position 0."
    );
    assert!(error("contains(displayName,'a') eq true").contains("'contains' is not supported"));
}

#[test]
fn lambda_operators_are_refused_by_name() {
    assert_eq!(
        error("members/any(m: m/id eq 'x')"),
        "Invalid $filter: the lambda operator 'any' is not supported at position 0."
    );
    assert!(error("x eq 1 and tags/ALL(t:t eq 'a')").contains("lambda operator 'all'"));
}

#[test]
fn arithmetic_is_refused_by_name() {
    assert!(error("count add 1 eq 2").contains("arithmetic operator 'add' is not supported"));
    assert!(error("count eq 1 sub 2").contains("arithmetic operator 'sub' is not supported"));
}

#[test]
fn has_operator_is_refused_by_name() {
    assert!(error("flags has 'x'").contains("operator 'has' is not supported"));
}

#[test]
fn comparing_two_properties_is_refused() {
    assert!(error("a eq b").contains("comparing two properties is not supported"));
}

#[test]
fn function_on_the_right_side_is_refused_by_name() {
    assert!(error("start lt now()").contains("the function 'now' is not supported"));
}

#[test]
fn double_quoted_strings_get_a_hint() {
    assert!(error("a eq \"x\"").contains("strings take single quotes"));
}

#[test]
fn malformed_literals_are_refused() {
    for text in [
        "a eq 1.",
        "a eq 1e",
        "a eq --1",
        "a eq 2023-02-06",
        "a eq 2023-13-06T19:25:00Z",
        "a eq 1e999",
    ] {
        assert!(
            error(text).contains("is not a valid value"),
            "{text}: {}",
            error(text)
        );
    }
}

#[test]
fn unbalanced_parentheses_are_refused() {
    assert_eq!(
        error("(a eq 1"),
        "Invalid $filter: the '(' here is never closed with ')' at position 0."
    );
    assert_eq!(
        error("a eq 1)"),
        "Invalid $filter: unexpected ')' at position 6."
    );
}

#[test]
fn dangling_and_is_refused() {
    assert_eq!(
        error("a eq 1 and"),
        "Invalid $filter: expected a comparison after 'and' at position 10."
    );
}

#[test]
fn missing_operator_is_refused() {
    assert_eq!(
        error("status"),
        "Invalid $filter: expected a comparison operator after 'status' at position 6."
    );
    assert!(error("status is 'x'").contains("but found 'is'"));
}

#[test]
fn broken_in_lists_are_refused() {
    assert!(error("a in 'x'").contains("expected '(' after 'in'"));
    assert!(error("a in ()").contains("expected a value"));
    assert!(error("a in ('x' 'y')").contains("expected ',' or ')'"));
    assert!(error("a in ('x'").contains("expected ',' or ')' in the 'in' list at position 9"));
}

#[test]
fn deeply_nested_parentheses_are_refused_not_overflowed() {
    let text = format!("{}a eq 1{}", "(".repeat(900), ")".repeat(900));
    assert!(error(&text).contains("nested more than 64 levels deep"));
}

#[test]
fn deeply_nested_nots_are_refused_not_overflowed() {
    let text = format!("{}a eq 1", "not ".repeat(400));
    assert!(error(&text).contains("nested more than 64 levels deep"));
}

#[test]
fn sixty_four_levels_of_nesting_are_allowed() {
    let text = format!("{}a eq 1{}", "(".repeat(64), ")".repeat(64));
    assert_eq!(filter(&text).root, eq("a", Literal::Int(1)));
}

#[test]
fn too_many_comparisons_are_refused() {
    let ok = vec!["a eq 1"; 64].join(" or ");
    filter(&ok);
    let too_many = vec!["a eq 1"; 65].join(" or ");
    assert!(error(&too_many).contains("more than 64 comparisons"));
}

#[test]
fn overlong_filter_is_refused() {
    let text = format!("a eq '{}'", "x".repeat(2_000));
    assert_eq!(
        error(&text),
        "Invalid $filter: the expression is longer than 2000 characters."
    );
}

#[test]
fn echoed_fragments_are_truncated() {
    let message = error(&format!("a eq {}", "z".repeat(1_500)));
    assert!(message.len() < 200, "{message}");
}

// Evaluation

#[test]
fn filter_with_and_requires_both_sides() {
    let parsed = filter("groupId eq 'g1' and principalId eq 'p1'");
    assert!(parsed.matches(&json!({"groupId": "g1", "principalId": "p1"})));
    assert!(!parsed.matches(&json!({"groupId": "g1", "principalId": "p2"})));
    assert!(!parsed.matches(&json!({"groupId": "g2", "principalId": "p1"})));
}

#[test]
fn filter_with_or_needs_either_side() {
    let parsed = filter("status eq 'Granted' or status eq 'Provisioned'");
    assert!(parsed.matches(&json!({"status": "Provisioned"})));
    assert!(!parsed.matches(&json!({"status": "Revoked"})));
}

#[test]
fn not_inverts() {
    let parsed = filter("not (status eq 'Revoked')");
    assert!(parsed.matches(&json!({"status": "Granted"})));
    assert!(!parsed.matches(&json!({"status": "Revoked"})));
}

#[test]
fn enum_values_compare_case_insensitively() {
    let parsed = filter("status eq 'PendingApproval'");
    assert!(parsed.matches(&json!({"status": "pendingApproval"})));
    assert!(parsed.matches(&json!({"status": "PENDINGAPPROVAL"})));
    assert!(!filter("status ne 'pendingapproval'").matches(&json!({"status": "PendingApproval"})));
}

#[test]
fn guids_compare_case_insensitively_quoted_or_not() {
    let entity = json!({"groupId": "2b5ed229-4072-478d-9504-a047ebd4b07d"});
    assert!(filter("groupId eq '2B5ED229-4072-478D-9504-A047EBD4B07D'").matches(&entity));
    assert!(filter("groupId eq 2B5ED229-4072-478D-9504-A047EBD4B07D").matches(&entity));
}

#[test]
fn property_names_match_case_insensitively() {
    assert!(filter("GROUPID eq 'g'").matches(&json!({"groupId": "g"})));
}

#[test]
fn missing_property_equals_null_and_nothing_else() {
    let entity = json!({"id": "1"});
    assert!(filter("justification eq null").matches(&entity));
    assert!(!filter("justification ne null").matches(&entity));
    assert!(!filter("justification eq 'x'").matches(&entity));
    assert!(filter("justification ne 'x'").matches(&entity));
    assert!(!filter("justification gt 'a'").matches(&entity));
}

#[test]
fn json_null_equals_null() {
    let entity = json!({"justification": null});
    assert!(filter("justification eq null").matches(&entity));
    assert!(!filter("justification lt 5").matches(&entity));
}

#[test]
fn present_value_is_not_null() {
    assert!(filter("justification ne null").matches(&json!({"justification": "because"})));
}

#[test]
fn nested_paths_navigate_objects() {
    let entity = json!({"scheduleInfo": {"expiration": {"type": "afterDuration"}}});
    assert!(filter("scheduleInfo/expiration/type eq 'AfterDuration'").matches(&entity));
    assert!(filter("scheduleInfo/missing/type eq null").matches(&entity));
    assert!(filter("scheduleInfo/expiration/type/deeper eq null").matches(&entity));
}

#[test]
fn numbers_compare_numerically() {
    let entity = json!({"count": 10, "ratio": 0.5});
    assert!(filter("count gt 9").matches(&entity));
    assert!(filter("count ge 10").matches(&entity));
    assert!(!filter("count lt 10").matches(&entity));
    assert!(filter("count le 10.0").matches(&entity));
    assert!(filter("count eq 10").matches(&entity));
    assert!(filter("ratio lt 1").matches(&entity));
    assert!(filter("ratio eq 5e-1").matches(&entity));
    assert!(filter("count gt -3").matches(&entity));
}

#[test]
fn bools_compare_by_equality_only() {
    let entity = json!({"isEnabled": true});
    assert!(filter("isEnabled eq true").matches(&entity));
    assert!(filter("isEnabled ne false").matches(&entity));
    assert!(!filter("isEnabled gt false").matches(&entity));
}

#[test]
fn mismatched_types_are_unequal() {
    let entity = json!({"count": 10, "name": "10"});
    assert!(!filter("count eq '10'").matches(&entity));
    assert!(filter("count ne '10'").matches(&entity));
    assert!(!filter("name eq 10").matches(&entity));
    assert!(!filter("name gt 1").matches(&entity));
}

#[test]
fn arrays_never_match_except_ne() {
    let entity = json!({"tags": ["a", "b"]});
    assert!(!filter("tags eq 'a'").matches(&entity));
    assert!(filter("tags ne 'a'").matches(&entity));
    assert!(!filter("tags in ('a')").matches(&entity));
}

#[test]
fn strings_order_case_insensitively() {
    let entity = json!({"name": "beta"});
    assert!(filter("name gt 'ALPHA'").matches(&entity));
    assert!(filter("name lt 'Gamma'").matches(&entity));
    assert!(filter("name ge 'BETA'").matches(&entity));
}

#[test]
fn datetime_strings_compare_as_instants() {
    let entity = json!({"scheduleInfo": {"startDateTime": "2023-02-06T19:25:00Z"}});
    // Lexicographically "2023-02-06T20:..." > "2023-02-06T19:...", but as instants they are equal.
    assert!(filter("scheduleInfo/startDateTime eq '2023-02-06T20:25:00+01:00'").matches(&entity));
    assert!(filter("scheduleInfo/startDateTime ge 2023-02-06T20:25:00+01:00").matches(&entity));
    assert!(filter("scheduleInfo/startDateTime lt 2023-02-06T19:25:00.001Z").matches(&entity));
    assert!(filter("scheduleInfo/startDateTime gt '2023-02-06T19:24:59.999Z'").matches(&entity));
}

#[test]
fn graph_style_seven_digit_fractions_are_datetimes() {
    let entity = json!({"createdDateTime": "2023-02-06T19:25:00.1234567Z"});
    assert!(filter("createdDateTime gt 2023-02-06T19:25:00.1Z").matches(&entity));
}

#[test]
fn datetime_literal_against_a_non_datetime_never_matches() {
    let entity = json!({"start": "soon"});
    assert!(!filter("start eq 2023-02-06T19:25:00Z").matches(&entity));
    assert!(!filter("start lt 2023-02-06T19:25:00Z").matches(&entity));
    assert!(filter("start ne 2023-02-06T19:25:00Z").matches(&entity));
}

#[test]
fn in_matches_any_listed_value() {
    let parsed = filter("status in ('Granted', 'provisioned')");
    assert!(parsed.matches(&json!({"status": "Provisioned"})));
    assert!(!parsed.matches(&json!({"status": "Revoked"})));
}

#[test]
fn non_object_entities_have_no_properties() {
    assert!(filter("a eq null").matches(&json!("scalar")));
    assert!(!filter("a eq 1").matches(&json!([1])));
}

// required_eq and properties

#[test]
fn required_eq_finds_graph_required_filters() {
    let parsed = filter(
        "groupId eq '2b5ed229-4072-478d-9504-a047ebd4b07d' and principalId eq '3cce9d87-3986-4f19-8335-7ed075408ca2'",
    );
    assert_eq!(
        parsed.required_eq("groupId"),
        Some("2b5ed229-4072-478d-9504-a047ebd4b07d")
    );
    assert_eq!(
        parsed.required_eq("PRINCIPALID"),
        Some("3cce9d87-3986-4f19-8335-7ed075408ca2")
    );
    assert_eq!(parsed.required_eq("status"), None);
}

#[test]
fn required_eq_accepts_a_single_comparison() {
    assert_eq!(
        filter("status eq 'PendingApproval'").required_eq("status"),
        Some("PendingApproval")
    );
}

#[test]
fn required_eq_accepts_unquoted_guids() {
    assert_eq!(
        filter("groupId eq 2b5ed229-4072-478d-9504-a047ebd4b07d").required_eq("groupId"),
        Some("2b5ed229-4072-478d-9504-a047ebd4b07d")
    );
}

#[test]
fn required_eq_looks_inside_parenthesized_conjunctions() {
    assert_eq!(
        filter("status eq 'x' and (groupId eq 'g' and principalId eq 'p')").required_eq("groupId"),
        Some("g")
    );
}

#[test]
fn required_eq_ignores_disjunctions_negations_and_other_operators() {
    assert_eq!(
        filter("groupId eq 'g' or status eq 'x'").required_eq("groupId"),
        None
    );
    assert_eq!(filter("not (groupId eq 'g')").required_eq("groupId"), None);
    assert_eq!(filter("groupId ne 'g'").required_eq("groupId"), None);
    assert_eq!(filter("groupId in ('g')").required_eq("groupId"), None);
    assert_eq!(filter("groupId eq 5").required_eq("groupId"), None);
}

#[test]
fn required_eq_matches_whole_paths() {
    let parsed = filter("principal/id eq 'p'");
    assert_eq!(parsed.required_eq("principal/id"), Some("p"));
    assert_eq!(parsed.required_eq("principal"), None);
}

#[test]
fn properties_lists_first_segments_once_in_order() {
    let parsed = filter(
        "status eq 'x' and (principal/id eq 'p' or not (status in ('y'))) and groupId eq 'g'",
    );
    assert_eq!(parsed.properties(), vec!["status", "principal", "groupId"]);
}
