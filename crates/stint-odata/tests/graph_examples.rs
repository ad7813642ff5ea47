//! Microsoft Graph's documented PIM for Groups queries, through the public API only.

use proptest::prelude::*;
use serde_json::json;
use stint_odata::{apply_select, page, parse_query, Allowed, Expand, Filter};

const REQUESTS: Allowed = Allowed {
    filter: true,
    select: true,
    expand: &["principal", "group", "targetSchedule"],
    top: true,
};

const POLICY_ASSIGNMENTS: Allowed = Allowed {
    filter: true,
    select: true,
    expand: &["policy", "policy/rules"],
    top: true,
};

#[test]
fn eligibility_schedules_filtered_by_group_and_principal() {
    let options = parse_query(
        "$filter=groupId%20eq%20'2b5ed229-4072-478d-9504-a047ebd4b07d'%20and%20principalId%20eq%20'3cce9d87-3986-4f19-8335-7ed075408ca2'",
        &REQUESTS,
    )
    .unwrap();
    let filter = options.filter.unwrap();
    assert_eq!(
        filter.required_eq("groupId"),
        Some("2b5ed229-4072-478d-9504-a047ebd4b07d")
    );
    assert_eq!(
        filter.required_eq("principalId"),
        Some("3cce9d87-3986-4f19-8335-7ed075408ca2")
    );
    assert_eq!(filter.properties(), vec!["groupId", "principalId"]);
    assert!(filter.matches(&json!({
        "groupId": "2b5ed229-4072-478d-9504-a047ebd4b07d",
        "principalId": "3CCE9D87-3986-4F19-8335-7ED075408CA2",
    })));
}

#[test]
fn policy_assignments_filtered_by_scope_and_role_with_expanded_rules() {
    let options = parse_query(
        "$filter=scopeId eq '60bba733-f09d-49b7-8445-32369aa066b3' and scopeType eq 'Group' and roleDefinitionId eq 'owner'&$expand=policy($expand=rules)",
        &POLICY_ASSIGNMENTS,
    )
    .unwrap();
    let filter = options.filter.unwrap();
    assert_eq!(
        filter.required_eq("scopeId"),
        Some("60bba733-f09d-49b7-8445-32369aa066b3")
    );
    assert_eq!(filter.required_eq("scopeType"), Some("Group"));
    assert_eq!(filter.required_eq("roleDefinitionId"), Some("owner"));
    assert!(filter.matches(&json!({
        "scopeId": "60bba733-f09d-49b7-8445-32369aa066b3",
        "scopeType": "group",
        "roleDefinitionId": "owner",
    })));
    assert_eq!(
        options.expand,
        vec![Expand {
            name: "policy".to_owned(),
            nested: vec![Expand {
                name: "rules".to_owned(),
                nested: Vec::new(),
            }],
        }]
    );
}

#[test]
fn requests_pending_approval() {
    let filter = Filter::parse("status eq 'PendingApproval'").unwrap();
    let requests = [
        json!({"id": "1", "status": "PendingApproval"}),
        json!({"id": "2", "status": "Provisioned"}),
        json!({"id": "3", "status": "pendingapproval"}),
    ];
    let ids: Vec<_> = requests
        .iter()
        .filter(|request| filter.matches(request))
        .map(|request| request["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["1", "3"]);
}

#[test]
fn encoded_query_with_filter_and_top() {
    let options = parse_query("%24filter=groupId%20eq%20%27abc%27&%24top=5", &REQUESTS).unwrap();
    assert_eq!(options.filter.unwrap().required_eq("groupId"), Some("abc"));
    assert_eq!(options.top, Some(5));
}

#[test]
fn a_list_request_end_to_end() {
    let options = parse_query(
        "$filter=status in ('Granted','Provisioned')&$select=id,status&$top=2&$skiptoken=1&managed=true",
        &REQUESTS,
    )
    .unwrap();
    let entities: Vec<_> = (0..6)
        .map(|n| {
            json!({
                "@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest",
                "id": n.to_string(),
                "status": if n % 3 == 2 { "Revoked" } else { "Granted" },
                "principalId": "p",
            })
        })
        .collect();
    let filter = options.filter.unwrap();
    let matching: Vec<_> = entities.iter().filter(|e| filter.matches(e)).collect();
    let result = page(&matching, options.top, options.skip_token.as_deref(), 100).unwrap();
    let select = options.select.unwrap();
    let shown: Vec<_> = result
        .items
        .iter()
        .map(|e| apply_select(e, &select))
        .collect();
    assert_eq!(
        shown,
        vec![
            json!({"@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest", "id": "1", "status": "Granted"}),
            json!({"@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest", "id": "3", "status": "Granted"}),
        ]
    );
    assert_eq!(result.next_skip, Some(3));
}

proptest! {
    #[test]
    fn parsing_arbitrary_query_strings_never_panics(raw in any::<String>()) {
        let _ = parse_query(&raw, &POLICY_ASSIGNMENTS);
    }

    #[test]
    fn parsing_query_like_strings_never_panics(
        raw in "(\\$|%24)?(filter|select|expand|top|skiptoken|orderby)=[a-z0-9 ()$=,;'%+*/]{0,40}(&[$a-z=0-9()]{0,20}){0,3}"
    ) {
        let _ = parse_query(&raw, &POLICY_ASSIGNMENTS);
    }
}
