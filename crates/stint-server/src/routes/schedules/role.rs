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
use stint_core::schedule::ScheduleKind;

use super::role_body::RoleRequestBody;
use super::{Assignable, Family};
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

    const ENTITY_SETS: [[&'static str; 2]; 3] = [
        [
            "roleManagement/directory/roleEligibilityScheduleRequests",
            "roleManagement/directory/roleAssignmentScheduleRequests",
        ],
        [
            "roleManagement/directory/roleEligibilitySchedules",
            "roleManagement/directory/roleAssignmentSchedules",
        ],
        [
            "roleManagement/directory/roleEligibilityScheduleInstances",
            "roleManagement/directory/roleAssignmentScheduleInstances",
        ],
    ];
    const PROPERTIES: [&'static [&'static str]; 3] =
        [REQUEST_PROPERTIES, SCHEDULE_PROPERTIES, INSTANCE_PROPERTIES];
    const EXPANDABLE: &'static [&'static str; 2] = &["principal", "roleDefinition"];
    const APPROVERS_LIST: bool = false;
    const SINGLE_READS_QUERY: bool = true;

    fn listed(_: &ListQuery) -> ApiResult<Whose> {
        Ok(Whose::Visible)
    }

    fn requests<'v>(
        view: &'v View<'_>,
        whose: Whose,
        kind: ScheduleKind,
    ) -> Vec<&'v RoleScheduleRequest> {
        view.role_requests(whose, kind)
    }

    fn schedules<'v>(
        view: &'v View<'_>,
        whose: Whose,
        kind: ScheduleKind,
    ) -> Vec<&'v RoleAssignment> {
        view.role_schedules(whose, kind)
    }

    fn request<'v>(
        view: &'v View<'_>,
        id: RequestId,
        kind: ScheduleKind,
    ) -> Option<&'v RoleScheduleRequest> {
        view.role_request(id).filter(|request| request.kind == kind)
    }

    fn schedule<'v>(
        view: &'v View<'_>,
        id: RoleAssignmentId,
        kind: ScheduleKind,
    ) -> Option<&'v RoleAssignment> {
        let eligible = kind == ScheduleKind::Eligible;
        view.role_schedule(id).filter(|a| a.eligible == eligible)
    }

    fn shape_request(request: &RoleScheduleRequest) -> Value {
        role::request(request)
    }

    fn shape_schedule(assignment: &RoleAssignment, now: DateTime<Utc>) -> Value {
        role::schedule(assignment, now)
    }

    fn shape_instance(assignment: &RoleAssignment) -> Value {
        role::instance(assignment)
    }

    fn shape_target(_: &View<'_>, role: BuiltInRole) -> Value {
        directory::role_definition(role)
    }

    fn into_input(body: RoleRequestBody, family: Family) -> ApiResult<RoleRequestInput> {
        body.into_input(family)
    }

    fn submit(
        app: &App,
        session: &Session,
        meta: &CallMeta,
        input: RoleRequestInput,
    ) -> impl Future<Output = AppResult<Committed<RoleScheduleRequest>>> + Send {
        app.submit_role_request(session, meta, input)
    }
}
