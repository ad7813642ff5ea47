#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;

fn patched(resource: Value, operations: Value) -> Result<Value, ScimError> {
    let request: PatchRequest = serde_json::from_value(json!({
        "schemas": [PATCH_SCHEMA],
        "Operations": operations,
    }))
    .unwrap();
    let mut resource = resource;
    request.apply(&mut resource)?;
    Ok(resource)
}

fn group() -> Value {
    json!({"displayName": "DBAs", "members": [{"value": "a"}, {"value": "b"}]})
}

#[test]
fn value_path_remove_and_entra_style_remove_and_add_of_members() {
    let removed = patched(
        group(),
        json!([{"op": "remove", "path": "members[value eq \"a\"]"}]),
    )
    .unwrap();
    assert_eq!(removed["members"], json!([{"value": "b"}]));
    let entra = patched(
        group(),
        json!([{"op": "Remove", "path": "members", "value": [{"value": "b"}]}]),
    )
    .unwrap();
    assert_eq!(entra["members"], json!([{"value": "a"}]));
    let added = patched(
        group(),
        json!([{"op": "Add", "path": "members", "value": [{"value": "c"}, {"value": "a"}]}]),
    )
    .unwrap();
    assert_eq!(
        added["members"],
        json!([{"value": "a"}, {"value": "b"}, {"value": "c"}])
    );
    let all_gone = patched(group(), json!([{"op": "remove", "path": "members"}])).unwrap();
    assert!(all_gone.get("members").is_none());
}

#[test]
fn no_path_operations_take_an_object_whose_keys_are_paths() {
    let user = json!({"userName": "a", "active": true, "name": {"givenName": "A"}});
    let replaced = patched(
        user,
        json!([{"op": "Replace", "value": {"active": "False", "name.familyName": "B", "DISPLAYNAME": "A B"}}]),
    )
    .unwrap();
    assert_eq!(replaced["active"], json!("False"));
    assert_eq!(
        replaced["name"],
        json!({"givenName": "A", "familyName": "B"})
    );
    assert_eq!(replaced["DISPLAYNAME"], json!("A B"));
}

#[test]
fn filtered_sub_attribute_replace_and_refusals_name_the_scim_type() {
    let user = json!({"emails": [{"value": "a@x.org", "type": "work"}, {"value": "b@x.org", "type": "home"}]});
    let replaced = patched(
        user.clone(),
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "c@x.org"}]),
    )
    .unwrap();
    assert_eq!(replaced["emails"][0]["value"], json!("c@x.org"));
    let cases = [
        (
            json!([{"op": "remove", "path": "emails[type eq \"other\"]"}]),
            "noTarget",
        ),
        (json!([{"op": "remove"}]), "noTarget"),
        (json!([{"op": "move", "path": "emails"}]), "invalidSyntax"),
        (
            json!([{"op": "add", "path": "emails[type eq"}]),
            "invalidPath",
        ),
        (
            json!([{"op": "add", "path": "emails[type eq \"work\"]x", "value": 1}]),
            "invalidPath",
        ),
        (json!([{"op": "add", "value": "x"}]), "invalidValue"),
    ];
    for (operations, scim_type) in cases {
        let error = patched(user.clone(), operations.clone()).unwrap_err();
        assert_eq!(error.scim_type, Some(scim_type), "{operations}");
    }
}
