//! Schedule requests (Graph's `privilegedAccessGroup{Eligibility,Assignment}ScheduleRequest`) and
//! their status machine.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::duration::IsoDuration;
use crate::ids::{GroupId, PrincipalId, RequestId, ScheduleId, UserId};
use crate::policy::Approver;
use crate::schedule::{Access, MemberType, ScheduleKind};

/// Graph's `scheduleRequestActions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RequestAction {
    AdminAssign,
    AdminUpdate,
    AdminRemove,
    SelfActivate,
    SelfDeactivate,
    AdminExtend,
    AdminRenew,
    SelfExtend,
    SelfRenew,
}

impl RequestAction {
    pub const ALL: [RequestAction; 9] = [
        RequestAction::AdminAssign,
        RequestAction::AdminUpdate,
        RequestAction::AdminRemove,
        RequestAction::SelfActivate,
        RequestAction::SelfDeactivate,
        RequestAction::AdminExtend,
        RequestAction::AdminRenew,
        RequestAction::SelfExtend,
        RequestAction::SelfRenew,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestAction::AdminAssign => "adminAssign",
            RequestAction::AdminUpdate => "adminUpdate",
            RequestAction::AdminRemove => "adminRemove",
            RequestAction::SelfActivate => "selfActivate",
            RequestAction::SelfDeactivate => "selfDeactivate",
            RequestAction::AdminExtend => "adminExtend",
            RequestAction::AdminRenew => "adminRenew",
            RequestAction::SelfExtend => "selfExtend",
            RequestAction::SelfRenew => "selfRenew",
        }
    }

    pub fn is_admin(self) -> bool {
        matches!(
            self,
            RequestAction::AdminAssign
                | RequestAction::AdminUpdate
                | RequestAction::AdminRemove
                | RequestAction::AdminExtend
                | RequestAction::AdminRenew
        )
    }

    /// Removals need no schedule in the request.
    pub fn needs_schedule(self) -> bool {
        !matches!(
            self,
            RequestAction::AdminRemove | RequestAction::SelfDeactivate
        )
    }
}

graph_names!(RequestAction);

/// Graph's request `status` strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RequestStatus {
    /// A validation-only request that would succeed; nothing was created.
    Granted,
    PendingApproval,
    Provisioned,
    Revoked,
    Denied,
    Canceled,
    Failed,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Granted => "Granted",
            RequestStatus::PendingApproval => "PendingApproval",
            RequestStatus::Provisioned => "Provisioned",
            RequestStatus::Revoked => "Revoked",
            RequestStatus::Denied => "Denied",
            RequestStatus::Canceled => "Canceled",
            RequestStatus::Failed => "Failed",
        }
    }

    pub fn is_pending(self) -> bool {
        matches!(self, RequestStatus::PendingApproval)
    }

    /// The status `as_str` names, as the API sends it.
    pub fn from_wire(text: &str) -> Option<RequestStatus> {
        [
            RequestStatus::Granted,
            RequestStatus::PendingApproval,
            RequestStatus::Provisioned,
            RequestStatus::Revoked,
            RequestStatus::Denied,
            RequestStatus::Canceled,
            RequestStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    /// The status as people read it: a provisioned request is "Active" while the active
    /// assignment it made is in force, "Approved" once that is over if an approver let it
    /// through, and "Completed" otherwise; a removal or deactivation that was carried out (Graph's
    /// "Revoked") is "Completed" too.
    pub fn in_words(self, approved: bool, in_force: bool) -> &'static str {
        match self {
            RequestStatus::Provisioned if in_force => "Active",
            RequestStatus::Provisioned if approved => "Approved",
            RequestStatus::Provisioned | RequestStatus::Revoked => "Completed",
            RequestStatus::PendingApproval => "Pending approval",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a requested schedule ends (Graph's `expirationPattern`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Expiration {
    NotSpecified,
    NoExpiration,
    AfterDateTime(DateTime<Utc>),
    AfterDuration(IsoDuration),
}

impl Expiration {
    pub fn type_name(&self) -> &'static str {
        match self {
            Expiration::NotSpecified => "notSpecified",
            Expiration::NoExpiration => "noExpiration",
            Expiration::AfterDateTime(_) => "afterDateTime",
            Expiration::AfterDuration(_) => "afterDuration",
        }
    }
}

/// The schedule a request asks for (Graph's `requestSchedule`), as the requester gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedSchedule {
    pub start: Option<DateTime<Utc>>,
    pub expiration: Expiration,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketInfo {
    pub number: Option<String>,
    pub system: Option<String>,
}

impl TicketInfo {
    pub fn is_complete(&self) -> bool {
        let filled = |text: &Option<String>| text.as_deref().is_some_and(|t| !t.trim().is_empty());
        filled(&self.number) && filled(&self.system)
    }
}

/// What a schedule request is for: a group's access ([`GroupAccess`]) or a directory role at a
/// scope ([`RoleAtScope`](crate::role_request::RoleAtScope)), and the id of the schedule such a
/// request creates or ends.
pub trait RequestTarget {
    type ScheduleId: Copy + fmt::Debug + Eq + Serialize + DeserializeOwned;
}

/// A group request's target: membership or ownership of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupAccess {
    pub group_id: GroupId,
    pub access: Access,
}

impl RequestTarget for GroupAccess {
    type ScheduleId = ScheduleId;
}

/// A schedule request of either family; the target's fields are stored beside the others, so a
/// stored request reads as it did when each family had its own struct.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRequest<T: RequestTarget = GroupAccess> {
    pub id: RequestId,
    /// Eligibility requests target eligible schedules, assignment requests active ones.
    pub kind: ScheduleKind,
    pub action: RequestAction,
    pub principal_id: PrincipalId,
    #[serde(flatten)]
    pub target: T,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_by: UserId,
    pub justification: Option<String>,
    pub ticket: Option<TicketInfo>,
    /// As requested; the resolved start is on the target schedule.
    pub schedule: Option<RequestedSchedule>,
    /// The start actually used: a past start is moved to the time of processing.
    pub resolved_start: Option<DateTime<Utc>>,
    /// The schedule the request created or ended.
    pub target_schedule_id: Option<T::ScheduleId>,
    pub is_validation_only: bool,
    /// The eligibility a group activation came from (V1, V6).
    #[serde(default)]
    pub activated_using: Option<ActivationSource<T::ScheduleId>>,
    /// The approval of a group request that needs one (V3, E1–E3).
    #[serde(default)]
    pub approval: Option<Approval>,
}

impl ScheduleRequest {
    /// V3, E1, E2: the request waits for its one approval stage, decided by `approvers` or, for
    /// extend and renew (E3), by the group's administrators.
    pub fn await_approval(
        &mut self,
        stage_id: uuid::Uuid,
        approvers: Vec<Approver>,
        by_group_administrators: bool,
    ) {
        self.status = RequestStatus::PendingApproval;
        self.completed_at = None;
        self.approval = Some(Approval {
            stage_id,
            approvers,
            by_group_administrators,
            decision: None,
        });
    }
}

/// Where an activation's eligibility is: the principal's own, or a group's they are a member of (V6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationSource<S = ScheduleId> {
    pub eligibility: S,
    pub member_type: MemberType,
}

/// An approval with its one stage (V3): who may decide, and the decision once made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub stage_id: uuid::Uuid,
    /// The approvers named when the request was made (S5: later policy changes do not apply).
    pub approvers: Vec<Approver>,
    /// Extend and renew requests are decided by the group's administrators instead (E3).
    pub by_group_administrators: bool,
    pub decision: Option<ApprovalDecision>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDecision {
    pub approved: bool,
    /// `None` when the request was denied automatically after 24 hours.
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: DateTime<Utc>,
    pub justification: String,
}
