//! `/v1.0/directory/administrativeUnits` and their members (SPEC D5, D7, D8: scopes of roles).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use stint_core::ids::{AdministrativeUnitId, PrincipalId};
use stint_odata::Allowed;
use utoipa::ToSchema;
use utoipa_axum::routes;

use super::group_members::{ReferenceBody, DIRECTORY_OBJECTS};
use crate::collection::{self, ListQuery, ListSpec};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, GraphJson, Meta};
use crate::shape::directory as shape;
use crate::wire::{self, ListOptions, SelectOption};
use crate::{ApiRouter, ServerState};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(create_unit, list_units))
        .routes(routes!(get_unit))
        .routes(routes!(list_unit_members))
        .routes(routes!(add_unit_member))
        .routes(routes!(remove_unit_member))
}

const UNIT_PROPERTIES: &[&str] = &["id", "displayName", "description", "visibility"];

const UNITS: ListSpec = ListSpec {
    context: "directory/administrativeUnits",
    allowed: Allowed {
        filter: true,
        select: true,
        expand: &[],
        top: true,
    },
    properties: UNIT_PROPERTIES,
};

const UNIT: ListSpec = ListSpec {
    context: "directory/administrativeUnits",
    allowed: Allowed {
        filter: false,
        select: true,
        expand: &[],
        top: false,
    },
    properties: UNIT_PROPERTIES,
};

const MAX_NAME: usize = 256;
const MAX_DESCRIPTION: usize = 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewUnitBody {
    #[serde(rename = "@odata.type", default)]
    #[schema(value_type = Option<String>)]
    _odata_type: Option<Value>,
    display_name: String,
    #[serde(default)]
    description: Option<String>,
}

/// Creates an administrative unit.
#[utoipa::path(post, path = "/v1.0/directory/administrativeUnits", tag = "directory", request_body = NewUnitBody,
    responses((status = 201, description = "The new administrative unit"),
              (status = 400, description = "Invalid body"),
              (status = 403, description = "The caller may not manage administrative units")),
    security(("bearer" = [])))]
async fn create_unit(
    Auth(session): Auth,
    Meta(meta): Meta,
    State(server): State<ServerState>,
    headers: HeaderMap,
    GraphJson(body): GraphJson<NewUnitBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let display_name = wire::required_text("displayName", body.display_name, MAX_NAME)?;
    let description = wire::optional_text("description", body.description, MAX_DESCRIPTION)?;
    let created = server
        .app
        .create_administrative_unit(&session, &meta, display_name, description)
        .await?;
    let base = collection::base_url(&headers);
    Ok((
        StatusCode::CREATED,
        Json(collection::entity(
            &base,
            UNITS.context,
            shape::administrative_unit(&created.value),
        )),
    ))
}

/// Lists the administrative units, sorted by display name.
#[utoipa::path(get, path = "/v1.0/directory/administrativeUnits", tag = "directory", params(ListOptions),
    responses((status = 200, description = "A collection of administrative units"),
              (status = 400, description = "An invalid query option")),
    security(("bearer" = [])))]
async fn list_units(
    Auth(_): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let query = ListQuery::parse(raw, &UNITS)?;
    let mut units = server.app.read(|state| {
        state
            .administrative_units
            .values()
            .map(shape::administrative_unit)
            .collect::<Vec<_>>()
    });
    shape::sort_by_display_name(&mut units);
    let base = collection::base_url(&headers);
    let path = "/v1.0/directory/administrativeUnits";
    Ok(Json(collection::collection(
        &base, path, &UNITS, &query, units,
    )?))
}

/// Reads an administrative unit.
#[utoipa::path(get, path = "/v1.0/directory/administrativeUnits/{id}", tag = "directory",
    params(("id" = String, Path, description = "The administrative unit's id"), SelectOption),
    responses((status = 200, description = "The administrative unit"),
              (status = 404, description = "No such administrative unit")),
    security(("bearer" = [])))]
async fn get_unit(
    Auth(_): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let id: AdministrativeUnitId = wire::parse_id("id", &id)?;
    let query = ListQuery::parse(raw, &UNIT)?;
    let unit = server
        .app
        .read(|state| {
            state
                .administrative_units
                .get(&id)
                .map(shape::administrative_unit)
        })
        .ok_or_else(|| not_found(id))?;
    let base = collection::base_url(&headers);
    Ok(Json(wire::selected_entity(&base, &UNIT, &query, unit)))
}

/// The users and groups in an administrative unit.
#[utoipa::path(get, path = "/v1.0/directory/administrativeUnits/{id}/members", tag = "directory",
    params(("id" = String, Path, description = "The administrative unit's id"), ListOptions),
    responses((status = 200, description = "A collection of directoryObjects"),
              (status = 404, description = "No such administrative unit")),
    security(("bearer" = [])))]
async fn list_unit_members(
    Auth(_): Auth,
    State(server): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let id: AdministrativeUnitId = wire::parse_id("id", &id)?;
    let query = ListQuery::parse(raw, &DIRECTORY_OBJECTS)?;
    let mut members = server
        .app
        .read(|state| {
            let unit = state.administrative_units.get(&id)?;
            Some(
                unit.members
                    .iter()
                    .map(|member| shape::principal(state, PrincipalId(*member)))
                    .filter(|object| !object.is_null())
                    .collect::<Vec<_>>(),
            )
        })
        .ok_or_else(|| not_found(id))?;
    shape::sort_by_display_name(&mut members);
    let base = collection::base_url(&headers);
    let path = format!("/v1.0/directory/administrativeUnits/{id}/members");
    Ok(Json(collection::collection(
        &base,
        &path,
        &DIRECTORY_OBJECTS,
        &query,
        members,
    )?))
}

/// Adds a user or group to an administrative unit.
#[utoipa::path(post, path = "/v1.0/directory/administrativeUnits/{id}/members/$ref", tag = "directory",
    request_body = ReferenceBody,
    params(("id" = String, Path, description = "The administrative unit's id")),
    responses((status = 204, description = "Added"),
              (status = 400, description = "Invalid reference, or already a member"),
              (status = 403, description = "The caller may not manage administrative units"),
              (status = 404, description = "No such administrative unit or directory object")),
    security(("bearer" = [])))]
async fn add_unit_member(
    Auth(session): Auth,
    Meta(meta): Meta,
    State(server): State<ServerState>,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<ReferenceBody>,
) -> ApiResult<StatusCode> {
    let id: AdministrativeUnitId = wire::parse_id("id", &id)?;
    let member = body.object_id()?;
    server
        .app
        .change_unit_member(&session, &meta, id, member, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a user or group from an administrative unit.
#[utoipa::path(delete, path = "/v1.0/directory/administrativeUnits/{id}/members/{memberId}/$ref", tag = "directory",
    params(("id" = String, Path, description = "The administrative unit's id"),
           ("memberId" = String, Path, description = "The member's id")),
    responses((status = 204, description = "Removed"),
              (status = 403, description = "The caller may not manage administrative units"),
              (status = 404, description = "No such administrative unit, or not a member")),
    security(("bearer" = [])))]
async fn remove_unit_member(
    Auth(session): Auth,
    Meta(meta): Meta,
    State(server): State<ServerState>,
    Path((id, member)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id: AdministrativeUnitId = wire::parse_id("id", &id)?;
    let member: uuid::Uuid = wire::parse_id("memberId", &member)?;
    server
        .app
        .change_unit_member(&session, &meta, id, member, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn not_found(id: AdministrativeUnitId) -> ApiError {
    ApiError::not_found(format!("Administrative unit '{id}'"))
}
