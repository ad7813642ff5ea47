//! [`Call`]: what every signed-in API handler starts from — the session, the facts for the
//! audit, the base of absolute links — and the answers handlers give: a read through the
//! [`View`], a collection, an entity, a created entity.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stint_app::{App, CallMeta, Session, View};

use crate::collection::{self, ListQuery, ListSpec};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Meta};
use crate::shape::directory::sort_by_display_name;
use crate::wire;
use crate::ServerState;

/// A signed-in caller's request. Authenticates first, so a missing token is a 401 before
/// anything else is looked at.
pub struct Call {
    pub server: ServerState,
    pub session: Session,
    pub meta: CallMeta,
    base: String,
    raw_query: Option<String>,
}

impl FromRequestParts<ServerState> for Call {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, server: &ServerState) -> ApiResult<Self> {
        let Auth(session) = Auth::from_request_parts(parts, server).await?;
        let Meta(meta) = Meta::from_request_parts(parts, server).await?;
        Ok(Call {
            server: server.clone(),
            session,
            meta,
            base: collection::base_url(&parts.headers),
            raw_query: parts.uri.query().map(str::to_string),
        })
    }
}

impl Call {
    pub fn app(&self) -> &App {
        &self.server.app
    }

    /// What the caller may read now. Drop it before awaiting anything.
    pub fn view(&self) -> View<'_> {
        self.server.app.view(&self.session)
    }

    /// The request's OData options, checked against what `spec` accepts.
    pub fn query(&self, spec: &ListSpec) -> ApiResult<ListQuery> {
        ListQuery::parse(self.raw_query.clone(), spec)
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `items` filtered, selected and paged in Graph's envelope; `path` is what next links repeat.
    pub fn collection(
        &self,
        path: &str,
        spec: &ListSpec,
        query: &ListQuery,
        items: Vec<Value>,
    ) -> ApiResult<Json<Value>> {
        collection::collection(&self.base, path, spec, query, items).map(Json)
    }

    /// [`Call::collection`] of directory objects, sorted by display name so pages are stable.
    pub fn directory_collection(
        &self,
        path: &str,
        spec: &ListSpec,
        query: &ListQuery,
        mut items: Vec<Value>,
    ) -> ApiResult<Json<Value>> {
        sort_by_display_name(&mut items);
        self.collection(path, spec, query, items)
    }

    /// [`Call::collection`] of `items` already in list order, each shaped only if its page needs
    /// it (issue 19 item 12).
    pub fn collection_in_order<T>(
        &self,
        path: &str,
        spec: &ListSpec,
        query: &ListQuery,
        items: impl Iterator<Item = T>,
        shape: impl Fn(T) -> Value,
    ) -> ApiResult<Json<Value>> {
        collection::collection_in_order(&self.base, path, spec, query, items, shape).map(Json)
    }

    /// One entity with its `@odata.context`, narrowed by `$select`.
    pub fn entity(&self, spec: &ListSpec, query: &ListQuery, item: Value) -> Json<Value> {
        Json(wire::selected_entity(&self.base, spec, query, item))
    }

    /// A 201 with the new entity.
    pub fn created(&self, spec: &ListSpec, item: Value) -> (StatusCode, Json<Value>) {
        let body = collection::entity(&self.base, spec.context, item);
        (StatusCode::CREATED, Json(body))
    }
}
