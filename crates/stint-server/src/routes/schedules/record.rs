//! What the shared handlers read of a request or schedule, whichever it assigns.

use chrono::{DateTime, Utc};
use stint_core::directory::{BuiltInRole, RoleAssignment};
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::request::ScheduleRequest;
use stint_core::role_request::RoleScheduleRequest;
use stint_core::schedule::{Schedule, ScheduleKind};

/// A request or schedule as lists sort and `$expand` completes it.
pub trait Record {
    type Target: Copy;
    fn created_at(&self) -> DateTime<Utc>;
    fn id_text(&self) -> String;
    fn principal(&self) -> PrincipalId;
    fn target(&self) -> Self::Target;
    fn kind(&self) -> ScheduleKind;
}

/// A schedule's window: lists hold the open ones, instances those in force.
pub trait Timed {
    fn is_open_at(&self, now: DateTime<Utc>) -> bool;
    fn is_in_force_at(&self, now: DateTime<Utc>) -> bool;
}

macro_rules! record {
    ($record:ty, $target:ty, |$it:ident| $target_of:expr, $kind_of:expr) => {
        impl Record for $record {
            type Target = $target;
            fn created_at(&self) -> DateTime<Utc> {
                self.created_at
            }
            fn id_text(&self) -> String {
                self.id.to_string()
            }
            fn principal(&self) -> PrincipalId {
                self.principal_id
            }
            fn target(&self) -> $target {
                let $it = self;
                $target_of
            }
            fn kind(&self) -> ScheduleKind {
                let $it = self;
                $kind_of
            }
        }
    };
}

macro_rules! timed {
    ($schedule:ty) => {
        impl Timed for $schedule {
            fn is_open_at(&self, now: DateTime<Utc>) -> bool {
                <$schedule>::is_open_at(self, now)
            }
            fn is_in_force_at(&self, now: DateTime<Utc>) -> bool {
                <$schedule>::is_in_force_at(self, now)
            }
        }
    };
}

record!(
    ScheduleRequest,
    GroupId,
    |request| request.target.group_id,
    request.kind
);
record!(
    Schedule,
    GroupId,
    |schedule| schedule.group_id(),
    schedule.kind
);
record!(
    RoleScheduleRequest,
    BuiltInRole,
    |request| request.target.role,
    request.kind
);
record!(RoleAssignment, BuiltInRole, |assignment| assignment.role, {
    if assignment.eligible {
        ScheduleKind::Eligible
    } else {
        ScheduleKind::Active
    }
});
timed!(Schedule);
timed!(RoleAssignment);
