//! Small helpers for the JSON we write and read: timestamps as Graph writes them, enum values read
//! case-insensitively, ids parsed with errors that name the field.

use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::error::ApiError;

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
pub fn parse_enum<T: FromStr>(field: &str, text: &str, accepted: &[&str]) -> Result<T, ApiError> {
    text.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "Invalid value for '{field}': '{}' is not one of {}.",
            text.chars().take(60).collect::<String>(),
            accepted.join(", ")
        ))
    })
}
