//! Listing role requests, schedules and instances: `filterByCurrentUser`, visibility per caller
//! (their own, those of groups they are a member of, everything for role administrators), and the
//! Graph collection envelope.

use chrono::{DateTime, Utc};
use serde_json::Value;
use stint_core::authz::Caller;
use stint_core::authz::RoleViewer;
use stint_core::directory::{BuiltInRole, RoleAssignment};
use stint_core::ids::PrincipalId;
use stint_core::state::State;
use stint_odata::Allowed;

use crate::collection::{collection, ListQuery, ListSpec};
use crate::error::{ApiError, ApiResult};
use crate::shape::pim::Family;
use crate::shape::role;

/// What a list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    Requests,
    Schedules,
    Instances,
}

impl Listing {
    pub fn collection(self) -> &'static str {
        match self {
            Listing::Requests => "ScheduleRequests",
            Listing::Schedules => "Schedules",
            Listing::Instances => "ScheduleInstances",
        }
    }
}

/// Whose records: all the caller may see, or the caller's own (`filterByCurrentUser`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Principal,
    CreatedBy,
}

impl Scope {
    /// The path segment after the collection, so that `@odata.nextLink` returns to the same list.
    pub fn path_suffix(self) -> &'static str {
        match self {
            Scope::All => "",
            Scope::Principal => "/filterByCurrentUser(on='principal')",
            Scope::CreatedBy => "/filterByCurrentUser(on='createdBy')",
        }
    }
}

/// `roleEligibilityScheduleRequests`, `roleAssignmentSchedules`, ...
pub fn entity_set_name(family: Family, listing: Listing) -> String {
    let family = match family {
        Family::Eligibility => "Eligibility",
        Family::Assignment => "Assignment",
    };
    format!("role{family}{}", listing.collection())
}

/// The entity set after `$metadata#`.
pub fn entity_set(family: Family, listing: Listing) -> String {
    format!(
        "roleManagement/directory/{}",
        entity_set_name(family, listing)
    )
}

/// Reads `filterByCurrentUser(on='principal')` from a path segment. `None` when the segment is an id.
pub fn current_user_function(segment: &str, listing: Listing) -> Option<ApiResult<Scope>> {
    let arguments = segment
        .strip_prefix("filterByCurrentUser(")
        .and_then(|rest| rest.strip_suffix(')'))?;
    let value = arguments
        .split_once('=')
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("on"))
        .map(|(_, value)| value.trim().trim_matches('\''));
    let accepted: &[(&str, Scope)] = match listing {
        Listing::Requests => &[
            ("principal", Scope::Principal),
            ("createdBy", Scope::CreatedBy),
        ],
        Listing::Schedules | Listing::Instances => &[("principal", Scope::Principal)],
    };
    let found = value.and_then(|value| {
        accepted
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(value))
            .map(|(_, scope)| *scope)
    });
    Some(found.ok_or_else(|| {
        let names: Vec<&str> = accepted.iter().map(|(name, _)| *name).collect();
        ApiError::bad_request(format!(
            "filterByCurrentUser needs on='{}'.",
            names.join("' or on='")
        ))
    }))
}

const REQUEST_PROPERTIES: &[&str] = &[
    "id",
    "status",
    "createdDateTime",
    "completedDateTime",
    "approvalId",
    "customData",
    "createdBy",
    "action",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "isValidationOnly",
    "targetScheduleId",
    "justification",
    "scheduleInfo",
    "ticketInfo",
    "principal",
    "roleDefinition",
];
const SCHEDULE_PROPERTIES: &[&str] = &[
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "createdUsing",
    "createdDateTime",
    "modifiedDateTime",
    "status",
    "memberType",
    "assignmentType",
    "scheduleInfo",
    "principal",
    "roleDefinition",
];
const INSTANCE_PROPERTIES: &[&str] = &[
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "startDateTime",
    "endDateTime",
    "memberType",
    "assignmentType",
    "roleEligibilityScheduleId",
    "roleAssignmentOriginId",
    "roleAssignmentScheduleId",
    "principal",
    "roleDefinition",
];
const EXPANDABLE: &[&str] = &["principal", "roleDefinition"];

const fn spec(context: &'static str, properties: &'static [&'static str], top: bool) -> ListSpec {
    ListSpec {
        context,
        allowed: Allowed {
            filter: top,
            select: true,
            expand: EXPANDABLE,
            top,
        },
        properties,
    }
}

/// The list spec, or with `single` the spec of one entity (no `$filter`, no `$top`).
pub fn list_spec(family: Family, listing: Listing, single: bool) -> &'static ListSpec {
    static SPECS: [ListSpec; 12] = [
        spec(
            "roleManagement/directory/roleEligibilityScheduleRequests",
            REQUEST_PROPERTIES,
            true,
        ),
        spec(
            "roleManagement/directory/roleAssignmentScheduleRequests",
            REQUEST_PROPERTIES,
            true,
        ),
        spec(
            "roleManagement/directory/roleEligibilitySchedules",
            SCHEDULE_PROPERTIES,
            true,
        ),
        spec(
            "roleManagement/directory/roleAssignmentSchedules",
            SCHEDULE_PROPERTIES,
            true,
        ),
        spec(
            "roleManagement/directory/roleEligibilityScheduleInstances",
            INSTANCE_PROPERTIES,
            true,
        ),
        spec(
            "roleManagement/directory/roleAssignmentScheduleInstances",
            INSTANCE_PROPERTIES,
            true,
        ),
        spec(
            "roleManagement/directory/roleEligibilityScheduleRequests",
            REQUEST_PROPERTIES,
            false,
        ),
        spec(
            "roleManagement/directory/roleAssignmentScheduleRequests",
            REQUEST_PROPERTIES,
            false,
        ),
        spec(
            "roleManagement/directory/roleEligibilitySchedules",
            SCHEDULE_PROPERTIES,
            false,
        ),
        spec(
            "roleManagement/directory/roleAssignmentSchedules",
            SCHEDULE_PROPERTIES,
            false,
        ),
        spec(
            "roleManagement/directory/roleEligibilityScheduleInstances",
            INSTANCE_PROPERTIES,
            false,
        ),
        spec(
            "roleManagement/directory/roleAssignmentScheduleInstances",
            INSTANCE_PROPERTIES,
            false,
        ),
    ];
    let row = match listing {
        Listing::Requests => 0,
        Listing::Schedules => 2,
        Listing::Instances => 4,
    };
    let column = match family {
        Family::Eligibility => 0,
        Family::Assignment => 1,
    };
    &SPECS[row + column + if single { 6 } else { 0 }]
}

/// What a list call is about.
pub struct ListCall<'a> {
    pub family: Family,
    pub listing: Listing,
    pub scope: Scope,
    pub base: &'a str,
    pub path: &'a str,
    pub raw_query: Option<String>,
}

pub fn list(
    state: &State,
    caller: &Caller,
    now: DateTime<Utc>,
    call: ListCall<'_>,
) -> ApiResult<Value> {
    let spec = list_spec(call.family, call.listing, false);
    let query = ListQuery::parse(call.raw_query, spec)?;
    let viewer = RoleViewer::of(state, caller, now);
    let eligible = call.family == Family::Eligibility;
    let mut items: Vec<(DateTime<Utc>, String, Value)> = match call.listing {
        Listing::Requests => state
            .role_requests
            .values()
            .filter(|r| r.kind == call.family.kind())
            .filter(|r| match call.scope {
                Scope::All => viewer.may_view(r.principal_id) || r.created_by == caller.user,
                Scope::Principal => r.principal_id == caller.user.into(),
                Scope::CreatedBy => r.created_by == caller.user,
            })
            .map(|r| {
                let value = role::request(r);
                let value = expand(state, &query, (r.principal_id, r.role), value);
                (r.created_at, r.id.to_string(), value)
            })
            .collect(),
        Listing::Schedules | Listing::Instances => {
            let include_ended = call.listing == Listing::Schedules && mentions_status(&query);
            state
                .role_assignments
                .values()
                .filter(|a| a.eligible == eligible)
                .filter(|a| match call.scope {
                    Scope::All => viewer.may_view(a.principal_id),
                    _ => viewer.is_mine(a.principal_id),
                })
                .filter(|a| match call.listing {
                    Listing::Instances => a.is_in_force_at(now),
                    _ => include_ended || a.is_open_at(now),
                })
                .map(|a| {
                    (
                        a.created_at,
                        a.id.to_string(),
                        shaped(state, &query, a, call.listing, now),
                    )
                })
                .collect()
        }
    };
    items.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let values = items.into_iter().map(|(_, _, value)| value).collect();
    collection(call.base, call.path, spec, &query, values)
}

/// A role assignment as a schedule or an instance, with what `$expand` asks for.
pub fn shaped(
    state: &State,
    query: &ListQuery,
    assignment: &RoleAssignment,
    listing: Listing,
    now: DateTime<Utc>,
) -> Value {
    let value = match listing {
        Listing::Instances => role::instance(assignment),
        _ => role::schedule(assignment, now),
    };
    expand(
        state,
        query,
        (assignment.principal_id, assignment.role),
        value,
    )
}

/// `value` with the `principal` and `roleDefinition` that `$expand` asks for.
pub fn expand(
    state: &State,
    query: &ListQuery,
    about: (PrincipalId, BuiltInRole),
    value: Value,
) -> Value {
    role::expand(
        state,
        value,
        about,
        query.expands("principal"),
        query.expands("roleDefinition"),
    )
}

fn mentions_status(query: &ListQuery) -> bool {
    query.options.filter.as_ref().is_some_and(|filter| {
        filter
            .properties()
            .iter()
            .any(|p| p.eq_ignore_ascii_case("status"))
    })
}
