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
use stint_core::schedule::{Schedule, ScheduleKind};

use super::body::RequestBody;
use super::{Assignable, Family};
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

    const ENTITY_SETS: [[&'static str; 2]; 3] = [
        [
            "identityGovernance/privilegedAccess/group/eligibilityScheduleRequests",
            "identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
        ],
        [
            "identityGovernance/privilegedAccess/group/eligibilitySchedules",
            "identityGovernance/privilegedAccess/group/assignmentSchedules",
        ],
        [
            "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances",
            "identityGovernance/privilegedAccess/group/assignmentScheduleInstances",
        ],
    ];
    const PROPERTIES: [&'static [&'static str]; 3] =
        [REQUEST_PROPERTIES, SCHEDULE_PROPERTIES, INSTANCE_PROPERTIES];
    const EXPANDABLE: &'static [&'static str; 2] = &["principal", "group"];
    const APPROVERS_LIST: bool = true;
    const SINGLE_READS_QUERY: bool = false;

    /// The group or principal a plain list is about: Graph requires one of them in `$filter`.
    fn listed(query: &ListQuery) -> ApiResult<Whose> {
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

    fn requests<'v>(
        view: &'v View<'_>,
        whose: Whose,
        kind: ScheduleKind,
    ) -> Vec<&'v ScheduleRequest> {
        view.requests(whose, kind)
    }

    fn schedules<'v>(view: &'v View<'_>, whose: Whose, kind: ScheduleKind) -> Vec<&'v Schedule> {
        view.schedules(whose, kind)
    }

    fn request<'v>(
        view: &'v View<'_>,
        id: RequestId,
        kind: ScheduleKind,
    ) -> Option<&'v ScheduleRequest> {
        view.request(id).filter(|request| request.kind == kind)
    }

    fn schedule<'v>(
        view: &'v View<'_>,
        id: ScheduleId,
        kind: ScheduleKind,
    ) -> Option<&'v Schedule> {
        view.schedule(id).filter(|schedule| schedule.kind == kind)
    }

    fn shape_request(request: &ScheduleRequest) -> Value {
        pim::request(request)
    }

    fn shape_schedule(schedule: &Schedule, now: DateTime<Utc>) -> Value {
        pim::schedule(schedule, now)
    }

    fn shape_instance(schedule: &Schedule) -> Value {
        pim::instance(schedule)
    }

    fn shape_target(view: &View<'_>, group: GroupId) -> Value {
        view.any_group(group)
            .map(directory::group)
            .unwrap_or(Value::Null)
    }

    fn into_input(body: RequestBody, family: Family) -> ApiResult<RequestInput> {
        body.into_input(family)
    }

    fn submit(
        app: &App,
        session: &Session,
        meta: &CallMeta,
        input: RequestInput,
    ) -> impl Future<Output = AppResult<Committed<ScheduleRequest>>> + Send {
        app.submit_request(session, meta, input)
    }
}
