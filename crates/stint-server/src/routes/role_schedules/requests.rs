//! `roleEligibilityScheduleRequests` and `roleAssignmentScheduleRequests`: create, list, get,
//! `filterByCurrentUser`.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::Value;
use stint_core::authz::RoleViewer;
use stint_core::ids::RequestId;
use utoipa_axum::routes;

use super::body::RoleRequestBody;
use super::lists::{self, current_user_function, ListCall, Listing, Scope};
use crate::collection::{base_url, ListQuery};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, GraphJson, Meta};
use crate::shape::pim::Family;
use crate::shape::role;
use crate::wire::{parse_id, selected_entity, ListOptions};
use crate::{ApiRouter, ServerState};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(
            create_eligibility_request,
            list_eligibility_requests
        ))
        .routes(routes!(get_eligibility_request))
        .routes(routes!(create_assignment_request, list_assignment_requests))
        .routes(routes!(get_assignment_request))
}

/// Creates a role eligibility schedule request: `adminAssign`, `adminUpdate`, `adminExtend` or
/// `adminRemove` of an eligible directory role assignment (SPEC D5, A2, A3, A8).
#[utoipa::path(post, path = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests", tag = "roles",
    request_body(content = Object, description = "unifiedRoleEligibilityScheduleRequest"),
    responses((status = 201, description = "The request, Provisioned or Revoked"),
              (status = 400, description = "A rule refused it"),
              (status = 403, description = "Not a Global or Privileged Role Administrator")),
    security(("bearer" = [])))]
async fn create_eligibility_request(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    meta: Meta,
    body: GraphJson<RoleRequestBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    create(server, headers, auth, meta, body, Family::Eligibility).await
}

/// Creates a role assignment schedule request: the administrators' actions on active role
/// assignments, and `selfActivate` / `selfDeactivate` of an eligible one (SPEC V1, V2, V5, V6).
#[utoipa::path(post, path = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests", tag = "roles",
    request_body(content = Object, description = "unifiedRoleAssignmentScheduleRequest"),
    responses((status = 201, description = "The request, Provisioned or Revoked"),
              (status = 400, description = "A rule refused it"),
              (status = 403, description = "Not allowed to the caller")),
    security(("bearer" = [])))]
async fn create_assignment_request(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    meta: Meta,
    body: GraphJson<RoleRequestBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    create(server, headers, auth, meta, body, Family::Assignment).await
}

/// Role eligibility schedule requests the caller may see (all of them for role administrators).
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests", tag = "roles",
    params(ListOptions),
    responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")),
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
        Scope::All,
    )
    .await
}

/// Role assignment schedule requests the caller may see (all of them for role administrators).
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests", tag = "roles",
    params(ListOptions),
    responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")),
    security(("bearer" = [])))]
async fn list_assignment_requests(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    list(server, headers, auth, query, Family::Assignment, Scope::All).await
}

/// One role eligibility schedule request, or `filterByCurrentUser(on='principal'|'createdBy')`.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests/{id}", tag = "roles",
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

/// One role assignment schedule request, or `filterByCurrentUser(on='principal'|'createdBy')`.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/{id}", tag = "roles",
    params(("id" = String, Path, description = "A request id, or filterByCurrentUser(on='principal')")),
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

async fn create(
    State(server): State<ServerState>,
    headers: HeaderMap,
    Auth(session): Auth,
    Meta(meta): Meta,
    GraphJson(body): GraphJson<RoleRequestBody>,
    family: Family,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let input = body.into_input(family)?;
    let committed = server
        .app
        .submit_role_request(&session, &meta, input)
        .await?;
    let body = crate::collection::entity(
        &base_url(&headers),
        &lists::entity_set(family, Listing::Requests),
        role::request(&committed.value),
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
        "{}/{}{}",
        super::BASE,
        lists::entity_set_name(family, Listing::Requests),
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
    if let Some(scope) = current_user_function(&id, Listing::Requests) {
        return list(server, headers, auth, query, family, scope?).await;
    }
    let (State(server), Auth(session), RawQuery(raw)) = (server, auth, query);
    let id: RequestId = parse_id("id", &id)?;
    let spec = lists::list_spec(family, Listing::Requests, true);
    let query = ListQuery::parse(raw, spec)?;
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let found = server.app.read(|state| {
        let viewer = RoleViewer::of(state, &caller, now);
        state
            .role_requests
            .get(&id)
            .filter(|r| r.kind == family.kind())
            .filter(|r| viewer.may_view(r.principal_id) || r.created_by == caller.user)
            .map(|r| lists::expand(state, &query, (r.principal_id, r.role), role::request(r)))
    });
    let value = found.ok_or_else(|| ApiError::not_found(format!("Request '{id}'")))?;
    Ok(Json(selected_entity(
        &base_url(&headers),
        spec,
        &query,
        value,
    )))
}
