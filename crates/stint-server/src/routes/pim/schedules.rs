//! `eligibilitySchedules`, `assignmentSchedules`, `eligibilityScheduleInstances` and
//! `assignmentScheduleInstances`: list (with the `$filter` Graph requires), get, `filterByCurrentUser`.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::Value;
use stint_core::ids::ScheduleId;
use utoipa_axum::routes;

use super::lists::{self, current_user_function, ListCall, Listing, Scope};
use crate::collection::{base_url, entity};
use crate::error::{ApiError, ApiResult};
use crate::extract::Auth;
use crate::shape::pim::{self, Family};
use crate::wire::parse_id;
use crate::{ApiRouter, ServerState};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(list_eligibility_schedules))
        .routes(routes!(get_eligibility_schedule))
        .routes(routes!(list_assignment_schedules))
        .routes(routes!(get_assignment_schedule))
        .routes(routes!(list_eligibility_instances))
        .routes(routes!(get_eligibility_instance))
        .routes(routes!(list_assignment_instances))
        .routes(routes!(get_assignment_instance))
}

/// Current and future eligibilities; `$filter` on `groupId` or `principalId` is required. A filter on
/// `status` also returns ended ones (`Expired`, `Revoked`).
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilitySchedules", tag = "pim",
    responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")),
    security(("bearer" = [])))]
async fn list_eligibility_schedules(
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
        Listing::Schedules,
        Scope::Filtered,
    )
    .await
}

/// One eligibility schedule, or `filterByCurrentUser(on='principal')`.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilitySchedules/{id}", tag = "pim",
    params(("id" = String, Path, description = "{groupId}_{accessId}_{requestId}, or filterByCurrentUser(on='principal')")),
    responses((status = 200, description = "The schedule"), (status = 404, description = "No such schedule")),
    security(("bearer" = [])))]
async fn get_eligibility_schedule(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    id: Path<String>,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    get(
        server,
        headers,
        auth,
        id,
        query,
        Family::Eligibility,
        Listing::Schedules,
    )
    .await
}

/// Current and future active assignments; `$filter` on `groupId` or `principalId` is required.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentSchedules", tag = "pim",
    responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")),
    security(("bearer" = [])))]
async fn list_assignment_schedules(
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
        Listing::Schedules,
        Scope::Filtered,
    )
    .await
}

/// One assignment schedule, or `filterByCurrentUser(on='principal')`.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentSchedules/{id}", tag = "pim",
    params(("id" = String, Path, description = "{groupId}_{accessId}_{requestId}, or filterByCurrentUser(on='principal')")),
    responses((status = 200, description = "The schedule"), (status = 404, description = "No such schedule")),
    security(("bearer" = [])))]
async fn get_assignment_schedule(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    id: Path<String>,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    get(
        server,
        headers,
        auth,
        id,
        query,
        Family::Assignment,
        Listing::Schedules,
    )
    .await
}

/// Eligibilities in force now; `$filter` on `groupId` or `principalId` is required.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances", tag = "pim",
    responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")),
    security(("bearer" = [])))]
async fn list_eligibility_instances(
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
        Listing::Instances,
        Scope::Filtered,
    )
    .await
}

/// One eligibility instance, or `filterByCurrentUser(on='principal')`.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances/{id}", tag = "pim",
    params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
    responses((status = 200, description = "The instance"), (status = 404, description = "No such instance")),
    security(("bearer" = [])))]
async fn get_eligibility_instance(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    id: Path<String>,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    get(
        server,
        headers,
        auth,
        id,
        query,
        Family::Eligibility,
        Listing::Instances,
    )
    .await
}

/// Memberships and ownerships in force now; `$filter` on `groupId` or `principalId` is required.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances", tag = "pim",
    responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")),
    security(("bearer" = [])))]
async fn list_assignment_instances(
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
        Listing::Instances,
        Scope::Filtered,
    )
    .await
}

/// One assignment instance, or `filterByCurrentUser(on='principal')`.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances/{id}", tag = "pim",
    params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
    responses((status = 200, description = "The instance"), (status = 404, description = "No such instance")),
    security(("bearer" = [])))]
async fn get_assignment_instance(
    server: State<ServerState>,
    headers: HeaderMap,
    auth: Auth,
    id: Path<String>,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    get(
        server,
        headers,
        auth,
        id,
        query,
        Family::Assignment,
        Listing::Instances,
    )
    .await
}

fn collection_name(listing: Listing) -> &'static str {
    match listing {
        Listing::Schedules => "Schedules",
        Listing::Instances => "ScheduleInstances",
        Listing::Requests => "ScheduleRequests",
    }
}

async fn list(
    State(server): State<ServerState>,
    headers: HeaderMap,
    Auth(session): Auth,
    RawQuery(raw_query): RawQuery,
    family: Family,
    listing: Listing,
    scope: Scope,
) -> ApiResult<Json<Value>> {
    let base = base_url(&headers);
    let path = format!(
        "{}/{}{}{}",
        super::BASE,
        family.prefix(),
        collection_name(listing),
        scope.path_suffix()
    );
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let call = ListCall {
        family,
        listing,
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
    listing: Listing,
) -> ApiResult<Json<Value>> {
    if let Some(on) = current_user_function(&id, listing) {
        return list(
            server,
            headers,
            auth,
            query,
            family,
            listing,
            Scope::CurrentUser(on?),
        )
        .await;
    }
    let State(server) = server;
    let Auth(session) = auth;
    let id: ScheduleId = parse_id("id", &id)?;
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let found = server.app.read(|state| {
        let schedule = state
            .schedules
            .get(&id)
            .filter(|s| s.kind == family.kind())
            .filter(|s| {
                stint_app::pim::may_view_record(state, &caller, s.group_id(), s.principal_id, now)
            })?;
        match listing {
            Listing::Instances => schedule
                .is_in_force_at(now)
                .then(|| pim::instance(schedule)),
            _ => Some(pim::schedule(schedule, now)),
        }
    });
    let value = found.ok_or_else(|| ApiError::not_found(format!("Schedule '{id}'")))?;
    let entity_set = family.entity_set(collection_name(listing));
    Ok(Json(entity(&base_url(&headers), &entity_set, value)))
}
