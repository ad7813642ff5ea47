//! `/v1.0/identityGovernance/privilegedAccess/group/...`: schedule requests, schedules and instances
//! of both families (eligibility and assignment), in Graph's shape.

mod approvals;
pub(super) mod body;
mod lists;
mod requests;
mod schedules;

use crate::ApiRouter;

pub const BASE: &str = "/v1.0/identityGovernance/privilegedAccess/group";

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .merge(approvals::routes())
        .merge(requests::routes())
        .merge(schedules::routes())
}
