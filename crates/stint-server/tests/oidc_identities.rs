//! An administrator sees and unlinks a user's identities at the identity provider (O5), in the API
//! and on the user's console page, against a real OpenID Provider (see `oidc_kit`). Mandatory
//! where `STINT_TEST_OIDC` is set; elsewhere each test prints one `SKIPPED` line.
#![allow(clippy::unwrap_used)]

mod common;
mod oidc_kit;
mod ui_kit;

use serde_json::json;
use stint_core::rules::federation::Enrolment;

use common::{ADMIN, ADMIN_PASSWORD};
use oidc_kit::World;
use ui_kit::Browser;

const LINK_BY_EMAIL: Enrolment = Enrolment {
    link_by_email: true,
    create_users: false,
};

/// A world where alice signed in through the provider once (linked by e-mail) and bob is a plain
/// user; alice's id and her console session token.
async fn alice_linked() -> Option<(World, String, String)> {
    let world = World::start("oidc_identities", LINK_BY_EMAIL, None).await?;
    let alice = world.add_person("alice").await;
    world.add_person("bob").await;
    let person = world.person();
    assert_eq!(person.sign_in("alice-sub").await.status, 200);
    let session = person.session().unwrap();
    Some((world, alice, session))
}

#[tokio::test]
async fn o5_an_administrator_sees_and_unlinks_an_identity_which_ends_the_users_sessions() {
    let Some((world, alice, session)) = alice_linked().await else {
        return;
    };
    let server = &world.server;
    let admin = server.admin().await;
    let path = format!("/stint/v1/users/{alice}/identities");
    let listed = admin.get(&path).await.expect(200);
    let identities = listed["value"].as_array().unwrap();
    assert_eq!(identities.len(), 1, "{listed}");
    assert_eq!(identities[0]["issuer"], world.provider.issuer.as_str());
    assert_eq!(identities[0]["subject"], "alice-sub");
    let id = identities[0]["id"].as_str().unwrap().to_string();
    // Alice sees her own.
    let own = server.anonymous().with_token(&session).get(&path).await;
    assert_eq!(own.expect(200)["value"][0]["id"], id.as_str());

    admin.delete(&format!("{path}/{id}")).await.expect(204);
    server
        .anonymous()
        .with_token(&session)
        .get("/v1.0/me")
        .await
        .expect_error(401, "InvalidAuthenticationToken");
    let listed = admin.get(&path).await.expect(200);
    assert_eq!(listed["value"], json!([]));
    admin
        .delete(&format!("{path}/{id}"))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    let unlinked = world.audit("auth.identityUnlinked").await;
    assert_eq!(unlinked.len(), 1, "{unlinked:?}");
    assert!(
        unlinked[0].1.contains("alice-sub") && unlinked[0].1.contains("ended 1 session"),
        "{unlinked:?}"
    );

    // The next sign-in links anew, by the verified e-mail address.
    assert_eq!(world.person().sign_in("alice-sub").await.status, 200);
    assert_eq!(world.audit("auth.identityLinked").await.len(), 2);
}

#[tokio::test]
async fn o5_a_user_without_authority_over_another_neither_sees_nor_unlinks_their_identities() {
    let Some((world, alice, session)) = alice_linked().await else {
        return;
    };
    let server = &world.server;
    // Passwords are for administrators here: bob signs in through the provider too.
    let person = world.person();
    assert_eq!(person.sign_in("bob-sub").await.status, 200);
    let bob = server.anonymous().with_token(&person.session().unwrap());
    let path = format!("/stint/v1/users/{alice}/identities");
    bob.get(&path)
        .await
        .expect_error(403, "Authorization_RequestDenied");
    let id = server.admin().await.get(&path).await.expect(200)["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let message = bob
        .delete(&format!("{path}/{id}"))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert!(message.contains("alice"), "{message}");
    // Nothing changed: alice's session still works.
    assert_eq!(
        server
            .anonymous()
            .with_token(&session)
            .get("/v1.0/me")
            .await
            .expect(200)["userPrincipalName"],
        "alice"
    );
}

#[tokio::test]
async fn o5_the_users_console_page_lists_the_identity_and_unlinks_it() {
    let Some((world, alice, _)) = alice_linked().await else {
        return;
    };
    let browser = Browser::new(&world.server.base_url);
    browser.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    let page = browser.get(&format!("/ui/directory/users/{alice}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.contains("Identity provider sign-in"), "{}", page.body);
    assert!(page.contains("alice-sub"), "{}", page.body);
    let at = page.body.find("/identities/").unwrap();
    let action_start = page.body[..at].rfind('"').unwrap() + 1;
    let action = page.body[action_start..]
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(action.ends_with("/unlink"), "{action}");
    // Unlinking ends the user's sessions, so the console asks first (issue 19, item 6).
    let asked = browser.post(&action, &page.csrf(), &[]).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.contains("Unlink this identity?"), "{}", asked.body);
    assert!(page_still_lists(&browser, &alice).await);
    let answer = browser
        .post(&action, &page.csrf(), &[("confirm", "yes")])
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let page = browser.get(&format!("/ui/directory/users/{alice}")).await;
    assert!(!page.contains("alice-sub"), "{}", page.body);
    assert!(page.contains("No identity at an identity provider"));
    assert_eq!(world.audit("auth.identityUnlinked").await.len(), 1);
}

/// Whether alice's page still lists her identity.
async fn page_still_lists(browser: &Browser, alice: &str) -> bool {
    browser
        .get(&format!("/ui/directory/users/{alice}"))
        .await
        .contains("alice-sub")
}
