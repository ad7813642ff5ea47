//! What the shared handlers know of a request or schedule, whichever it assigns: its id and
//! target, how the caller's view finds it, and its Graph shape.

use std::fmt::Display;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::Value;
use stint_app::view::Whose;
use stint_app::View;
use stint_core::directory::{BuiltInRole, RoleAssignment};
use stint_core::ids::{GroupId, PrincipalId, RequestId, RoleAssignmentId, ScheduleId};
use stint_core::request::ScheduleRequest;
use stint_core::role_request::RoleScheduleRequest;
use stint_core::schedule::{Schedule, ScheduleKind};

use crate::shape::{directory, pim, role};

/// A view query for the records of `kind` that are `Whose`.
pub type Records<R> = for<'v, 'a> fn(&'v View<'a>, Whose, ScheduleKind) -> Vec<&'v R>;
/// A view query for one record, if the caller may see it.
pub type ById<Id, R> = for<'v, 'a> fn(&'v View<'a>, Id) -> Option<&'v R>;
/// Graph's properties of an entity: those `$filter` and `$select` may name.
pub type Properties = &'static [&'static str];

/// A request or schedule as lists find, sort and shape it, and `$expand` completes it.
pub trait Record: Sized + 'static {
    type Id: FromStr + Display + Copy;
    /// The group or role the record is about.
    type Target: Target;
    const PROPERTIES: Properties;
    const LISTED: Records<Self>;
    const FOUND: ById<Self::Id, Self>;
    /// The record as Graph's entity; a schedule's status is the one at the time given.
    const SHAPE: fn(&Self, DateTime<Utc>) -> Value;
    fn id(&self) -> Self::Id;
    fn created_at(&self) -> DateTime<Utc>;
    fn principal(&self) -> PrincipalId;
    fn target(&self) -> Self::Target;
    fn kind(&self) -> ScheduleKind;
}

/// A schedule's window: lists hold the open schedules, instances those in force, shaped as
/// Graph's schedule instances.
pub trait Timed: Record {
    const INSTANCE_PROPERTIES: Properties;
    const SHAPE_INSTANCE: fn(&Self) -> Value;
    fn is_open_at(&self, now: DateTime<Utc>) -> bool;
    fn is_in_force_at(&self, now: DateTime<Utc>) -> bool;
}

/// What schedules assign, as `$expand` adds it under its name.
pub trait Target: Copy {
    const NAME: &'static str;
    fn expanded(self, view: &View<'_>) -> Value;
}

impl Target for GroupId {
    const NAME: &'static str = "group";
    fn expanded(self, view: &View<'_>) -> Value {
        view.any_group(self).map_or(Value::Null, directory::group)
    }
}

impl Target for BuiltInRole {
    const NAME: &'static str = "roleDefinition";
    fn expanded(self, _: &View<'_>) -> Value {
        directory::role_definition(self)
    }
}

/// [`Record`] for a type whose id, creation time and principal are its fields `id`, `created_at`
/// and `principal_id`: `|it|` its target and kind, the view's list and single query by name, its
/// shape and its properties.
macro_rules! record {
    (
        $record:ty: $id:ty, $target:ty = |$it:ident| ($target_of:expr, $kind_of:expr),
        view $listed:ident / $found:ident, shape $shape:expr, $properties:expr
    ) => {
        impl Record for $record {
            type Id = $id;
            type Target = $target;
            const PROPERTIES: Properties = $properties;
            const LISTED: Records<Self> = |view, whose, kind| view.$listed(whose, kind);
            const FOUND: ById<$id, Self> = |view, id| view.$found(id);
            const SHAPE: fn(&Self, DateTime<Utc>) -> Value = $shape;
            fn id(&self) -> $id {
                self.id
            }
            fn created_at(&self) -> DateTime<Utc> {
                self.created_at
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

/// [`Timed`] for a schedule type with methods of the same names, and its instances' shape and
/// properties.
macro_rules! timed {
    ($schedule:ty, $shape_instance:expr, $properties:expr) => {
        impl Timed for $schedule {
            const INSTANCE_PROPERTIES: Properties = $properties;
            const SHAPE_INSTANCE: fn(&Self) -> Value = $shape_instance;
            fn is_open_at(&self, now: DateTime<Utc>) -> bool {
                <$schedule>::is_open_at(self, now)
            }
            fn is_in_force_at(&self, now: DateTime<Utc>) -> bool {
                <$schedule>::is_in_force_at(self, now)
            }
        }
    };
}

record!(ScheduleRequest: RequestId, GroupId = |it| (it.target.group_id, it.kind),
    view requests / request, shape |it, _| pim::request(it), pim::REQUEST_PROPERTIES);
record!(Schedule: ScheduleId, GroupId = |it| (it.group_id(), it.kind),
    view schedules / schedule, shape pim::schedule, pim::SCHEDULE_PROPERTIES);
timed!(Schedule, pim::instance, pim::INSTANCE_PROPERTIES);

record!(RoleScheduleRequest: RequestId, BuiltInRole = |it| (it.target.role, it.kind),
    view role_requests / role_request, shape |it, _| role::request(it), role::REQUEST_PROPERTIES);
record!(RoleAssignment: RoleAssignmentId, BuiltInRole = |it| (it.role, role_kind(it)),
    view role_schedules / role_schedule, shape role::schedule, role::SCHEDULE_PROPERTIES);
timed!(RoleAssignment, role::instance, role::INSTANCE_PROPERTIES);

/// An eligible role assignment is an eligibility schedule, any other an assignment schedule.
fn role_kind(assignment: &RoleAssignment) -> ScheduleKind {
    if assignment.eligible {
        ScheduleKind::Eligible
    } else {
        ScheduleKind::Active
    }
}
