//! What the policy endpoints share for reading: the `$filter` Graph requires, a group's policies
//! through the view, and the collection and entity envelopes with `$expand` in `@odata.context`.

use axum::Json;
use serde_json::{Map, Value};
use stint_app::View;
use stint_core::ids::GroupId;
use stint_core::policy::Policy;
use stint_odata::apply_select;

use crate::call::Call;
use crate::collection::ListQuery;
use crate::error::{ApiError, ApiResult};
use crate::wire::parse_id;

/// The group a policy list is about: Graph requires `scopeId eq '...' and scopeType eq 'Group'`.
pub fn required_scope(query: &ListQuery) -> ApiResult<GroupId> {
    let example =
        "$filter=scopeId eq '60bba733-f09d-49b7-8445-32369aa066b3' and scopeType eq 'Group'";
    match (query.required_eq("scopeId"), query.required_eq("scopeType")) {
        (Some(id), Some(kind)) if kind.eq_ignore_ascii_case("Group") => parse_id("scopeId", id),
        (Some(_), Some(kind)) => Err(ApiError::bad_request(format!(
            "Stint has policies for groups only: scopeType must be 'Group', not '{}'.",
            kind.chars().take(40).collect::<String>()
        ))),
        _ => Err(ApiError::bad_request(format!(
            "This list needs a $filter on scopeId and scopeType, for example {example}."
        ))),
    }
}

/// The policies of the group a list's `$filter` names, each shaped by `shape`; refused unless the
/// caller may read that group's policies (P2).
pub fn group_policies(
    call: &Call,
    query: &ListQuery,
    shape: impl Fn(&View<'_>, &Policy) -> Value,
) -> ApiResult<Vec<Value>> {
    let group = required_scope(query)?;
    let view = call.view();
    let policies = view.policies_of(group)?;
    Ok(policies.iter().map(|policy| shape(&view, policy)).collect())
}

/// How a policy endpoint frames its answer: the entity set `@odata.context` names, what
/// `$expand` inlined as the context notes it, and the property that holds it.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    pub set: &'a str,
    pub expanded: Option<&'static str>,
    pub navigation: Option<&'static str>,
}

impl Frame<'_> {
    /// A Graph collection of `items` that pass `$filter`, narrowed by `$select`.
    pub fn collection(&self, call: &Call, query: &ListQuery, items: Vec<Value>) -> Json<Value> {
        let context = context(call.base(), self.set, query, self.expanded);
        Json(collection(context, query, items, self.navigation))
    }

    /// One entity with its `@odata.context` first.
    pub fn entity(&self, call: &Call, query: &ListQuery, item: Value) -> Json<Value> {
        let context = context(call.base(), self.set, query, self.expanded);
        Json(entity(context, query, item, self.navigation))
    }
}

/// `@odata.context` for `entity_set`, with the selected properties and expanded relationships.
fn context(base: &str, entity_set: &str, query: &ListQuery, expanded: Option<&str>) -> String {
    let mut parts: Vec<String> = query.options.select.clone().unwrap_or_default();
    parts.extend(expanded.map(str::to_string));
    if parts.is_empty() {
        format!("{base}/v1.0/$metadata#{entity_set}")
    } else {
        format!("{base}/v1.0/$metadata#{entity_set}({})", parts.join(","))
    }
}

/// `$select` on one item, keeping what `$expand` inlined in its `navigation` property.
fn select(query: &ListQuery, item: Value, navigation: Option<&str>) -> Value {
    let Some(fields) = &query.options.select else {
        return item;
    };
    let mut selected = apply_select(&item, fields);
    let inlined = navigation.and_then(|name| Some((name, item.get(name)?)));
    if let (Value::Object(selected), Some((name, inlined))) = (&mut selected, inlined) {
        selected.insert(name.to_string(), inlined.clone());
    }
    selected
}

/// A Graph collection of `items` that pass `$filter`, narrowed by `$select`.
fn collection(
    context: String,
    query: &ListQuery,
    items: Vec<Value>,
    navigation: Option<&str>,
) -> Value {
    let value: Vec<Value> = items
        .into_iter()
        .filter(|item| {
            query
                .options
                .filter
                .as_ref()
                .is_none_or(|filter| filter.matches(item))
        })
        .map(|item| select(query, item, navigation))
        .collect();
    let mut body = Map::new();
    body.insert("@odata.context".into(), context.into());
    body.insert("value".into(), Value::Array(value));
    Value::Object(body)
}

/// One entity with its `@odata.context` first.
fn entity(context: String, query: &ListQuery, item: Value, navigation: Option<&str>) -> Value {
    let mut body = Map::new();
    body.insert("@odata.context".into(), format!("{context}/$entity").into());
    if let Value::Object(mut fields) = select(query, item, navigation) {
        body.append(&mut fields);
    }
    Value::Object(body)
}
