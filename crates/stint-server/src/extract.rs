//! Extractors: who is calling, facts for the audit, and JSON bodies read the Graph way.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use stint_app::{CallMeta, Session};

use crate::error::ApiError;
use crate::middleware::RequestId;
use crate::ServerState;

/// The authenticated caller. Every route but sign-in, health and OpenAPI takes one.
#[derive(Debug, Clone)]
pub struct Auth(pub Session);

impl FromRequestParts<ServerState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, server: &ServerState) -> Result<Self, ApiError> {
        let token = bearer_token(parts).ok_or_else(ApiError::unauthenticated)?;
        server
            .app
            .authenticate(token)
            .map(Auth)
            .map_err(|_| ApiError::unauthenticated())
    }
}

pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Request id and client address, for audit events.
#[derive(Debug, Clone)]
pub struct Meta(pub CallMeta);

impl FromRequestParts<ServerState> for Meta {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &ServerState) -> Result<Self, ApiError> {
        let request_id = parts.extensions.get::<RequestId>().map(|id| id.0.clone());
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip().to_string());
        Ok(Meta(CallMeta { request_id, client }))
    }
}

/// A JSON body. Malformed JSON, wrong types, unknown properties and oversized bodies are a 400
/// whose message names the property.
#[derive(Debug)]
pub struct GraphJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for GraphJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::bad_request("The request body is too large; the limit is 1 MiB.")
                } else {
                    ApiError::bad_request("The request body could not be read.")
                }
            })?;
        parse_json(&bytes).map(GraphJson)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "The request body is empty; send a JSON object.",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let detail = clean_serde_message(&inner.to_string());
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(format!("The request body is not valid JSON: {detail}"))
        } else if path == "." {
            ApiError::bad_request(format!("Invalid request body: {detail}"))
        } else {
            ApiError::bad_request(format!("Invalid value for '{path}': {detail}"))
        }
    })
}

/// serde's messages are good but long; keep them bounded.
fn clean_serde_message(message: &str) -> String {
    let mut cleaned: String = message.chars().take(300).collect();
    if message.chars().count() > 300 {
        cleaned.push('…');
    }
    cleaned
}
