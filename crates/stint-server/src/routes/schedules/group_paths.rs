//! The documented paths under `/v1.0/identityGovernance/privilegedAccess/group`:
//! `eligibilityScheduleRequests` and `assignmentScheduleRequests` (create, list, get,
//! `filterByCurrentUser`, cancel), `eligibilitySchedules`, `assignmentSchedules` and their
//! `...ScheduleInstances` (list with the `$filter` Graph requires, get, `filterByCurrentUser`).

use super::handlers::paths;

paths! {
    /// Creates an eligibility schedule request (`adminAssign`, `adminUpdate`, `adminRemove`, `adminExtend`, `adminRenew`).
    #[utoipa::path(post, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests", tag = "pim",
        request_body(content = Object, description = "privilegedAccessGroupEligibilityScheduleRequest"),
        responses((status = 201, description = "The request, Provisioned or Revoked"), (status = 400, description = "A rule refused it")))]
    create create_eligibility_request (Groups, Eligibility);
    /// Creates an assignment schedule request (admin actions).
    #[utoipa::path(post, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests", tag = "pim",
        request_body(content = Object, description = "privilegedAccessGroupAssignmentScheduleRequest"),
        responses((status = 201, description = "The request"), (status = 400, description = "A rule refused it")))]
    create create_assignment_request (Groups, Assignment);
    /// Lists eligibility schedule requests; `$filter` on `groupId` or `principalId` is required.
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests", tag = "pim",
        responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
    list list_eligibility_requests (Groups, Eligibility, Requests);
    /// Lists assignment schedule requests; `$filter` on `groupId` or `principalId` is required.
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests", tag = "pim",
        responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
    list list_assignment_requests (Groups, Assignment, Requests);
    /// Gets one eligibility schedule request, or `filterByCurrentUser(on='principal'|'createdBy'|'approver')`.
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/{id}", tag = "pim",
        params(("id" = String, Path, description = "A request id, or filterByCurrentUser(on='principal')")),
        responses((status = 200, description = "The request or a collection"), (status = 404, description = "No such request")))]
    get get_eligibility_request (Groups, Eligibility, Requests);
    /// Gets one assignment schedule request, or `filterByCurrentUser(on='principal'|'createdBy'|'approver')`.
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/{id}", tag = "pim",
        params(("id" = String, Path, description = "A request id, or filterByCurrentUser(on='approver')")),
        responses((status = 200, description = "The request or a collection"), (status = 404, description = "No such request")))]
    get get_assignment_request (Groups, Assignment, Requests);
    /// Cancels a pending eligibility schedule request.
    #[utoipa::path(post, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests/{id}/cancel", tag = "pim",
        params(("id" = String, Path, description = "The request id")),
        responses((status = 204, description = "Canceled"), (status = 400, description = "Not pending")))]
    cancel cancel_eligibility_request (Eligibility);
    /// Cancels a pending assignment schedule request.
    #[utoipa::path(post, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/{id}/cancel", tag = "pim",
        params(("id" = String, Path, description = "The request id")),
        responses((status = 204, description = "Canceled"), (status = 400, description = "Not pending")))]
    cancel cancel_assignment_request (Assignment);
    /// Current and future eligibilities; `$filter` on `groupId` or `principalId` is required. A filter on
    /// `status` also returns ended ones (`Expired`, `Revoked`).
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilitySchedules", tag = "pim",
        responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
    list list_eligibility_schedules (Groups, Eligibility, Schedules);
    /// One eligibility schedule, or `filterByCurrentUser(on='principal')`.
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilitySchedules/{id}", tag = "pim",
        params(("id" = String, Path, description = "{groupId}_{accessId}_{requestId}, or filterByCurrentUser(on='principal')")),
        responses((status = 200, description = "The schedule"), (status = 404, description = "No such schedule")))]
    get get_eligibility_schedule (Groups, Eligibility, Schedules);
    /// Current and future active assignments; `$filter` on `groupId` or `principalId` is required.
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentSchedules", tag = "pim",
        responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
    list list_assignment_schedules (Groups, Assignment, Schedules);
    /// One assignment schedule, or `filterByCurrentUser(on='principal')`.
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentSchedules/{id}", tag = "pim",
        params(("id" = String, Path, description = "{groupId}_{accessId}_{requestId}, or filterByCurrentUser(on='principal')")),
        responses((status = 200, description = "The schedule"), (status = 404, description = "No such schedule")))]
    get get_assignment_schedule (Groups, Assignment, Schedules);
    /// Eligibilities in force now; `$filter` on `groupId` or `principalId` is required.
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances", tag = "pim",
        responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
    list list_eligibility_instances (Groups, Eligibility, Instances);
    /// One eligibility instance, or `filterByCurrentUser(on='principal')`.
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances/{id}", tag = "pim",
        params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
        responses((status = 200, description = "The instance"), (status = 404, description = "No such instance")))]
    get get_eligibility_instance (Groups, Eligibility, Instances);
    /// Memberships and ownerships in force now; `$filter` on `groupId` or `principalId` is required.
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances", tag = "pim",
        responses((status = 200, description = "A collection"), (status = 400, description = "No $filter on groupId or principalId")))]
    list list_assignment_instances (Groups, Assignment, Instances);
    /// One assignment instance, or `filterByCurrentUser(on='principal')`.
    #[utoipa::path(get, path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances/{id}", tag = "pim",
        params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
        responses((status = 200, description = "The instance"), (status = 404, description = "No such instance")))]
    get get_assignment_instance (Groups, Assignment, Instances);
}
