//! Issue 18 over HTTP: connectors and their links, managed by Global and Privileged Role
//! Administrators only (C1, C2), with credentials that no answer, audit event or refusal carries.
#![allow(clippy::unwrap_used)]

mod common;

use serde_json::{json, Value};
use stint_core::directory::BuiltInRole;

use common::{Client, TestServer};

const BIND_PASSWORD: &str = "ldap-bind-secret-42";
const PG_PASSWORD: &str = "pg-secret-77";

fn ldap_body() -> Value {
    json!({
        "displayName": "Corporate LDAP",
        "type": "ldap",
        "url": "ldap://ldap.example.com:389",
        "bindDn": "cn=stint,ou=services,dc=example,dc=com",
        "bindPassword": BIND_PASSWORD,
        "baseDn": "ou=people,dc=example,dc=com",
        "userFilter": "(uid={userPrincipalName})",
    })
}

async fn create(admin: &Client, body: Value) -> Value {
    admin.post("/stint/v1/connectors", body).await.expect(201)
}

#[common::both_backends]
async fn c1_administrators_create_read_change_and_delete_connectors_without_seeing_credentials() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let created = create(&admin, ldap_body()).await;
    assert_eq!(created["type"], "ldap");
    assert_eq!(created["driftMode"], "enforce");
    assert_eq!(created["reconcileInterval"], "PT300S");
    assert_eq!(created["bindDn"], "cn=stint,ou=services,dc=example,dc=com");
    assert_eq!(created["startTls"], false);
    assert_eq!(created["links"], json!([]));
    assert!(created.get("bindPassword").is_none(), "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let path = format!("/stint/v1/connectors/{id}");

    let one = admin.get(&path).await.expect(200);
    assert_eq!(one, created);
    let listed = admin.get("/stint/v1/connectors").await.expect(200);
    assert_eq!(listed["value"], json!([one]));

    let changed = admin
        .patch(
            &path,
            json!({ "driftMode": "report", "reconcileInterval": "PT1H" }),
        )
        .await
        .expect(200);
    assert_eq!(changed["driftMode"], "report");
    assert_eq!(changed["reconcileInterval"], "PT3600S");
    assert_eq!(changed["url"], created["url"]);

    let postgres = create(
        &admin,
        json!({
            "displayName": "Prod DB",
            "type": "postgres",
            "url": format!("postgres://stint_connector:{PG_PASSWORD}@db.example.com:5432/app"),
        }),
    )
    .await;
    assert_eq!(
        postgres["url"],
        "postgres://stint_connector@db.example.com:5432/app"
    );
    assert_eq!(postgres["loginRole"], "{userPrincipalName}");

    admin.delete(&path).await.expect(204);
    admin
        .get(&path)
        .await
        .expect_error(404, "Request_ResourceNotFound");
    let listed = admin.get("/stint/v1/connectors").await.expect(200);
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);

    let everything = [
        admin.get("/stint/v1/connectors").await.expect(200),
        admin.get("/stint/v1/audit").await.expect(200),
    ]
    .map(|body| body.to_string());
    for text in everything {
        assert!(!text.contains(BIND_PASSWORD), "{text}");
        assert!(!text.contains(PG_PASSWORD), "{text}");
    }
}

#[common::both_backends]
async fn c1_only_global_and_privileged_role_administrators_manage_connectors() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let id = create(&admin, ldap_body()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, pria) = server
        .user_with_role("pria@contoso.com", BuiltInRole::PrivilegedRoleAdministrator)
        .await;
    create(&pria, ldap_body()).await;
    for (name, role) in [
        ("gina@contoso.com", BuiltInRole::GroupsAdministrator),
        ("uma@contoso.com", BuiltInRole::UserAdministrator),
    ] {
        let (_, caller) = server.user_with_role(name, role).await;
        caller
            .post("/stint/v1/connectors", ldap_body())
            .await
            .expect_error(403, "Authorization_RequestDenied");
        caller
            .get(&format!("/stint/v1/connectors/{id}"))
            .await
            .expect_error(403, "Authorization_RequestDenied");
        caller
            .get("/stint/v1/connectors")
            .await
            .expect_error(403, "Authorization_RequestDenied");
    }
}

#[common::both_backends]
async fn c1_invalid_connectors_are_refused_naming_the_field_and_never_echoing_a_secret() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let mut cases: Vec<(Value, &str)> = Vec::new();
    for (field, value) in [
        ("type", json!("ftp")),
        ("url", json!("https://ldap.example.com")),
        ("userFilter", json!("(uid=alice)")),
        ("bindPassword", json!("")),
        ("reconcileInterval", json!("PT5S")),
        ("driftMode", json!("sometimes")),
        ("token", json!("scim-token")),
    ] {
        let mut body = ldap_body();
        body[field] = value;
        cases.push((body, field));
    }
    let mut missing = ldap_body();
    missing.as_object_mut().unwrap().remove("baseDn");
    cases.push((missing, "baseDn"));
    let postgres = json!({
        "displayName": "DB",
        "type": "postgres",
        "url": format!("mysql://root:{PG_PASSWORD}@db/app"),
    });
    cases.push((postgres, "url"));
    for (body, field) in cases {
        let message = admin
            .post("/stint/v1/connectors", body)
            .await
            .expect_error(400, "BadRequest");
        assert!(message.contains(field), "{field}: {message}");
        assert!(!message.contains(BIND_PASSWORD) && !message.contains(PG_PASSWORD));
    }
    let listed = admin.get("/stint/v1/connectors").await.expect(200);
    assert_eq!(listed["value"], json!([]), "nothing was made");
}

#[common::both_backends]
async fn c2_links_name_a_group_and_a_target_once() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Prod DB Admins", false).await;
    let id = create(&admin, ldap_body()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let links = format!("/stint/v1/connectors/{id}/links");
    let dn = "cn=dbadmins,ou=groups,dc=example,dc=com";
    let link = admin
        .post(&links, json!({ "groupId": group, "target": dn }))
        .await
        .expect(201);
    assert_eq!(link["groupId"], group.as_str());
    assert_eq!(link["accessId"], "member");
    assert_eq!(link["memberAttribute"], "member");
    admin
        .post(&links, json!({ "groupId": group, "target": dn }))
        .await
        .expect_error(400, "BadRequest");
    admin
        .post(
            &links,
            json!({ "groupId": group, "target": dn, "accessId": "owner", "memberAttribute": "uniqueMember" }),
        )
        .await
        .expect(201);
    let unknown = uuid::Uuid::new_v4().to_string();
    admin
        .post(&links, json!({ "groupId": unknown, "target": dn }))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    admin
        .post(&links, json!({ "groupId": "not-an-id", "target": dn }))
        .await
        .expect_error(400, "BadRequest");

    let listed = admin.get(&links).await.expect(200);
    assert_eq!(listed["value"].as_array().unwrap().len(), 2);
    let first = link["id"].as_str().unwrap();
    admin.delete(&format!("{links}/{first}")).await.expect(204);
    let listed = admin.get(&links).await.expect(200);
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);
    assert_eq!(listed["value"][0]["accessId"], "owner");
    admin
        .delete(&format!("{links}/{first}"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
}
