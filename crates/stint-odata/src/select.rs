//! `$select`: parsing the property list and projecting entities onto it.

use serde_json::{Map, Value};

use crate::error::{excerpt, ODataError};
use crate::filter::is_identifier;

/// Parses a `$select` value such as `id,status, principalId` into property names, order kept.
pub(crate) fn parse_select(text: &str) -> Result<Vec<String>, ODataError> {
    if text.trim().is_empty() {
        return Err(ODataError::new(
            "$select",
            "Invalid $select: the list of properties is empty.",
        ));
    }
    text.split(',')
        .map(str::trim)
        .map(|name| {
            if name.is_empty() {
                Err(ODataError::new(
                    "$select",
                    "Invalid $select: a property name is missing between commas.",
                ))
            } else if is_identifier(name) {
                Ok(name.to_owned())
            } else {
                Err(ODataError::new(
                    "$select",
                    format!(
                        "Invalid $select: '{}' is not a valid property name.",
                        excerpt(name)
                    ),
                ))
            }
        })
        .collect()
}

/// Keeps only the listed top-level properties (matched case-insensitively, keeping the
/// entity's own spelling) and every `@odata.` annotation. Non-objects are returned unchanged.
pub fn apply_select(entity: &Value, fields: &[String]) -> Value {
    let Value::Object(properties) = entity else {
        return entity.clone();
    };
    let kept: Map<String, Value> = properties
        .iter()
        .filter(|(key, _)| {
            key.starts_with("@odata.") || fields.iter().any(|field| field.eq_ignore_ascii_case(key))
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Value::Object(kept)
}

/// Checks every selected name against the entity type's `known` properties (case-insensitively).
pub fn validate_select(fields: &[String], known: &[&str]) -> Result<(), ODataError> {
    match fields
        .iter()
        .find(|field| !known.iter().any(|name| name.eq_ignore_ascii_case(field)))
    {
        Some(unknown) => Err(ODataError::new(
            "$select",
            format!("Could not find a property named '{}'.", excerpt(unknown)),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn names_are_trimmed_and_keep_their_order() {
        assert_eq!(
            parse_select("status, id ,principalId").unwrap(),
            names(&["status", "id", "principalId"])
        );
    }

    #[test]
    fn empty_select_is_refused() {
        assert_eq!(
            parse_select(" ").unwrap_err().message(),
            "Invalid $select: the list of properties is empty."
        );
    }

    #[test]
    fn empty_item_is_refused() {
        assert!(parse_select("id,,status").is_err());
        assert!(parse_select("id,").is_err());
    }

    #[test]
    fn paths_and_symbols_are_not_property_names() {
        for text in ["principal/id", "*", "1st", "id;status", "@odata.type"] {
            let error = parse_select(text).unwrap_err();
            assert!(
                error.message().contains("is not a valid property name"),
                "{text}"
            );
            assert_eq!(error.option(), "$select");
        }
    }

    #[test]
    fn select_keeps_listed_properties_and_annotations() {
        let entity = json!({
            "@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest",
            "id": "1",
            "status": "Granted",
            "principalId": "p",
        });
        assert_eq!(
            apply_select(&entity, &names(&["STATUS", "id"])),
            json!({
                "@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest",
                "id": "1",
                "status": "Granted",
            })
        );
    }

    #[test]
    fn select_of_unknown_names_keeps_nothing_but_annotations() {
        assert_eq!(
            apply_select(&json!({"id": "1"}), &names(&["nope"])),
            json!({})
        );
    }

    #[test]
    fn select_leaves_non_objects_alone() {
        assert_eq!(apply_select(&json!([1, 2]), &names(&["id"])), json!([1, 2]));
    }

    #[test]
    fn validate_select_names_the_first_unknown_property() {
        let known = ["id", "status", "principalId"];
        assert!(validate_select(&names(&["ID", "principalid"]), &known).is_ok());
        let error = validate_select(&names(&["id", "foo", "bar"]), &known).unwrap_err();
        assert_eq!(error.message(), "Could not find a property named 'foo'.");
        assert_eq!(error.option(), "$select");
    }
}
