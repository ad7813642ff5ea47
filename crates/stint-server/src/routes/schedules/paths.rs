//! The documented paths of both trees, each an entity set's path after `/v1.0/`:
//! - `identityGovernance/privilegedAccess/group`: `eligibilityScheduleRequests` and
//!   `assignmentScheduleRequests` (create, list, get, `filterByCurrentUser`, cancel),
//!   `eligibilitySchedules`, `assignmentSchedules` and their `...ScheduleInstances` (list with the
//!   `$filter` Graph requires, get, `filterByCurrentUser`);
//! - `roleManagement/directory` (SPEC D5, D6, V1, V2, V5, V6): `roleEligibilityScheduleRequests` and
//!   `roleAssignmentScheduleRequests` (create, list, get, `filterByCurrentUser`),
//!   `roleEligibilitySchedules`, `roleAssignmentSchedules` and their `...ScheduleInstances` (list,
//!   get, `filterByCurrentUser(on='principal')`).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;

use super::handlers::{self, Call};
use super::read::path;
use super::{Assignable, Family, Groups, Listing, Roles, Scope};
use crate::documented::{InvalidQuery, RequestPath};
use crate::error::ApiResult;
use crate::extract::{GraphJson, Meta};
use crate::wire::ListOptions;

/// The documented per-path functions of each tree, in a module of its own (the trees name their
/// operations alike), and `routes()` serving them all. A tree is its [`Assignable`], its OpenAPI
/// tag, and Graph's names for its entity sets (see [`entity_sets`]), which its paths follow from;
/// each entry is its doc comment, its `#[utoipa::path]` but for `path` and `tag`, and which
/// handler it is with its arguments.
macro_rules! paths {
    ($(mod $module:ident for $target:ident in $tag:tt at $sets:tt {
        $($(#[doc = $doc:tt])* #[utoipa::path($method:ident, $($spec:tt)*)] $handler:ident $name:ident $args:tt;)*
    })*) => {
        /// Every path of both trees (methods of one path merge into one route).
        pub fn routes() -> crate::ApiRouter {
            crate::ApiRouter::new()$(.merge($module::routes()))*
        }
        $(
            impl super::Named for $target {
                const ENTITY_SETS: [[&'static str; 2]; 3] = entity_sets! $sets;
            }
            mod $module {
                use super::*;

                pub fn routes() -> crate::ApiRouter {
                    crate::ApiRouter::new()$(.routes(::utoipa_axum::routes!($name)))*
                }
                $(paths!(@one $target [$(#[doc = $doc])*] ($method, tag = $tag, $($spec)*) $handler $name $args);)*
            }
        )*
    };
    (@one $target:ident [$($doc:tt)*] ($($spec:tt)*) list $name:ident ($family:ident, $listing:ident)) => {
        $($doc)*
        #[utoipa::path($($spec)*, path = path::<$target>(Family::$family, Listing::$listing, ""))]
        async fn $name(call: Call) -> ApiResult<Json<Value>> {
            handlers::list::<$target>(call, Family::$family, Listing::$listing, Scope::Listed).await
        }
    };
    (@one $target:ident [$($doc:tt)*] ($($spec:tt)*) get $name:ident ($family:ident, $listing:ident)) => {
        $($doc)*
        #[utoipa::path($($spec)*, path = path::<$target>(Family::$family, Listing::$listing, "/{id}"))]
        async fn $name(call: Call, id: Path<String>) -> ApiResult<Json<Value>> {
            handlers::get::<$target>(call, id, Family::$family, Listing::$listing).await
        }
    };
    (@one $target:ident [$($doc:tt)*] ($($spec:tt)*) create $name:ident ($family:ident)) => {
        $($doc)*
        #[utoipa::path($($spec)*, path = path::<$target>(Family::$family, Listing::Requests, ""))]
        async fn $name(
            call: Call,
            meta: Meta,
            body: GraphJson<<$target as Assignable>::Body>,
        ) -> ApiResult<(StatusCode, Json<Value>)> {
            handlers::create::<$target>(call, meta, body, Family::$family).await
        }
    };
    (@one $target:ident [$($doc:tt)*] ($($spec:tt)*) cancel $name:ident ($family:ident)) => {
        $($doc)*
        #[utoipa::path($($spec)*, path = path::<$target>(Family::$family, Listing::Requests, "/{id}/cancel"))]
        async fn $name(call: Call, meta: Meta, id: Path<String>) -> ApiResult<StatusCode> {
            handlers::cancel(call, meta, id, Family::$family).await
        }
    };
}

/// The six entity sets of [`super::Named::ENTITY_SETS`], named as Graph names them: the base,
/// each family's prefix, and the collection.
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

paths! {
    mod groups for Groups in "pim" at ("identityGovernance/privilegedAccess/group/", "eligibility", "assignment") {
        /// Creates an eligibility schedule request (`adminAssign`, `adminUpdate`, `adminRemove`, `adminExtend`, `adminRenew`).
        #[utoipa::path(post, request_body(content = Object, description = "privilegedAccessGroupEligibilityScheduleRequest"),
            responses((status = 201, description = "The request, Provisioned or Revoked"), (status = 400, description = "A rule refused it")))]
        create create_eligibility_request (Eligibility);
        /// Creates an assignment schedule request (admin actions).
        #[utoipa::path(post, request_body(content = Object, description = "privilegedAccessGroupAssignmentScheduleRequest"),
            responses((status = 201, description = "The request"), (status = 400, description = "A rule refused it")))]
        create create_assignment_request (Assignment);
        /// Lists eligibility schedule requests; `$filter` on `groupId` or `principalId` is required.
        #[utoipa::path(get, responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
        list list_eligibility_requests (Eligibility, Requests);
        /// Lists assignment schedule requests; `$filter` on `groupId` or `principalId` is required.
        #[utoipa::path(get, responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
        list list_assignment_requests (Assignment, Requests);
        /// Gets one eligibility schedule request, or `filterByCurrentUser(on='principal'|'createdBy'|'approver')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "A request id, or filterByCurrentUser(on='principal')")),
            responses((status = 200, description = "The request or a collection"), (status = 404, description = "No such request")))]
        get get_eligibility_request (Eligibility, Requests);
        /// Gets one assignment schedule request, or `filterByCurrentUser(on='principal'|'createdBy'|'approver')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "A request id, or filterByCurrentUser(on='approver')")),
            responses((status = 200, description = "The request or a collection"), (status = 404, description = "No such request")))]
        get get_assignment_request (Assignment, Requests);
        /// Cancels a pending eligibility schedule request.
        #[utoipa::path(post, params(RequestPath),
            responses((status = 204, description = "Canceled"), (status = 400, description = "Not pending")))]
        cancel cancel_eligibility_request (Eligibility);
        /// Cancels a pending assignment schedule request.
        #[utoipa::path(post, params(RequestPath),
            responses((status = 204, description = "Canceled"), (status = 400, description = "Not pending")))]
        cancel cancel_assignment_request (Assignment);
        /// Current and future eligibilities; `$filter` on `groupId` or `principalId` is required. A filter on
        /// `status` also returns ended ones (`Expired`, `Revoked`).
        #[utoipa::path(get, responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
        list list_eligibility_schedules (Eligibility, Schedules);
        /// One eligibility schedule, or `filterByCurrentUser(on='principal')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "{groupId}_{accessId}_{requestId}, or filterByCurrentUser(on='principal')")),
            responses((status = 200, description = "The schedule"), (status = 404, description = "No such schedule")))]
        get get_eligibility_schedule (Eligibility, Schedules);
        /// Current and future active assignments; `$filter` on `groupId` or `principalId` is required.
        #[utoipa::path(get, responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
        list list_assignment_schedules (Assignment, Schedules);
        /// One assignment schedule, or `filterByCurrentUser(on='principal')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "{groupId}_{accessId}_{requestId}, or filterByCurrentUser(on='principal')")),
            responses((status = 200, description = "The schedule"), (status = 404, description = "No such schedule")))]
        get get_assignment_schedule (Assignment, Schedules);
        /// Eligibilities in force now; `$filter` on `groupId` or `principalId` is required.
        #[utoipa::path(get, responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
        list list_eligibility_instances (Eligibility, Instances);
        /// One eligibility instance, or `filterByCurrentUser(on='principal')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
            responses((status = 200, description = "The instance"), (status = 404, description = "No such instance")))]
        get get_eligibility_instance (Eligibility, Instances);
        /// Memberships and ownerships in force now; `$filter` on `groupId` or `principalId` is required.
        #[utoipa::path(get, responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
        list list_assignment_instances (Assignment, Instances);
        /// One assignment instance, or `filterByCurrentUser(on='principal')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
            responses((status = 200, description = "The instance"), (status = 404, description = "No such instance")))]
        get get_assignment_instance (Assignment, Instances);
    }
    mod roles for Roles in "roles" at ("roleManagement/directory/", "roleEligibility", "roleAssignment") {
        /// Creates a role eligibility schedule request: `adminAssign`, `adminUpdate`, `adminExtend` or
        /// `adminRemove` of an eligible directory role assignment (SPEC D5, A2, A3, A8).
        #[utoipa::path(post, request_body(content = Object, description = "unifiedRoleEligibilityScheduleRequest"),
            responses((status = 201, description = "The request, Provisioned or Revoked"),
                      (status = 400, description = "A rule refused it"),
                      (status = 403, description = "Not a Global or Privileged Role Administrator")))]
        create create_eligibility_request (Eligibility);
        /// Creates a role assignment schedule request: the administrators' actions on active role
        /// assignments, and `selfActivate` / `selfDeactivate` of an eligible one (SPEC V1, V2, V5, V6).
        #[utoipa::path(post, request_body(content = Object, description = "unifiedRoleAssignmentScheduleRequest"),
            responses((status = 201, description = "The request, Provisioned or Revoked"),
                      (status = 400, description = "A rule refused it"),
                      (status = 403, description = "Not allowed to the caller")))]
        create create_assignment_request (Assignment);
        /// Role eligibility schedule requests the caller may see (all of them for role administrators).
        #[utoipa::path(get, params(ListOptions),
            responses((status = 200, description = "A collection"), InvalidQuery))]
        list list_eligibility_requests (Eligibility, Requests);
        /// Role assignment schedule requests the caller may see (all of them for role administrators).
        #[utoipa::path(get, params(ListOptions),
            responses((status = 200, description = "A collection"), InvalidQuery))]
        list list_assignment_requests (Assignment, Requests);
        /// One role eligibility schedule request, or `filterByCurrentUser(on='principal'|'createdBy')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "A request id, or filterByCurrentUser(on='principal')")),
            responses((status = 200, description = "The request or a collection"), (status = 404, description = "No such request")))]
        get get_eligibility_request (Eligibility, Requests);
        /// One role assignment schedule request, or `filterByCurrentUser(on='principal'|'createdBy')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "A request id, or filterByCurrentUser(on='principal')")),
            responses((status = 200, description = "The request or a collection"), (status = 404, description = "No such request")))]
        get get_assignment_request (Assignment, Requests);
        /// Current and future eligible role assignments the caller may see, e.g. with
        /// `$filter=principalId eq '…'`. A filter on `status` also returns ended ones.
        #[utoipa::path(get, params(ListOptions),
            responses((status = 200, description = "A collection"), InvalidQuery))]
        list list_eligibility_schedules (Eligibility, Schedules);
        /// One eligible role assignment, or `filterByCurrentUser(on='principal')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "A schedule id, or filterByCurrentUser(on='principal')")),
            responses((status = 200, description = "The schedule or a collection"), (status = 404, description = "No such schedule")))]
        get get_eligibility_schedule (Eligibility, Schedules);
        /// Current and future active role assignments (assigned and activated) the caller may see.
        #[utoipa::path(get, params(ListOptions),
            responses((status = 200, description = "A collection"), InvalidQuery))]
        list list_assignment_schedules (Assignment, Schedules);
        /// One active role assignment, or `filterByCurrentUser(on='principal')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "A schedule id, or filterByCurrentUser(on='principal')")),
            responses((status = 200, description = "The schedule or a collection"), (status = 404, description = "No such schedule")))]
        get get_assignment_schedule (Assignment, Schedules);
        /// Eligible role assignments in force now.
        #[utoipa::path(get, params(ListOptions),
            responses((status = 200, description = "A collection"), InvalidQuery))]
        list list_eligibility_instances (Eligibility, Instances);
        /// One eligibility instance in force now, or `filterByCurrentUser(on='principal')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
            responses((status = 200, description = "The instance or a collection"), (status = 404, description = "No such instance")))]
        get get_eligibility_instance (Eligibility, Instances);
        /// Active role assignments (assigned and activated) in force now.
        #[utoipa::path(get, params(ListOptions),
            responses((status = 200, description = "A collection"), InvalidQuery))]
        list list_assignment_instances (Assignment, Instances);
        /// One assignment instance in force now, or `filterByCurrentUser(on='principal')`.
        #[utoipa::path(get, params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
            responses((status = 200, description = "The instance or a collection"), (status = 404, description = "No such instance")))]
        get get_assignment_instance (Assignment, Instances);
    }
}
