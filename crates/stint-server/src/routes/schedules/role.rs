//! Directory roles as [`Assignable`]: `unifiedRole*` entities under `roleManagement/directory`.
//! Every role assignment is a schedule: the eligible ones are eligibility schedules, the active
//! ones (assigned or activated, including those made through `roleAssignments`) assignment
//! schedules. Plain lists hold all the caller may see (everything for role administrators).

use std::future::Future;

use chrono::{DateTime, Utc};
use serde_json::Value;
use stint_app::error::AppResult;
use stint_app::view::Whose;
use stint_app::{App, CallMeta, Committed, Session, View};
use stint_core::directory::{BuiltInRole, RoleAssignment};
use stint_core::ids::{RequestId, RoleAssignmentId};
use stint_core::role_request::RoleScheduleRequest;
use stint_core::rules::roles::RoleRequestInput;

use super::role_body::RoleRequestBody;
use super::{entity_sets, Assignable, ById, Family, Records};
use crate::collection::ListQuery;
use crate::error::ApiResult;
use crate::shape::{directory, role};

/// Schedules of a directory role.
pub enum Roles {}

const REQUEST_PROPERTIES: &[&str] = &[
    "id",
    "status",
    "createdDateTime",
    "completedDateTime",
    "approvalId",
    "customData",
    "createdBy",
    "action",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "isValidationOnly",
    "targetScheduleId",
    "justification",
    "scheduleInfo",
    "ticketInfo",
    "principal",
    "roleDefinition",
];
const SCHEDULE_PROPERTIES: &[&str] = &[
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "createdUsing",
    "createdDateTime",
    "modifiedDateTime",
    "status",
    "memberType",
    "assignmentType",
    "scheduleInfo",
    "principal",
    "roleDefinition",
];
const INSTANCE_PROPERTIES: &[&str] = &[
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "startDateTime",
    "endDateTime",
    "memberType",
    "assignmentType",
    "roleEligibilityScheduleId",
    "roleAssignmentOriginId",
    "roleAssignmentScheduleId",
    "principal",
    "roleDefinition",
];

impl Assignable for Roles {
    type Request = RoleScheduleRequest;
    type Schedule = RoleAssignment;
    type ScheduleId = RoleAssignmentId;
    type Target = BuiltInRole;
    type Body = RoleRequestBody;
    type Input = RoleRequestInput;

    const ENTITY_SETS: [[&'static str; 2]; 3] = entity_sets!(
        "roleManagement/directory/",
        "roleEligibility",
        "roleAssignment"
    );
    const PROPERTIES: [&'static [&'static str]; 3] =
        [REQUEST_PROPERTIES, SCHEDULE_PROPERTIES, INSTANCE_PROPERTIES];
    const EXPANDABLE: &'static [&'static str; 2] = &["principal", "roleDefinition"];
    const APPROVERS_LIST: bool = false;
    const SINGLE_READS_QUERY: bool = true;

    const LISTED: fn(&ListQuery) -> ApiResult<Whose> = |_| Ok(Whose::Visible);
    const REQUESTS: Records<RoleScheduleRequest> =
        |view, whose, kind| view.role_requests(whose, kind);
    const SCHEDULES: Records<RoleAssignment> = |view, whose, kind| view.role_schedules(whose, kind);
    const REQUEST: ById<RequestId, RoleScheduleRequest> = |view, id| view.role_request(id);
    const SCHEDULE: ById<RoleAssignmentId, RoleAssignment> = |view, id| view.role_schedule(id);

    const SHAPE_REQUEST: fn(&RoleScheduleRequest) -> Value = role::request;
    const SHAPE_SCHEDULE: fn(&RoleAssignment, DateTime<Utc>) -> Value = role::schedule;
    const SHAPE_INSTANCE: fn(&RoleAssignment) -> Value = role::instance;
    const SHAPE_TARGET: fn(&View<'_>, BuiltInRole) -> Value =
        |_, role| directory::role_definition(role);

    const INTO_INPUT: fn(RoleRequestBody, Family) -> ApiResult<RoleRequestInput> =
        RoleRequestBody::into_input;
    fn submit(
        app: &App,
        session: &Session,
        meta: &CallMeta,
        input: RoleRequestInput,
    ) -> impl Future<Output = AppResult<Committed<RoleScheduleRequest>>> + Send {
        app.submit_role_request(session, meta, input)
    }
}
