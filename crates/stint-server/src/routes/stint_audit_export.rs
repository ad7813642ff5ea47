//! `GET /stint/v1/audit/export`: the audit chain in chain order as JSON lines (U4), for `stint
//! audit export` and offline verification; the format is `stint_app::audit_trail`'s.

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use stint_app::audit_trail::ExportRange;
use utoipa_axum::routes;

use super::stint_audit::{optional, parse_time};
use crate::call::Call;
use crate::documented::NotYoursToRead;
use crate::error::ApiResult;
use crate::extract::{query_params, Params};
use crate::ApiRouter;

/// The media type of JSON lines.
const JSON_LINES: &str = "application/x-ndjson";

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(export_audit))
}

query_params! {
    struct ExportParams {
        /// From the first event at or after this time (RFC 3339); default: the chain's start.
        since: Option<String>,
        /// Up to the last event before the first at or after this time (RFC 3339); default: the
        /// chain's head.
        until: Option<String>,
    }
}

/// The audit chain as JSON lines: a header naming the chain's head, then each event of the range
/// in chain order with its sequence, record, previous hash and hash. Global Administrators and
/// Privileged Role Administrators only.
#[utoipa::path(get, path = "/stint/v1/audit/export", tag = "stint", params(ExportParams),
    responses((status = 200, description = "The header line, then one line per event",
        content_type = "application/x-ndjson"), NotYoursToRead))]
async fn export_audit(call: Call, Params(params): Params<ExportParams>) -> ApiResult<Response> {
    let range = ExportRange {
        since: optional("since", params.since.as_deref(), parse_time)?,
        until: optional("until", params.until.as_deref(), parse_time)?,
    };
    let lines = call.app().audit_export(&call.session, range).await?;
    // A failure part-way ends the body early; the client's verification then finds it cut short.
    let lines = lines.inspect_err(|error| tracing::error!(%error, "the audit export stopped"));
    Ok(([(CONTENT_TYPE, JSON_LINES)], Body::from_stream(lines)).into_response())
}
