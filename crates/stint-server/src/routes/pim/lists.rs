//! Listing requests, schedules and instances: the `$filter` Graph requires, `filterByCurrentUser`,
//! visibility per caller, and the Graph collection envelope.

use chrono::{DateTime, Utc};
use serde_json::Value;
use stint_app::pim::may_view_record;
use stint_core::authz::Caller;
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::request::ScheduleRequest;
use stint_core::rules::approval::may_decide;
use stint_core::schedule::Schedule;
use stint_core::schedule::{Access, ScheduleKind};
use stint_core::state::State;
use stint_odata::Allowed;

use crate::collection::{collection, ListQuery, ListSpec};
use crate::error::{ApiError, ApiResult};
use crate::shape::pim::{self, Family};
use crate::wire::parse_id;

/// What a list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    Requests,
    Schedules,
    Instances,
}

/// Whose records: those the `$filter` names, or the caller's own (`filterByCurrentUser`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Filtered,
    CurrentUser(On),
}

/// The `on` parameter of `filterByCurrentUser`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum On {
    Principal,
    CreatedBy,
    Approver,
}

impl Scope {
    /// The path segment after the collection, so that `@odata.nextLink` returns to the same list.
    pub fn path_suffix(self) -> &'static str {
        match self {
            Scope::Filtered => "",
            Scope::CurrentUser(On::Principal) => "/filterByCurrentUser(on='principal')",
            Scope::CurrentUser(On::CreatedBy) => "/filterByCurrentUser(on='createdBy')",
            Scope::CurrentUser(On::Approver) => "/filterByCurrentUser(on='approver')",
        }
    }
}

/// Reads `filterByCurrentUser(on='principal')` from a path segment. `None` when the segment is an id.
pub fn current_user_function(segment: &str, listing: Listing) -> Option<ApiResult<On>> {
    let arguments = segment
        .strip_prefix("filterByCurrentUser(")
        .and_then(|rest| rest.strip_suffix(')'))?;
    let value = arguments
        .split_once('=')
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("on"))
        .map(|(_, value)| value.trim().trim_matches('\''));
    let accepted: &[(&str, On)] = match listing {
        Listing::Requests => &[
            ("principal", On::Principal),
            ("createdBy", On::CreatedBy),
            ("approver", On::Approver),
        ],
        Listing::Schedules | Listing::Instances => &[("principal", On::Principal)],
    };
    let found = value.and_then(|value| {
        accepted
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(value))
            .map(|(_, on)| *on)
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
    "isValidationOnly",
    "justification",
    "scheduleInfo",
    "ticketInfo",
    "accessId",
    "principalId",
    "groupId",
    "targetScheduleId",
];
const SCHEDULE_PROPERTIES: &[&str] = &[
    "id",
    "scheduleInfo",
    "createdUsing",
    "createdDateTime",
    "modifiedDateTime",
    "status",
    "memberType",
    "assignmentType",
    "accessId",
    "principalId",
    "groupId",
];
const INSTANCE_PROPERTIES: &[&str] = &[
    "id",
    "startDateTime",
    "endDateTime",
    "accessId",
    "principalId",
    "groupId",
    "memberType",
    "assignmentType",
    "assignmentScheduleId",
    "eligibilityScheduleId",
];
const EXPANDABLE: &[&str] = &["principal", "group"];

const fn spec(context: &'static str, properties: &'static [&'static str]) -> ListSpec {
    ListSpec {
        context,
        allowed: Allowed {
            filter: true,
            select: true,
            expand: EXPANDABLE,
            top: true,
        },
        properties,
    }
}

pub fn list_spec(family: Family, listing: Listing) -> &'static ListSpec {
    static SPECS: [ListSpec; 6] = [
        spec(
            "identityGovernance/privilegedAccess/group/eligibilityScheduleRequests",
            REQUEST_PROPERTIES,
        ),
        spec(
            "identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
            REQUEST_PROPERTIES,
        ),
        spec(
            "identityGovernance/privilegedAccess/group/eligibilitySchedules",
            SCHEDULE_PROPERTIES,
        ),
        spec(
            "identityGovernance/privilegedAccess/group/assignmentSchedules",
            SCHEDULE_PROPERTIES,
        ),
        spec(
            "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances",
            INSTANCE_PROPERTIES,
        ),
        spec(
            "identityGovernance/privilegedAccess/group/assignmentScheduleInstances",
            INSTANCE_PROPERTIES,
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
    &SPECS[row + column]
}

/// What a list call needs to know about its call.
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
    let spec = list_spec(call.family, call.listing);
    let query = ListQuery::parse(call.raw_query, spec)?;
    let anchor = match call.scope {
        Scope::Filtered => Some(required_anchor(&query)?),
        Scope::CurrentUser(_) => None,
    };
    let user: PrincipalId = caller.user.into();
    let mut items: Vec<(DateTime<Utc>, String, Value)> = match call.listing {
        Listing::Requests => requests(state, caller, now, call.family, anchor, call.scope)
            .into_iter()
            .map(|r| (r.created_at, r.id.to_string(), pim::request(r)))
            .collect(),
        Listing::Schedules | Listing::Instances => {
            let include_ended = call.listing == Listing::Schedules && mentions_status(&query);
            let own = matches!(call.scope, Scope::CurrentUser(_));
            schedules(state, call.family, anchor, user, now)
                .filter(|s| {
                    own || may_view_record(state, caller, s.group_id(), s.principal_id, now)
                })
                .filter(|s| match call.listing {
                    Listing::Instances => s.is_in_force_at(now),
                    _ => include_ended || s.is_open_at(now),
                })
                .map(|s| {
                    let value = if call.listing == Listing::Instances {
                        pim::instance(s)
                    } else {
                        pim::schedule(s, now)
                    };
                    (s.created_at, s.id.to_string(), value)
                })
                .collect()
        }
    };
    items.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let (principal, group) = (query.expands("principal"), query.expands("group"));
    let values = items
        .into_iter()
        .map(|(_, _, value)| pim::expand(state, value, principal, group))
        .collect();
    collection(call.base, call.path, spec, &query, values)
}

/// The group or principal a plain list is about: Graph requires one of them in `$filter`.
#[derive(Clone, Copy, Debug)]
pub enum Anchor {
    Group(GroupId),
    Principal(PrincipalId),
}

fn required_anchor(query: &ListQuery) -> ApiResult<Anchor> {
    if let Some(group) = query.required_eq("groupId") {
        return Ok(Anchor::Group(parse_id("groupId", group)?));
    }
    if let Some(principal) = query.required_eq("principalId") {
        return Ok(Anchor::Principal(parse_id("principalId", principal)?));
    }
    Err(ApiError::bad_request(
        "This list needs a $filter on groupId or principalId, for example $filter=groupId eq '2b5ed229-4072-478d-9504-a047ebd4b07d'.",
    ))
}

fn mentions_status(query: &ListQuery) -> bool {
    query.options.filter.as_ref().is_some_and(|filter| {
        filter
            .properties()
            .iter()
            .any(|p| p.eq_ignore_ascii_case("status"))
    })
}

fn schedules<'a>(
    state: &'a State,
    family: Family,
    anchor: Option<Anchor>,
    user: PrincipalId,
    now: DateTime<Utc>,
) -> Box<dyn Iterator<Item = &'a Schedule> + 'a> {
    let all: Box<dyn Iterator<Item = &Schedule>> = match anchor {
        Some(Anchor::Group(group)) => Box::new(state.schedules_of_group(group)),
        Some(Anchor::Principal(principal)) => Box::new(state.schedules_of_principal(principal)),
        // The caller's own, and (V6) eligibilities held by groups they belong to now, which they
        // may activate for themselves; those show with memberType `group`.
        None => {
            let through_groups = state
                .transitive_member_of(user, now)
                .into_iter()
                .flat_map(move |group| state.schedules_of_principal(group.into()))
                .filter(|s| s.kind == ScheduleKind::Eligible && s.access() == Access::Member);
            Box::new(state.schedules_of_principal(user).chain(through_groups))
        }
    };
    Box::new(all.filter(move |s| s.kind == family.kind()))
}

fn requests<'a>(
    state: &'a State,
    caller: &Caller,
    now: DateTime<Utc>,
    family: Family,
    anchor: Option<Anchor>,
    scope: Scope,
) -> Vec<&'a ScheduleRequest> {
    let user = caller.user;
    let candidates: Box<dyn Iterator<Item = &ScheduleRequest>> = match (anchor, scope) {
        (Some(Anchor::Group(group)), _) => Box::new(state.requests_of_group(group)),
        (Some(Anchor::Principal(principal)), _) => Box::new(state.requests_of_principal(principal)),
        (None, Scope::CurrentUser(On::Principal)) => {
            Box::new(state.requests_of_principal(user.into()))
        }
        (None, Scope::CurrentUser(On::CreatedBy)) => Box::new(
            state
                .requests
                .values()
                .filter(move |r| r.created_by == user),
        ),
        (None, _) => Box::new(
            state
                .requests
                .values()
                .filter(move |r| r.status.is_pending() && may_decide(state, caller.user, r, now)),
        ),
    };
    candidates
        .filter(|r| r.kind == family.kind())
        .filter(|r| match scope {
            Scope::CurrentUser(On::Approver) => true,
            _ => may_view_record(state, caller, r.group_id, r.principal_id, now),
        })
        .collect()
}
