//! SCIM 2.0 over HTTP (M1–M3): provisioning tokens and who may make them, and the protocol of
//! `/scim/v2` — discovery, filters, paging, PUT, PATCH, ETags, errors and content types.
#![allow(clippy::unwrap_used)]

mod common;
mod scim_kit;

use reqwest::Method;
use serde_json::json;
use stint_core::directory::BuiltInRole;

use common::TestServer;
use scim_kit::{provisioning, GROUP, USER};

#[common::both_backends]
async fn m1_tokens_are_shown_once_listed_without_secrets_revocable_and_audited() {
    let server = TestServer::start().await;
    let (admin, scim) = provisioning(&server).await;
    scim.get("/ServiceProviderConfig").await.expect(200);

    let listed = admin.get("/stint/v1/scim/tokens").await.expect(200);
    let tokens = listed["value"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["displayName"], "Identity provider");
    assert!(tokens[0].get("token").is_none(), "{listed}");
    let id = tokens[0]["id"].as_str().unwrap();

    admin
        .delete(&format!("/stint/v1/scim/tokens/{id}"))
        .await
        .expect(204);
    scim.get("/Users").await.expect_scim_error(401, None);
    admin
        .delete(&format!("/stint/v1/scim/tokens/{id}"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    let audit = admin.get("/stint/v1/audit").await.expect(200).to_string();
    for action in ["scimToken.create", "scimToken.revoke", "scim.authFailed"] {
        assert!(audit.contains(action), "{action} not audited");
    }
    assert!(!audit.contains("stint_scim_"), "a secret reached the audit");
}

#[common::both_backends]
async fn m1_tokens_work_on_scim_only_and_sessions_do_not_work_on_scim() {
    let server = TestServer::start().await;
    let (admin, scim) = provisioning(&server).await;
    let secret = scim_secret(&admin).await;
    admin
        .with_token(&secret)
        .get("/v1.0/users")
        .await
        .expect_error(401, "InvalidAuthenticationToken");
    let session = server
        .sign_in("admin", common::ADMIN_PASSWORD)
        .await
        .expect(200);
    let session_token = session["access_token"].as_str().unwrap();
    scim.with_token(session_token)
        .get("/Users")
        .await
        .expect_scim_error(401, None);
    scim.with_token("stint_scim_forged")
        .get("/ServiceProviderConfig")
        .await
        .expect_scim_error(401, None);
}

/// A second token's secret, made by `admin`.
async fn scim_secret(admin: &common::Client) -> String {
    let made = admin
        .post("/stint/v1/scim/tokens", json!({ "displayName": "Second" }))
        .await
        .expect(201);
    made["token"].as_str().unwrap().to_string()
}

#[common::both_backends]
async fn m1_only_global_and_privileged_role_administrators_manage_tokens() {
    let server = TestServer::start().await;
    let (_, user_admin) = server
        .user_with_role("ua@contoso.com", BuiltInRole::UserAdministrator)
        .await;
    user_admin
        .post("/stint/v1/scim/tokens", json!({ "displayName": "x" }))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    user_admin
        .get("/stint/v1/scim/tokens")
        .await
        .expect_error(403, "Authorization_RequestDenied");
    let (_, privileged) = server
        .user_with_role("pra@contoso.com", BuiltInRole::PrivilegedRoleAdministrator)
        .await;
    privileged
        .post("/stint/v1/scim/tokens", json!({ "displayName": "Okta" }))
        .await
        .expect(201);
    let message = privileged
        .post("/stint/v1/scim/tokens", json!({ "displayName": "" }))
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("displayName"), "{message}");
}

#[common::both_backends]
async fn m2_discovery_names_the_attributes_stint_keeps() {
    let server = TestServer::start().await;
    let (_, scim) = provisioning(&server).await;
    let config = scim.get("/ServiceProviderConfig").await;
    assert!(config.content_type.starts_with("application/scim+json"));
    let config = config.expect(200);
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["etag"]["supported"], true);
    assert_eq!(config["bulk"]["supported"], false);
    let types = scim.get("/ResourceTypes").await.expect(200);
    assert_eq!(types["totalResults"], 2);
    scim.get("/ResourceTypes/User").await.expect(200);
    let schema = scim.get(&format!("/Schemas/{USER}")).await.expect(200);
    let names: Vec<&str> = schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["userName", "name", "displayName", "active", "emails"]
    );
    scim.get("/Schemas/urn:nope")
        .await
        .expect_scim_error(404, None);
    scim.send(Method::POST, "/Schemas", Some(json!({})), &[])
        .await
        .expect_scim_error(405, None);
    scim.get("/Nothing").await.expect_scim_error(404, None);
}

#[common::both_backends]
async fn m2_filters_paging_and_projection() {
    let server = TestServer::start().await;
    let (_, scim) = provisioning(&server).await;
    for name in ["ada", "bob", "cyd", "dan"] {
        scim.create_user(&format!("{name}@contoso.com")).await;
    }
    let cases = [
        ("userName eq \"BOB@contoso.com\"", 1),
        ("USERNAME sw \"c\" or userName ew \"n@contoso.com\"", 2),
        ("not (userName co \"a\")", 2),
        ("emails[type eq \"work\" and value co \"ad\"]", 1),
        ("active eq true and (userName eq \"ada@contoso.com\" or userName eq \"bob@contoso.com\")", 2),
        ("meta.created ge \"2000-01-01T00:00:00Z\"", 4),
        ("externalId pr", 0),
    ];
    for (filter, expected) in cases {
        let list = scim
            .get(&format!("/Users?filter={}", urlencode(filter)))
            .await
            .expect(200);
        assert_eq!(list["totalResults"], expected, "{filter}: {list}");
    }
    let page = scim.get("/Users?startIndex=2&count=2").await.expect(200);
    assert_eq!(page["totalResults"], 4);
    assert_eq!(page["startIndex"], 2);
    assert_eq!(page["itemsPerPage"], 2);
    assert_eq!(page["Resources"][0]["userName"], "bob@contoso.com");
    let counted = scim.get("/Users?count=0").await.expect(200);
    assert_eq!(counted["Resources"], json!([]));
    let projected = scim
        .get("/Users?attributes=userName&count=1")
        .await
        .expect(200);
    let keys: Vec<&String> = projected["Resources"][0]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["schemas", "id", "userName"]);
    let detail = scim
        .get(&format!("/Users?filter={}", urlencode("userName eq")))
        .await
        .expect_scim_error(400, Some("invalidFilter"));
    assert!(detail.contains("value"), "{detail}");
    scim.get("/Users?startIndex=x")
        .await
        .expect_scim_error(400, Some("invalidValue"));
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[common::both_backends]
async fn m2_put_patch_etags_and_if_match() {
    let server = TestServer::start().await;
    let (_, scim) = provisioning(&server).await;
    let created = scim
        .post(
            "/Users",
            json!({
                "schemas": [USER], "userName": "ada@contoso.com", "externalId": "e-1",
                "name": { "givenName": "Ada", "familyName": "Lovelace" },
            }),
        )
        .await;
    let etag = created.etag.clone().unwrap();
    let user = created.expect(201);
    assert_eq!(user["meta"]["version"], etag);
    assert_eq!(user["meta"]["resourceType"], "User");
    let path = format!("/Users/{}", user["id"].as_str().unwrap());
    assert!(user["meta"]["location"].as_str().unwrap().ends_with(&path));

    let replaced = scim
        .send(Method::PUT, &path, Some(json!({
            "schemas": [USER], "userName": "ada@contoso.com", "displayName": "Ada L.", "active": true,
        })), &[("if-match", &etag)])
        .await;
    let newer = replaced.etag.clone().unwrap();
    assert_ne!(newer, etag);
    let replaced = replaced.expect(200);
    assert_eq!(replaced["displayName"], "Ada L.");
    assert!(
        replaced.get("externalId").is_none(),
        "PUT replaces: {replaced}"
    );

    let stale = json!({ "schemas": [scim_kit::PATCH_OP], "Operations": [{ "op": "replace", "path": "displayName", "value": "x" }] });
    scim.send(Method::PATCH, &path, Some(stale), &[("if-match", &etag)])
        .await
        .expect_scim_error(412, None);
    scim.send(Method::DELETE, &path, None, &[("if-match", &etag)])
        .await
        .expect_scim_error(412, None);

    let patched = scim
        .patch(&path, json!([
            { "op": "add", "path": "emails", "value": [{ "value": "ada@mail.contoso.com", "type": "work" }] },
            { "op": "replace", "path": "name.givenName", "value": "Augusta" },
            { "op": "Replace", "value": { "ACTIVE": "False" } },
        ]))
        .await
        .expect(200);
    assert_eq!(patched["name"]["givenName"], "Augusta");
    assert_eq!(patched["active"], false);
    assert_eq!(patched["emails"][0]["value"], "ada@mail.contoso.com");

    let cases = [
        (
            json!([{ "op": "remove", "path": "emails[type eq \"home\"]" }]),
            400,
            Some("noTarget"),
        ),
        (
            json!([{ "op": "replace", "path": "emails[type eq", "value": "x" }]),
            400,
            Some("invalidPath"),
        ),
        (
            json!([{ "op": "replace", "path": "active", "value": "maybe" }]),
            400,
            Some("invalidValue"),
        ),
        (
            json!([{ "op": "add", "path": "roles", "value": [{ "value": "Global Administrator" }] }]),
            400,
            Some("mutability"),
        ),
        (
            json!([{ "op": "replace", "path": "userName", "value": "" }]),
            400,
            Some("invalidValue"),
        ),
    ];
    for (operations, status, scim_type) in cases {
        scim.patch(&path, operations)
            .await
            .expect_scim_error(status, scim_type);
    }
    scim.delete(&path).await.expect(204);
    scim.get(&path).await.expect_scim_error(404, None);
    scim.delete(&path).await.expect_scim_error(404, None);
}

#[common::both_backends]
async fn m2_bad_input_answers_scim_errors_and_changes_nothing() {
    let server = TestServer::start().await;
    let (admin, scim) = provisioning(&server).await;
    scim.create_user("ada@contoso.com").await;
    scim.post(
        "/Users",
        json!({ "schemas": [USER], "userName": "ADA@contoso.com" }),
    )
    .await
    .expect_scim_error(409, Some("uniqueness"));
    admin.create_user("local@contoso.com").await;
    scim.post(
        "/Users",
        json!({ "schemas": [USER], "userName": "local@contoso.com" }),
    )
    .await
    .expect_scim_error(409, Some("uniqueness"));
    scim.post("/Users", json!({ "schemas": [USER] }))
        .await
        .expect_scim_error(400, Some("invalidValue"));
    scim.post(
        "/Users",
        json!({ "schemas": [USER], "userName": "x@contoso.com", "active": 3 }),
    )
    .await
    .expect_scim_error(400, Some("invalidValue"));
    scim.post(
        "/Users",
        json!({ "schemas": [USER], "userName": "a\u{7}b" }),
    )
    .await
    .expect_scim_error(400, Some("invalidValue"));
    scim.send(
        Method::POST,
        "/Users",
        None,
        &[("content-type", "text/plain")],
    )
    .await
    .expect_scim_error(415, None);
    let raw = scim
        .send(
            Method::POST,
            "/Users",
            None,
            &[("content-type", "application/json")],
        )
        .await;
    raw.expect_scim_error(400, Some("invalidSyntax"));
    scim.post(
        "/Groups",
        json!({ "schemas": [GROUP], "displayName": "G", "members": [{ "value": "not-an-id" }] }),
    )
    .await
    .expect_scim_error(400, Some("invalidValue"));
    scim.get("/Users/not-an-id")
        .await
        .expect_scim_error(404, None);
    // Unknown attributes (an extension, a password) are ignored, not an error.
    scim.post(
        "/Users",
        json!({
            "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": "eve@contoso.com", "password": "hunter2", "locale": "en-US",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "Ops" },
        }),
    )
    .await
    .expect(201);
    let users = scim.get("/Users").await.expect(200);
    assert_eq!(users["totalResults"], 2, "only SCIM's users: {users}");
}

#[common::both_backends]
async fn m2_scim_never_touches_groups_it_did_not_create_and_graph_cannot_change_its_groups() {
    let server = TestServer::start().await;
    let (admin, scim) = provisioning(&server).await;
    let local_group = admin.create_group("Local", false).await;
    let local_user = admin.create_user("local@contoso.com").await;
    scim.get(&format!("/Groups/{local_group}"))
        .await
        .expect_scim_error(404, None);
    scim.patch(
        &format!("/Users/{local_user}"),
        json!([{ "op": "replace", "path": "active", "value": false }]),
    )
    .await
    .expect_scim_error(404, None);
    let ada = scim.create_user("ada@contoso.com").await;
    scim.post(
        "/Groups",
        json!({ "schemas": [GROUP], "displayName": "G", "members": [{ "value": local_user }] }),
    )
    .await
    .expect_scim_error(400, Some("invalidValue"));
    let group = scim.create_group("DBAs", &[&ada]).await;

    let message = admin
        .post(
            &format!("/v1.0/groups/{group}/members/$ref"),
            common::reference(&local_user),
        )
        .await
        .expect_error(400, "GroupMasteredByIdentityProvider");
    assert!(message.contains("SCIM"), "{message}");
    admin
        .delete(&format!("/v1.0/groups/{group}"))
        .await
        .expect_error(400, "GroupMasteredByIdentityProvider");
    let refused = admin
        .post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        .await
        .expect_error(400, "GroupNotManageable");
    assert!(refused.contains("SCIM"), "{refused}");
    assert_eq!(scim.member_ids(&group).await, [ada]);
}
