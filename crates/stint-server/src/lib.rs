//! `stint-server` owns the HTTP drivers of Stint: the Microsoft Graph-shaped API under `/v1.0`,
//! the extensions under `/stint/v1`, and the OpenAPI document that describes both.
//!
//! Handlers are thin: authenticate, parse, call one use case of `stint-app`, shape the answer.

mod call;
mod collection;
mod documented;
mod error;
mod extract;
mod middleware;
mod openapi;
mod revision;
mod routes;
mod shape;
#[cfg(feature = "test-clock")]
pub mod test_clock;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::Router;
use stint_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_axum::router::OpenApiRouter;

pub use error::ApiError;

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct ServerState {
    pub app: Arc<App>,
}

/// The whole HTTP surface, with its OpenAPI document served at `/stint/v1/openapi.json`.
pub fn router(app: Arc<App>) -> Router {
    let state = ServerState { app };
    let console = stint_console::router(state.app.clone()).layer(
        axum::middleware::from_fn_with_state(state.clone(), middleware::track),
    );
    let (router, api) = routes::all().split_for_parts();
    let api = openapi::finish(api);
    let routed = router
        .merge(openapi::serve(api))
        .fallback(routes::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            revision::consistent,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::graph_envelope,
        ))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // I2: outermost, so that what it counts is the status the client gets.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::track,
        ))
        .with_state(state);
    // The web console answers HTML of its own, outside the Graph error envelope.
    Router::new()
        .merge(console)
        .fallback_service(tower::ServiceExt::map_request(
            routed,
            middleware::decode_dollar,
        ))
}

/// I2: `GET /metrics` alone, without authentication, for a listener of its own on a scrape
/// network (`--metrics-listen`); anything else there is a bare 404.
pub fn metrics_router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            routes::metrics::PATH,
            axum::routing::get(routes::metrics::unauthenticated),
        )
        .with_state(ServerState { app })
}

/// The OpenAPI document, for tests and tools.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, api) = routes::all().split_for_parts();
    openapi::finish(api)
}

/// Every API route the router answers, as (method, path template): the paths and methods of
/// the OpenAPI document (every route registered through `routes!`), the document itself, and
/// the test clock when it is compiled in. The web console's are [`stint_console::routes`].
pub fn api_routes() -> Vec<(Method, String)> {
    let mut routes = vec![(Method::GET, openapi::DOCUMENT_PATH.to_string())];
    #[cfg(feature = "test-clock")]
    routes
        .extend([Method::GET, Method::POST].map(|method| (method, test_clock::CLOCK_PATH.into())));
    for (path, item) in openapi_document().paths.paths {
        let operations = [
            (Method::GET, &item.get),
            (Method::PUT, &item.put),
            (Method::POST, &item.post),
            (Method::DELETE, &item.delete),
            (Method::OPTIONS, &item.options),
            (Method::HEAD, &item.head),
            (Method::PATCH, &item.patch),
            (Method::TRACE, &item.trace),
        ];
        for (method, operation) in operations {
            if operation.is_some() {
                routes.push((method, path.clone()));
            }
        }
    }
    routes
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(app), shutdown).await
}

/// Serves a router made by [`router`] (with additions) until `shutdown` completes.
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

type ApiRouter = OpenApiRouter<ServerState>;
