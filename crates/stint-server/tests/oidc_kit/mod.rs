//! A real OpenID Provider for the OIDC tests: panva's `oidc-provider` (npm, installed by `.ci/run`
//! with `npm ci` in `tests/oidc/`), run by Node on a free loopback port with the script
//! `tests/oidc/op.mjs`, and a Stint server configured to sign in through it. Mandatory where
//! `STINT_TEST_OIDC` is set; elsewhere one loud `SKIPPED` line.
//!
//! [`Person`] is a browser without a person: a cookie jar that follows the redirects between Stint
//! and the provider, whose scripted interaction signs in the account named by the `login_hint`.
#![allow(dead_code, clippy::unwrap_used)]

pub mod browser;
pub mod provider;

use stint_app::config::{ClientSecret, OidcSettings};
use stint_app::AppConfig;
use stint_core::rules::federation::{Enrolment, LocalSignIn};

use crate::common::{test_config, TestServer};
pub use browser::{Answer, Person};
pub use provider::{OpenIdProvider, CLIENT_ID, CLIENT_SECRET};

/// A provider and a Stint server that signs in through it.
pub struct World {
    pub server: TestServer,
    pub provider: OpenIdProvider,
}

impl World {
    /// `None` where the suite is skipped.
    pub async fn start(test: &str, enrolment: Enrolment, mfa_acr: Option<&str>) -> Option<World> {
        World::start_with(test, enrolment, mfa_acr, true).await
    }

    /// [`World::start`] with a provider that offers the device authorization grant or not.
    pub async fn start_with(
        test: &str,
        enrolment: Enrolment,
        mfa_acr: Option<&str>,
        device_flow: bool,
    ) -> Option<World> {
        World::start_configured(test, enrolment, mfa_acr, device_flow, None).await
    }

    /// [`World::start`] with `--oidc-link-claim link_claim` (O6).
    pub async fn start_linking(
        test: &str,
        enrolment: Enrolment,
        link_claim: Option<&str>,
    ) -> Option<World> {
        World::start_configured(test, enrolment, None, true, link_claim).await
    }

    async fn start_configured(
        test: &str,
        enrolment: Enrolment,
        mfa_acr: Option<&str>,
        device_flow: bool,
        link_claim: Option<&str>,
    ) -> Option<World> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let public_url = format!("http://{}", listener.local_addr().unwrap());
        let callback = format!("{public_url}/ui/auth/oidc/callback");
        let provider = OpenIdProvider::start_with(test, &callback, device_flow)?;
        let config = AppConfig {
            public_url,
            oidc: Some(OidcSettings {
                issuer: provider.issuer.clone(),
                client_id: CLIENT_ID.into(),
                client_secret: Some(ClientSecret::new(CLIENT_SECRET)),
                scopes: vec!["openid".into(), "profile".into(), "email".into()],
                enrolment,
                mfa_acr: mfa_acr.map(str::to_owned),
                link_claim: link_claim.map(str::to_owned),
                display_name: "Test IdP".into(),
            }),
            local_sign_in: LocalSignIn::Admins,
            ..test_config()
        };
        let server = TestServer::start_on(listener, config).await;
        // The provider signs with the real time (`auth_time`, `exp`): the manual clock starts there.
        server.advance(chrono::Utc::now() - server.now());
        Some(World { server, provider })
    }

    /// The Stint user `name`, mail `{name}@example.com`, who has the account `{name}-sub` (address
    /// verified) at the provider; the user's id.
    pub async fn add_person(&self, name: &str) -> String {
        let admin = self.server.admin().await;
        let id = admin.create_user(name).await;
        let mail = format!("{name}@example.com");
        admin
            .patch(
                &format!("/v1.0/users/{id}"),
                serde_json::json!({ "mail": mail }),
            )
            .await
            .expect(204);
        self.provider
            .add_account(&format!("{name}-sub"), &mail, true)
            .await;
        id
    }

    pub fn person(&self) -> Person {
        Person::new(&self.server.base_url)
    }

    /// The audit events with `action`, as (result, message).
    pub async fn audit(&self, action: &str) -> Vec<(String, String)> {
        let admin = self.server.admin().await;
        let audit = admin.get("/stint/v1/audit?$top=999").await.expect(200);
        audit["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|event| event["action"] == action)
            .map(|event| {
                (
                    event["result"].as_str().unwrap_or_default().to_string(),
                    event["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }
}

/// Asserts that a refused sign-in was audited with a message containing `reason`.
pub async fn assert_refusal_audited(world: &World, reason: &str) {
    let refused = world.audit("auth.signInFailed").await;
    assert!(
        refused
            .iter()
            .any(|(result, message)| result == "failure" && message.contains(reason)),
        "no refusal saying {reason:?}: {refused:?}"
    );
}

impl Person {
    /// `GET /ui/auth/oidc/start`: the provider's authorization URL Stint sends the browser to.
    pub async fn start(&self, login_hint: &str) -> String {
        let answer = self
            .get(&format!(
                "/ui/auth/oidc/start?next=/ui/my-roles&login_hint={}",
                crate::ui_kit::encode(login_hint)
            ))
            .await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        answer.location.unwrap()
    }

    /// A sign-in through the provider as `login_hint` up to the callback URL, not yet visited.
    pub async fn to_callback(&self, login_hint: &str) -> String {
        let url = self.start(login_hint).await;
        self.through_provider(&url).await
    }

    /// The whole sign-in through the provider as `login_hint`: the callback's answer.
    pub async fn sign_in(&self, login_hint: &str) -> Answer {
        let callback = self.to_callback(login_hint).await;
        self.get(&callback).await
    }
}
