//! The OpenAPI document: generated from the routes' annotations, served at `/stint/v1/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi};

use crate::ServerState;

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/stint/v1/openapi.json";

pub fn finish(mut api: OpenApi) -> OpenApi {
    api.info = InfoBuilder::new()
        .title("Stint")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Self-hosted Privileged Identity Management for groups. Paths under /v1.0 follow Microsoft Graph; /stint/v1 holds Stint's extensions.",
        ))
        .build();
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
    );
    api
}

/// Marks every operation of `api` as needing the bearer token.
pub fn require_bearer(api: &mut OpenApi) {
    for item in api.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            operation.security = Some(vec![SecurityRequirement::new("bearer", [""; 0])]);
        }
    }
}

pub fn serve(api: OpenApi) -> Router<ServerState> {
    let document = Json(api);
    Router::new().route(DOCUMENT_PATH, get(move || async move { document.clone() }))
}
