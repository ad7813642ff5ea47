//! Extractors: who is calling, facts for the audit, and JSON bodies read the Graph way.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Query, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use stint_app::{CallMeta, Session};

use crate::error::ApiError;
use crate::middleware::RequestId;
use crate::ServerState;

/// The authenticated caller. Every route but sign-in, health and OpenAPI takes one.
#[derive(Debug, Clone)]
pub struct Auth(pub Session);

impl<S> FromRequestParts<S> for Auth
where
    ServerState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let server = ServerState::from_ref(state);
        let token = bearer_token(parts).ok_or_else(ApiError::unauthenticated)?;
        server
            .app
            .authenticate_fresh(token)
            .await
            .map(Auth)
            .map_err(|_| ApiError::unauthenticated())
    }
}

pub fn bearer_token(parts: &Parts) -> Option<&str> {
    bearer_token_in(&parts.headers)
}

pub fn bearer_token_in(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Query parameters read into `T`; a malformed or unknown one is a 400 that says why.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(params) =
            Query::<T>::from_request_parts(parts, state)
                .await
                .map_err(|rejection| {
                    ApiError::bad_request(format!("Invalid query: {}", rejection.body_text()))
                })?;
        Ok(Params(params))
    }
}

/// The query parameters a [`Params`] reads: an unknown one is refused, and each is documented as
/// a query parameter.
macro_rules! query_params {
    ($(#[$meta:meta])* struct $name:ident { $($fields:tt)* }) => {
        #[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        $(#[$meta])*
        #[into_params(parameter_in = Query)]
        struct $name {
            $($fields)*
        }
    };
}
pub(crate) use query_params;

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
    let parsed: Result<Object<T>, _> = serde_path_to_error::deserialize(&mut deserializer);
    let Object(value) = parsed.map_err(describe_error)?;
    deserializer.end().map_err(|_| {
        ApiError::bad_request(
            "The request body is not valid JSON: there is text after the JSON object.",
        )
    })?;
    Ok(value)
}

fn describe_error(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
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
}

/// serde's messages are good but long; keep them bounded.
fn clean_serde_message(message: &str) -> String {
    let mut cleaned: String = message.chars().take(300).collect();
    if message.chars().count() > 300 {
        cleaned.push('…');
    }
    cleaned
}

/// A value that must arrive as a JSON object: serde's derived structs would also accept an array
/// of their fields in order, which no Graph client sends.
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        object(deserializer).map(Object)
    }
}

/// `#[serde(deserialize_with = "object")]` for a struct-valued field.
pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    struct ObjectOnly<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOnly<T> {
        type Value = T;

        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map))
        }
    }

    deserializer.deserialize_map(ObjectOnly(PhantomData))
}

/// `#[serde(default, deserialize_with = "optional_object")]` for an optional struct-valued field.
pub fn optional_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Option::<Object<T>>::deserialize(deserializer).map(|value| value.map(|Object(inner)| inner))
}
