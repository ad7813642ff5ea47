//! Group membership and ownership as [`Assignable`]: `privilegedAccessGroup*` entities under
//! `identityGovernance/privilegedAccess/group`. Plain lists need a `$filter` on `groupId` or
//! `principalId`, as Graph requires.

use std::future::Future;

use chrono::{DateTime, Utc};
use serde_json::Value;
use stint_app::error::AppResult;
use stint_app::view::Whose;
use stint_app::{App, CallMeta, Committed, Session, View};
use stint_core::ids::{GroupId, RequestId, ScheduleId};
use stint_core::request::ScheduleRequest;
use stint_core::rules::assignments::RequestInput;
use stint_core::schedule::Schedule;

use super::body::RequestBody;
use super::{entity_sets, Assignable, ById, Family, Records};
use crate::collection::ListQuery;
use crate::error::{ApiError, ApiResult};
use crate::shape::{directory, pim};
use crate::wire::parse_id;

/// Schedules of a group's membership or ownership.
pub enum Groups {}

const REQUEST_PROPERTIES: &[&str] = &[
    "id",
    "status",
    "createdDateTime",
    "completedDateTime",
    "approvalId",
    "customData",
    "createdBy",
    "action",
    "isValidationOnly",
    "justification",
    "scheduleInfo",
    "ticketInfo",
    "accessId",
    "principalId",
    "groupId",
    "targetScheduleId",
];
const SCHEDULE_PROPERTIES: &[&str] = &[
    "id",
    "scheduleInfo",
    "createdUsing",
    "createdDateTime",
    "modifiedDateTime",
    "status",
    "memberType",
    "assignmentType",
    "accessId",
    "principalId",
    "groupId",
];
const INSTANCE_PROPERTIES: &[&str] = &[
    "id",
    "startDateTime",
    "endDateTime",
    "accessId",
    "principalId",
    "groupId",
    "memberType",
    "assignmentType",
    "assignmentScheduleId",
    "eligibilityScheduleId",
];

impl Assignable for Groups {
    type Request = ScheduleRequest;
    type Schedule = Schedule;
    type ScheduleId = ScheduleId;
    type Target = GroupId;
    type Body = RequestBody;
    type Input = RequestInput;

    const ENTITY_SETS: [[&'static str; 2]; 3] = entity_sets!(
        "identityGovernance/privilegedAccess/group/",
        "eligibility",
        "assignment"
    );
    const PROPERTIES: [&'static [&'static str]; 3] =
        [REQUEST_PROPERTIES, SCHEDULE_PROPERTIES, INSTANCE_PROPERTIES];
    const EXPANDABLE: &'static [&'static str; 2] = &["principal", "group"];
    const APPROVERS_LIST: bool = true;
    const SINGLE_READS_QUERY: bool = false;

    const LISTED: fn(&ListQuery) -> ApiResult<Whose> = required_anchor;
    const REQUESTS: Records<ScheduleRequest> = |view, whose, kind| view.requests(whose, kind);
    const SCHEDULES: Records<Schedule> = |view, whose, kind| view.schedules(whose, kind);
    const REQUEST: ById<RequestId, ScheduleRequest> = |view, id| view.request(id);
    const SCHEDULE: ById<ScheduleId, Schedule> = |view, id| view.schedule(id);

    const SHAPE_REQUEST: fn(&ScheduleRequest) -> Value = pim::request;
    const SHAPE_SCHEDULE: fn(&Schedule, DateTime<Utc>) -> Value = pim::schedule;
    const SHAPE_INSTANCE: fn(&Schedule) -> Value = pim::instance;
    const SHAPE_TARGET: fn(&View<'_>, GroupId) -> Value = |view, group| {
        let group = view.any_group(group);
        group.map(directory::group).unwrap_or(Value::Null)
    };

    const INTO_INPUT: fn(RequestBody, Family) -> ApiResult<RequestInput> = RequestBody::into_input;
    fn submit(
        app: &App,
        session: &Session,
        meta: &CallMeta,
        input: RequestInput,
    ) -> impl Future<Output = AppResult<Committed<ScheduleRequest>>> + Send {
        app.submit_request(session, meta, input)
    }
}

/// The group or principal a plain list is about: Graph requires one of them in `$filter`.
fn required_anchor(query: &ListQuery) -> ApiResult<Whose> {
    if let Some(group) = query.required_eq("groupId") {
        return Ok(Whose::Group(parse_id("groupId", group)?));
    }
    if let Some(principal) = query.required_eq("principalId") {
        return Ok(Whose::Principal(parse_id("principalId", principal)?));
    }
    Err(ApiError::bad_request(
        "This list needs a $filter on groupId or principalId, for example $filter=groupId eq '2b5ed229-4072-478d-9504-a047ebd4b07d'.",
    ))
}
