//! Role schedule requests (Graph's `unifiedRoleEligibilityScheduleRequest` and
//! `unifiedRoleAssignmentScheduleRequest`): how eligible and time-bound directory role assignments
//! are made, removed and activated (SPEC D5, D6). Requests are kept for ever, like group requests
//! (A10).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::directory::{BuiltInRole, DirectoryScope};
use crate::ids::{PrincipalId, RequestId, RoleAssignmentId, UserId};
use crate::request::{RequestAction, RequestStatus, RequestedSchedule, TicketInfo};
use crate::schedule::ScheduleKind;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleScheduleRequest {
    pub id: RequestId,
    /// Eligibility requests target eligible role assignments, assignment requests active ones.
    pub kind: ScheduleKind,
    pub action: RequestAction,
    pub principal_id: PrincipalId,
    pub role: BuiltInRole,
    pub scope: DirectoryScope,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_by: UserId,
    pub justification: Option<String>,
    pub ticket: Option<TicketInfo>,
    /// As requested; the resolved start is in `resolved_start`.
    pub schedule: Option<RequestedSchedule>,
    /// The start actually used: a past start is moved to the time of processing.
    pub resolved_start: Option<DateTime<Utc>>,
    /// The role assignment (Graph's schedule) the request created or ended.
    pub target_schedule_id: Option<RoleAssignmentId>,
    pub is_validation_only: bool,
}
