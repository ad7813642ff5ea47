//! `/v1.0/directory/administrativeUnits` and their members (SPEC D5, D7, D8: scopes of roles).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stint_core::ids::AdministrativeUnitId;
use utoipa_axum::routes;

use super::group_members::{ReferenceBody, DIRECTORY_OBJECTS};
use crate::call::Call;
use crate::collection::ListSpec;
use crate::documented::{
    Added, InvalidBody, InvalidQuery, MayNotManageUnits, NoSuchUnit, Removed, UnitPath,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::GraphJson;
use crate::shape::directory as shape;
use crate::wire::{self, ListOptions, SelectOption};
use crate::wire::{graph_body, MAX_DESCRIPTION, MAX_NAME};
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(create_unit, list_units))
        .routes(routes!(get_unit))
        .routes(routes!(list_unit_members))
        .routes(routes!(add_unit_member))
        .routes(routes!(remove_unit_member))
}

const UNIT_PROPERTIES: &[&str] = &["id", "displayName", "description", "visibility"];

const UNITS: ListSpec = ListSpec::graph("directory/administrativeUnits", UNIT_PROPERTIES);
const UNIT: ListSpec = UNITS.entity();

graph_body! {
    struct NewUnitBody {
        display_name: String,
        #[serde(default)]
        description: Option<String>,
    }
}

/// Creates an administrative unit.
#[utoipa::path(post, path = "/v1.0/directory/administrativeUnits", tag = "directory", request_body = NewUnitBody,
    responses((status = 201, description = "The new administrative unit"),
              InvalidBody,
              MayNotManageUnits))]
async fn create_unit(
    call: Call,
    GraphJson(body): GraphJson<NewUnitBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let display_name = wire::required_text("displayName", body.display_name, MAX_NAME)?;
    let description = wire::optional_text("description", body.description, MAX_DESCRIPTION)?;
    let created = call
        .app()
        .create_administrative_unit(&call.session, &call.meta, display_name, description)
        .await?;
    Ok(call.created(&UNITS, shape::administrative_unit(&created.value)))
}

/// Lists the administrative units, sorted by display name.
#[utoipa::path(get, path = "/v1.0/directory/administrativeUnits", tag = "directory", params(ListOptions),
    responses((status = 200, description = "A collection of administrative units"),
              InvalidQuery))]
async fn list_units(call: Call) -> ApiResult<Json<Value>> {
    let query = call.query(&UNITS)?;
    let units = (call.view().administrative_units().into_iter())
        .map(shape::administrative_unit)
        .collect();
    call.directory_collection("/v1.0/directory/administrativeUnits", &UNITS, &query, units)
}

/// Reads an administrative unit.
#[utoipa::path(get, path = "/v1.0/directory/administrativeUnits/{id}", tag = "directory",
    params(UnitPath, SelectOption),
    responses((status = 200, description = "The administrative unit"),
              NoSuchUnit))]
async fn get_unit(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id: AdministrativeUnitId = wire::parse_id("id", &id)?;
    let query = call.query(&UNIT)?;
    let unit = call
        .view()
        .administrative_unit(id)
        .map(shape::administrative_unit);
    Ok(call.entity(&UNIT, &query, unit.ok_or_else(|| not_found(id))?))
}

/// The users and groups in an administrative unit.
#[utoipa::path(get, path = "/v1.0/directory/administrativeUnits/{id}/members", tag = "directory",
    params(UnitPath, ListOptions),
    responses((status = 200, description = "A collection of directoryObjects"),
              NoSuchUnit))]
async fn list_unit_members(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id: AdministrativeUnitId = wire::parse_id("id", &id)?;
    let query = call.query(&DIRECTORY_OBJECTS)?;
    let members = call
        .view()
        .unit_members(id)
        .map(|members| members.into_iter().map(shape::directory_object).collect());
    let members = members.ok_or_else(|| not_found(id))?;
    let path = format!("/v1.0/directory/administrativeUnits/{id}/members");
    call.directory_collection(&path, &DIRECTORY_OBJECTS, &query, members)
}

/// Adds a user or group to an administrative unit.
#[utoipa::path(post, path = "/v1.0/directory/administrativeUnits/{id}/members/$ref", tag = "directory",
    request_body = ReferenceBody,
    params(UnitPath),
    responses(Added,
              (status = 400, description = "Invalid reference, or already a member"),
              MayNotManageUnits,
              (status = 404, description = "No such administrative unit or directory object")))]
async fn add_unit_member(
    call: Call,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<ReferenceBody>,
) -> ApiResult<StatusCode> {
    let id: AdministrativeUnitId = wire::parse_id("id", &id)?;
    change_member(call, id, body.object_id()?, true).await
}

/// Removes a user or group from an administrative unit.
#[utoipa::path(delete, path = "/v1.0/directory/administrativeUnits/{id}/members/{memberId}/$ref", tag = "directory",
    params(UnitPath,
           ("memberId" = String, Path, description = "The member's id")),
    responses(Removed,
              MayNotManageUnits,
              (status = 404, description = "No such administrative unit, or not a member")))]
async fn remove_unit_member(
    call: Call,
    Path((id, member)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id: AdministrativeUnitId = wire::parse_id("id", &id)?;
    change_member(call, id, wire::parse_id("memberId", &member)?, false).await
}

async fn change_member(
    call: Call,
    id: AdministrativeUnitId,
    member: uuid::Uuid,
    add: bool,
) -> ApiResult<StatusCode> {
    call.app()
        .change_unit_member(&call.session, &call.meta, id, member, add)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn not_found(id: AdministrativeUnitId) -> ApiError {
    ApiError::not_found(format!("Administrative unit '{id}'"))
}
