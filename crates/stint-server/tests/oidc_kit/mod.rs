//! A real OpenID Provider for the OIDC tests: panva's `oidc-provider` (npm, installed by `.ci/run`
//! with `npm ci` in `tests/oidc/`), run by Node on a free loopback port with the script
//! `tests/oidc/op.mjs`, and a Stint server configured to sign in through it. Mandatory where
//! `STINT_TEST_OIDC` is set; elsewhere one loud `SKIPPED` line.
//!
//! [`Person`] is a browser without a person: a cookie jar that follows the redirects between Stint
//! and the provider, whose scripted interaction signs in the account named by the `login_hint`.
#![allow(dead_code, clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};

use reqwest::header::{HeaderMap, LOCATION};
use serde_json::{json, Value};
use stint_app::config::{ClientSecret, OidcSettings};
use stint_app::AppConfig;
use stint_core::rules::federation::{Enrolment, LocalSignIn};

use crate::common::{test_config, TestServer};

pub const CLIENT_ID: &str = "stint";
pub const CLIENT_SECRET: &str = "stint-test-client-secret";

/// `node op.mjs` on a free port, killed and reaped when dropped.
pub struct OpenIdProvider {
    child: Child,
    pub issuer: String,
    http: reqwest::Client,
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OpenIdProvider {
    /// The provider, with Stint's client answering to `redirect_uri`; `None` (after one
    /// `SKIPPED` line) where `STINT_TEST_OIDC` is not set.
    pub fn start(test: &str, redirect_uri: &str) -> Option<OpenIdProvider> {
        if std::env::var_os("STINT_TEST_OIDC").is_none() {
            eprintln!("SKIPPED {test}: set STINT_TEST_OIDC=1 (after `npm ci` in crates/stint-server/tests/oidc) to sign in through a real OpenID Provider");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc");
        let child = Command::new("node")
            .arg("op.mjs")
            .current_dir(directory)
            .env("PORT", port.to_string())
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("REDIRECT_URI", redirect_uri)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs tests/oidc/op.mjs (Node 20+, `npm ci` in tests/oidc)");
        let provider = OpenIdProvider {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(provider);
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("oidc-provider did not start on port {port}");
    }

    async fn call(&self, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.issuer);
        let request = match body {
            Some(body) => self.http.post(url).json(&body),
            None => self.http.get(url),
        };
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// An account at the provider; its `sub` is the login hint that signs it in.
    pub async fn add_account(&self, sub: &str, email: &str, email_verified: bool) {
        self.call(
            "/test/accounts",
            Some(json!({
                "sub": sub, "email": email, "email_verified": email_verified,
                "preferred_username": email, "name": format!("Person {sub}"),
            })),
        )
        .await;
    }

    /// Replaces the provider's signing key; returns the new `kid`.
    pub async fn rotate_keys(&self) -> String {
        let rotated = self.call("/test/rotate", Some(json!({}))).await;
        rotated["kid"].as_str().unwrap().to_string()
    }

    /// The parameters of the last authorization request the provider received.
    pub async fn last_authorization(&self) -> Value {
        self.call("/test/last-authorization", None).await
    }

    /// An ID token with `claims`, signed with a key the provider never published.
    pub async fn forge(&self, claims: Value) -> String {
        let forged = self
            .call("/test/forge", Some(json!({ "claims": claims })))
            .await;
        forged["id_token"].as_str().unwrap().to_string()
    }
}

/// A provider and a Stint server that signs in through it.
pub struct World {
    pub server: TestServer,
    pub provider: OpenIdProvider,
}

impl World {
    /// `None` where the suite is skipped.
    pub async fn start(test: &str, enrolment: Enrolment, mfa_acr: Option<&str>) -> Option<World> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let public_url = format!("http://{}", listener.local_addr().unwrap());
        let provider = OpenIdProvider::start(test, &format!("{public_url}/ui/auth/oidc/callback"))?;
        let config = AppConfig {
            public_url,
            oidc: Some(OidcSettings {
                issuer: provider.issuer.clone(),
                client_id: CLIENT_ID.into(),
                client_secret: Some(ClientSecret::new(CLIENT_SECRET)),
                scopes: vec!["openid".into(), "profile".into(), "email".into()],
                enrolment,
                mfa_acr: mfa_acr.map(str::to_owned),
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

/// A browser without a person: cookies kept, redirects followed one by one.
pub struct Person {
    http: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    base_url: String,
}

/// An answer of Stint or the provider.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Person {
    pub fn new(base_url: &str) -> Person {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Person {
            http: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar,
            base_url: base_url.to_string(),
        }
    }

    /// `path` on Stint, or an absolute URL.
    pub async fn get(&self, path: &str) -> Answer {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base_url)
        };
        let response = self.http.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        let location = location(response.headers());
        let body = response.text().await.unwrap_or_default();
        Answer {
            status,
            location,
            body,
        }
    }

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

    /// Follows the provider's redirects from `url` until they lead back to Stint's callback;
    /// returns the callback URL, not yet visited.
    pub async fn through_provider(&self, url: &str) -> String {
        let mut url = url.to_string();
        for _ in 0..20 {
            if url.starts_with(&self.base_url) {
                return url;
            }
            let answer = self.get(&url).await;
            let next = answer.location.unwrap_or_else(|| {
                panic!(
                    "the provider answered {} without a redirect: {}",
                    answer.status, answer.body
                )
            });
            url = if next.starts_with('/') {
                let origin: String = url.split('/').take(3).collect::<Vec<_>>().join("/");
                format!("{origin}{next}")
            } else {
                next
            };
        }
        panic!("too many redirects at the provider");
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

    /// The console's session token (its cookie), if signed in.
    pub fn session(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let cookies = self.jar.cookies(&self.base_url.parse().ok()?)?;
        cookies
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("stint_session="))
            .map(str::to_owned)
    }
}

fn location(headers: &HeaderMap) -> Option<String> {
    headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
