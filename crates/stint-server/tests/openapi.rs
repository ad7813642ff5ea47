//! I2: the OpenAPI document covers every route, and every documented route is served.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{TimeZone, Utc};
use stint_app::{App, AppConfig, ManualClock};
use tower::ServiceExt;

/// Routes the issue names; each must be in the document.
const REQUIRED: &[(&str, &str)] = &[
    ("post", "/stint/v1/auth/token"),
    ("get", "/stint/v1/health"),
    ("get", "/stint/v1/pim/groups"),
    ("post", "/stint/v1/pim/groups/{id}/manage"),
    ("get", "/stint/v1/audit"),
    ("post", "/stint/v1/webhooks"),
    ("get", "/stint/v1/webhooks"),
    ("get", "/stint/v1/webhooks/{id}"),
    ("patch", "/stint/v1/webhooks/{id}"),
    ("delete", "/stint/v1/webhooks/{id}"),
    ("get", "/stint/v1/webhooks/{id}/deliveries"),
    ("post", "/stint/v1/scim/tokens"),
    ("get", "/stint/v1/scim/tokens"),
    ("delete", "/stint/v1/scim/tokens/{id}"),
    ("get", "/scim/v2/ServiceProviderConfig"),
    ("get", "/scim/v2/ResourceTypes"),
    ("get", "/scim/v2/Schemas"),
    ("post", "/scim/v2/Users"),
    ("get", "/scim/v2/Users"),
    ("get", "/scim/v2/Users/{id}"),
    ("put", "/scim/v2/Users/{id}"),
    ("patch", "/scim/v2/Users/{id}"),
    ("delete", "/scim/v2/Users/{id}"),
    ("post", "/scim/v2/Groups"),
    ("get", "/scim/v2/Groups"),
    ("get", "/scim/v2/Groups/{id}"),
    ("put", "/scim/v2/Groups/{id}"),
    ("patch", "/scim/v2/Groups/{id}"),
    ("delete", "/scim/v2/Groups/{id}"),
    ("get", "/stint/v1/outbox"),
    ("post", "/stint/v1/outbox/{id}/redrive"),
    ("post", "/stint/v1/connectors"),
    ("get", "/stint/v1/connectors"),
    ("get", "/stint/v1/connectors/{id}"),
    ("patch", "/stint/v1/connectors/{id}"),
    ("delete", "/stint/v1/connectors/{id}"),
    ("post", "/stint/v1/connectors/{id}/links"),
    ("get", "/stint/v1/connectors/{id}/links"),
    ("delete", "/stint/v1/connectors/{id}/links/{linkId}"),
    ("get", "/stint/v1/connectors/{id}/status"),
    ("post", "/stint/v1/connectors/{id}/reconcile"),
    (
        "post",
        "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests",
    ),
    (
        "get",
        "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests",
    ),
    (
        "get",
        "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/{id}",
    ),
    (
        "post",
        "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/{id}/cancel",
    ),
    (
        "post",
        "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
    ),
    (
        "get",
        "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
    ),
    (
        "get",
        "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/{id}",
    ),
    (
        "post",
        "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/{id}/cancel",
    ),
    (
        "get",
        "/v1.0/identityGovernance/privilegedAccess/group/eligibilitySchedules",
    ),
    (
        "get",
        "/v1.0/identityGovernance/privilegedAccess/group/assignmentSchedules",
    ),
    (
        "get",
        "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances",
    ),
    (
        "get",
        "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances",
    ),
    ("post", "/v1.0/users"),
    ("get", "/v1.0/users"),
    ("get", "/v1.0/users/{id}"),
    ("patch", "/v1.0/users/{id}"),
    ("get", "/v1.0/users/{id}/memberOf"),
    ("get", "/v1.0/users/{id}/transitiveMemberOf"),
    ("post", "/v1.0/groups"),
    ("get", "/v1.0/groups"),
    ("get", "/v1.0/groups/{id}"),
    ("patch", "/v1.0/groups/{id}"),
    ("delete", "/v1.0/groups/{id}"),
    ("get", "/v1.0/groups/{id}/members"),
    ("get", "/v1.0/groups/{id}/owners"),
    ("get", "/v1.0/groups/{id}/transitiveMembers"),
    ("post", "/v1.0/groups/{id}/members/$ref"),
    ("post", "/v1.0/groups/{id}/owners/$ref"),
    ("get", "/v1.0/roleManagement/directory/roleDefinitions"),
    ("post", "/v1.0/roleManagement/directory/roleAssignments"),
    ("get", "/v1.0/roleManagement/directory/roleAssignments"),
    (
        "post",
        "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests",
    ),
    (
        "post",
        "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests",
    ),
    (
        "get",
        "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/{id}",
    ),
    (
        "get",
        "/v1.0/roleManagement/directory/roleEligibilitySchedules",
    ),
    (
        "get",
        "/v1.0/roleManagement/directory/roleAssignmentSchedules",
    ),
    (
        "get",
        "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances",
    ),
    (
        "get",
        "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances",
    ),
    ("post", "/v1.0/directory/administrativeUnits"),
    ("get", "/v1.0/directory/administrativeUnits"),
];

fn documented() -> Vec<(String, String)> {
    let document = serde_json::to_value(stint_server::openapi_document()).unwrap();
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.clone(), path.clone()));
        }
    }
    routes
}

#[test]
fn i2_every_route_the_issue_names_is_in_the_openapi_document() {
    let documented = documented();
    let missing: Vec<_> = REQUIRED
        .iter()
        .filter(|(method, path)| !documented.iter().any(|(m, p)| m == method && p == path))
        .collect();
    assert!(missing.is_empty(), "missing from OpenAPI: {missing:?}");
}

#[test]
fn i2_routes_are_registered_only_through_the_documenting_router() {
    let routes_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes");
    let mut offenders = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(routes_dir)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read_to_string(&path).unwrap().contains(".route(") {
                offenders.push(path);
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "these modules add routes that OpenAPI cannot see: {offenders:?}"
    );
}

#[common::both_backends]
async fn i2_every_documented_route_is_served() {
    let (store, _database) = common::Backend::current().fresh_store().await;
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap());
    let app = Arc::new(
        App::open(store, Arc::new(clock), AppConfig::default())
            .await
            .unwrap(),
    );
    let router = stint_server::router(app);
    for (method, path) in documented() {
        let uri = path
            .replace("{id}", "00000000-0000-0000-0000-000000000001")
            .replace("{memberId}", "00000000-0000-0000-0000-000000000002")
            .replace('$', "%24");
        let request = Request::builder()
            .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
            .uri(&uri)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&body);
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(
            !text.contains("No such resource or route"),
            "{method} {path} is documented but not served"
        );
    }
}
