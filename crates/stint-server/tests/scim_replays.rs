//! M2, M3 and D4 over HTTP: the request sequences Microsoft Entra ID and Okta send when they
//! provision a user, put them in a group and deprovision them (as their provisioning
//! documentation shows them, deviations included), and a SCIM group nested as an eligible member
//! of a group under PIM.
#![allow(clippy::unwrap_used)]

mod common;
mod scim_kit;

use serde_json::json;

use common::{TestServer, PASSWORD};
use scim_kit::{is_member, provisioning, GROUP, PATCH_OP, USER};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

#[common::both_backends]
async fn m2_m3_entra_id_provisions_groups_and_deprovisions_a_user() {
    let server = TestServer::start().await;
    let (admin, entra) = provisioning(&server).await;
    let user_name = "Test_User_ab6490ee@contoso.com";
    let query = entra
        .get(&format!("/Users?filter=userName+eq+%22{user_name}%22"))
        .await
        .expect(200);
    assert_eq!(query["totalResults"], 0);
    assert_eq!(query["Resources"], json!([]));
    let created = entra
        .post("/Users", json!({
            "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": user_name,
            "active": true,
            "emails": [{ "primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com" }],
            "meta": { "resourceType": "User" },
            "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
            "roles": [],
        }))
        .await
        .expect(201);
    let id = created["id"].as_str().unwrap().to_string();
    let graph_user = admin.get(&format!("/v1.0/users/{id}")).await.expect(200);
    assert_eq!(graph_user["userPrincipalName"], user_name);
    assert_eq!(graph_user["displayName"], "givenName familyName");
    assert_eq!(graph_user["mail"], "Test_User_fd0ea19b@testuser.com");
    assert_eq!(graph_user["accountEnabled"], true);

    let by_external = entra
        .get("/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22")
        .await
        .expect(200);
    assert_eq!(by_external["Resources"][0]["id"], id.as_str());
    let updated = entra
        .patch(&format!("/Users/{id}"), json!([
            { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@contoso.com" },
            { "op": "Replace", "path": "name.familyName", "value": "updatedFamilyName" },
        ]))
        .await
        .expect(200);
    assert_eq!(updated["emails"][0]["value"], "updatedEmail@contoso.com");
    let graph_user = admin.get(&format!("/v1.0/users/{id}")).await.expect(200);
    assert_eq!(graph_user["mail"], "updatedEmail@contoso.com");

    let group = entra
        .post("/Groups", json!({
            "schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "DBAs",
            "meta": { "resourceType": "Group" },
        }))
        .await
        .expect(201);
    let group_id = group["id"].as_str().unwrap().to_string();
    let found = entra
        .get("/Groups?excludedAttributes=members&filter=displayName+eq+%22DBAs%22")
        .await
        .expect(200);
    assert_eq!(found["Resources"][0]["id"], group_id.as_str());
    entra
        .patch(
            &format!("/Groups/{group_id}"),
            json!([{
                "name": "addMember", "op": "Add", "path": "members",
                "value": [{ "displayName": "new member", "value": id }],
            }]),
        )
        .await
        .expect(200);
    assert!(is_member(&admin, &id, &group_id).await);
    entra
        .patch(
            &format!("/Groups/{group_id}"),
            json!([{
                "name": "removeMember", "op": "Remove", "path": "members",
                "value": [{ "displayName": "new member", "value": id }],
            }]),
        )
        .await
        .expect(200);
    assert!(!is_member(&admin, &id, &group_id).await);
    entra
        .patch(
            &format!("/Groups/{group_id}"),
            json!([
                { "op": "Add", "path": "members", "value": [{ "value": id }] },
            ]),
        )
        .await
        .expect(200);

    // Soft delete (unassigned in Entra ID): active as the string "False".
    let disabled = entra
        .patch(
            &format!("/Users/{id}"),
            json!([{ "op": "Replace", "path": "active", "value": "False" }]),
        )
        .await
        .expect(200);
    assert_eq!(disabled["active"], false);
    assert!(
        !is_member(&admin, &id, &group_id).await,
        "M3: membership ends at once"
    );
    let graph_user = admin.get(&format!("/v1.0/users/{id}")).await.expect(200);
    assert_eq!(graph_user["accountEnabled"], false);
    // Hard delete, 30 days later.
    entra.delete(&format!("/Users/{id}")).await.expect(204);
    entra
        .get(&format!("/Users/{id}"))
        .await
        .expect_scim_error(404, None);
    admin.get(&format!("/v1.0/users/{id}")).await.expect(200);
    let audit = admin.get("/stint/v1/audit").await.expect(200).to_string();
    for action in [
        "scim.user.create",
        "scim.group.member.add",
        "scim.group.member.remove",
        "scim.user.update",
        "scim.user.delete",
    ] {
        assert!(audit.contains(action), "{action} not audited");
    }
}

#[common::both_backends]
async fn m2_m3_okta_provisions_pushes_groups_and_deactivates_a_user() {
    let server = TestServer::start().await;
    let (admin, okta) = provisioning(&server).await;
    let none = okta
        .get("/Users?filter=userName%20eq%20%22isabelle%40example.com%22&startIndex=1&count=100")
        .await
        .expect(200);
    assert_eq!(none["totalResults"], 0);
    let created = okta
        .post(
            "/Users",
            json!({
                "schemas": [USER],
                "userName": "isabelle@example.com",
                "name": { "givenName": "Isabelle", "familyName": "Dupont" },
                "emails": [{ "primary": true, "value": "isabelle@example.com", "type": "work" }],
                "displayName": "Isabelle Dupont",
                "locale": "en-US",
                "externalId": "00ujl29u0le5T6Aj10h7",
                "groups": [],
                "password": "1mz050nq",
                "active": true,
            }),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["displayName"], "Isabelle Dupont");
    let replaced = okta
        .put(&format!("/Users/{id}"), json!({
            "schemas": [USER], "id": id, "userName": "isabelle@example.com",
            "name": { "givenName": "Isabelle", "familyName": "Martin" },
            "emails": [{ "primary": true, "value": "isabelle.martin@example.com", "type": "work" }],
            "displayName": "Isabelle Martin", "externalId": "00ujl29u0le5T6Aj10h7", "active": true,
        }))
        .await
        .expect(200);
    assert_eq!(replaced["name"]["familyName"], "Martin");

    let group = okta
        .post(
            "/Groups",
            json!({ "schemas": [GROUP], "displayName": "Test SCIMv2", "members": [] }),
        )
        .await
        .expect(201);
    let group_id = group["id"].as_str().unwrap().to_string();
    okta.patch(&format!("/Groups/{group_id}"), json!([
        { "op": "add", "path": "members", "value": [{ "value": id, "display": "isabelle@example.com" }] },
    ]))
    .await
    .expect(200);
    assert!(is_member(&admin, &id, &group_id).await);
    let renamed = okta
        .patch(&format!("/Groups/{group_id}"), json!([
            { "op": "replace", "value": { "id": group_id, "displayName": "Test SCIMv2 renamed" } },
        ]))
        .await
        .expect(200);
    assert_eq!(renamed["displayName"], "Test SCIMv2 renamed");
    okta.patch(
        &format!("/Groups/{group_id}"),
        json!([
            { "op": "remove", "path": format!("members[value eq \"{id}\"]") },
        ]),
    )
    .await
    .expect(200);
    assert!(!is_member(&admin, &id, &group_id).await);
    okta.patch(
        &format!("/Groups/{group_id}"),
        json!([
            { "op": "add", "path": "members", "value": [{ "value": id }] },
        ]),
    )
    .await
    .expect(200);

    let body = json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "replace", "value": { "active": false } }] });
    let deactivated = okta
        .send(
            reqwest::Method::PATCH,
            &format!("/Users/{id}"),
            Some(body),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(deactivated["active"], false);
    assert!(
        !is_member(&admin, &id, &group_id).await,
        "M3: membership ends at once"
    );
    okta.delete(&format!("/Groups/{group_id}"))
        .await
        .expect(204);
    okta.get(&format!("/Groups/{group_id}"))
        .await
        .expect_scim_error(404, None);
    let audit = admin.get("/stint/v1/audit").await.expect(200);
    let scim_events: Vec<&serde_json::Value> = (audit["value"].as_array().unwrap().iter())
        .filter(|event| {
            let action = event["action"].as_str().unwrap();
            action.starts_with("scim.") || action == "group.delete"
        })
        .collect();
    assert!(scim_events.len() >= 6, "{audit}");
    for event in scim_events {
        assert!(event["actorId"].is_null(), "SCIM acts as no user: {event}");
    }
}

#[common::both_backends]
async fn m2_d4_v6_a_scim_group_eligible_in_a_pim_group_lets_its_members_activate_until_removed() {
    let server = TestServer::start().await;
    let (admin, idp) = provisioning(&server).await;
    let dana = idp.create_user("dana@contoso.com").await;
    let dbas = idp.create_group("DBAs", &[&dana]).await;
    let production = admin.create_group("Prod DB Admins", true).await;
    admin
        .post(&format!("{PIM}/eligibilityScheduleRequests"), json!({
            "accessId": "member", "principalId": dbas, "groupId": production, "action": "adminAssign",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
            "justification": "The IdP's DBAs may elevate",
        }))
        .await
        .expect(201);
    // Provisioned people sign in through the identity provider; here the admin sets a password.
    admin
        .patch(
            &format!("/v1.0/users/{dana}"),
            json!({ "passwordProfile": { "password": PASSWORD } }),
        )
        .await
        .expect(204);
    let dana_client = server.client_as("dana@contoso.com", PASSWORD).await;
    dana_client
        .post(&format!("{PIM}/assignmentScheduleRequests"), json!({
            "accessId": "member", "principalId": dana, "groupId": production, "action": "selfActivate",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } },
            "justification": "Index rebuild",
        }))
        .await
        .expect(201);
    assert!(is_member(&admin, &dana, &production).await);

    idp.patch(
        &format!("/Groups/{dbas}"),
        json!([
            { "op": "remove", "path": format!("members[value eq \"{dana}\"]") },
        ]),
    )
    .await
    .expect(200);
    assert!(
        !is_member(&admin, &dana, &production).await,
        "removing her from the SCIM group ends her activation's effect at once"
    );
}
