//! Graph-shaped collections: `@odata.context`, `value`, `$filter`, `$select`, `$top` and
//! `@odata.nextLink` paging, applied to the JSON form of the entities.

use axum::http::HeaderMap;
use serde_json::{json, Map, Value};
use stint_odata::{
    apply_select, page, page_size, parse_query, skip_offset, validate_select, Allowed, QueryOptions,
};

use crate::error::{ApiError, ApiResult};

/// Graph's largest page when the caller gives no `$top`.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// What a list endpoint is and accepts.
#[derive(Debug, Clone, Copy)]
pub struct ListSpec {
    /// The entity set after `$metadata#`, e.g. `identityGovernance/privilegedAccess/group/eligibilitySchedules`.
    pub context: &'static str,
    pub allowed: Allowed,
    /// Properties that `$filter` and `$select` may name.
    pub properties: &'static [&'static str],
}

impl ListSpec {
    /// A list of `context` whose `properties` may be filtered on and selected, paged by `$top`.
    pub const fn graph(context: &'static str, properties: &'static [&'static str]) -> ListSpec {
        ListSpec {
            context,
            allowed: Allowed {
                filter: true,
                select: true,
                expand: &[],
                top: true,
            },
            properties,
        }
    }

    /// One entity of the same set: `$select` and `$expand` as the list has them, no `$filter`
    /// and no `$top`.
    pub const fn entity(self) -> ListSpec {
        ListSpec {
            allowed: Allowed {
                filter: false,
                top: false,
                ..self.allowed
            },
            ..self
        }
    }
}

/// A parsed list request.
#[derive(Debug)]
pub struct ListQuery {
    pub options: QueryOptions,
    pub raw: String,
}

impl ListQuery {
    pub fn parse(raw: Option<String>, spec: &ListSpec) -> ApiResult<ListQuery> {
        let raw = raw.unwrap_or_default();
        let options = parse_query(&raw, &spec.allowed)?;
        if let Some(filter) = &options.filter {
            if let Some(unknown) = filter.properties().into_iter().find(|name| {
                !spec
                    .properties
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(name))
            }) {
                return Err(ApiError::bad_request(format!(
                    "Invalid $filter: '{unknown}' is not a property that can be filtered on here."
                )));
            }
        }
        if let Some(select) = &options.select {
            validate_select(select, spec.properties)?;
        }
        Ok(ListQuery { options, raw })
    }

    /// The value of `property eq '...'` in the filter's top-level conjunction.
    pub fn required_eq(&self, property: &str) -> Option<&str> {
        self.options.filter.as_ref()?.required_eq(property)
    }

    pub fn expands(&self, name: &str) -> bool {
        self.options
            .expand
            .iter()
            .any(|e| e.name.eq_ignore_ascii_case(name))
    }
}

/// Filters, selects and pages `items`, and wraps them in Graph's collection envelope.
pub fn collection(
    base: &str,
    path: &str,
    spec: &ListSpec,
    query: &ListQuery,
    items: Vec<Value>,
) -> ApiResult<Value> {
    let filtered: Vec<Value> = match &query.options.filter {
        Some(filter) => items
            .into_iter()
            .filter(|item| filter.matches(item))
            .collect(),
        None => items,
    };
    let page = page(
        &filtered,
        query.options.top,
        query.options.skip_token.as_deref(),
        DEFAULT_PAGE_SIZE,
    )?;
    let items = page.items.to_vec();
    Ok(envelope(base, path, spec, query, items, page.next_skip))
}

/// [`collection`] of `items` already in list order, shaped by `shape` only as far as the page
/// needs (issue 19 item 12): without `$filter`, the items before the page are skipped unshaped,
/// so a page costs the page, not the list.
pub fn collection_in_order<T>(
    base: &str,
    path: &str,
    spec: &ListSpec,
    query: &ListQuery,
    items: impl Iterator<Item = T>,
    shape: impl Fn(T) -> Value,
) -> ApiResult<Value> {
    let offset = skip_offset(query.options.skip_token.as_deref())?;
    let size = page_size(query.options.top, DEFAULT_PAGE_SIZE);
    let mut value: Vec<Value> = match &query.options.filter {
        Some(filter) => items
            .map(shape)
            .filter(|item| filter.matches(item))
            .skip(offset)
            .take(size + 1)
            .collect(),
        None => items.skip(offset).take(size + 1).map(shape).collect(),
    };
    let more = value.len() > size;
    value.truncate(size);
    let next = more.then_some(offset + size);
    Ok(envelope(base, path, spec, query, value, next))
}

/// One page in Graph's collection envelope, narrowed by `$select`, with the next page's link.
fn envelope(
    base: &str,
    path: &str,
    spec: &ListSpec,
    query: &ListQuery,
    items: Vec<Value>,
    next_skip: Option<usize>,
) -> Value {
    let value: Vec<Value> = items
        .into_iter()
        .map(|item| match &query.options.select {
            Some(fields) => apply_select(&item, fields),
            None => item,
        })
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        context_url(base, spec.context, query.options.select.as_deref()).into(),
    );
    if let Some(next) = next_skip {
        body.insert(
            "@odata.nextLink".into(),
            next_link(base, path, &query.raw, next).into(),
        );
    }
    body.insert("value".into(), Value::Array(value));
    Value::Object(body)
}

/// `@odata.context` for a collection, or for an entity with `/$entity` appended by the caller.
pub fn context_url(base: &str, entity_set: &str, select: Option<&[String]>) -> String {
    match select {
        Some(fields) => format!("{base}/v1.0/$metadata#{entity_set}({})", fields.join(",")),
        None => format!("{base}/v1.0/$metadata#{entity_set}"),
    }
}

/// A single entity with its `@odata.context` first.
pub fn entity(base: &str, entity_set: &str, mut value: Value) -> Value {
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        format!("{base}/v1.0/$metadata#{entity_set}/$entity").into(),
    );
    if let Value::Object(fields) = &mut value {
        body.append(fields);
    }
    Value::Object(body)
}

fn next_link(base: &str, path: &str, raw_query: &str, skip: usize) -> String {
    let kept: Vec<&str> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let key = pair
                .split('=')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            key != "$skiptoken" && key != "%24skiptoken"
        })
        .collect();
    let mut query = kept.join("&");
    if !query.is_empty() {
        query.push('&');
    }
    format!("{base}{path}?{query}$skiptoken={skip}")
}

/// The scheme and host clients used to reach us, for absolute links.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// A plain `{"value": [...]}` for extension endpoints.
pub fn values(items: Vec<Value>) -> Value {
    json!({ "value": items })
}
