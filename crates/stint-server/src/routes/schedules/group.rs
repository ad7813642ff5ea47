//! Group membership and ownership as [`Assignable`]: `privilegedAccessGroup*` entities under
//! `identityGovernance/privilegedAccess/group`. Plain lists need a `$filter` on `groupId` or
//! `principalId`, as Graph requires.

use stint_app::view::Whose;
use stint_core::schedule::Schedule;

use super::body::GroupRequestBody;
use super::Assignable;
use crate::collection::ListQuery;
use crate::error::{ApiError, ApiResult};
use crate::wire::parse_id;

/// Schedules of a group's membership or ownership.
pub enum Groups {}

impl Assignable for Groups {
    type Body = GroupRequestBody;
    type Schedule = Schedule;

    const LISTED: fn(&ListQuery) -> ApiResult<Whose> = required_anchor;
    const APPROVERS_LIST: bool = true;
    const SINGLE_READS_QUERY: bool = false;
}

/// The group or principal a plain list is about: Graph requires one of them in `$filter`.
fn required_anchor(query: &ListQuery) -> ApiResult<Whose> {
    if let Some(group) = query.required_eq("groupId") {
        return Ok(Whose::Group(parse_id("groupId", group)?));
    }
    if let Some(principal) = query.required_eq("principalId") {
        return Ok(Whose::Principal(parse_id("principalId", principal)?));
    }
    Err(ApiError::bad_request(
        "This list needs a $filter on groupId or principalId, for example $filter=groupId eq '2b5ed229-4072-478d-9504-a047ebd4b07d'.",
    ))
}
