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
    fn listed(query: &ListQuery) -> ApiResult<Whose>;
    fn requests<'v>(view: &'v View<'_>, whose: Whose, kind: ScheduleKind)
        -> Vec<&'v Self::Request>;
    fn schedules<'v>(
        view: &'v View<'_>,
        whose: Whose,
        kind: ScheduleKind,
    ) -> Vec<&'v Self::Schedule>;
    fn request<'v>(
        view: &'v View<'_>,
        id: RequestId,
        kind: ScheduleKind,
    ) -> Option<&'v Self::Request>;
    fn schedule<'v>(
        view: &'v View<'_>,
        id: Self::ScheduleId,
        kind: ScheduleKind,
    ) -> Option<&'v Self::Schedule>;

    fn shape_request(request: &Self::Request) -> Value;
    fn shape_schedule(schedule: &Self::Schedule, now: DateTime<Utc>) -> Value;
    fn shape_instance(schedule: &Self::Schedule) -> Value;
    /// The target as `$expand` adds it.
    fn shape_target(view: &View<'_>, target: Self::Target) -> Value;

    fn into_input(body: Self::Body, family: Family) -> ApiResult<Self::Input>;
    fn submit(
        app: &App,
        session: &Session,
        meta: &CallMeta,
        input: Self::Input,
    ) -> impl Future<Output = AppResult<Committed<Self::Request>>> + Send;
}
