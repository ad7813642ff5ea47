//! The check API (SPEC X2): `GET /stint/v1/check`, a batch `POST /stint/v1/check`, and
//! `GET /stint/v1/principals/{id}/groups`, each answering with the revision it was computed at.
//! Reads honour `Stint-At-Least-Revision` / `atLeast` (see `revision.rs`).

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Instant;

use stint_app::telemetry::CheckCall;
use stint_app::View;
use stint_core::check::Grant;
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::schedule::Access;
use utoipa_axum::routes;

use crate::call::Call;
use crate::documented::NotYoursToRead;
use crate::error::{ApiError, ApiResult};
use crate::extract::{query_params, Auth, GraphJson, Params};
use crate::wire::{optional_time, parse_enum, parse_id};
use crate::{ApiRouter, ServerState};

/// The most checks one batch may hold.
pub const MAX_BATCH: usize = 1000;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(check_one, check_batch))
        .routes(routes!(groups_of_principal))
}

query_params! {
    #[serde(rename_all = "camelCase")]
    struct CheckParams {
        /// The user or group asked about.
        principal_id: String,
        /// The group.
        group_id: String,
        /// `member` (default) or `owner`.
        access: Option<String>,
    }
}

/// Is the principal an effective member (or owner) of the group now? With `until` and the path.
#[utoipa::path(get, path = "/stint/v1/check", tag = "stint", params(CheckParams),
    responses((status = 200, description = "{allowed, revision, until, via}"), (status = 403, description = "Not yours to ask")))]
async fn check_one(
    State(server): State<ServerState>,
    Auth(session): Auth,
    Params(params): Params<CheckParams>,
) -> ApiResult<Json<Value>> {
    let question = Question::parse(
        &params.principal_id,
        &params.group_id,
        params.access.as_deref(),
    )?;
    // The hottest route reads the view without the `Call` every other handler builds.
    let started = Instant::now();
    let (answer, revision) = {
        let view = server.app.view(&session);
        (question.answer(&view), view.revision())
    };
    (server.app.telemetry()).checks_answered(CheckCall::One, 1, started.elapsed());
    let mut answer = answer?;
    answer["revision"] = revision.into();
    Ok(Json(answer))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BatchBody {
    checks: Vec<BatchItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BatchItem {
    principal_id: String,
    group_id: String,
    #[serde(default)]
    access: Option<String>,
}

/// Up to 1,000 checks at one revision: `{"checks":[{"principalId","groupId","access"}]}`.
#[utoipa::path(post, path = "/stint/v1/check", tag = "stint",
    request_body(content = Object, description = "checks"),
    responses((status = 200, description = "{revision, value: [...]} in the order asked")))]
async fn check_batch(call: Call, GraphJson(body): GraphJson<BatchBody>) -> ApiResult<Json<Value>> {
    if body.checks.len() > MAX_BATCH {
        return Err(ApiError::invalid_field(
            "checks",
            format!("at most {MAX_BATCH} checks per call."),
        ));
    }
    let questions = body
        .checks
        .iter()
        .enumerate()
        .map(|(index, item)| {
            Question::parse(&item.principal_id, &item.group_id, item.access.as_deref()).map_err(
                |error| ApiError::bad_request(format!("checks[{index}]: {}", error.message)),
            )
        })
        .collect::<ApiResult<Vec<Question>>>()?;
    let started = Instant::now();
    let view = call.view();
    let answers: Vec<Value> = questions
        .iter()
        .map(|question| {
            question.answer(&view).unwrap_or_else(
                |error| json!({ "error": { "code": error.code, "message": error.message } }),
            )
        })
        .collect();
    let revision = view.revision();
    drop(view);
    let telemetry = call.app().telemetry();
    telemetry.checks_answered(CheckCall::Batch, answers.len(), started.elapsed());
    Ok(Json(json!({ "revision": revision, "value": answers })))
}

/// All groups the principal effectively belongs to now, each with its end and path.
#[utoipa::path(get, path = "/stint/v1/principals/{id}/groups", tag = "stint",
    params(("id" = String, Path, description = "A user or group id")),
    responses((status = 200, description = "{revision, value: [{groupId, until, via}]}"), NotYoursToRead))]
async fn groups_of_principal(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let principal: PrincipalId = parse_id("id", &id)?;
    let view = call.view();
    let groups: Vec<Value> = (view.groups_held_by(principal)?.into_iter())
        .map(|(group, grant)| grant_json(group, &grant))
        .collect();
    Ok(Json(
        json!({ "revision": view.revision(), "value": groups }),
    ))
}

struct Question {
    principal: PrincipalId,
    group: GroupId,
    access: Access,
}

impl Question {
    fn parse(principal: &str, group: &str, access: Option<&str>) -> ApiResult<Question> {
        Ok(Question {
            principal: parse_id("principalId", principal)?,
            group: parse_id("groupId", group)?,
            access: access.map_or(Ok(Access::Member), |a| {
                parse_enum("access", a, &["member", "owner"])
            })?,
        })
    }

    /// Anyone may ask about themselves; a group's administrators (and privileged roles) about anyone.
    fn answer(&self, view: &View<'_>) -> ApiResult<Value> {
        let grant = view.check(self.principal, self.group, self.access)?;
        let mut answer = match &grant {
            Some(grant) => grant_json(self.group, grant),
            None => json!({ "groupId": self.group.to_string(), "until": null, "via": [] }),
        };
        answer["allowed"] = grant.is_some().into();
        answer["principalId"] = self.principal.to_string().into();
        answer["access"] = self.access.as_str().into();
        Ok(answer)
    }
}

fn grant_json(group: GroupId, grant: &Grant) -> Value {
    json!({
        "groupId": group.to_string(),
        "until": optional_time(grant.until),
        "via": grant.via.iter().map(|g| json!({ "groupId": g.to_string() })).collect::<Vec<_>>(),
    })
}
