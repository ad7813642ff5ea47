//! The handlers, written once over [`Assignable`]; the per-path functions that utoipa documents
//! ([`super::paths`]) call them.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stint_app::Session;
use stint_core::ids::RequestId;

use super::read::{self, current_user_function, GetCall, ListCall};
use super::{
    Assignable, Family, Listing, Record, RequestBody, RequestOf, ScheduleIdOf, Scope, Submit,
};
use crate::collection::{base_url, entity};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, GraphJson, Meta};
use crate::wire::parse_id;
use crate::ServerState;

/// What every schedule route takes from its call, the caller first (401 before anything else).
pub struct Call {
    server: ServerState,
    session: Session,
    base: String,
    raw_query: Option<String>,
}

impl FromRequestParts<ServerState> for Call {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, server: &ServerState) -> Result<Self, ApiError> {
        let Auth(session) = Auth::from_request_parts(parts, server).await?;
        Ok(Call {
            server: server.clone(),
            session,
            base: base_url(&parts.headers),
            raw_query: parts.uri.query().map(str::to_owned),
        })
    }
}

pub async fn list<T: Assignable>(
    call: Call,
    family: Family,
    listing: Listing,
    scope: Scope,
) -> ApiResult<Json<Value>> {
    let view = call.server.app.view(&call.session);
    let list = ListCall {
        family,
        listing,
        scope,
        base: &call.base,
        raw_query: call.raw_query,
    };
    read::list::<T>(&view, list).map(Json)
}

/// One entity by id, or the caller's own list when the id is `filterByCurrentUser(...)`.
pub async fn get<T: Assignable>(
    call: Call,
    Path(id): Path<String>,
    family: Family,
    listing: Listing,
) -> ApiResult<Json<Value>> {
    if let Some(on) = current_user_function::<T>(&id, listing) {
        return list::<T>(call, family, listing, Scope::CurrentUser(on?)).await;
    }
    let get = GetCall {
        family,
        listing,
        base: &call.base,
        raw_query: call.raw_query.clone(),
    };
    let found = if listing == Listing::Requests {
        let id: RequestId = parse_id("id", &id)?;
        read::request::<T>(&call.server.app.view(&call.session), id, get)
    } else {
        let id: ScheduleIdOf<T> = parse_id("id", &id)?;
        read::schedule::<T>(&call.server.app.view(&call.session), id, get)
    };
    found.map(Json)
}

pub async fn create<T: Assignable>(
    call: Call,
    Meta(meta): Meta,
    GraphJson(body): GraphJson<T::Body>,
    family: Family,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let app = &call.server.app;
    let committed = body
        .into_input(family)?
        .submit(app, &call.session, &meta)
        .await?;
    let body = entity(
        &call.base,
        read::entity_set::<T>(family, Listing::Requests),
        (RequestOf::<T>::SHAPE)(&committed.value, app.now()),
    );
    Ok((StatusCode::CREATED, Json(body)))
}

/// V4: cancels a pending group request.
pub async fn cancel(
    call: Call,
    Meta(meta): Meta,
    Path(id): Path<String>,
    family: Family,
) -> ApiResult<StatusCode> {
    let id: RequestId = parse_id("id", &id)?;
    call.server
        .app
        .cancel_request(&call.session, &meta, id, family.kind())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
