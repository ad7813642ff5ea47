//! PIM schedules in Graph's shape, written once for both things Stint assigns through them:
//! group membership and ownership (`/v1.0/identityGovernance/privilegedAccess/group/...`) and
//! directory roles (`/v1.0/roleManagement/directory/role...`). Each serves schedule requests
//! (create, list, get, `filterByCurrentUser`), schedules and schedule instances of both families
//! (eligibility and assignment); [`Assignable`] says how the two differ, [`handlers`] and [`read`]
//! do the rest. Group requests also cancel, and have approvals.

mod approvals;
mod body;
mod group;
mod group_paths;
mod handlers;
mod read;
mod record;
mod role;
mod role_body;
mod role_paths;

use std::fmt::Display;
use std::future::Future;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use stint_app::error::AppResult;
use stint_app::view::Whose;
use stint_app::{App, CallMeta, Committed, Session, View};
use stint_core::ids::RequestId;
use stint_core::schedule::ScheduleKind;

use crate::collection::ListQuery;
use crate::error::ApiResult;
use crate::ApiRouter;
use record::{Record, Timed};

pub use group::Groups;
pub use role::Roles;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .merge(approvals::routes())
        .merge(group_paths::routes())
        .merge(role_paths::routes())
}

/// Which of Graph's two families an endpoint serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Eligibility,
    Assignment,
}

impl Family {
    pub fn kind(self) -> ScheduleKind {
        match self {
            Family::Eligibility => ScheduleKind::Eligible,
            Family::Assignment => ScheduleKind::Active,
        }
    }
}

/// What a collection holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    Requests,
    Schedules,
    Instances,
}

/// Whose records a list holds: those the plain list finds, or the caller's own
/// (`filterByCurrentUser`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Listed,
    CurrentUser(On),
}

/// The `on` parameter of `filterByCurrentUser`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum On {
    Principal,
    CreatedBy,
    Approver,
}

/// A view query for the records of `kind` that are `Whose`.
pub type Records<R> = for<'v, 'a> fn(&'v View<'a>, Whose, ScheduleKind) -> Vec<&'v R>;
/// A view query for one record, if the caller may see it.
pub type ById<Id, R> = for<'v, 'a> fn(&'v View<'a>, Id) -> Option<&'v R>;

/// What schedules assign (a group's membership or ownership, a directory role), and everything
/// the shared handlers need to know about it.
pub trait Assignable: 'static {
    type Request: Record<Target = Self::Target>;
    type Schedule: Record<Target = Self::Target> + Timed;
    type ScheduleId: FromStr + Display + Copy;
    /// The group or role a record is about.
    type Target: Copy;
    /// A schedule request as POSTed, and what the use case takes.
    type Body: DeserializeOwned + Send;
    type Input: Send;

    /// Entity sets after `$metadata#`, by listing (requests, schedules, instances) and family
    /// (eligibility, assignment); the path of each is `/v1.0/` and the set.
    const ENTITY_SETS: [[&'static str; 2]; 3];
    /// Properties `$filter` and `$select` may name, by listing.
    const PROPERTIES: [&'static [&'static str]; 3];
    /// `principal` and the target's name, which `$expand` may add.
    const EXPANDABLE: &'static [&'static str; 2];
    /// Whether requests list `filterByCurrentUser(on='approver')` (V3).
    const APPROVERS_LIST: bool;
    /// Whether a single entity honours `$select` and `$expand`.
    const SINGLE_READS_QUERY: bool;

    /// Whose records a plain list holds, from what its `$filter` names.
    const LISTED: fn(&ListQuery) -> ApiResult<Whose>;
    const REQUESTS: Records<Self::Request>;
    const SCHEDULES: Records<Self::Schedule>;
    const REQUEST: ById<RequestId, Self::Request>;
    const SCHEDULE: ById<Self::ScheduleId, Self::Schedule>;

    const SHAPE_REQUEST: fn(&Self::Request) -> Value;
    const SHAPE_SCHEDULE: fn(&Self::Schedule, DateTime<Utc>) -> Value;
    const SHAPE_INSTANCE: fn(&Self::Schedule) -> Value;
    /// The target as `$expand` adds it.
    const SHAPE_TARGET: fn(&View<'_>, Self::Target) -> Value;

    const INTO_INPUT: fn(Self::Body, Family) -> ApiResult<Self::Input>;
    fn submit(
        app: &App,
        session: &Session,
        meta: &CallMeta,
        input: Self::Input,
    ) -> impl Future<Output = AppResult<Committed<Self::Request>>> + Send;
}

/// The six entity sets of [`Assignable::ENTITY_SETS`], named as Graph names them: the base, the
/// family's prefix, and the collection.
macro_rules! entity_sets {
    ($base:literal, $eligibility:literal, $assignment:literal) => {
        [
            [
                concat!($base, $eligibility, "ScheduleRequests"),
                concat!($base, $assignment, "ScheduleRequests"),
            ],
            [
                concat!($base, $eligibility, "Schedules"),
                concat!($base, $assignment, "Schedules"),
            ],
            [
                concat!($base, $eligibility, "ScheduleInstances"),
                concat!($base, $assignment, "ScheduleInstances"),
            ],
        ]
    };
}
use entity_sets;
