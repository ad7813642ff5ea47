//! The documented paths under `/v1.0/roleManagement/directory` (SPEC D5, D6, V1, V2, V5, V6):
//! `roleEligibilityScheduleRequests` and `roleAssignmentScheduleRequests` (create, list, get,
//! `filterByCurrentUser`), `roleEligibilitySchedules`, `roleAssignmentSchedules` and their
//! `...ScheduleInstances` (list, get, `filterByCurrentUser(on='principal')`).

use super::handlers::paths;
use crate::wire::ListOptions;

paths! {
    /// Creates a role eligibility schedule request: `adminAssign`, `adminUpdate`, `adminExtend` or
    /// `adminRemove` of an eligible directory role assignment (SPEC D5, A2, A3, A8).
    #[utoipa::path(post, path = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests", tag = "roles",
        request_body(content = Object, description = "unifiedRoleEligibilityScheduleRequest"),
        responses((status = 201, description = "The request, Provisioned or Revoked"),
                  (status = 400, description = "A rule refused it"),
                  (status = 403, description = "Not a Global or Privileged Role Administrator")))]
    create create_eligibility_request (Roles, Eligibility);
    /// Creates a role assignment schedule request: the administrators' actions on active role
    /// assignments, and `selfActivate` / `selfDeactivate` of an eligible one (SPEC V1, V2, V5, V6).
    #[utoipa::path(post, path = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests", tag = "roles",
        request_body(content = Object, description = "unifiedRoleAssignmentScheduleRequest"),
        responses((status = 201, description = "The request, Provisioned or Revoked"),
                  (status = 400, description = "A rule refused it"),
                  (status = 403, description = "Not allowed to the caller")))]
    create create_assignment_request (Roles, Assignment);
    /// Role eligibility schedule requests the caller may see (all of them for role administrators).
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests", tag = "roles",
        params(ListOptions),
        responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")))]
    list list_eligibility_requests (Roles, Eligibility, Requests);
    /// Role assignment schedule requests the caller may see (all of them for role administrators).
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests", tag = "roles",
        params(ListOptions),
        responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")))]
    list list_assignment_requests (Roles, Assignment, Requests);
    /// One role eligibility schedule request, or `filterByCurrentUser(on='principal'|'createdBy')`.
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests/{id}", tag = "roles",
        params(("id" = String, Path, description = "A request id, or filterByCurrentUser(on='principal')")),
        responses((status = 200, description = "The request or a collection"), (status = 404, description = "No such request")))]
    get get_eligibility_request (Roles, Eligibility, Requests);
    /// One role assignment schedule request, or `filterByCurrentUser(on='principal'|'createdBy')`.
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/{id}", tag = "roles",
        params(("id" = String, Path, description = "A request id, or filterByCurrentUser(on='principal')")),
        responses((status = 200, description = "The request or a collection"), (status = 404, description = "No such request")))]
    get get_assignment_request (Roles, Assignment, Requests);
    /// Current and future eligible role assignments the caller may see, e.g. with
    /// `$filter=principalId eq '…'`. A filter on `status` also returns ended ones.
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilitySchedules", tag = "roles",
        params(ListOptions),
        responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")))]
    list list_eligibility_schedules (Roles, Eligibility, Schedules);
    /// One eligible role assignment, or `filterByCurrentUser(on='principal')`.
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilitySchedules/{id}", tag = "roles",
        params(("id" = String, Path, description = "A schedule id, or filterByCurrentUser(on='principal')")),
        responses((status = 200, description = "The schedule or a collection"), (status = 404, description = "No such schedule")))]
    get get_eligibility_schedule (Roles, Eligibility, Schedules);
    /// Current and future active role assignments (assigned and activated) the caller may see.
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentSchedules", tag = "roles",
        params(ListOptions),
        responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")))]
    list list_assignment_schedules (Roles, Assignment, Schedules);
    /// One active role assignment, or `filterByCurrentUser(on='principal')`.
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentSchedules/{id}", tag = "roles",
        params(("id" = String, Path, description = "A schedule id, or filterByCurrentUser(on='principal')")),
        responses((status = 200, description = "The schedule or a collection"), (status = 404, description = "No such schedule")))]
    get get_assignment_schedule (Roles, Assignment, Schedules);
    /// Eligible role assignments in force now.
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances", tag = "roles",
        params(ListOptions),
        responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")))]
    list list_eligibility_instances (Roles, Eligibility, Instances);
    /// One eligibility instance in force now, or `filterByCurrentUser(on='principal')`.
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/{id}", tag = "roles",
        params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
        responses((status = 200, description = "The instance or a collection"), (status = 404, description = "No such instance")))]
    get get_eligibility_instance (Roles, Eligibility, Instances);
    /// Active role assignments (assigned and activated) in force now.
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances", tag = "roles",
        params(ListOptions),
        responses((status = 200, description = "A collection"), (status = 400, description = "An invalid query option")))]
    list list_assignment_instances (Roles, Assignment, Instances);
    /// One assignment instance in force now, or `filterByCurrentUser(on='principal')`.
    #[utoipa::path(get, path = "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/{id}", tag = "roles",
        params(("id" = String, Path, description = "An instance id, or filterByCurrentUser(on='principal')")),
        responses((status = 200, description = "The instance or a collection"), (status = 404, description = "No such instance")))]
    get get_assignment_instance (Roles, Assignment, Instances);
}
