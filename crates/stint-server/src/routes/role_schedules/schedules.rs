//! `roleEligibilitySchedules`, `roleAssignmentSchedules`, `roleEligibilityScheduleInstances` and
//! `roleAssignmentScheduleInstances`: list, get, `filterByCurrentUser(on='principal')`.
//!
//! Every role assignment is a schedule: the eligible ones are eligibility schedules, the active
//! ones (assigned or activated, including those made through `roleAssignments`) assignment
//! schedules. Instances are the schedules in force now.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::Value;
use stint_core::authz::RoleViewer;
use stint_core::ids::RoleAssignmentId;
use utoipa_axum::routes;

use super::lists::{self, current_user_function, ListCall, Listing, Scope};
use crate::collection::{base_url, ListQuery};
use crate::error::{ApiError, ApiResult};
use crate::extract::Auth;
use crate::shape::pim::Family;
use crate::wire::{parse_id, selected_entity, ListOptions};
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

/// Current and future eligible role assignments the caller may see, e.g. with
/// `$filter=principalId eq '…'`. A filter on `status` also returns ended ones.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilitySchedules", tag = "roles",
    params(ListOptions),
    responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")),
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
        Scope::All,
    )
    .await
}

/// One eligible role assignment, or `filterByCurrentUser(on='principal')`.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilitySchedules/{id}", tag = "roles",
    params(("id" = String, Path, description = "A schedule id, or filterByCurrentUser(on='principal')")),
    responses((status = 200, description = "The schedule or a collection"), (status = 404, description = "No such schedule")),
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

/// Current and future active role assignments (assigned and activated) the caller may see.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentSchedules", tag = "roles",
    params(ListOptions),
    responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")),
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
        Scope::All,
    )
    .await
}

/// One active role assignment, or `filterByCurrentUser(on='principal')`.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentSchedules/{id}", tag = "roles",
    params(("id" = String, Path, description = "A schedule id, or filterByCurrentUser(on='principal')")),
    responses((status = 200, description = "The schedule or a collection"), (status = 404, description = "No such schedule")),
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

/// Eligible role assignments in force now.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances", tag = "roles",
    params(ListOptions),
    responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")),
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
        Scope::All,
    )
    .await
}

/// One eligibility instance in force now, or `filterByCurrentUser(on='principal')`.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/{id}", tag = "roles",
    params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
    responses((status = 200, description = "The instance or a collection"), (status = 404, description = "No such instance")),
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

/// Active role assignments (assigned and activated) in force now.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances", tag = "roles",
    params(ListOptions),
    responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")),
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
        Scope::All,
    )
    .await
}

/// One assignment instance in force now, or `filterByCurrentUser(on='principal')`.
#[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/{id}", tag = "roles",
    params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
    responses((status = 200, description = "The instance or a collection"), (status = 404, description = "No such instance")),
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
        "{}/{}{}",
        super::BASE,
        lists::entity_set_name(family, listing),
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
    if let Some(scope) = current_user_function(&id, listing) {
        return list(server, headers, auth, query, family, listing, scope?).await;
    }
    let (State(server), Auth(session), RawQuery(raw)) = (server, auth, query);
    let id: RoleAssignmentId = parse_id("id", &id)?;
    let spec = lists::list_spec(family, listing, true);
    let query = ListQuery::parse(raw, spec)?;
    let caller = server.app.caller(&session);
    let now = server.app.now();
    let found = server.app.read(|state| {
        let viewer = RoleViewer::of(state, &caller, now);
        let assignment = state
            .role_assignments
            .get(&id)
            .filter(|a| a.eligible == (family == Family::Eligibility))
            .filter(|a| viewer.may_view(a.principal_id))?;
        let shown = match listing {
            Listing::Instances => assignment.is_in_force_at(now),
            _ => true,
        };
        shown.then(|| lists::shaped(state, &query, assignment, listing, now))
    });
    let value = found.ok_or_else(|| ApiError::not_found(format!("Schedule '{id}'")))?;
    Ok(Json(selected_entity(
        &base_url(&headers),
        spec,
        &query,
        value,
    )))
}
