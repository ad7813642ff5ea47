//! What Users and Groups have in common on the wire: a resource with `schemas`, `id`,
//! `externalId` and `meta` (its version as a weak ETag), `attributes`/`excludedAttributes`
//! projection, list responses with a filter and 1-based paging, and the reading of booleans and
//! strings the way identity providers send them.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use stint_core::scim::ScimObject;
use uuid::Uuid;

use super::error::{ScimError, SCIM_JSON};
use super::filter::{self, get_ci};
use crate::wire::time;

pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The most resources one page holds, and what a list without `count` gets.
pub const MAX_RESULTS: usize = 1000;
pub const DEFAULT_COUNT: usize = 100;

/// A resource type as answered: its names and how its own attributes are written.
pub trait Resource {
    /// `User`, `Group`.
    const NAME: &'static str;
    /// `Users`, `Groups`.
    const ENDPOINT: &'static str;
    const SCHEMA: &'static str;
    type Record;

    fn object(record: &Self::Record) -> &ScimObject;

    /// The resource's own attributes (not `schemas`, `id`, `externalId` or `meta`).
    fn attributes(record: &Self::Record, base: &str) -> Map<String, Value>;
}

/// `base/scim/v2/{endpoint}/{id}`.
pub fn location(base: &str, endpoint: &str, id: Uuid) -> String {
    format!("{base}/scim/v2/{endpoint}/{id}")
}

/// `W/"n"`: the weak ETag of a version.
pub fn etag(object: &ScimObject) -> String {
    format!("W/\"{}\"", object.version)
}

/// The version an `If-Match` names; `None` for `*` or no header. A value that is not one of
/// ours names no version we have, so it fails the match.
pub fn if_match(header: Option<&str>) -> Option<u64> {
    let header = header?.trim();
    if header == "*" {
        return None;
    }
    let bare = header.trim_start_matches("W/").trim_matches('"');
    Some(bare.parse().unwrap_or(u64::MAX))
}

/// The whole resource.
pub fn render<R: Resource>(record: &R::Record, base: &str) -> Value {
    let object = R::object(record);
    let mut resource = Map::new();
    resource.insert("schemas".into(), json!([R::SCHEMA]));
    resource.insert("id".into(), object.id.to_string().into());
    if let Some(external_id) = &object.external_id {
        resource.insert("externalId".into(), external_id.clone().into());
    }
    resource.extend(R::attributes(record, base));
    resource.insert(
        "meta".into(),
        json!({
            "resourceType": R::NAME,
            "created": time(object.created_at),
            "lastModified": time(object.modified_at),
            "location": location(base, R::ENDPOINT, object.id),
            "version": etag(object),
        }),
    );
    Value::Object(resource)
}

/// `attributes` and `excludedAttributes`, comma-separated attribute paths.
#[derive(Clone, Debug, Default)]
pub struct Projection {
    attributes: Vec<filter::AttrPath>,
    excluded: Vec<filter::AttrPath>,
}

impl Projection {
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>) -> Result<Self, ScimError> {
        let paths = |text: Option<&str>| -> Result<Vec<filter::AttrPath>, ScimError> {
            text.into_iter()
                .flat_map(|text| text.split(','))
                .map(str::trim)
                .filter(|path| !path.is_empty())
                .map(|path| {
                    filter::attr_path(path).map_err(|_| {
                        ScimError::invalid_value(format!("'{path}' is not an attribute path."))
                    })
                })
                .collect()
        };
        Ok(Projection {
            attributes: paths(attributes)?,
            excluded: paths(excluded)?,
        })
    }

    /// `resource` with only what was asked for; `schemas` and `id` always stay.
    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(mut object) = resource else {
            return resource;
        };
        let always = |key: &str| key == "schemas" || key == "id";
        if !self.attributes.is_empty() {
            object.retain(|key, value| {
                if always(key) {
                    return true;
                }
                let asked: Vec<&filter::AttrPath> = (self.attributes.iter())
                    .filter(|path| path.attr.eq_ignore_ascii_case(key))
                    .collect();
                if asked.is_empty() {
                    return false;
                }
                if asked.iter().all(|path| path.sub.is_some()) {
                    let subs: Vec<&str> = asked.iter().filter_map(|p| p.sub.as_deref()).collect();
                    keep_subs(value, &subs);
                }
                true
            });
        }
        for path in &self.excluded {
            if always(&path.attr) {
                continue;
            }
            let key = object
                .keys()
                .find(|key| key.eq_ignore_ascii_case(&path.attr))
                .cloned();
            let Some(key) = key else { continue };
            match &path.sub {
                None => {
                    object.remove(&key);
                }
                Some(sub) => {
                    if let Some(value) = object.get_mut(&key) {
                        drop_sub(value, sub);
                    }
                }
            }
        }
        Value::Object(object)
    }
}

fn keep_subs(value: &mut Value, subs: &[&str]) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|item| keep_subs(item, subs)),
        Value::Object(object) => {
            object.retain(|key, _| subs.iter().any(|sub| sub.eq_ignore_ascii_case(key)))
        }
        _ => {}
    }
}

fn drop_sub(value: &mut Value, sub: &str) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|item| drop_sub(item, sub)),
        Value::Object(object) => object.retain(|key, _| !key.eq_ignore_ascii_case(sub)),
        _ => {}
    }
}

/// A list request: filter, 1-based `startIndex`, `count`, projection.
#[derive(Debug)]
pub struct ListQuery {
    pub filter: Option<filter::Filter>,
    pub start_index: usize,
    pub count: usize,
    pub projection: Projection,
}

impl ListQuery {
    pub fn parse(params: &std::collections::HashMap<String, String>) -> Result<Self, ScimError> {
        let param = |name: &str| {
            params
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        };
        let number = |name: &str, default: usize| -> Result<usize, ScimError> {
            match param(name) {
                None => Ok(default),
                Some(text) => text
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| {
                        ScimError::invalid_value(format!(
                            "{name} must be a whole number, not '{text}'."
                        ))
                    })
                    .map(|n| usize::try_from(n.max(0)).unwrap_or(0)),
            }
        };
        Ok(ListQuery {
            filter: param("filter").map(filter::parse).transpose()?,
            // RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1; a negative count as 0.
            start_index: number("startIndex", 1)?.max(1),
            count: number("count", DEFAULT_COUNT)?.min(MAX_RESULTS),
            projection: Projection::parse(param("attributes"), param("excludedAttributes"))?,
        })
    }

    /// The list response over every resource of a type: filtered, paged and projected.
    pub fn answer(&self, resources: Vec<Value>) -> Value {
        let matching: Vec<Value> = resources
            .into_iter()
            .filter(|resource| self.filter.as_ref().is_none_or(|f| f.matches(resource)))
            .collect();
        let total = matching.len();
        let page: Vec<Value> = matching
            .into_iter()
            .skip(self.start_index - 1)
            .take(self.count)
            .map(|resource| self.projection.apply(resource))
            .collect();
        json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "startIndex": self.start_index,
            "itemsPerPage": page.len(),
            "Resources": page,
        })
    }
}

/// A SCIM JSON answer.
pub fn answer(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    response
}

/// One resource, with its `ETag` and (when made) its `Location`.
pub fn resource_answer(status: StatusCode, resource: Value, projection: &Projection) -> Response {
    let version = resource["meta"]["version"].as_str().map(str::to_owned);
    let location = resource["meta"]["location"].as_str().map(str::to_owned);
    let mut response = answer(status, projection.apply(resource));
    let headers = response.headers_mut();
    if let Some(value) = version.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert(header::ETAG, value);
    }
    if status == StatusCode::CREATED {
        if let Some(value) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, value);
        }
    }
    response
}

/// A boolean as identity providers send it: `true`, or Entra's and Okta's `"True"`/`"False"`.
pub fn boolean(value: &Value, field: &str) -> Result<bool, ScimError> {
    match value {
        Value::Bool(flag) => Ok(*flag),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(ScimError::invalid_value(format!(
            "{field} must be true or false, not {other}."
        ))),
    }
}

/// An optional string attribute (`null` is absent).
pub fn string(resource: &Value, field: &str) -> Result<Option<String>, ScimError> {
    match get_ci(resource, field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(ScimError::invalid_value(format!(
            "{field} must be a string, not {other}."
        ))),
    }
}

/// A required string attribute.
pub fn required(resource: &Value, field: &str) -> Result<String, ScimError> {
    string(resource, field)?
        .filter(|text| !text.trim().is_empty())
        .ok_or_else(|| ScimError::invalid_value(format!("{field} is required.")))
}

/// The elements of a multi-valued attribute (a single value counts as one).
pub fn many<'a>(resource: &'a Value, field: &str) -> Vec<&'a Value> {
    match get_ci(resource, field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
    }
}
