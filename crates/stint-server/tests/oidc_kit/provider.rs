//! panva's `oidc-provider` (npm, installed by `.ci/run` with `npm ci` in
//! `crates/stint-server/tests/oidc/`), run by Node on a free loopback port with the script
//! `op.mjs`: the real OpenID Provider of the OIDC tests of the server and of the `stint` binary.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

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
        OpenIdProvider::start_with(test, redirect_uri, true)
    }

    /// [`OpenIdProvider::start`], offering the device authorization grant or not.
    pub fn start_with(test: &str, redirect_uri: &str, device_flow: bool) -> Option<OpenIdProvider> {
        if std::env::var_os("STINT_TEST_OIDC").is_none() {
            eprintln!("SKIPPED {test}: set STINT_TEST_OIDC=1 (after `npm ci` in crates/stint-server/tests/oidc) to sign in through a real OpenID Provider");
            return None;
        }
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/../stint-server/tests/oidc");
        let mut child = Command::new("node")
            .arg("op.mjs")
            .current_dir(directory)
            .env("PORT", "0")
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("REDIRECT_URI", redirect_uri)
            .env("DEVICE_FLOW", if device_flow { "1" } else { "0" })
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs tests/oidc/op.mjs (Node 20+, `npm ci` in tests/oidc)");
        // It listens on a port the system chose, then prints its issuer: a port picked here and
        // handed over could be another test's provider's by then.
        let mut issuer = String::new();
        let stdout = child.stdout.take().expect("the provider's standard output");
        let mut stdout = BufReader::new(stdout);
        stdout.read_line(&mut issuer).unwrap();
        // The rest is read and dropped: a closed pipe would end the provider at its next line.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let issuer = issuer.trim().to_owned();
        assert!(
            issuer.starts_with("http://127.0.0.1:"),
            "oidc-provider did not start: it printed {issuer:?}"
        );
        Some(OpenIdProvider {
            child,
            issuer,
            http: reqwest::Client::new(),
        })
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

    /// An account with Entra's shape: an `oid` claim, an address the provider does not say is
    /// verified.
    pub async fn add_entra_account(&self, sub: &str, email: &str, oid: &str) {
        self.call(
            "/test/accounts",
            Some(json!({
                "sub": sub, "email": email, "preferred_username": email, "oid": oid,
                "name": format!("Person {sub}"),
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
