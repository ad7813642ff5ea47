//! The directory endpoints of the Graph-shaped API (SPEC D1–D8, P5, I1), driven over HTTP against
//! a real server.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::TimeDelta;
use common::{graph_time, reference, start_time, test_config, Client, TestServer, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};
use stint_app::AppConfig;
use stint_core::directory::BuiltInRole;

const ROLE_ASSIGNMENTS: &str = "/v1.0/roleManagement/directory/roleAssignments";
const UNITS: &str = "/v1.0/directory/administrativeUnits";

fn members_of(group: &str) -> String {
    format!("/v1.0/groups/{group}/members")
}

fn owners_of(group: &str) -> String {
    format!("/v1.0/groups/{group}/owners")
}

/// A second, reversible way to check that a refusal changed nothing: the whole directory as JSON.
async fn snapshot(client: &Client) -> Value {
    let mut groups = Vec::new();
    for id in client.ids("/v1.0/groups").await {
        groups.push(json!({
            "group": client.get(&format!("/v1.0/groups/{id}")).await.expect(200),
            "members": client.ids(&members_of(&id)).await,
            "owners": client.ids(&owners_of(&id)).await,
        }));
    }
    json!({
        "users": client.get("/v1.0/users").await.expect(200),
        "groups": groups,
        "roleAssignments": client.get(ROLE_ASSIGNMENTS).await.expect(200),
        "units": client.get(UNITS).await.expect(200),
    })
}

// ---------------------------------------------------------------------------------------------
// D1 users

#[common::both_backends]
async fn d1_a_created_user_reads_back_in_graph_shape() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let base = &server.base_url;
    let body = json!({
        "accountEnabled": true,
        "displayName": "Alice Smith",
        "mailNickname": "alice",
        "userPrincipalName": "alice@contoso.com",
        "passwordProfile": { "forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d" },
    });
    let created = admin.post("/v1.0/users", body).await.expect(201);
    let id = created["id"].as_str().unwrap().to_string();
    let expected = json!({
        "@odata.context": format!("{base}/v1.0/$metadata#users/$entity"),
        "@odata.type": "#microsoft.graph.user",
        "id": id,
        "displayName": "Alice Smith",
        "userPrincipalName": "alice@contoso.com",
        "accountEnabled": true,
        "createdDateTime": graph_time(start_time()),
        "mail": null,
    });
    assert_eq!(created, expected);
    assert_eq!(
        admin.get(&format!("/v1.0/users/{id}")).await.expect(200),
        expected
    );
    // Graph accepts the userPrincipalName in place of the id; names compare ignoring case.
    assert_eq!(
        admin.get("/v1.0/users/ALICE@contoso.com").await.expect(200),
        expected
    );
    // The new user can sign in with the password given.
    server
        .client_as("alice@contoso.com", "xWwvJ]6NMw+bWH-d")
        .await;
}

#[common::both_backends]
async fn d1_user_principal_names_are_unique_ignoring_case() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    admin.create_user("alice@contoso.com").await;
    let before = snapshot(&admin).await;
    let body = json!({
        "accountEnabled": true,
        "displayName": "Another Alice",
        "userPrincipalName": "Alice@Contoso.com",
        "passwordProfile": { "password": PASSWORD },
    });
    let message = admin
        .post("/v1.0/users", body)
        .await
        .expect_error(400, "Request_MultipleObjectsWithSameKeyValue");
    assert!(message.contains("userPrincipalName"), "{message}");
    assert_eq!(snapshot(&admin).await, before);
}

#[common::both_backends]
async fn d1_a_disabled_user_cannot_sign_in_and_loses_every_membership() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("Sales", false).await;
    admin.add_member(&group, &alice).await;
    admin.add_owner(&group, &alice).await;
    let signed_in = server.client_as("alice@contoso.com", PASSWORD).await;

    admin
        .patch(
            &format!("/v1.0/users/{alice}"),
            json!({ "accountEnabled": false }),
        )
        .await
        .expect(204);

    let user = admin.get(&format!("/v1.0/users/{alice}")).await.expect(200);
    assert_eq!(user["accountEnabled"], false);
    server
        .sign_in("alice@contoso.com", PASSWORD)
        .await
        .expect_error(401, "InvalidCredentials");
    signed_in
        .get("/v1.0/me")
        .await
        .expect_error(401, "InvalidAuthenticationToken");
    assert!(admin.ids(&members_of(&group)).await.is_empty());
    assert!(admin.ids(&owners_of(&group)).await.is_empty());
    assert!(admin
        .ids(&format!("/v1.0/users/{alice}/memberOf"))
        .await
        .is_empty());

    admin
        .patch(
            &format!("/v1.0/users/{alice}"),
            json!({ "accountEnabled": true }),
        )
        .await
        .expect(204);
    assert_eq!(admin.ids(&members_of(&group)).await, vec![alice.clone()]);
    assert_eq!(
        admin.ids(&format!("/v1.0/users/{alice}/memberOf")).await,
        vec![group]
    );
}

#[common::both_backends]
async fn d1_me_is_the_signed_in_user() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("Sales", false).await;
    admin.add_member(&group, &alice).await;
    let client = server.client_as("alice@contoso.com", PASSWORD).await;

    let me = client.get("/v1.0/me").await.expect(200);
    assert_eq!(me["id"], alice.as_str());
    assert_eq!(me["userPrincipalName"], "alice@contoso.com");
    assert_eq!(
        me["@odata.context"],
        format!("{}/v1.0/$metadata#users/$entity", server.base_url)
    );
    let selected = client.get("/v1.0/me?$select=displayName").await.expect(200);
    assert_eq!(
        selected,
        json!({
            "@odata.context": format!("{}/v1.0/$metadata#users(displayName)/$entity", server.base_url),
            "@odata.type": "#microsoft.graph.user",
            "displayName": "alice",
        })
    );
    assert_eq!(client.ids("/v1.0/me/memberOf").await, vec![group.clone()]);
    assert_eq!(client.ids("/v1.0/me/transitiveMemberOf").await, vec![group]);
}

#[common::both_backends]
async fn d1_users_are_listed_by_display_name_with_filter_select_top_and_next_link() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let carol = admin.create_user("carol@contoso.com").await;
    let bob = admin.create_user("bob@contoso.com").await;
    let admin_id = admin.get("/v1.0/me").await.expect(200)["id"]
        .as_str()
        .unwrap()
        .to_string();

    // "Administrator", "bob", "carol", ignoring case.
    assert_eq!(
        admin.ids("/v1.0/users").await,
        vec![admin_id.clone(), bob.clone(), carol.clone()]
    );

    let filtered = admin
        .get("/v1.0/users?$filter=userPrincipalName%20eq%20'BOB@contoso.com'&$select=id,userPrincipalName")
        .await
        .expect(200);
    assert_eq!(
        filtered,
        json!({
            "@odata.context": format!("{}/v1.0/$metadata#users(id,userPrincipalName)", server.base_url),
            "value": [{ "@odata.type": "#microsoft.graph.user", "id": bob, "userPrincipalName": "bob@contoso.com" }],
        })
    );

    let first = admin.get("/v1.0/users?$top=2").await.expect(200);
    let ids: Vec<&str> = first["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![admin_id.as_str(), bob.as_str()]);
    let next = first["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/v1.0/users?", server.base_url)),
        "{next}"
    );
    let second = admin.get(next).await.expect(200);
    assert_eq!(second["value"][0]["id"], carol.as_str());
    assert!(second.get("@odata.nextLink").is_none());

    admin
        .get("/v1.0/users?$filter=jobTitle%20eq%20'x'")
        .await
        .expect_error(400, "BadRequest");
    admin
        .get("/v1.0/users?$orderby=displayName")
        .await
        .expect_error(400, "BadRequest");
    admin
        .get("/v1.0/users?$top=0")
        .await
        .expect_error(400, "BadRequest");
}

#[common::both_backends]
async fn d1_an_unknown_user_is_not_found() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    admin
        .get("/v1.0/users/6d8f9a3c-1d59-4b83-8a3a-0d8d5b8e2f10")
        .await
        .expect_error(404, "Request_ResourceNotFound");
    admin
        .get("/v1.0/users/nobody@contoso.com")
        .await
        .expect_error(404, "Request_ResourceNotFound");
    admin
        .patch(
            "/v1.0/users/nobody@contoso.com",
            json!({ "displayName": "X" }),
        )
        .await
        .expect_error(404, "Request_ResourceNotFound");
    admin
        .get("/v1.0/users/nobody@contoso.com/memberOf")
        .await
        .expect_error(404, "Request_ResourceNotFound");
}

#[common::both_backends]
async fn d1_creating_users_needs_a_user_administrator() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    admin.create_user("alice@contoso.com").await;
    let alice = server.client_as("alice@contoso.com", PASSWORD).await;
    let before = snapshot(&admin).await;
    let body = json!({
        "accountEnabled": true,
        "displayName": "Mallory",
        "userPrincipalName": "mallory@contoso.com",
        "passwordProfile": { "password": PASSWORD },
    });
    alice
        .post("/v1.0/users", body.clone())
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert_eq!(snapshot(&admin).await, before);

    let (_, user_admin) = server
        .user_with_role("ua@contoso.com", BuiltInRole::UserAdministrator)
        .await;
    user_admin.post("/v1.0/users", body).await.expect(201);
}

#[common::both_backends]
async fn d1_a_short_password_is_refused_without_echoing_it() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let before = snapshot(&admin).await;
    let body = json!({
        "accountEnabled": true,
        "displayName": "Alice",
        "userPrincipalName": "alice@contoso.com",
        "passwordProfile": { "password": "s3cr!t" },
    });
    let reply = admin.post("/v1.0/users", body).await;
    assert!(!reply.body.to_string().contains("s3cr!t"));
    let message = reply.expect_error(400, "BadRequest");
    assert!(message.contains("passwordProfile.password"), "{message}");
    assert!(message.contains("at least 8 characters"), "{message}");
    assert_eq!(snapshot(&admin).await, before);
}

#[common::both_backends]
async fn d1_display_name_and_account_enabled_change_with_patch() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    admin
        .patch(
            "/v1.0/users/alice@contoso.com",
            json!({ "displayName": "Alice Smith" }),
        )
        .await
        .expect(204);
    let user = admin.get(&format!("/v1.0/users/{alice}")).await.expect(200);
    assert_eq!(user["displayName"], "Alice Smith");
    assert_eq!(user["accountEnabled"], true);

    let message = admin
        .patch(
            &format!("/v1.0/users/{alice}"),
            json!({ "displayName": null }),
        )
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("displayName"), "{message}");
    let message = admin
        .patch(
            &format!("/v1.0/users/{alice}"),
            json!({ "displayName": "  " }),
        )
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("displayName"), "{message}");
    assert_eq!(
        admin.get(&format!("/v1.0/users/{alice}")).await.expect(200),
        user
    );
}

// ---------------------------------------------------------------------------------------------
// D8 credential protection

async fn reset_password(client: &Client, user: &str, password: &str) -> common::Reply {
    client
        .patch(
            &format!("/v1.0/users/{user}"),
            json!({ "passwordProfile": { "password": password, "forceChangePasswordNextSignIn": false } }),
        )
        .await
}

#[common::both_backends]
async fn d8_helpdesk_resets_the_password_of_a_user_without_privileged_access() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("Sales", false).await;
    admin.add_member(&group, &alice).await;
    let (_, helpdesk) = server
        .user_with_role("helpdesk@contoso.com", BuiltInRole::HelpdeskAdministrator)
        .await;

    reset_password(&helpdesk, &alice, "new-password-2")
        .await
        .expect(204);

    server
        .sign_in("alice@contoso.com", PASSWORD)
        .await
        .expect_error(401, "InvalidCredentials");
    server
        .client_as("alice@contoso.com", "new-password-2")
        .await;
}

#[common::both_backends]
async fn d8_helpdesk_cannot_reset_the_password_of_a_member_of_a_role_assignable_group() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("Tier 0", true).await;
    admin.add_member(&group, &alice).await;
    let (_, helpdesk) = server
        .user_with_role("helpdesk@contoso.com", BuiltInRole::HelpdeskAdministrator)
        .await;

    let message = reset_password(&helpdesk, &alice, "new-password-2")
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert!(!message.contains("new-password-2"));
    server.client_as("alice@contoso.com", PASSWORD).await;
    server
        .sign_in("alice@contoso.com", "new-password-2")
        .await
        .expect_error(401, "InvalidCredentials");

    // Owners are protected too, and a user holding a role.
    let bob = admin.create_user("bob@contoso.com").await;
    admin.add_owner(&group, &bob).await;
    reset_password(&helpdesk, &bob, "new-password-2")
        .await
        .expect_error(403, "Authorization_RequestDenied");
    let carol = admin.create_user("carol@contoso.com").await;
    admin
        .assign_role(&carol, BuiltInRole::ExchangeAdministrator, "/")
        .await;
    reset_password(&helpdesk, &carol, "new-password-2")
        .await
        .expect_error(403, "Authorization_RequestDenied");

    // A Privileged Role Administrator may.
    let (_, pra) = server
        .user_with_role("pra@contoso.com", BuiltInRole::PrivilegedRoleAdministrator)
        .await;
    reset_password(&pra, &alice, "new-password-2")
        .await
        .expect(204);
    server
        .client_as("alice@contoso.com", "new-password-2")
        .await;
}

#[common::both_backends]
async fn d8_a_user_without_a_role_cannot_reset_passwords() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    admin.create_user("bob@contoso.com").await;
    let bob = server.client_as("bob@contoso.com", PASSWORD).await;
    reset_password(&bob, &alice, "new-password-2")
        .await
        .expect_error(403, "Authorization_RequestDenied");
    server.client_as("alice@contoso.com", PASSWORD).await;
}

// ---------------------------------------------------------------------------------------------
// D2 groups

#[common::both_backends]
async fn d2_a_security_group_reads_back_in_graph_shape() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let body = json!({
        "description": "Self help community for golf",
        "displayName": "Golf Assist",
        "groupTypes": [],
        "mailEnabled": false,
        "mailNickname": "golfassist",
        "securityEnabled": true,
    });
    let created = admin.post("/v1.0/groups", body).await.expect(201);
    let id = created["id"].as_str().unwrap().to_string();
    let expected = json!({
        "@odata.context": format!("{}/v1.0/$metadata#groups/$entity", server.base_url),
        "@odata.type": "#microsoft.graph.group",
        "id": id,
        "displayName": "Golf Assist",
        "description": "Self help community for golf",
        "groupTypes": [],
        "securityEnabled": true,
        "mailEnabled": false,
        "isAssignableToRole": false,
        "membershipRule": null,
        "membershipRuleProcessingState": null,
        "onPremisesSyncEnabled": null,
        "createdDateTime": graph_time(start_time()),
    });
    assert_eq!(created, expected);
    assert_eq!(
        admin.get(&format!("/v1.0/groups/{id}")).await.expect(200),
        expected
    );
    assert_eq!(admin.ids("/v1.0/groups").await, vec![id]);
}

#[common::both_backends]
async fn d2_microsoft_365_dynamic_and_synced_groups_keep_their_kind() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let unified = admin
        .post(
            "/v1.0/groups",
            json!({
                "displayName": "Marketing",
                "groupTypes": ["unified"],
                "mailEnabled": true,
                "mailNickname": "marketing",
                "securityEnabled": false,
            }),
        )
        .await
        .expect(201);
    assert_eq!(unified["groupTypes"], json!(["Unified"]));
    assert_eq!(unified["mailEnabled"], true);

    let dynamic = admin
        .post(
            "/v1.0/groups",
            json!({
                "displayName": "All Sales",
                "groupTypes": ["DynamicMembership"],
                "mailEnabled": false,
                "mailNickname": "allsales",
                "securityEnabled": true,
                "membershipRule": "user.department -eq \"Sales\"",
                "membershipRuleProcessingState": "on",
            }),
        )
        .await
        .expect(201);
    assert_eq!(dynamic["groupTypes"], json!(["DynamicMembership"]));
    assert_eq!(dynamic["membershipRule"], "user.department -eq \"Sales\"");
    assert_eq!(dynamic["membershipRuleProcessingState"], "On");

    let synced = admin
        .post(
            "/v1.0/groups",
            json!({
                "@odata.type": "#microsoft.graph.group",
                "displayName": "From AD",
                "mailEnabled": false,
                "mailNickname": "fromad",
                "securityEnabled": true,
                "onPremisesSyncEnabled": true,
            }),
        )
        .await
        .expect(201);
    assert_eq!(synced["onPremisesSyncEnabled"], true);
    assert_eq!(synced["groupTypes"], json!([]));

    let listed = admin
        .get("/v1.0/groups?$filter=mailEnabled%20eq%20true&$select=displayName")
        .await
        .expect(200);
    assert_eq!(
        listed["value"],
        json!([{ "@odata.type": "#microsoft.graph.group", "displayName": "Marketing" }])
    );
}

#[common::both_backends]
async fn d2_distribution_groups_are_refused() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let before = snapshot(&admin).await;
    let message = admin
        .post(
            "/v1.0/groups",
            json!({ "displayName": "Newsletter", "mailEnabled": true, "mailNickname": "news", "securityEnabled": false }),
        )
        .await
        .expect_error(400, "BadRequest");
    assert!(
        message.contains("Stint manages security and Microsoft 365 groups only"),
        "{message}"
    );
    assert!(message.contains("securityEnabled"), "{message}");
    assert_eq!(snapshot(&admin).await, before);
}

#[common::both_backends]
async fn d2_inconsistent_group_bodies_are_refused_naming_the_field() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let before = snapshot(&admin).await;
    let cases = [
        (
            json!({ "displayName": "X", "groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false, "isAssignableToRole": true }),
            "isAssignableToRole",
        ),
        (
            json!({ "displayName": "X", "groupTypes": ["DynamicMembership"], "mailEnabled": false, "securityEnabled": true }),
            "membershipRule",
        ),
        (
            json!({ "displayName": "X", "mailEnabled": false, "securityEnabled": true, "membershipRule": "user.department -eq \"Sales\"" }),
            "groupTypes",
        ),
        (
            json!({ "displayName": "X", "mailEnabled": true, "securityEnabled": true }),
            "mailEnabled",
        ),
        (
            json!({ "displayName": "X", "groupTypes": ["Unified"], "mailEnabled": false, "securityEnabled": true }),
            "mailEnabled",
        ),
        (
            json!({ "displayName": "X", "securityEnabled": true, "membershipRuleProcessingState": "On" }),
            "membershipRuleProcessingState",
        ),
        (
            json!({ "displayName": "", "securityEnabled": true }),
            "displayName",
        ),
        (
            json!({ "displayName": "x".repeat(257), "securityEnabled": true }),
            "displayName",
        ),
        (
            json!({ "displayName": "X", "description": "d".repeat(1025), "securityEnabled": true }),
            "description",
        ),
    ];
    for (body, field) in cases {
        let message = admin
            .post("/v1.0/groups", body.clone())
            .await
            .expect_error(400, "BadRequest");
        assert!(message.contains(field), "{body}: {message}");
    }
    // A role-assignable group cannot be dynamic (core's rule).
    let message = admin
        .post(
            "/v1.0/groups",
            json!({
                "displayName": "X", "securityEnabled": true, "isAssignableToRole": true,
                "groupTypes": ["DynamicMembership"], "membershipRule": "user.department -eq \"Sales\"",
            }),
        )
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("dynamic"), "{message}");
    assert_eq!(snapshot(&admin).await, before);
}

#[common::both_backends]
async fn d2_is_assignable_to_role_can_never_change() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Tier 0", true).await;
    let before = admin
        .get(&format!("/v1.0/groups/{group}"))
        .await
        .expect(200);

    let message = admin
        .patch(
            &format!("/v1.0/groups/{group}"),
            json!({ "isAssignableToRole": false, "displayName": "Renamed" }),
        )
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("isAssignableToRole"), "{message}");
    assert_eq!(
        admin
            .get(&format!("/v1.0/groups/{group}"))
            .await
            .expect(200),
        before
    );

    // Sending the value it has is no change.
    admin
        .patch(
            &format!("/v1.0/groups/{group}"),
            json!({ "isAssignableToRole": true }),
        )
        .await
        .expect(204);
    assert_eq!(
        admin
            .get(&format!("/v1.0/groups/{group}"))
            .await
            .expect(200),
        before
    );
}

#[common::both_backends]
async fn d2_patch_renames_and_clears_the_description() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin
        .create_group_with(json!({ "displayName": "Sales", "description": "EMEA", "securityEnabled": true, "mailEnabled": false }))
        .await;
    admin
        .patch(
            &format!("/v1.0/groups/{group}"),
            json!({ "displayName": "Sales EMEA", "description": null }),
        )
        .await
        .expect(204);
    let read = admin
        .get(&format!("/v1.0/groups/{group}"))
        .await
        .expect(200);
    assert_eq!(read["displayName"], "Sales EMEA");
    assert_eq!(read["description"], Value::Null);
    let selected = admin
        .get(&format!("/v1.0/groups/{group}?$select=id,description"))
        .await
        .expect(200);
    assert_eq!(
        selected,
        json!({
            "@odata.context": format!("{}/v1.0/$metadata#groups(id,description)/$entity", server.base_url),
            "@odata.type": "#microsoft.graph.group",
            "id": group,
            "description": null,
        })
    );
}

#[common::both_backends]
async fn d2_only_group_administrators_may_create_and_change_groups() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    admin.create_user("alice@contoso.com").await;
    let alice = server.client_as("alice@contoso.com", PASSWORD).await;
    let group = admin.create_group("Sales", false).await;
    let before = snapshot(&admin).await;
    alice
        .post(
            "/v1.0/groups",
            json!({ "displayName": "Mine", "securityEnabled": true }),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    alice
        .patch(
            &format!("/v1.0/groups/{group}"),
            json!({ "displayName": "Hacked" }),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    alice
        .delete(&format!("/v1.0/groups/{group}"))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert_eq!(snapshot(&admin).await, before);

    // A Groups Administrator may create ordinary groups, but not role-assignable ones.
    let (_, groups_admin) = server
        .user_with_role("ga@contoso.com", BuiltInRole::GroupsAdministrator)
        .await;
    groups_admin
        .post(
            "/v1.0/groups",
            json!({ "displayName": "Ops", "securityEnabled": true }),
        )
        .await
        .expect(201);
    let before = snapshot(&admin).await;
    groups_admin
        .post(
            "/v1.0/groups",
            json!({ "displayName": "Tier 0", "securityEnabled": true, "isAssignableToRole": true }),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert_eq!(snapshot(&admin).await, before);
}

// ---------------------------------------------------------------------------------------------
// D3 role-assignable limit

#[common::both_backends]
async fn d3_the_role_assignable_group_limit_is_enforced() {
    let config = AppConfig {
        role_assignable_group_limit: 2,
        ..test_config()
    };
    let server = TestServer::start_with(config).await;
    let admin = server.admin().await;
    admin.create_group("Tier 0 A", true).await;
    let deleted = admin.create_group("Tier 0 B", true).await;
    admin.create_group("Ordinary", false).await;
    let before = snapshot(&admin).await;

    let body = json!({ "displayName": "Tier 0 C", "securityEnabled": true, "mailEnabled": false, "isAssignableToRole": true });
    let message = admin
        .post("/v1.0/groups", body.clone())
        .await
        .expect_error(400, "RoleAssignableGroupLimitReached");
    assert!(message.contains('2'), "{message}");
    assert_eq!(snapshot(&admin).await, before);

    // Groups that are not role-assignable are not limited; deleting one makes room.
    admin.create_group("Ordinary 2", false).await;
    admin
        .delete(&format!("/v1.0/groups/{deleted}"))
        .await
        .expect(204);
    admin.post("/v1.0/groups", body).await.expect(201);
}

// ---------------------------------------------------------------------------------------------
// P5 deleted groups

#[common::both_backends]
async fn p5_a_deleted_group_is_gone_with_its_memberships_and_roles() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("Tier 0", true).await;
    admin.add_member(&group, &alice).await;
    let assignment = admin
        .assign_role(&group, BuiltInRole::UserAdministrator, "/")
        .await;

    admin
        .delete(&format!("/v1.0/groups/{group}"))
        .await
        .expect(204);

    admin
        .get(&format!("/v1.0/groups/{group}"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    admin
        .get(&members_of(&group))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    assert!(!admin.ids("/v1.0/groups").await.contains(&group));
    assert!(admin
        .ids(&format!("/v1.0/users/{alice}/memberOf"))
        .await
        .is_empty());
    admin
        .get(&format!("{ROLE_ASSIGNMENTS}/{assignment}"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    admin
        .delete(&format!("/v1.0/groups/{group}"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
}

// ---------------------------------------------------------------------------------------------
// D7 members and owners through the groups API

#[common::both_backends]
async fn d7_an_administrator_adds_and_removes_members_and_owners() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let bob = admin.create_user("bob@contoso.com").await;
    let group = admin.create_group("Sales", false).await;

    admin.add_member(&group, &bob).await;
    // Any URL or path ending in /users/{id} or /directoryObjects/{id} is a reference.
    admin
        .post(
            &format!("{}/$ref", members_of(&group)),
            json!({ "@odata.id": format!("/v1.0/users/{alice}") }),
        )
        .await
        .expect(204);
    admin
        .post(
            &format!("{}/$ref", owners_of(&group)),
            json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/users/{alice}") }),
        )
        .await
        .expect(204);

    let members = admin.get(&members_of(&group)).await.expect(200);
    assert_eq!(
        members,
        json!({
            "@odata.context": format!("{}/v1.0/$metadata#directoryObjects", server.base_url),
            "value": [
                {
                    "@odata.type": "#microsoft.graph.user", "id": alice, "displayName": "alice",
                    "userPrincipalName": "alice@contoso.com", "accountEnabled": true,
                    "createdDateTime": graph_time(start_time()), "mail": null,
                },
                {
                    "@odata.type": "#microsoft.graph.user", "id": bob, "displayName": "bob",
                    "userPrincipalName": "bob@contoso.com", "accountEnabled": true,
                    "createdDateTime": graph_time(start_time()), "mail": null,
                },
            ],
        })
    );
    assert_eq!(admin.ids(&owners_of(&group)).await, vec![alice.clone()]);
    assert_eq!(
        admin.ids(&format!("/v1.0/users/{alice}/memberOf")).await,
        vec![group.clone()]
    );

    // A second add of the same member is refused and changes nothing.
    let message = admin
        .post(&format!("{}/$ref", members_of(&group)), reference(&bob))
        .await
        .expect_error(400, "Request_MultipleObjectsWithSameKeyValue");
    assert!(message.contains("already exist"), "{message}");

    server.advance(TimeDelta::minutes(10));
    admin
        .delete(&format!("{}/{bob}/$ref", members_of(&group)))
        .await
        .expect(204);
    admin
        .delete(&format!("{}/{alice}/$ref", owners_of(&group)))
        .await
        .expect(204);
    assert_eq!(admin.ids(&members_of(&group)).await, vec![alice.clone()]);
    assert!(admin.ids(&owners_of(&group)).await.is_empty());
    admin
        .delete(&format!("{}/{bob}/$ref", members_of(&group)))
        .await
        .expect_error(404, "Request_ResourceNotFound");
}

#[common::both_backends]
async fn d7_bad_references_are_refused_naming_the_odata_id() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("Sales", false).await;
    let path = format!("{}/$ref", members_of(&group));
    for bad in [
        json!({ "@odata.id": alice }),
        json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/applications/{alice}") }),
        json!({ "@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/not-a-guid" }),
        json!({ "@odata.id": "" }),
    ] {
        let message = admin
            .post(&path, bad.clone())
            .await
            .expect_error(400, "BadRequest");
        assert!(message.contains("@odata.id"), "{bad}: {message}");
    }
    let message = admin
        .post(&path, json!({}))
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("@odata.id"), "{message}");
    admin
        .post(&path, reference("6d8f9a3c-1d59-4b83-8a3a-0d8d5b8e2f10"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    admin
        .post(
            "/v1.0/groups/6d8f9a3c-1d59-4b83-8a3a-0d8d5b8e2f10/members/$ref",
            reference(&alice),
        )
        .await
        .expect_error(404, "Request_ResourceNotFound");
    assert!(admin.ids(&members_of(&group)).await.is_empty());
}

#[common::both_backends]
async fn d7_helpdesk_cannot_add_members_to_a_role_assignable_group() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("Tier 0", true).await;
    let (helpdesk_id, helpdesk) = server
        .user_with_role("helpdesk@contoso.com", BuiltInRole::HelpdeskAdministrator)
        .await;
    let before = snapshot(&admin).await;

    for who in [&alice, &helpdesk_id] {
        helpdesk
            .post(&format!("{}/$ref", members_of(&group)), reference(who))
            .await
            .expect_error(403, "Authorization_RequestDenied");
        helpdesk
            .post(&format!("{}/$ref", owners_of(&group)), reference(who))
            .await
            .expect_error(403, "Authorization_RequestDenied");
    }
    assert_eq!(snapshot(&admin).await, before);
}

#[common::both_backends]
async fn d7_groups_administrator_manages_ordinary_groups_only() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let ordinary = admin.create_group("Sales", false).await;
    let tier0 = admin.create_group("Tier 0", true).await;
    let (_, groups_admin) = server
        .user_with_role("ga@contoso.com", BuiltInRole::GroupsAdministrator)
        .await;

    groups_admin.add_member(&ordinary, &alice).await;
    let before = snapshot(&admin).await;
    groups_admin
        .post(&format!("{}/$ref", members_of(&tier0)), reference(&alice))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert_eq!(snapshot(&admin).await, before);
}

#[common::both_backends]
async fn d7_an_owner_of_a_role_assignable_group_manages_its_members() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let owner_id = admin.create_user("owner@contoso.com").await;
    let alice = admin.create_user("alice@contoso.com").await;
    let tier0 = admin.create_group("Tier 0", true).await;
    let other = admin.create_group("Tier 0 other", true).await;
    admin.add_owner(&tier0, &owner_id).await;
    let owner = server.client_as("owner@contoso.com", PASSWORD).await;

    owner.add_member(&tier0, &alice).await;
    assert_eq!(admin.ids(&members_of(&tier0)).await, vec![alice.clone()]);
    owner
        .post(&format!("{}/$ref", members_of(&other)), reference(&alice))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert!(admin.ids(&members_of(&other)).await.is_empty());
}

#[common::both_backends]
async fn d7_exchange_administrator_manages_microsoft_365_groups_only() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let unified = admin
        .create_group_with(json!({ "displayName": "Marketing", "groupTypes": ["Unified"], "mailEnabled": true, "securityEnabled": false }))
        .await;
    let security = admin.create_group("Sales", false).await;
    let (_, exchange) = server
        .user_with_role("exchange@contoso.com", BuiltInRole::ExchangeAdministrator)
        .await;

    exchange.add_member(&unified, &alice).await;
    exchange
        .post(
            &format!("{}/$ref", members_of(&security)),
            reference(&alice),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert!(admin.ids(&members_of(&security)).await.is_empty());
}

#[common::both_backends]
async fn d7_an_administrator_scoped_to_a_unit_manages_the_groups_in_it() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let inside = admin.create_group("Paris Sales", false).await;
    let outside = admin.create_group("Berlin Sales", false).await;
    let unit = admin.create_unit("Paris").await;
    admin
        .post(&format!("{UNITS}/{unit}/members/$ref"), reference(&inside))
        .await
        .expect(204);
    let scoped_id = admin.create_user("scoped@contoso.com").await;
    admin
        .assign_role(
            &scoped_id,
            BuiltInRole::GroupsAdministrator,
            &format!("/administrativeUnits/{unit}"),
        )
        .await;
    let scoped = server.client_as("scoped@contoso.com", PASSWORD).await;

    scoped.add_member(&inside, &alice).await;
    scoped
        .post(&format!("{}/$ref", members_of(&outside)), reference(&alice))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert!(admin.ids(&members_of(&outside)).await.is_empty());
}

#[common::both_backends]
async fn d7_a_group_cannot_be_an_owner() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Sales", false).await;
    let other = admin.create_group("Ops", false).await;
    let message = admin
        .post(&format!("{}/$ref", owners_of(&group)), reference(&other))
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("Only users can be owners"), "{message}");
    assert!(admin.ids(&owners_of(&group)).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// D4 nesting

#[common::both_backends]
async fn d4_a_group_cannot_be_an_active_member_of_a_role_assignable_group() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let tier0 = admin.create_group("Tier 0", true).await;
    let helpers = admin.create_group("Helpers", false).await;
    let before = snapshot(&admin).await;
    let message = admin
        .post(&format!("{}/$ref", members_of(&tier0)), reference(&helpers))
        .await
        .expect_error(400, "GroupNestingNotAllowed");
    assert!(message.contains("Tier 0"), "{message}");
    assert_eq!(snapshot(&admin).await, before);
}

#[common::both_backends]
async fn d4_membership_cycles_are_refused() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let a = admin.create_group("A", false).await;
    let b = admin.create_group("B", false).await;
    admin.add_member(&b, &a).await;
    let before = snapshot(&admin).await;
    admin
        .post(&format!("{}/$ref", members_of(&a)), reference(&b))
        .await
        .expect_error(400, "MembershipCycle");
    admin
        .post(&format!("{}/$ref", members_of(&a)), reference(&a))
        .await
        .expect_error(400, "MembershipCycle");
    assert_eq!(snapshot(&admin).await, before);
}

#[common::both_backends]
async fn d4_transitive_members_and_member_of_follow_nesting() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let inner = admin.create_group("Inner", false).await;
    let outer = admin.create_group("Outer", false).await;
    admin.add_member(&inner, &alice).await;
    admin.add_member(&outer, &inner).await;

    assert_eq!(admin.ids(&members_of(&outer)).await, vec![inner.clone()]);
    // Sorted by display name: "alice" before "Inner", ignoring case.
    assert_eq!(
        admin
            .ids(&format!("/v1.0/groups/{outer}/transitiveMembers"))
            .await,
        vec![alice.clone(), inner.clone()]
    );
    assert_eq!(
        admin.ids(&format!("/v1.0/users/{alice}/memberOf")).await,
        vec![inner.clone()]
    );
    assert_eq!(
        admin
            .ids(&format!("/v1.0/users/{alice}/transitiveMemberOf"))
            .await,
        vec![inner.clone(), outer.clone()]
    );
    let groups_only = admin
        .get(&format!(
            "/v1.0/groups/{outer}/transitiveMembers?$filter=securityEnabled%20eq%20true&$select=id"
        ))
        .await
        .expect(200);
    assert_eq!(
        groups_only["value"],
        json!([{ "@odata.type": "#microsoft.graph.group", "id": inner }])
    );
}

// ---------------------------------------------------------------------------------------------
// D5, D6 roles

#[common::both_backends]
async fn d5_role_definitions_are_the_built_in_roles_with_stable_ids() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let list = admin
        .get("/v1.0/roleManagement/directory/roleDefinitions")
        .await
        .expect(200);
    assert_eq!(
        list["@odata.context"],
        format!(
            "{}/v1.0/$metadata#roleManagement/directory/roleDefinitions",
            server.base_url
        )
    );
    let names: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "Authentication Administrator",
            "Directory Writers",
            "Exchange Administrator",
            "Global Administrator",
            "Groups Administrator",
            "Helpdesk Administrator",
            "Identity Governance Administrator",
            "Privileged Role Administrator",
            "User Administrator",
        ]
    );
    let global = admin
        .get("/v1.0/roleManagement/directory/roleDefinitions/62e90394-69f5-4237-9190-012177145e10")
        .await
        .expect(200);
    assert_eq!(
        global,
        json!({
            "@odata.context": format!("{}/v1.0/$metadata#roleManagement/directory/roleDefinitions/$entity", server.base_url),
            "id": "62e90394-69f5-4237-9190-012177145e10",
            "displayName": "Global Administrator",
            "description": BuiltInRole::GlobalAdministrator.description(),
            "isBuiltIn": true,
            "isEnabled": true,
            "templateId": "62e90394-69f5-4237-9190-012177145e10",
            "rolePermissions": [],
        })
    );
    admin
        .get("/v1.0/roleManagement/directory/roleDefinitions/6d8f9a3c-1d59-4b83-8a3a-0d8d5b8e2f10")
        .await
        .expect_error(404, "Request_ResourceNotFound");
}

#[common::both_backends]
async fn d5_a_role_assignment_is_created_listed_read_and_removed() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let role = BuiltInRole::UserAdministrator.id().to_string();
    let created = admin
        .post(
            ROLE_ASSIGNMENTS,
            json!({
                "@odata.type": "#microsoft.graph.unifiedRoleAssignment",
                "principalId": alice,
                "roleDefinitionId": role,
                "directoryScopeId": "/",
            }),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().unwrap().to_string();
    let expected = json!({
        "@odata.context": format!("{}/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity", server.base_url),
        "id": id,
        "principalId": alice,
        "roleDefinitionId": role,
        "directoryScopeId": "/",
        "appScopeId": null,
    });
    assert_eq!(created, expected);
    assert_eq!(
        admin
            .get(&format!("{ROLE_ASSIGNMENTS}/{id}"))
            .await
            .expect(200),
        expected
    );

    // The bootstrap's Global Administrator assignment comes first (oldest).
    assert_eq!(admin.ids(ROLE_ASSIGNMENTS).await.len(), 2);
    assert_eq!(
        admin
            .ids(&format!(
                "{ROLE_ASSIGNMENTS}?$filter=principalId%20eq%20'{alice}'"
            ))
            .await,
        vec![id.clone()]
    );
    assert_eq!(
        admin
            .ids(&format!(
                "{ROLE_ASSIGNMENTS}?$filter=roleDefinitionId%20eq%20'{role}'"
            ))
            .await,
        vec![id.clone()]
    );
    let expanded = admin
        .get(&format!(
            "{ROLE_ASSIGNMENTS}/{id}?$expand=principal,roleDefinition"
        ))
        .await
        .expect(200);
    assert_eq!(
        expanded["principal"]["userPrincipalName"],
        "alice@contoso.com"
    );
    assert_eq!(
        expanded["roleDefinition"]["displayName"],
        "User Administrator"
    );

    // A second, identical assignment is refused.
    admin
        .post(
            ROLE_ASSIGNMENTS,
            json!({ "principalId": alice, "roleDefinitionId": role, "directoryScopeId": "/" }),
        )
        .await
        .expect_error(400, "RoleAssignmentExists");

    admin
        .delete(&format!("{ROLE_ASSIGNMENTS}/{id}"))
        .await
        .expect(204);
    admin
        .get(&format!("{ROLE_ASSIGNMENTS}/{id}"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    assert!(admin
        .ids(&format!(
            "{ROLE_ASSIGNMENTS}?$filter=principalId%20eq%20'{alice}'"
        ))
        .await
        .is_empty());
    admin
        .delete(&format!("{ROLE_ASSIGNMENTS}/{id}"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
}

#[common::both_backends]
async fn d5_only_role_assignable_groups_can_be_assigned_a_role() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let ordinary = admin.create_group("Sales", false).await;
    let tier0 = admin.create_group("Tier 0", true).await;
    let before = snapshot(&admin).await;
    let role = BuiltInRole::ExchangeAdministrator.id().to_string();
    let message = admin
        .post(
            ROLE_ASSIGNMENTS,
            json!({ "principalId": ordinary, "roleDefinitionId": role, "directoryScopeId": "/" }),
        )
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("role-assignable"), "{message}");
    assert_eq!(snapshot(&admin).await, before);
    admin
        .assign_role(&tier0, BuiltInRole::ExchangeAdministrator, "/")
        .await;
}

#[common::both_backends]
async fn d5_bad_role_assignment_bodies_are_refused_naming_the_field() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let unit = admin.create_unit("Paris").await;
    let role = BuiltInRole::HelpdeskAdministrator.id().to_string();
    let before = snapshot(&admin).await;
    let cases = [
        (
            json!({ "principalId": "alice", "roleDefinitionId": role, "directoryScopeId": "/" }),
            "principalId",
        ),
        (
            json!({ "principalId": alice, "roleDefinitionId": "6d8f9a3c-1d59-4b83-8a3a-0d8d5b8e2f10", "directoryScopeId": "/" }),
            "roleDefinitionId",
        ),
        (
            json!({ "principalId": alice, "roleDefinitionId": role, "directoryScopeId": "/groups/x" }),
            "directoryScopeId",
        ),
        (
            json!({ "principalId": alice, "roleDefinitionId": role, "directoryScopeId": "" }),
            "directoryScopeId",
        ),
        (
            json!({ "principalId": alice, "roleDefinitionId": role, "directoryScopeId": "/administrativeUnits/6d8f9a3c-1d59-4b83-8a3a-0d8d5b8e2f10" }),
            "administrative unit",
        ),
        (
            json!({ "principalId": alice, "roleDefinitionId": role }),
            "directoryScopeId",
        ),
    ];
    for (body, field) in cases {
        let message = admin
            .post(ROLE_ASSIGNMENTS, body.clone())
            .await
            .expect_error(400, "BadRequest");
        assert!(message.contains(field), "{body}: {message}");
    }
    admin
        .post(
            ROLE_ASSIGNMENTS,
            json!({ "principalId": "6d8f9a3c-1d59-4b83-8a3a-0d8d5b8e2f10", "roleDefinitionId": role, "directoryScopeId": "/" }),
        )
        .await
        .expect_error(400, "SubjectNotFound");
    assert_eq!(snapshot(&admin).await, before);
    admin
        .assign_role(
            &alice,
            BuiltInRole::HelpdeskAdministrator,
            &format!("/administrativeUnits/{unit}"),
        )
        .await;
}

#[common::both_backends]
async fn d5_only_privileged_administrators_manage_roles() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let existing = admin
        .assign_role(&alice, BuiltInRole::DirectoryWriters, "/")
        .await;
    let (_, user_admin) = server
        .user_with_role("ua@contoso.com", BuiltInRole::UserAdministrator)
        .await;
    let before = snapshot(&admin).await;
    user_admin
        .post(
            ROLE_ASSIGNMENTS,
            json!({ "principalId": alice, "roleDefinitionId": BuiltInRole::GlobalAdministrator.id().to_string(), "directoryScopeId": "/" }),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    user_admin
        .delete(&format!("{ROLE_ASSIGNMENTS}/{existing}"))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    user_admin
        .post(UNITS, json!({ "displayName": "Mine" }))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert_eq!(snapshot(&admin).await, before);
    // Reading is open to any signed-in user.
    assert_eq!(user_admin.ids(ROLE_ASSIGNMENTS).await.len(), 3);
}

#[common::both_backends]
async fn d6_members_of_a_group_that_holds_a_role_hold_the_role() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("User admins", true).await;
    admin
        .assign_role(&group, BuiltInRole::UserAdministrator, "/")
        .await;
    let client = server.client_as("alice@contoso.com", PASSWORD).await;
    let new_user = |upn: &str| json!({ "accountEnabled": true, "displayName": "X", "userPrincipalName": upn, "passwordProfile": { "password": PASSWORD } });

    client
        .post("/v1.0/users", new_user("x1@contoso.com"))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    admin.add_member(&group, &alice).await;
    client
        .post("/v1.0/users", new_user("x2@contoso.com"))
        .await
        .expect(201);
    server.advance(TimeDelta::minutes(10));
    admin
        .delete(&format!("{}/{alice}/$ref", members_of(&group)))
        .await
        .expect(204);
    client
        .post("/v1.0/users", new_user("x3@contoso.com"))
        .await
        .expect_error(403, "Authorization_RequestDenied");
}

// ---------------------------------------------------------------------------------------------
// Administrative units

#[common::both_backends]
async fn administrative_units_are_created_read_and_hold_members() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("Paris Sales", false).await;
    let created = admin
        .post(
            UNITS,
            json!({ "displayName": "Paris", "description": "Paris office" }),
        )
        .await
        .expect(201);
    let unit = created["id"].as_str().unwrap().to_string();
    let expected = json!({
        "@odata.context": format!("{}/v1.0/$metadata#directory/administrativeUnits/$entity", server.base_url),
        "@odata.type": "#microsoft.graph.administrativeUnit",
        "id": unit,
        "displayName": "Paris",
        "description": "Paris office",
        "visibility": null,
    });
    assert_eq!(created, expected);
    assert_eq!(
        admin.get(&format!("{UNITS}/{unit}")).await.expect(200),
        expected
    );
    assert_eq!(admin.ids(UNITS).await, vec![unit.clone()]);

    admin
        .post(&format!("{UNITS}/{unit}/members/$ref"), reference(&alice))
        .await
        .expect(204);
    admin
        .post(
            &format!("{UNITS}/{unit}/members/$ref"),
            json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/groups/{group}") }),
        )
        .await
        .expect(204);
    admin
        .post(&format!("{UNITS}/{unit}/members/$ref"), reference(&alice))
        .await
        .expect_error(400, "Request_MultipleObjectsWithSameKeyValue");
    let members = admin
        .get(&format!("{UNITS}/{unit}/members"))
        .await
        .expect(200);
    assert_eq!(
        members["@odata.context"],
        format!("{}/v1.0/$metadata#directoryObjects", server.base_url)
    );
    assert_eq!(members["value"][0]["id"], alice.as_str());
    assert_eq!(members["value"][0]["@odata.type"], "#microsoft.graph.user");
    assert_eq!(members["value"][1]["id"], group.as_str());
    assert_eq!(members["value"][1]["@odata.type"], "#microsoft.graph.group");

    admin
        .delete(&format!("{UNITS}/{unit}/members/{alice}/$ref"))
        .await
        .expect(204);
    assert_eq!(
        admin.ids(&format!("{UNITS}/{unit}/members")).await,
        vec![group]
    );
    admin
        .delete(&format!("{UNITS}/{unit}/members/{alice}/$ref"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    admin
        .get(&format!("{UNITS}/6d8f9a3c-1d59-4b83-8a3a-0d8d5b8e2f10"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    admin
        .get(&format!(
            "{UNITS}/6d8f9a3c-1d59-4b83-8a3a-0d8d5b8e2f10/members"
        ))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    let message = admin
        .post(UNITS, json!({ "displayName": " " }))
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("displayName"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// Bad input and authentication, across the endpoints

#[common::both_backends]
async fn i1_bad_input_is_a_graph_400_that_names_the_problem() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Sales", false).await;
    let before = snapshot(&admin).await;

    // Malformed JSON.
    let message = admin
        .send_raw(Method::POST, "/v1.0/groups", "{\"displayName\": \"X\",")
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("not valid JSON"), "{message}");
    let message = admin
        .send_raw(Method::PATCH, &format!("/v1.0/groups/{group}"), "")
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("empty"), "{message}");

    // Unknown property.
    let message = admin
        .post(
            "/v1.0/groups",
            json!({ "displayName": "X", "securityEnabled": true, "visibility": "Private" }),
        )
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("visibility"), "{message}");
    let message = admin
        .patch(
            &format!("/v1.0/users/{}", "admin"),
            json!({ "jobTitle": "Boss" }),
        )
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("jobTitle"), "{message}");

    // Wrong id format.
    let message = admin
        .get("/v1.0/groups/not-a-guid")
        .await
        .expect_error(400, "BadRequest");
    assert!(
        message.contains("'id'") && message.contains("not-a-guid"),
        "{message}"
    );
    let message = admin
        .delete(&format!("/v1.0/groups/{group}/members/42/$ref"))
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("memberId"), "{message}");
    admin
        .delete(&format!("{ROLE_ASSIGNMENTS}/42"))
        .await
        .expect_error(400, "BadRequest");

    // Unknown enum value.
    let message = admin
        .post(
            "/v1.0/groups",
            json!({ "displayName": "X", "securityEnabled": true, "groupTypes": ["Distribution"] }),
        )
        .await
        .expect_error(400, "BadRequest");
    assert!(
        message.contains("groupTypes") && message.contains("Unified, DynamicMembership"),
        "{message}"
    );

    // Missing required field.
    let message = admin
        .post("/v1.0/groups", json!({ "displayName": "X" }))
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("securityEnabled"), "{message}");
    let message = admin
        .post("/v1.0/users", json!({ "accountEnabled": true, "displayName": "X", "userPrincipalName": "x@contoso.com" }))
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("passwordProfile"), "{message}");

    // Wrong type.
    let message = admin
        .post(
            "/v1.0/groups",
            json!({ "displayName": "X", "securityEnabled": "yes" }),
        )
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("securityEnabled"), "{message}");

    assert_eq!(snapshot(&admin).await, before);
}

#[common::both_backends]
async fn i5_directory_calls_without_a_valid_token_are_401() {
    let server = TestServer::start().await;
    let anonymous = server.anonymous();
    for path in [
        "/v1.0/users",
        "/v1.0/me",
        "/v1.0/groups",
        ROLE_ASSIGNMENTS,
        UNITS,
    ] {
        anonymous
            .get(path)
            .await
            .expect_error(401, "InvalidAuthenticationToken");
    }
    anonymous
        .post(
            "/v1.0/groups",
            json!({ "displayName": "X", "securityEnabled": true }),
        )
        .await
        .expect_error(401, "InvalidAuthenticationToken");
    let admin = server.admin().await;
    assert!(admin.ids("/v1.0/groups").await.is_empty());
}
