//! `/v1.0/roleManagement/directory/...` PIM for directory roles (SPEC D5, D6, V1, V2, V5, V6):
//! `roleEligibilityScheduleRequests` and `roleAssignmentScheduleRequests` (create, list, get,
//! `filterByCurrentUser`), `roleEligibilitySchedules` and `roleAssignmentSchedules`, and their
//! `...ScheduleInstances`, in Graph's `unifiedRole*` shape.

mod body;
mod lists;
mod requests;
mod schedules;

use crate::ApiRouter;

pub const BASE: &str = "/v1.0/roleManagement/directory";

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .merge(requests::routes())
        .merge(schedules::routes())
}
