//! Sign-in through a real OpenID Provider (issue 17; O1, O2, O3): panva's `oidc-provider`, started
//! by the test on a free port (see `oidc_kit`). Mandatory where `STINT_TEST_OIDC` is set (`.ci/run`
//! installs the provider with `npm ci` and sets it); elsewhere each test prints one `SKIPPED` line.
#![allow(clippy::unwrap_used)]

mod common;
mod oidc_kit;
mod policy_helpers;
mod scim_kit;
mod ui_kit;

use chrono::TimeDelta;
use serde_json::json;
use stint_app::oidc::provider::ProviderError;
use stint_core::rules::federation::Enrolment;

use common::{Client, TestServer, PASSWORD};
use oidc_kit::{Person, World};
use policy_helpers::{managed_group, policy_id, POLICIES};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";
const LINK_BY_EMAIL: Enrolment = Enrolment {
    link_by_email: true,
    create_users: false,
};

/// A Stint user with `mail`, created by admin.
async fn user_with_mail(server: &TestServer, name: &str, mail: &str) -> String {
    let admin = server.admin().await;
    let id = admin.create_user(name).await;
    admin
        .patch(&format!("/v1.0/users/{id}"), json!({ "mail": mail }))
        .await
        .expect(204);
    id
}

/// A world where the Stint user `name` (mail `{name}@example.com`) has the account `{name}-sub` at
/// the provider, whose address is `verified` or not; the user's id.
async fn world_with(
    enrolment: Enrolment,
    mfa_acr: Option<&str>,
    name: &str,
    verified: bool,
) -> Option<(World, String)> {
    let world = World::start("oidc_sign_in", enrolment, mfa_acr).await?;
    let mail = format!("{name}@example.com");
    let id = user_with_mail(&world.server, name, &mail).await;
    world
        .provider
        .add_account(&format!("{name}-sub"), &mail, verified)
        .await;
    Some((world, id))
}

/// `person` visits `callback` and is refused, not signed in, as an answer that could not be
/// verified; the refusal is audited with `reason` (where the provider's answer got that far).
async fn assert_unverified(world: &World, person: &Person, callback: &str, reason: Option<&str>) {
    let page = person.get(callback).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("could not be verified"), "{}", page.body);
    assert!(person.session().is_none());
    if let Some(reason) = reason {
        oidc_kit::assert_refusal_audited(world, reason).await;
    }
}

/// Who the console session of `person` is.
async fn signed_in_as(server: &TestServer, person: &Person) -> String {
    let token = person.session().expect("a console session cookie");
    let me = server.anonymous().with_token(&token).get("/v1.0/me").await;
    me.expect(200)["userPrincipalName"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn o1_first_sign_in_links_by_verified_email_and_later_ones_by_iss_and_sub() {
    let Some((world, alice)) = world_with(LINK_BY_EMAIL, None, "alice", true).await else {
        return;
    };
    let server = &world.server;

    let person = world.person();
    let page = person.sign_in("alice-sub").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("url=/ui/my-roles"), "{}", page.body);
    assert_eq!(signed_in_as(server, &person).await, "alice");
    assert_eq!(person.get("/ui/my-roles").await.status, 200);

    // Linked by (iss, sub) now: the address no longer matters.
    let admin = server.admin().await;
    admin
        .patch(
            &format!("/v1.0/users/{alice}"),
            json!({ "mail": "alice@elsewhere.example" }),
        )
        .await
        .expect(204);
    let again = world.person();
    assert_eq!(again.sign_in("alice-sub").await.status, 200);
    assert_eq!(signed_in_as(server, &again).await, "alice");

    let linked = world.audit("auth.identityLinked").await;
    assert_eq!(linked.len(), 1, "linked once: {linked:?}");
    assert!(linked[0].1.contains("alice-sub"), "{linked:?}");
    let sign_ins = world.audit("auth.signIn").await;
    let through: Vec<_> = sign_ins
        .iter()
        .filter(|(_, message)| message.contains("signed in through the identity alice-sub"))
        .collect();
    assert_eq!(through.len(), 2, "{sign_ins:?}");
}

#[tokio::test]
async fn o1_an_unverified_email_is_not_linked_and_the_refusal_is_audited() {
    let Some((world, _)) = world_with(LINK_BY_EMAIL, None, "bob", false).await else {
        return;
    };
    let person = world.person();
    let page = person.sign_in("bob-sub").await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(
        page.body.contains("did not confirm your e-mail address"),
        "{}",
        page.body
    );
    assert!(person.session().is_none());
    oidc_kit::assert_refusal_audited(&world, "not say it is verified").await;
}

#[tokio::test]
async fn o1_an_unknown_identity_is_refused_unless_users_are_created() {
    let Some(world) = World::start("oidc_sign_in", LINK_BY_EMAIL, None).await else {
        return;
    };
    world
        .provider
        .add_account("carol-sub", "carol@example.com", true)
        .await;
    let page = world.person().sign_in("carol-sub").await;
    assert_eq!(page.status, 403);
    assert!(
        page.body.contains("You have no account in Stint yet"),
        "{}",
        page.body
    );
    let users = world
        .server
        .admin()
        .await
        .get("/v1.0/users")
        .await
        .expect(200);
    assert_eq!(
        users["value"].as_array().unwrap().len(),
        1,
        "only admin: {users}"
    );

    let create = Enrolment {
        link_by_email: false,
        create_users: true,
    };
    let Some(world) = World::start("oidc_sign_in", create, None).await else {
        return;
    };
    world
        .provider
        .add_account("carol-sub", "carol@example.com", true)
        .await;
    let person = world.person();
    assert_eq!(person.sign_in("carol-sub").await.status, 200);
    assert_eq!(
        signed_in_as(&world.server, &person).await,
        "carol@example.com"
    );
    let users = world
        .server
        .admin()
        .await
        .get("/v1.0/users")
        .await
        .expect(200);
    let carol = users["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userPrincipalName"] == "carol@example.com")
        .cloned()
        .unwrap();
    assert_eq!(carol["mail"], "carol@example.com");
    assert_eq!(carol["displayName"], "Person carol-sub");
    // Created without a password: it cannot be used to sign in.
    assert_eq!(
        world.server.sign_in("carol@example.com", "x").await.status,
        401
    );
}

#[tokio::test]
async fn o1_a_disabled_user_cannot_sign_in_through_the_provider() {
    let Some((world, dave)) = world_with(LINK_BY_EMAIL, None, "dave", true).await else {
        return;
    };
    assert_eq!(world.person().sign_in("dave-sub").await.status, 200);
    world
        .server
        .admin()
        .await
        .patch(
            &format!("/v1.0/users/{dave}"),
            json!({ "accountEnabled": false }),
        )
        .await
        .expect(204);
    let person = world.person();
    let page = person.sign_in("dave-sub").await;
    assert_eq!(page.status, 403);
    assert!(
        page.body.contains("Your account is disabled"),
        "{}",
        page.body
    );
    assert!(person.session().is_none());
}

#[tokio::test]
async fn o1_an_id_token_signed_with_another_key_is_refused() {
    let Some(world) = World::start("oidc_sign_in", LINK_BY_EMAIL, None).await else {
        return;
    };
    let oidc = world.server.app.oidc().unwrap();
    let now = world.server.now();
    let claims = json!({
        "sub": "mallory", "aud": oidc_kit::CLIENT_ID, "nonce": "n-1",
        "iat": now.timestamp(), "exp": (now + TimeDelta::minutes(5)).timestamp(),
        "email": "admin@example.com", "email_verified": true,
    });
    let forged = world.provider.forge(claims).await;
    let refused = oidc.provider().verify_raw(&forged, "n-1", now).await;
    assert!(
        matches!(&refused, Err(ProviderError::Rejected(why)) if why.contains("Signature")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn o1_an_expired_id_token_is_refused() {
    let Some((world, _)) = world_with(LINK_BY_EMAIL, None, "erin", true).await else {
        return;
    };
    let person = world.person();
    let callback = person.to_callback("erin-sub").await;
    // The provider's ID tokens live 60 s; Stint allows 60 s of skew. Five minutes on, the token
    // has expired, while the sign-in itself (ten minutes) has not.
    world.server.advance(TimeDelta::minutes(5));
    assert_unverified(&world, &person, &callback, Some("Expired")).await;
}

#[tokio::test]
async fn o1_an_id_token_for_another_nonce_is_refused() {
    let Some((world, _)) = world_with(LINK_BY_EMAIL, None, "frank", true).await else {
        return;
    };
    let person = world.person();
    let url = person.start("frank-sub").await;
    assert!(url.contains("nonce="), "{url}");
    let tampered: String = url
        .split('&')
        .map(|pair| {
            if pair.starts_with("nonce=") {
                "nonce=someone-elses-nonce".to_string()
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    let callback = person.through_provider(&tampered).await;
    assert_unverified(&world, &person, &callback, Some("nonce")).await;
}

#[tokio::test]
async fn o1_a_state_from_another_browser_is_refused() {
    let Some((world, _)) = world_with(LINK_BY_EMAIL, None, "gina", true).await else {
        return;
    };
    let callback = world.person().to_callback("gina-sub").await;
    // Another browser (without the login-state cookie) cannot use the answer.
    assert_unverified(&world, &world.person(), &callback, None).await;
}

#[tokio::test]
async fn o1_sign_in_goes_on_after_the_provider_rotates_its_keys() {
    let Some((world, _)) = world_with(LINK_BY_EMAIL, None, "hana", true).await else {
        return;
    };
    let person = world.person();
    assert_eq!(person.sign_in("hana-sub").await.status, 200);
    world.provider.rotate_keys().await;
    // The new provider instance keeps the accounts; Stint has only the old key cached.
    let after = world.person();
    let page = after.sign_in("hana-sub").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(signed_in_as(&world.server, &after).await, "hana");
}

/// ivan eligible for a group whose activation needs MFA: the enablement rule's, or with `acr`
/// the authentication context's; the group's id.
async fn eligible_with_mfa_policy(admin: &Client, ivan: &str, acr: Option<&str>) -> String {
    let group = managed_group(admin, "Production", false).await;
    let policy = policy_id(admin, &group, "member").await;
    if acr.is_none() {
        admin
            .patch(
                &format!("{POLICIES}/{policy}/rules/Enablement_EndUser_Assignment"),
                json!({
                    "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
                    "id": "Enablement_EndUser_Assignment",
                    "enabledRules": ["MultiFactorAuthentication"],
                    "target": policy_helpers::target("EndUser", "Assignment"),
                }),
            )
            .await
            .expect(204);
    }
    if let Some(acr) = acr {
        admin
            .patch(
                &format!("{POLICIES}/{policy}/rules/AuthenticationContext_EndUser_Assignment"),
                json!({
                    "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule",
                    "id": "AuthenticationContext_EndUser_Assignment",
                    "isEnabled": true,
                    "claimValue": acr,
                    "target": policy_helpers::target("EndUser", "Assignment"),
                }),
            )
            .await
            .expect(204);
    }
    admin
        .post(
            &format!("{PIM}/eligibilityScheduleRequests"),
            json!({
                "accessId": "member", "principalId": ivan, "groupId": group, "action": "adminAssign",
                "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
                "justification": "On call",
            }),
        )
        .await
        .expect(201);
    group
}

fn activation(ivan: &str, group: &str) -> serde_json::Value {
    json!({
        "accessId": "member", "principalId": ivan, "groupId": group, "action": "selfActivate",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } },
        "justification": "Deploying the fix",
    })
}

#[tokio::test]
async fn o2_v2_the_providers_mfa_in_amr_satisfies_an_activation_that_requires_mfa() {
    let Some((world, ivan)) = world_with(LINK_BY_EMAIL, None, "ivan", true).await else {
        return;
    };
    let server = &world.server;
    let admin = server.admin().await;
    let group = eligible_with_mfa_policy(&admin, &ivan, None).await;
    let requests = format!("{PIM}/assignmentScheduleRequests");

    let password_only = world.person();
    assert_eq!(password_only.sign_in("ivan-sub;amr=pwd").await.status, 200);
    let token = password_only.session().unwrap();
    let message = server
        .anonymous()
        .with_token(&token)
        .post(&requests, activation(&ivan, &group))
        .await
        .expect_error(400, "RoleAssignmentRequestPolicyValidationFailed");
    assert!(message.contains("MfaRule"), "{message}");

    let with_mfa = world.person();
    assert_eq!(with_mfa.sign_in("ivan-sub;amr=pwd,otp").await.status, 200);
    let token = with_mfa.session().unwrap();
    server
        .anonymous()
        .with_token(&token)
        .post(&requests, activation(&ivan, &group))
        .await
        .expect(201);
    let sign_ins = world.audit("auth.signIn").await;
    assert!(
        sign_ins
            .iter()
            .any(|(_, m)| m.contains("with multi-factor authentication")),
        "{sign_ins:?}"
    );
}

#[tokio::test]
async fn o2_a_step_up_at_the_provider_with_acr_values_satisfies_the_activation() {
    let Some(world) = World::start("oidc_sign_in", LINK_BY_EMAIL, Some("c1")).await else {
        return;
    };
    let server = &world.server;
    let admin = server.admin().await;
    // The account's sub is the address, which Stint sends as the step-up's login_hint.
    let judy = user_with_mail(server, "judy", "judy@example.com").await;
    let group = eligible_with_mfa_policy(&admin, &judy, Some("c1")).await;
    world
        .provider
        .add_account("judy@example.com", "judy@example.com", true)
        .await;
    let person = world.person();
    assert_eq!(person.sign_in("judy@example.com;amr=pwd").await.status, 200);
    let first = person.session().unwrap();
    let activate = format!("/ui/my-roles/activate?group={group}&access=member");

    let page = person.get(&activate).await;
    assert_eq!(page.status, 200);
    let at = page
        .body
        .find("href=\"/ui/auth/oidc/step-up?")
        .unwrap_or_else(|| panic!("no step-up link: {}", page.body));
    let href = page.body[at + 6..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(href.ends_with("&acr=c1"), "{href}");
    assert!(page.body.contains("Verify with Test IdP"));

    let answer = person.get(&href).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let callback = person.through_provider(&answer.location.unwrap()).await;
    let asked = world.provider.last_authorization().await;
    assert_eq!(asked["prompt"], "login");
    assert_eq!(asked["max_age"], "0");
    assert_eq!(asked["acr_values"], "c1");
    let page = person.get(&callback).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("url=/ui/my-roles/activate?group="),
        "{}",
        page.body
    );
    let second = person.session().unwrap();
    assert_ne!(first, second, "the step-up is a new session");
    server
        .anonymous()
        .with_token(&first)
        .get("/v1.0/me")
        .await
        .expect_error(401, "InvalidAuthenticationToken");

    server
        .anonymous()
        .with_token(&second)
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            activation(&judy, &group),
        )
        .await
        .expect(201);
}

#[tokio::test]
async fn o3_with_local_sign_in_for_admins_only_others_passwords_are_refused() {
    let Some(world) = World::start("oidc_sign_in", LINK_BY_EMAIL, None).await else {
        return;
    };
    let server = &world.server;
    server.admin().await.create_user("kim").await;
    let message = server
        .sign_in("kim", PASSWORD)
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert!(message.contains("identity provider"), "{message}");
    // The sign-in page offers the provider and says passwords are for administrators.
    let page = world.person().get("/ui/sign-in").await;
    assert!(page.body.contains("Sign in with Test IdP"), "{}", page.body);
    assert!(page
        .body
        .contains("Administrators may also sign in with a password"));
}

/// A world with `--oidc-link-claim` `link_claim` (and `--oidc-link-by-email`), and the provider's
/// Entra-shaped account `{name}-sub` whose `oid` is `oid` and whose address is not verified.
async fn entra_world(link_claim: Option<&str>, name: &str, oid: &str) -> Option<World> {
    let world = World::start_linking("oidc_sign_in", LINK_BY_EMAIL, link_claim).await?;
    world
        .provider
        .add_entra_account(&format!("{name}-sub"), &format!("{name}@contoso.com"), oid)
        .await;
    Some(world)
}

/// The user `name`@contoso.com provisioned over SCIM with `externalId`; its id.
async fn provisioned(server: &TestServer, name: &str, external_id: &str) -> String {
    let (_, scim) = scim_kit::provisioning(server).await;
    let user = scim
        .post(
            "/Users",
            json!({
                "schemas": [scim_kit::USER], "userName": format!("{name}@contoso.com"),
                "externalId": external_id,
            }),
        )
        .await
        .expect(201);
    user["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn o6_a_scim_user_signs_in_through_the_provider_by_its_oid_claim() {
    let Some(world) = entra_world(Some("oid"), "ada", "oid-ada").await else {
        return;
    };
    let server = &world.server;
    provisioned(server, "ada", "oid-ada").await;

    let person = world.person();
    let page = person.sign_in("ada-sub").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(signed_in_as(server, &person).await, "ada@contoso.com");
    let linked = world.audit("auth.identityLinked").await;
    assert_eq!(linked.len(), 1, "{linked:?}");
    assert!(
        linked[0]
            .1
            .contains("by its oid claim matching the SCIM externalId"),
        "{linked:?}"
    );

    // Later sign-ins go by (iss, sub): linked once.
    let again = world.person();
    assert_eq!(again.sign_in("ada-sub").await.status, 200);
    assert_eq!(signed_in_as(server, &again).await, "ada@contoso.com");
    assert_eq!(world.audit("auth.identityLinked").await.len(), 1);
}

#[tokio::test]
async fn o6_without_the_link_claim_the_provisioned_user_is_refused() {
    let Some(world) = entra_world(None, "bea", "oid-bea").await else {
        return;
    };
    let bea = provisioned(&world.server, "bea", "oid-bea").await;
    let person = world.person();
    let page = person.sign_in("bea-sub").await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(person.session().is_none());
    assert!(world.audit("auth.identityLinked").await.is_empty());
    let identities = world
        .server
        .admin()
        .await
        .get(&format!("/stint/v1/users/{bea}/identities"))
        .await
        .expect(200);
    assert_eq!(identities["value"], json!([]), "{identities}");
}

#[tokio::test]
async fn o6_a_local_user_is_never_linked_by_the_claim() {
    // Entra's `oid` is an object id: a local user whose id (or name) is the value stays unlinked.
    let Some(world) = World::start_linking("oidc_sign_in", LINK_BY_EMAIL, Some("oid")).await else {
        return;
    };
    let local = user_with_mail(&world.server, "carl", "carl@example.com").await;
    for (sub, oid) in [("carl-sub", local.as_str()), ("carl-2-sub", "carl")] {
        world
            .provider
            .add_entra_account(sub, "carl@example.com", oid)
            .await;
        let person = world.person();
        let page = person.sign_in(sub).await;
        assert_eq!(page.status, 403, "{}", page.body);
        assert!(person.session().is_none());
    }
    assert!(world.audit("auth.identityLinked").await.is_empty());
}
