//! `/stint/v1/advisor`: the advisor's findings (X1), for Global and Privileged Role
//! Administrators.

use axum::Json;
use serde_json::{json, Value};
use stint_core::advisor::Severity;
use utoipa_axum::routes;

use crate::call::Call;
use crate::documented::NotAdvisorReader;
use crate::error::ApiResult;
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new().routes(routes!(findings))
}

/// The risky configurations found now, most severe first, each with why it matters, the fix and
/// the console page where it is made; with counts by severity.
#[utoipa::path(get, path = "/stint/v1/advisor", tag = "stint",
    responses((status = 200, description = "The findings and their counts by severity"), NotAdvisorReader))]
async fn findings(call: Call) -> ApiResult<Json<Value>> {
    let findings = call.view().advisor_findings()?;
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let counts = json!({
        "high": count(Severity::High),
        "medium": count(Severity::Medium),
        "low": count(Severity::Low),
    });
    Ok(Json(json!({ "counts": counts, "value": findings })))
}
