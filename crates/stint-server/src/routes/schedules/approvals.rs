//! `assignmentApprovals/{requestId}`: read the approval of a request and decide its stage
//! (`stages/{id}`, and `steps/{id}` as Graph's documentation writes it).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use stint_core::ids::RequestId;
use stint_core::rules::approval::{ChosenSchedule, Review};
use stint_core::schedule::{at_time_precision, ScheduleKind};
use utoipa_axum::routes;
use uuid::Uuid;

use crate::collection::{base_url, entity};
use crate::documented::RequestPath;
use crate::error::{ApiError, ApiResult};
use crate::extract::{optional_object, Auth, GraphJson, Meta};
use crate::shape::approval;
use crate::wire::{parse_enum, parse_id};
use crate::{ApiRouter, ServerState};

const ENTITY_SET: &str = "identityGovernance/privilegedAccess/group/assignmentApprovals";

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(get_approval))
        .routes(routes!(get_stage, update_stage))
        .routes(routes!(update_step))
}

/// The approval of an assignment schedule request; its id is the request id.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentApprovals/{id}", tag = "pim",
    params(RequestPath),
    responses((status = 200, description = "The approval with its stage"), (status = 403, description = "Not yours to see"), (status = 404, description = "No approval")))]
async fn get_approval(
    State(server): State<ServerState>,
    headers: HeaderMap,
    Auth(session): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id: RequestId = parse_id("id", &id)?;
    let view = server.app.view(&session);
    let Some((request, decides)) = view.approval(id) else {
        if view.has_approval(id) {
            return Err(ApiError::from(stint_core::Violation::forbidden("Only the requester, the approvers and the group's administrators may see this approval.")));
        }
        return Err(ApiError::not_found(format!("Approval '{id}'")));
    };
    let value = approval::approval(request, decides);
    Ok(Json(entity(&base_url(&headers), ENTITY_SET, value)))
}

/// One stage of an approval.
#[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentApprovals/{id}/stages/{stageId}", tag = "pim",
    params(RequestPath, ("stageId" = String, Path, description = "The stage id")),
    responses((status = 200, description = "The stage"), (status = 404, description = "No such stage")))]
async fn get_stage(
    State(server): State<ServerState>,
    Auth(session): Auth,
    Path((id, stage)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let id: RequestId = parse_id("id", &id)?;
    let stage: Uuid = parse_id("stageId", &stage)?;
    let view = server.app.view(&session);
    let found = view.approval(id).and_then(|(request, decides)| {
        let pending = request.approval.as_ref().filter(|a| a.stage_id == stage)?;
        Some(approval::stage(pending, decides))
    });
    found
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("Stage '{stage}' of approval '{id}'")))
}

/// A decision, documented at each path that takes it: each entry is its doc comment, its name and
/// its path.
macro_rules! decide_at {
    ($($(#[doc = $doc:tt])* $name:ident $path:tt;)*) => {$(
        $(#[doc = $doc])*
        #[utoipa::path(patch, path = $path, tag = "pim",
            params(RequestPath, ("stageId" = String, Path, description = "The stage id")),
            request_body(content = Object, description = "reviewResult and justification"),
            responses((status = 204, description = "Decided"), (status = 403, description = "Not an approver, or your own request"), (status = 409, description = "Already decided")))]
        async fn $name(
            server: State<ServerState>,
            auth: Auth,
            meta: Meta,
            path: Path<(String, String)>,
            body: GraphJson<ReviewBody>,
        ) -> ApiResult<StatusCode> {
            decide(server, auth, meta, path, body).await
        }
    )*};
}

decide_at! {
    /// Approves or denies: `{"reviewResult":"Approve"|"Deny","justification":"..."}`. For extend and
    /// renew requests the administrator may add `stintSchedule` with the new start, end and kind (E3).
    update_stage "/v1.0/identityGovernance/privilegedAccess/group/assignmentApprovals/{id}/stages/{stageId}";
    /// The same as `stages/{stageId}`, at the path Graph's documentation uses.
    update_step "/v1.0/identityGovernance/privilegedAccess/group/assignmentApprovals/{id}/steps/{stageId}";
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ReviewBody {
    #[serde(rename = "@odata.type", default)]
    _odata_type: Option<Value>,
    review_result: String,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default, deserialize_with = "optional_object")]
    stint_schedule: Option<ScheduleBody>,
}

/// Stint's extension for E3: what the administrator grants.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScheduleBody {
    #[serde(default)]
    start_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    end_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    kind: Option<String>,
}

async fn decide(
    State(server): State<ServerState>,
    Auth(session): Auth,
    Meta(meta): Meta,
    Path((id, stage)): Path<(String, String)>,
    GraphJson(body): GraphJson<ReviewBody>,
) -> ApiResult<StatusCode> {
    let id: RequestId = parse_id("id", &id)?;
    let stage: Uuid = parse_id("stageId", &stage)?;
    let approve = match body.review_result.to_ascii_lowercase().as_str() {
        "approve" | "approved" => true,
        "deny" | "denied" => false,
        _ => {
            return Err(ApiError::invalid_field(
                "reviewResult",
                "expected Approve or Deny.",
            ))
        }
    };
    let schedule = body
        .stint_schedule
        .map(|chosen| -> ApiResult<ChosenSchedule> {
            let kind = chosen
                .kind
                .map(|kind| {
                    parse_enum::<KindText>("stintSchedule.kind", &kind, &["eligible", "active"])
                })
                .transpose()?
                .map(|kind| kind.0);
            Ok(ChosenSchedule {
                start: chosen.start_date_time.map(at_time_precision),
                end: chosen.end_date_time.map(at_time_precision),
                kind,
            })
        })
        .transpose()?;
    let review = Review {
        approve,
        justification: body.justification,
        schedule,
    };
    server
        .app
        .review_request(&session, &meta, id, stage, review)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

struct KindText(ScheduleKind);

impl std::str::FromStr for KindText {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text.to_ascii_lowercase().as_str() {
            "eligible" | "eligibility" => Ok(KindText(ScheduleKind::Eligible)),
            "active" | "assignment" => Ok(KindText(ScheduleKind::Active)),
            _ => Err(()),
        }
    }
}
