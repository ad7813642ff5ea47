//! `/scim/v2`: Stint as a SCIM 2.0 service provider (RFC 7643, RFC 7644; M1–M3), for the
//! identity provider that provisions users and groups into it with a provisioning token.
//!
//! The wire shapes, filters and PATCH live in their own modules; handlers authenticate the
//! token ([`ScimCall`]), read the body ([`ScimBody`]), call one use case and shape the answer.
//! Every answer that is not a success is a SCIM error ([`error`]), never a Graph one.

mod discovery;
mod endpoint;
pub mod error;
mod filter;
mod groups;
mod patch;
mod resource;
mod search;
mod users;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{CONTENT_TYPE, IF_MATCH};
use axum::http::request::Parts;
use serde_json::Value;
use stint_app::scim::ScimSession;
use stint_app::{App, CallMeta};
use uuid::Uuid;

use self::error::{ScimError, ScimResult};
use crate::extract::{bearer_token, Meta};
use crate::{ApiRouter, ServerState};

/// Where SCIM is served.
pub const PREFIX: &str = "/scim/";

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .merge(discovery::routes())
        .merge(users::routes())
        .merge(groups::routes())
        .merge(search::routes())
}

/// A call of the identity provider, authenticated by a live provisioning token (M1). Anything
/// else — no token, a user's bearer token, a revoked token — is a 401, audited when a token was
/// given.
pub struct ScimCall {
    pub server: ServerState,
    pub session: ScimSession,
    pub meta: CallMeta,
    pub base: String,
    /// The version `If-Match` names (`None` without one, or for `*`).
    pub if_match: Option<u64>,
    pub params: HashMap<String, String>,
}

impl FromRequestParts<ServerState> for ScimCall {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, server: &ServerState) -> ScimResult<Self> {
        let meta = match Meta::from_request_parts(parts, server).await {
            Ok(Meta(meta)) => meta,
            Err(_) => CallMeta::default(),
        };
        let token = bearer_token(parts).ok_or_else(ScimError::unauthenticated)?;
        let session = server.app.scim_authenticate(token, &meta).await?;
        let params = parts
            .uri
            .query()
            .map(|query| {
                axum::extract::Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
                    .map(|q| q.0)
                    .map_err(|_| {
                        ScimError::invalid_value(format!("The query '{query}' is not valid."))
                    })
            })
            .transpose()?
            .unwrap_or_default();
        Ok(ScimCall {
            server: server.clone(),
            session,
            meta,
            base: crate::collection::base_url(&parts.headers),
            if_match: resource::if_match(parts.headers.get(IF_MATCH).and_then(|v| v.to_str().ok())),
            params,
        })
    }
}

impl ScimCall {
    pub fn app(&self) -> &App {
        &self.server.app
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn projection(&self) -> ScimResult<resource::Projection> {
        resource::Projection::parse(self.param("attributes"), self.param("excludedAttributes"))
    }
}

/// A JSON body sent as `application/scim+json` or `application/json`.
#[derive(Debug)]
pub struct ScimBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for ScimBody {
    type Rejection = ScimError;

    async fn from_request(request: Request, state: &S) -> ScimResult<Self> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(|value| {
                value
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        if let Some(content_type) = content_type {
            if content_type != error::SCIM_JSON && content_type != "application/json" {
                return Err(ScimError::of_status(
                    axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ));
            }
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| ScimError::of_status(rejection.status()))?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|error| {
            ScimError::bad(
                "invalidSyntax",
                format!("The body is not valid JSON: {error}."),
            )
        })?;
        if !value.is_object() {
            return Err(ScimError::bad(
                "invalidSyntax",
                "The body must be a JSON object.",
            ));
        }
        Ok(ScimBody(value))
    }
}

/// A resource id from the path: ours are UUIDs, so anything else names nothing.
pub fn resource_id(kind: &str, id: &str) -> ScimResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| ScimError::not_found(format!("{kind} '{id}'")))
}
