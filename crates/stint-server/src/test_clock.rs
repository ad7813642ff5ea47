//! A manual clock that a Global Administrator moves over HTTP, compiled only with the `test-clock`
//! feature so that end-to-end tests can run the real binary through hours and days of PIM time.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use stint_app::{App, ManualClock};
use stint_core::duration::IsoDuration;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, GraphJson};
use crate::ServerState;

/// Where the clock is read (`GET`) and moved (`POST`).
pub const CLOCK_PATH: &str = "/stint/v1/test/clock";

#[derive(Clone, Debug)]
struct ClockState {
    server: ServerState,
    clock: ManualClock,
}

/// `router(app)` plus `GET`/`POST /stint/v1/test/clock`.
pub fn router_with_test_clock(app: Arc<App>, clock: ManualClock) -> Router {
    let state = ClockState {
        server: ServerState { app: app.clone() },
        clock,
    };
    let clock_routes = Router::new()
        .route(CLOCK_PATH, get(now).post(move_clock))
        .with_state(state);
    Router::new().merge(clock_routes).merge(crate::router(app))
}

impl axum::extract::FromRef<ClockState> for ServerState {
    fn from_ref(state: &ClockState) -> ServerState {
        state.server.clone()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveClock {
    advance: Option<IsoDuration>,
    set: Option<DateTime<Utc>>,
}

async fn now(State(state): State<ClockState>, Auth(_): Auth) -> Json<Value> {
    Json(json!({ "now": state.server.app.now() }))
}

async fn move_clock(
    State(state): State<ClockState>,
    Auth(session): Auth,
    GraphJson(body): GraphJson<MoveClock>,
) -> ApiResult<Json<Value>> {
    state
        .server
        .app
        .view(&session)
        .authority()
        .global_administrator("move the test clock")?;
    match (body.advance, body.set) {
        (Some(by), None) => state.clock.advance(by.as_delta()),
        (None, Some(at)) => state.clock.set(at),
        _ => {
            return Err(ApiError::bad_request(
                "Give either 'advance' (an ISO 8601 duration) or 'set' (a time).",
            ))
        }
    }
    Ok(Json(json!({ "now": state.server.app.now() })))
}
