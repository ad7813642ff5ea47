//! SCIM PATCH (RFC 7644 §3.5.2) applied to a resource as answered: `add`, `remove` and `replace`
//! with paths such as `name.givenName`, `emails[type eq "work"].value` and
//! `members[value eq "…"]`, or without a path and an object value whose keys are paths. The
//! deviations of Entra ID and Okta are accepted: capitalised op names (`Replace`), a `remove` of
//! `members` with the members to remove as its value, and `"True"`/`"False"` strings (read where
//! the resource is read back, see `resource::boolean`).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::ScimError;
use super::filter::{self, get_ci, Filter};

pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The most operations one request may carry.
const MAX_OPERATIONS: usize = 1000;

/// A PatchOp request body.
#[derive(Debug, Deserialize)]
pub struct PatchRequest {
    #[serde(default)]
    pub schemas: Vec<String>,
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<PatchOperation>,
}

#[derive(Debug, Deserialize)]
pub struct PatchOperation {
    pub op: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub value: Option<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Add,
    Replace,
    Remove,
}

/// Where an operation points: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`.
#[derive(Debug)]
struct Target {
    attr: String,
    filter: Option<Filter>,
    sub: Option<String>,
}

fn invalid_path(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidPath", detail)
}

impl PatchRequest {
    /// Applies every operation, in order, to `resource`.
    pub fn apply(&self, resource: &mut Value) -> Result<(), ScimError> {
        if !self.schemas.is_empty() && !self.schemas.iter().any(|s| s == PATCH_SCHEMA) {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("schemas must be [\"{PATCH_SCHEMA}\"]."),
            ));
        }
        if self.operations.len() > MAX_OPERATIONS {
            return Err(ScimError::bad(
                "tooMany",
                format!("A PATCH may carry at most {MAX_OPERATIONS} operations."),
            ));
        }
        for operation in &self.operations {
            operation.apply(resource)?;
        }
        Ok(())
    }
}

impl PatchOperation {
    fn apply(&self, resource: &mut Value) -> Result<(), ScimError> {
        let kind = match self.op.to_ascii_lowercase().as_str() {
            "add" => Kind::Add,
            "replace" => Kind::Replace,
            "remove" => Kind::Remove,
            other => {
                return Err(ScimError::bad(
                    "invalidSyntax",
                    format!("'{other}' is not a PATCH op: use add, remove or replace."),
                ))
            }
        };
        match (&self.path, kind) {
            (Some(path), _) => {
                let target = parse_target(path)?;
                apply_at(resource, &target, kind, self.value.clone())
            }
            (None, Kind::Remove) => Err(ScimError::bad(
                "noTarget",
                "A remove operation needs a path.",
            )),
            (None, _) => match &self.value {
                Some(Value::Object(values)) => {
                    for (key, value) in values {
                        let target = parse_target(key)?;
                        apply_at(resource, &target, kind, Some(value.clone()))?;
                    }
                    Ok(())
                }
                _ => Err(ScimError::invalid_value(
                    "An add or replace without a path needs an object value.",
                )),
            },
        }
    }
}

fn parse_target(path: &str) -> Result<Target, ScimError> {
    let path = path.trim();
    if let Some(open) = path.find('[') {
        let close = path
            .rfind(']')
            .filter(|close| *close > open)
            .ok_or_else(|| invalid_path(format!("'{path}' opens a '[' it does not close.")))?;
        let attr = filter::attr_path(&path[..open]).map_err(|_| {
            invalid_path(format!("'{path}' does not start with an attribute name."))
        })?;
        let inner = filter::parse(&path[open + 1..close])
            .map_err(|error| invalid_path(format!("'{path}': {}", error.detail)))?;
        let sub = match &path[close + 1..] {
            "" => None,
            rest => Some(
                rest.strip_prefix('.')
                    .filter(|sub| !sub.is_empty())
                    .ok_or_else(|| invalid_path(format!("'{path}' has text after ']'.")))?
                    .to_owned(),
            ),
        };
        return Ok(Target {
            attr: attr.attr,
            filter: Some(inner),
            sub,
        });
    }
    let attr = filter::attr_path(path)
        .map_err(|_| invalid_path(format!("'{path}' is not an attribute path.")))?;
    Ok(Target {
        attr: attr.attr,
        filter: None,
        sub: attr.sub,
    })
}

/// The key under which `object` holds `name`, compared case-insensitively, or `name` itself.
fn key_in(object: &Map<String, Value>, name: &str) -> String {
    object
        .keys()
        .find(|key| key.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_owned())
}

fn as_object(resource: &mut Value) -> Result<&mut Map<String, Value>, ScimError> {
    resource
        .as_object_mut()
        .ok_or_else(|| ScimError::invalid_value("The resource is not an object."))
}

fn apply_at(
    resource: &mut Value,
    target: &Target,
    kind: Kind,
    value: Option<Value>,
) -> Result<(), ScimError> {
    let object = as_object(resource)?;
    let key = key_in(object, &target.attr);
    if kind != Kind::Remove && value.is_none() {
        return Err(ScimError::invalid_value(format!(
            "The {kind:?} of '{}' needs a value.",
            target.attr
        )));
    }
    match (&target.filter, &target.sub) {
        (Some(filter), sub) => {
            let Some(Value::Array(items)) = object.get_mut(&key) else {
                return no_target(kind, &target.attr);
            };
            let matched: Vec<usize> = (0..items.len())
                .filter(|i| filter.matches(&items[*i]))
                .collect();
            if matched.is_empty() {
                return no_target(kind, &target.attr);
            }
            if kind == Kind::Remove && sub.is_none() {
                let mut index = 0;
                items.retain(|_| {
                    let keep = !matched.contains(&index);
                    index += 1;
                    keep
                });
                return Ok(());
            }
            for i in matched {
                let item = &mut items[i];
                match sub {
                    Some(sub) => set_in(item, sub, kind, value.clone())?,
                    None => merge(item, value.clone().unwrap_or(Value::Null)),
                }
            }
            Ok(())
        }
        (None, Some(sub)) => {
            let entry = object
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
            match entry {
                Value::Array(items) => {
                    for item in items {
                        set_in(item, sub, kind, value.clone())?;
                    }
                    Ok(())
                }
                item => set_in(item, sub, kind, value),
            }
        }
        (None, None) => {
            match kind {
                Kind::Remove => match (object.get_mut(&key), value) {
                    // Entra ID removes members by giving them as the value.
                    (Some(Value::Array(items)), Some(Value::Array(gone))) => {
                        items.retain(|item| !gone.iter().any(|g| same_value(item, g)));
                    }
                    _ => {
                        object.remove(&key);
                    }
                },
                Kind::Add => {
                    let value = value.unwrap_or(Value::Null);
                    match object.get_mut(&key) {
                        Some(Value::Array(items)) => {
                            let added = match value {
                                Value::Array(added) => added,
                                single => vec![single],
                            };
                            for item in added {
                                if !items.iter().any(|i| same_value(i, &item)) {
                                    items.push(item);
                                }
                            }
                        }
                        Some(existing @ Value::Object(_)) if value.is_object() => {
                            merge(existing, value)
                        }
                        _ => {
                            object.insert(key, value);
                        }
                    }
                }
                Kind::Replace => {
                    let value = value.unwrap_or(Value::Null);
                    match object.get_mut(&key) {
                        Some(existing @ Value::Object(_)) if value.is_object() => {
                            merge(existing, value)
                        }
                        _ => {
                            object.insert(key, value);
                        }
                    }
                }
            }
            Ok(())
        }
    }
}

fn no_target(kind: Kind, attr: &str) -> Result<(), ScimError> {
    Err(ScimError::bad(
        "noTarget",
        format!("The {kind:?} names no value of '{attr}' that the filter matches."),
    ))
}

/// Sets or removes the sub-attribute `sub` of a complex value.
fn set_in(item: &mut Value, sub: &str, kind: Kind, value: Option<Value>) -> Result<(), ScimError> {
    if !item.is_object() {
        *item = Value::Object(Map::new());
    }
    let object = as_object(item)?;
    let key = key_in(object, sub);
    match kind {
        Kind::Remove => {
            object.remove(&key);
        }
        _ => {
            object.insert(key, value.unwrap_or(Value::Null));
        }
    }
    Ok(())
}

/// `value`'s keys set in `target`, an object (or replaced by `value` when either is not one).
fn merge(target: &mut Value, value: Value) {
    match (target.as_object_mut(), value) {
        (Some(object), Value::Object(values)) => {
            for (key, value) in values {
                let key = key_in(object, &key);
                object.insert(key, value);
            }
        }
        (_, value) => *target = value,
    }
}

/// Two values of a multi-valued attribute are the same when their `value`s are (or they are).
fn same_value(a: &Value, b: &Value) -> bool {
    match (get_ci(a, "value"), get_ci(b, "value")) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
#[path = "patch_tests.rs"]
mod tests;
