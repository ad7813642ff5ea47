//! Revisions on the wire (SPEC X2, DESIGN "Revisions"): every response carries the `Stint-Revision`
//! this node had reached when it answered (for a write, at least the write's own), and a request
//! may demand `Stint-At-Least-Revision: n` (or `?atLeast=n`): it is answered only once the node has
//! reached `n`, or refused with 503 and `Retry-After` — never from older state. Only a request with
//! a valid token is made to wait for it.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::extract::bearer_token_in;
use crate::wire::MAX_POSITION;
use crate::ServerState;

pub const REVISION_HEADER: &str = "stint-revision";
pub const AT_LEAST_HEADER: &str = "stint-at-least-revision";
const AT_LEAST_QUERY: &str = "atLeast";

pub async fn consistent(
    State(server): State<ServerState>,
    mut request: Request,
    next: Next,
) -> Response {
    let wanted = match demanded_revision(&mut request) {
        Ok(wanted) => wanted,
        Err(error) => return error.into_response(),
    };
    if let Some(wanted) = wanted {
        let token = bearer_token_in(request.headers()).map(str::to_string);
        let public = PUBLIC_PATHS.contains(&request.uri().path());
        if let Err(refused) = reach(&server, token, public, wanted).await {
            return refused;
        }
    }
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&server.app.revision().to_string()) {
        response.headers_mut().insert(REVISION_HEADER, value);
    }
    response
}

/// Brings this node to `wanted` before the request goes on. Only a caller with a valid token may
/// make it wait (issue 14 F6): a request without one is answered at once — 401 where the route
/// needs a token, and on the public routes after a single catch-up, 503 if that was not enough.
async fn reach(
    server: &ServerState,
    token: Option<String>,
    public: bool,
    wanted: u64,
) -> Result<(), Response> {
    match token {
        Some(token) => {
            if server.app.authenticate_fresh(&token).await.is_err() {
                return Err(ApiError::unauthenticated().into_response());
            }
            match server.app.reach_revision(wanted).await {
                Ok(true) => Ok(()),
                Ok(false) | Err(_) => Err(behind(wanted)),
            }
        }
        None if public => {
            let reached = server.app.catch_up().await.unwrap_or_default();
            if reached >= wanted {
                Ok(())
            } else {
                Err(behind(wanted))
            }
        }
        None => Err(ApiError::unauthenticated().into_response()),
    }
}

/// The routes that answer without a token.
const PUBLIC_PATHS: [&str; 3] = [
    "/stint/v1/auth/token",
    "/stint/v1/health",
    "/stint/v1/openapi.json",
];

/// Reads the demanded revision from the header or the query, and takes `atLeast` out of the query
/// so that endpoints strict about their parameters never see it.
fn demanded_revision(request: &mut Request) -> Result<Option<u64>, ApiError> {
    let from_header = request.headers().get(AT_LEAST_HEADER).map(|value| {
        value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
    });
    let mut from_query = None;
    if let Some(query) = request.uri().query() {
        let (demand, rest): (Vec<&str>, Vec<&str>) = query
            .split('&')
            .partition(|pair| pair.split('=').next() == Some(AT_LEAST_QUERY));
        if let Some(pair) = demand.first() {
            from_query = Some(
                pair.split_once('=')
                    .and_then(|(_, n)| n.parse::<u64>().ok()),
            );
            let path = request.uri().path();
            let rebuilt = if rest.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", rest.join("&"))
            };
            if let Ok(uri) = rebuilt.parse() {
                *request.uri_mut() = uri;
            }
        }
    }
    match from_header.or(from_query) {
        None => Ok(None),
        Some(Some(revision)) if revision <= MAX_POSITION => Ok(Some(revision)),
        Some(_) => Err(ApiError::bad_request(
            format!("Stint-At-Least-Revision (or atLeast) must be a revision number from 0 to {MAX_POSITION}, as returned in Stint-Revision."),
        )),
    }
}

fn behind(wanted: u64) -> Response {
    let mut response = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "RevisionNotYetReached",
        format!("This node has not yet reached revision {wanted}; retry shortly."),
    )
    .into_response();
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        HeaderValue::from_static("1"),
    );
    response
}
