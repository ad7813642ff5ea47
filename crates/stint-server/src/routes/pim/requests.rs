//! `eligibilityScheduleRequests` and `assignmentScheduleRequests`: create, list, get,
//! `filterByCurrentUser`, cancel.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::Value;
use stint_core::ids::RequestId;
use utoipa_axum::routes;

use super::body::RequestBody;
use super::lists::{self, current_user_function, ListCall, Listing, Scope};
use crate::collection::{base_url, entity};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, GraphJson, Meta};
use crate::shape::pim::{self, Family};
use crate::wire::parse_id;
use crate::{ApiRouter, ServerState};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(
            create_eligibility_request,
            list_eligibility_requests
        ))
        .routes(routes!(get_eligibility_request))
        .routes(routes!(cancel_eligibility_request))
        .routes(routes!(create_assignment_request, list_assignment_requests))
        .routes(routes!(get_assignment_request))
        .routes(routes!(cancel_assignment_request))
}

/// Creates an eligibility schedule request (`adminAssign`, `adminUpdate`, `adminRemove`, `adminExtend`, `adminRenew`).
#[utoipa::path(post, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests", tag = "pim",
    request_body(content = Object, description = "privilegedAccessGroupEligibilityScheduleRequest"),
    responses((status = 201, description = "The request, Provisioned or Revoked"), (status = 400, description = "A rule refused it")),
    security(("bearer" = [])))]
async fn create_eligibility_request(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    meta: Meta,
    body: GraphJson<RequestBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    create(server, headers, auth, meta, body, Family::Eligibility).await
}

/// Creates an assignment schedule request (admin actions).
#[utoipa::path(post, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests", tag = "pim",
    request_body(content = Object, description = "privilegedAccessGroupAssignmentScheduleRequest"),
    responses((status = 201, description = "The request"), (status = 400, description = "A rule refused it")),
    security(("bearer" = [])))]
async fn create_assignment_request(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    meta: Meta,
    body: GraphJson<RequestBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    create(server, headers, auth, meta, body, Family::Assignment).await
}

/// Lists eligibility schedule requests; `$filter` on `groupId` or `principalId` is required.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests", tag = "pim",
    responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")),
    security(("bearer" = [])))]
async fn list_eligibility_requests(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    list(
        server,
        headers,
        auth,
        query,
        Family::Eligibility,
        Scope::Filtered,
    )
    .await
}

/// Lists assignment schedule requests; `$filter` on `groupId` or `principalId` is required.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests", tag = "pim",
    responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")),
    security(("bearer" = [])))]
async fn list_assignment_requests(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    list(
        server,
        headers,
        auth,
        query,
        Family::Assignment,
        Scope::Filtered,
    )
    .await
}

/// Gets one eligibility schedule request, or `filterByCurrentUser(on='principal'|'createdBy'|'approver')`.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/{id}", tag = "pim",
    params(("id" = String, Path, description = "A request id, or filterByCurrentUser(on='principal')")),
    responses((status = 200, description = "The request or a collection"), (status = 404, description = "No such request")),
    security(("bearer" = [])))]
async fn get_eligibility_request(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    id: Path<String>,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    get(server, headers, auth, id, query, Family::Eligibility).await
}

/// Gets one assignment schedule request, or `filterByCurrentUser(on='principal'|'createdBy'|'approver')`.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/{id}", tag = "pim",
    params(("id" = String, Path, description = "A request id, or filterByCurrentUser(on='approver')")),
    responses((status = 200, description = "The request or a collection"), (status = 404, description = "No such request")),
    security(("bearer" = [])))]
async fn get_assignment_request(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    id: Path<String>,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    get(server, headers, auth, id, query, Family::Assignment).await
}

/// Cancels a pending eligibility schedule request.
#[utoipa::path(post, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/{id}/cancel", tag = "pim",
    params(("id" = String, Path, description = "The request id")),
    responses((status = 204, description = "Canceled"), (status = 400, description = "Not pending")),
    security(("bearer" = [])))]
async fn cancel_eligibility_request(
    server: State<ServerState>,
    auth: Auth,
    meta: Meta,
    id: Path<String>,
) -> ApiResult<StatusCode> {
    cancel(server, auth, meta, id, Family::Eligibility).await
}

/// Cancels a pending assignment schedule request.
#[utoipa::path(post, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/{id}/cancel", tag = "pim",
    params(("id" = String, Path, description = "The request id")),
    responses((status = 204, description = "Canceled"), (status = 400, description = "Not pending")),
    security(("bearer" = [])))]
async fn cancel_assignment_request(
    server: State<ServerState>,
    auth: Auth,
    meta: Meta,
    id: Path<String>,
) -> ApiResult<StatusCode> {
    cancel(server, auth, meta, id, Family::Assignment).await
}

async fn create(
    State(server): State<ServerState>,
    headers: HeaderMap,
    Auth(session): Auth,
    Meta(meta): Meta,
    GraphJson(body): GraphJson<RequestBody>,
    family: Family,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let input = body.into_input(family)?;
    let committed = server.app.submit_request(&session, &meta, input).await?;
    let base = base_url(&headers);
    let body = entity(
        &base,
        &family.entity_set("ScheduleRequests"),
        pim::request(&committed.value),
    );
    Ok((StatusCode::CREATED, Json(body)))
}

async fn list(
    State(server): State<ServerState>,
    headers: HeaderMap,
    Auth(session): Auth,
    RawQuery(raw_query): RawQuery,
    family: Family,
    scope: Scope,
) -> ApiResult<Json<Value>> {
    let base = base_url(&headers);
    let path = format!(
        "{}/{}ScheduleRequests{}",
        super::BASE,
        family.prefix(),
        scope.path_suffix()
    );
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let call = ListCall {
        family,
        listing: Listing::Requests,
        scope,
        base: &base,
        path: &path,
        raw_query,
    };
    server
        .app
        .read(|state| lists::list(state, &caller, now, call))
        .map(Json)
}

async fn get(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    Path(id): Path<String>,
    query: RawQuery,
    family: Family,
) -> ApiResult<Json<Value>> {
    if let Some(on) = current_user_function(&id, Listing::Requests) {
        return list(
            server,
            headers,
            auth,
            query,
            family,
            Scope::CurrentUser(on?),
        )
        .await;
    }
    let State(server) = server;
    let Auth(session) = auth;
    let id: RequestId = parse_id("id", &id)?;
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let found = server.app.read(|state| {
        state
            .requests
            .get(&id)
            .filter(|r| r.kind == family.kind())
            .filter(|r| {
                stint_app::pim::may_view_record(state, &caller, r.group_id, r.principal_id, now)
            })
            .map(pim::request)
    });
    let value = found.ok_or_else(|| ApiError::not_found(format!("Request '{id}'")))?;
    Ok(Json(entity(
        &base_url(&headers),
        &family.entity_set("ScheduleRequests"),
        value,
    )))
}

async fn cancel(
    State(server): State<ServerState>,
    Auth(session): Auth,
    Meta(meta): Meta,
    Path(id): Path<String>,
    family: Family,
) -> ApiResult<StatusCode> {
    let id: RequestId = parse_id("id", &id)?;
    server
        .app
        .cancel_request(&session, &meta, id, family.kind())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
