//! PIM schedules in Graph's shape, written once for both things Stint assigns through them:
//! group membership and ownership (`/v1.0/identityGovernance/privilegedAccess/group/...`) and
//! directory roles (`/v1.0/roleManagement/directory/role...`). Each serves schedule requests
//! (create, list, get, `filterByCurrentUser`), schedules and schedule instances of both families
//! (eligibility and assignment); [`Assignable`] and the [`Record`]s it names say how the two
//! differ, [`paths`] documents both, [`handlers`] and [`read`] do the rest. Group requests also
//! cancel, and have approvals.

mod approvals;
mod body;
mod group;
mod handlers;
mod paths;
mod read;
mod record;
mod role;
mod role_body;
mod submit;

use serde::de::DeserializeOwned;
use stint_app::view::Whose;
use stint_core::schedule::ScheduleKind;

use crate::collection::ListQuery;
use crate::error::ApiResult;
use crate::ApiRouter;
use record::{Record, Target, Timed};
use submit::Submit;

pub use group::Groups;
pub use role::Roles;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .merge(approvals::routes())
        .merge(paths::routes())
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

/// The request that `T`'s POSTed body commits.
pub type RequestOf<T> = <InputOf<T> as Submit>::Request;
/// The group or role that `T`'s records are about.
pub type TargetOf<T> = <RequestOf<T> as Record>::Target;
/// The id of one of `T`'s schedules.
pub type ScheduleIdOf<T> = <<T as Assignable>::Schedule as Record>::Id;
/// The use case's input that `T`'s POSTed body is read into.
pub type InputOf<T> = <<T as Assignable>::Body as RequestBody>::Input;

/// What schedules assign (a group's membership or ownership, a directory role): a request body
/// that says what its requests commit, schedules, and what sets it apart. [`Record`] says how
/// requests and schedules are read and shaped, [`Named`] where Graph lists them.
pub trait Assignable: Named + 'static {
    type Body: RequestBody;
    type Schedule: Record<Target = TargetOf<Self>> + Timed;

    /// Whose records a plain list holds, from what its `$filter` names: all the caller may see,
    /// unless Graph requires a `$filter`.
    const LISTED: fn(&ListQuery) -> ApiResult<Whose> = |_| Ok(Whose::Visible);
    /// Whether requests list `filterByCurrentUser(on='approver')` (V3).
    const APPROVERS_LIST: bool = false;
    /// Whether a single entity honours `$select` and `$expand`.
    const SINGLE_READS_QUERY: bool = true;
    /// `$expand` may add the principal and the target.
    const EXPANDABLE: &'static [&'static str; 2] = &["principal", TargetOf::<Self>::NAME];
}

/// Where Graph lists an [`Assignable`]'s records, declared with its documented paths
/// ([`paths`]).
pub trait Named {
    /// Entity sets after `$metadata#`, by listing (requests, schedules, instances) and family
    /// (eligibility, assignment); the path of each is `/v1.0/` and the set.
    const ENTITY_SETS: [[&'static str; 2]; 3];
}

/// A schedule request as POSTed, read into what the use case takes.
pub trait RequestBody: DeserializeOwned + Send {
    type Input: Submit;
    fn into_input(self, family: Family) -> ApiResult<Self::Input>;
}
