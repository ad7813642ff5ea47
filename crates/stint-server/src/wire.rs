//! Small helpers for the JSON we write and read: timestamps as Graph writes them, enum values read
//! case-insensitively, ids parsed with errors that name the field.

use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use stint_odata::apply_select;

use crate::collection::{self, ListQuery, ListSpec};
use crate::error::ApiError;

/// A Graph request body: unknown properties are refused, `@odata.type` is accepted and ignored,
/// properties are camelCase.
macro_rules! graph_body {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        #[derive(serde::Deserialize, utoipa::ToSchema)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        $vis struct $name {
            #[serde(rename = "@odata.type", default)]
            #[schema(value_type = Option<String>)]
            _odata_type: Option<serde_json::Value>,
            $($fields)*
        }
    };
}
pub(crate) use graph_body;

/// A Graph PATCH body ([`graph_body!`]): each property, declared by its type, may be left out
/// (`None`) or sent as `null` (`Some(None)`); see [`nullable`].
macro_rules! graph_patch_body {
    ($(#[$meta:meta])* $vis:vis struct $name:ident {
        $($(#[doc = $doc:tt])* $field:ident: $type:ty,)*
    }) => {
        $crate::wire::graph_body! {
            $(#[$meta])*
            $vis struct $name {
                $(
                    $(#[doc = $doc])*
                    #[serde(default, deserialize_with = "crate::wire::nullable")]
                    #[schema(value_type = Option<$type>)]
                    $field: Option<Option<$type>>,
                )*
            }
        }
    };
}
pub(crate) use graph_patch_body;

/// Graph's limits on names and descriptions of directory objects.
pub const MAX_NAME: usize = 256;
pub const MAX_DESCRIPTION: usize = 1024;
/// Accepted for compatibility with Graph scripts and checked as Graph does; Stint keeps no mailbox.
pub const MAX_MAIL_NICKNAME: usize = 64;

pub fn time(at: DateTime<Utc>) -> Value {
    Value::String(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

pub fn optional_time(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, time)
}

/// Parses an id from a path or body, naming the field when it is not a GUID.
pub fn parse_id<T: FromStr>(field: &str, text: &str) -> Result<T, ApiError> {
    text.trim().parse().map_err(|_| {
        ApiError::bad_request(format!(
            "Invalid value for '{field}': '{}' is not a valid id (a GUID such as 3cce9d87-3986-4f19-8335-7ed075408ca2).",
            text.chars().take(60).collect::<String>()
        ))
    })
}

/// Parses an enum value case-insensitively, listing the accepted values when it is unknown.
/// The largest revision or audit sequence there can be: both stores keep them as SQL `BIGINT`.
pub const MAX_POSITION: u64 = i64::MAX.unsigned_abs();

/// A revision or audit sequence from a request (issue 14 F5): one past [`MAX_POSITION`] is bad
/// input, never a store error.
pub fn position(field: &str, value: u64) -> Result<u64, ApiError> {
    if value > MAX_POSITION {
        return Err(ApiError::invalid_field(
            field,
            format!("must be from 0 to {MAX_POSITION}."),
        ));
    }
    Ok(value)
}

pub fn parse_enum<T: FromStr>(field: &str, text: &str, accepted: &[&str]) -> Result<T, ApiError> {
    text.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "Invalid value for '{field}': '{}' is not one of {}.",
            text.chars().take(60).collect::<String>(),
            accepted.join(", ")
        ))
    })
}

/// For PATCH bodies: an absent property is `None`, an explicit `null` is `Some(None)`.
/// [`graph_patch_body!`] reads every property with it.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// A required name-like property: not blank, and at most `max` characters.
pub fn required_text(field: &str, text: String, max: usize) -> Result<String, ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(format!(
            "Invalid value for '{field}': it must not be empty."
        )));
    }
    at_most(field, text, max)
}

/// An optional text property of at most `max` characters; an empty or blank text means "none".
pub fn optional_text(
    field: &str,
    text: Option<String>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match text {
        Some(text) if !text.trim().is_empty() => at_most(field, text, max).map(Some),
        _ => Ok(None),
    }
}

fn at_most(field: &str, text: String, max: usize) -> Result<String, ApiError> {
    if text.chars().count() > max {
        return Err(ApiError::bad_request(format!(
            "Invalid value for '{field}': it must be at most {max} characters long."
        )));
    }
    Ok(text)
}

/// The object id in an `@odata.id` reference, as Graph's `$ref` calls send it:
/// `https://graph.microsoft.com/v1.0/directoryObjects/{id}`, or any URL or path ending in
/// `/directoryObjects/{id}`, `/users/{id}` or `/groups/{id}`.
pub fn directory_object_reference(field: &str, reference: &str) -> Result<uuid::Uuid, ApiError> {
    let refused = || {
        ApiError::bad_request(format!(
            "Invalid value for '{field}': '{}' is not a reference to a directory object; send https://graph.microsoft.com/v1.0/directoryObjects/{{id}}.",
            reference.chars().take(120).collect::<String>()
        ))
    };
    let path = reference.trim().trim_end_matches('/');
    let mut segments = path.rsplit('/');
    let (Some(id), Some(collection), Some(_)) = (segments.next(), segments.next(), segments.next())
    else {
        return Err(refused());
    };
    let known = ["directoryObjects", "users", "groups"];
    if !known
        .iter()
        .any(|name| name.eq_ignore_ascii_case(collection))
    {
        return Err(refused());
    }
    id.parse().map_err(|_| refused())
}

/// One entity with its `@odata.context`, narrowed to the properties in `$select` if any.
pub fn selected_entity(base: &str, spec: &ListSpec, query: &ListQuery, value: Value) -> Value {
    let Some(fields) = &query.options.select else {
        return collection::entity(base, spec.context, value);
    };
    let mut body = serde_json::Map::new();
    body.insert(
        "@odata.context".into(),
        format!(
            "{}/$entity",
            collection::context_url(base, spec.context, Some(fields))
        )
        .into(),
    );
    if let Value::Object(mut selected) = apply_select(&value, fields) {
        body.append(&mut selected);
    }
    Value::Object(body)
}

/// A PATCH property that may be absent but not `null`.
pub fn not_null<T>(field: &str, value: Option<Option<T>>) -> Result<Option<T>, ApiError> {
    match value {
        Some(None) => Err(ApiError::bad_request(format!(
            "Invalid value for '{field}': it cannot be null."
        ))),
        Some(Some(value)) => Ok(Some(value)),
        None => Ok(None),
    }
}

/// The OData options of a list endpoint, for the OpenAPI document only.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListOptions {
    /// Properties compared with `eq`, `ne`, `gt`, `ge`, `lt`, `le`, `in`, combined with `and`, `or`, `not` and parentheses.
    #[param(rename = "$filter")]
    pub filter: Option<String>,
    /// Comma-separated properties to return.
    #[param(rename = "$select")]
    pub select: Option<String>,
    /// Page size, 1 to 999 (default 100).
    #[param(rename = "$top", minimum = 1, maximum = 999)]
    pub top: Option<u32>,
    /// Continues a list where `@odata.nextLink` says.
    #[param(rename = "$skiptoken")]
    pub skip_token: Option<String>,
}

/// `$select` on a single entity, for the OpenAPI document only.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SelectOption {
    /// Comma-separated properties to return.
    #[param(rename = "$select")]
    pub select: Option<String>,
}
