//! Reading schedule requests, schedules and instances through the caller's [`View`]: lists with
//! `filterByCurrentUser`, single entities, `$expand`, and the Graph collection envelope.

use chrono::{DateTime, Utc};
use serde_json::Value;
use stint_app::view::Whose;
use stint_app::View;
use stint_core::ids::RequestId;
use stint_odata::Allowed;

use super::record::{Properties, Target};
use super::{
    Assignable, Family, Listing, On, Record, RequestOf, ScheduleIdOf, Scope, TargetOf, Timed,
};
use crate::collection::{collection, ListQuery, ListSpec};
use crate::error::{ApiError, ApiResult};
use crate::shape::pim::expanded;
use crate::wire::selected_entity;

/// The entity set of a collection, e.g. `roleManagement/directory/roleEligibilitySchedules`.
pub fn entity_set<T: Assignable>(family: Family, listing: Listing) -> &'static str {
    let column = match family {
        Family::Eligibility => 0,
        Family::Assignment => 1,
    };
    T::ENTITY_SETS[listing.index()][column]
}

/// The path of the collection of an entity set, `/v1.0/` and the set, and what follows it.
pub fn path<T: Assignable>(family: Family, listing: Listing, rest: &str) -> String {
    format!("/v1.0/{}{rest}", entity_set::<T>(family, listing))
}

impl Listing {
    /// The row of [`super::Named::ENTITY_SETS`].
    fn index(self) -> usize {
        match self {
            Listing::Requests => 0,
            Listing::Schedules => 1,
            Listing::Instances => 2,
        }
    }
}

fn list_spec<T: Assignable>(family: Family, listing: Listing) -> ListSpec {
    let spec = ListSpec::graph(entity_set::<T>(family, listing), properties::<T>(listing));
    ListSpec {
        allowed: Allowed {
            expand: T::EXPANDABLE,
            ..spec.allowed
        },
        ..spec
    }
}

/// Properties `$filter` and `$select` may name.
fn properties<T: Assignable>(listing: Listing) -> Properties {
    match listing {
        Listing::Requests => RequestOf::<T>::PROPERTIES,
        Listing::Schedules => T::Schedule::PROPERTIES,
        Listing::Instances => T::Schedule::INSTANCE_PROPERTIES,
    }
}

/// Reads `filterByCurrentUser(on='principal')` from a path segment. `None` when the segment is an id.
pub fn current_user_function<T: Assignable>(
    segment: &str,
    listing: Listing,
) -> Option<ApiResult<On>> {
    const ACCEPTED: [(&str, On); 3] = [
        ("principal", On::Principal),
        ("createdBy", On::CreatedBy),
        ("approver", On::Approver),
    ];
    let arguments = segment
        .strip_prefix("filterByCurrentUser(")
        .and_then(|rest| rest.strip_suffix(')'))?;
    let value = arguments
        .split_once('=')
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("on"))
        .map(|(_, value)| value.trim().trim_matches('\''));
    let accepted = match listing {
        Listing::Requests if T::APPROVERS_LIST => &ACCEPTED[..],
        Listing::Requests => &ACCEPTED[..2],
        Listing::Schedules | Listing::Instances => &ACCEPTED[..1],
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

impl Scope {
    /// The path segment after the collection, so that `@odata.nextLink` returns to the same list.
    fn path_suffix(self) -> &'static str {
        match self {
            Scope::Listed => "",
            Scope::CurrentUser(On::Principal) => "/filterByCurrentUser(on='principal')",
            Scope::CurrentUser(On::CreatedBy) => "/filterByCurrentUser(on='createdBy')",
            Scope::CurrentUser(On::Approver) => "/filterByCurrentUser(on='approver')",
        }
    }
}

/// What a list call asks for.
pub struct ListCall<'a> {
    pub family: Family,
    pub listing: Listing,
    pub scope: Scope,
    pub base: &'a str,
    pub raw_query: Option<String>,
}

pub fn list<T: Assignable>(view: &View<'_>, call: ListCall<'_>) -> ApiResult<Value> {
    let spec = list_spec::<T>(call.family, call.listing);
    let query = ListQuery::parse(call.raw_query, &spec)?;
    let whose = match call.scope {
        Scope::Listed => (T::LISTED)(&query)?,
        Scope::CurrentUser(On::Principal) => Whose::Mine,
        Scope::CurrentUser(On::CreatedBy) => Whose::CreatedByMe,
        Scope::CurrentUser(On::Approver) => Whose::AwaitingMe,
    };
    let kind = call.family.kind();
    let now = view.now();
    let mut rows: Vec<(DateTime<Utc>, String, Value)> = match call.listing {
        Listing::Requests => (RequestOf::<T>::LISTED)(view, whose, kind)
            .into_iter()
            .map(|request| row::<T>(view, &query, request, (RequestOf::<T>::SHAPE)(request, now)))
            .collect(),
        Listing::Schedules | Listing::Instances => {
            let include_ended = call.listing == Listing::Schedules && mentions_status(&query);
            (T::Schedule::LISTED)(view, whose, kind)
                .into_iter()
                .filter(|schedule| match call.listing {
                    Listing::Instances => schedule.is_in_force_at(now),
                    _ => include_ended || schedule.is_open_at(now),
                })
                .map(|schedule| {
                    let value = shaped::<T>(schedule, call.listing, now);
                    row::<T>(view, &query, schedule, value)
                })
                .collect()
        }
    };
    rows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let values = rows.into_iter().map(|(_, _, value)| value).collect();
    let path = path::<T>(call.family, call.listing, call.scope.path_suffix());
    collection(call.base, &path, &spec, &query, values)
}

/// What a single entity call asks for.
pub struct GetCall<'a> {
    pub family: Family,
    pub listing: Listing,
    pub base: &'a str,
    pub raw_query: Option<String>,
}

pub fn request<T: Assignable>(
    view: &View<'_>,
    id: RequestId,
    call: GetCall<'_>,
) -> ApiResult<Value> {
    let spec = list_spec::<T>(call.family, call.listing).entity();
    let query = single_query::<T>(call.raw_query, &spec)?;
    let value = (RequestOf::<T>::FOUND)(view, id)
        .filter(|request| request.kind() == call.family.kind())
        .map(|request| {
            expand::<T>(
                view,
                &query,
                request,
                (RequestOf::<T>::SHAPE)(request, view.now()),
            )
        })
        .ok_or_else(|| ApiError::not_found(format!("Request '{id}'")))?;
    Ok(selected_entity(call.base, &spec, &query, value))
}

pub fn schedule<T: Assignable>(
    view: &View<'_>,
    id: ScheduleIdOf<T>,
    call: GetCall<'_>,
) -> ApiResult<Value> {
    let spec = list_spec::<T>(call.family, call.listing).entity();
    let query = single_query::<T>(call.raw_query, &spec)?;
    let now = view.now();
    let value = (T::Schedule::FOUND)(view, id)
        .filter(|schedule| schedule.kind() == call.family.kind())
        .filter(|schedule| call.listing != Listing::Instances || schedule.is_in_force_at(now))
        .map(|schedule| {
            let value = shaped::<T>(schedule, call.listing, now);
            expand::<T>(view, &query, schedule, value)
        });
    let value = value.ok_or_else(|| ApiError::not_found(format!("Schedule '{id}'")))?;
    Ok(selected_entity(call.base, &spec, &query, value))
}

fn single_query<T: Assignable>(raw: Option<String>, spec: &ListSpec) -> ApiResult<ListQuery> {
    ListQuery::parse(raw.filter(|_| T::SINGLE_READS_QUERY), spec)
}

fn shaped<T: Assignable>(schedule: &T::Schedule, listing: Listing, now: DateTime<Utc>) -> Value {
    match listing {
        Listing::Instances => (T::Schedule::SHAPE_INSTANCE)(schedule),
        _ => (T::Schedule::SHAPE)(schedule, now),
    }
}

/// A record as lists sort it, shaped and expanded.
fn row<T: Assignable>(
    view: &View<'_>,
    query: &ListQuery,
    record: &impl Record<Target = TargetOf<T>>,
    value: Value,
) -> (DateTime<Utc>, String, Value) {
    let value = expand::<T>(view, query, record, value);
    (record.created_at(), record.id().to_string(), value)
}

/// `value` with the `principal` and target that `$expand` asks for.
fn expand<T: Assignable>(
    view: &View<'_>,
    query: &ListQuery,
    record: &impl Record<Target = TargetOf<T>>,
    value: Value,
) -> Value {
    let [principal, target] = *T::EXPANDABLE;
    expanded(
        value,
        query
            .expands(principal)
            .then(|| crate::shape::directory::principal(view, record.principal())),
        query
            .expands(target)
            .then(|| (target, record.target().expanded(view))),
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
