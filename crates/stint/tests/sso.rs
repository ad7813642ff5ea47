//! `stint login --sso` end to end (issue 17 item 4; O4, O1): the built binary signs in to a
//! `stint serve` through a real OpenID Provider (panva's `oidc-provider`, see
//! `crates/stint-server/tests/oidc_kit`), while the test plays the browser with a cookie jar: it
//! follows Stint's and the provider's redirects to the command line's loopback address, or enters
//! the device code at the provider. Mandatory where `STINT_TEST_OIDC` is set; elsewhere each test
//! prints one `SKIPPED` line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../stint-server/tests/oidc_kit/browser.rs"]
mod browser;
#[path = "../../stint-server/tests/oidc_kit/provider.rs"]
mod provider;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;

use browser::Person;
use provider::{OpenIdProvider, CLIENT_ID, CLIENT_SECRET};

const ADMIN_PASSWORD: &str = "admin-password-1";

/// `stint serve` signing in through `provider`, on a free port; killed when dropped.
struct Server {
    child: Child,
    base: String,
    _database: TempDir,
    provider: OpenIdProvider,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `None` where the suite is skipped.
    fn start(device_flow: bool) -> Option<Server> {
        Server::start_with(device_flow, true)
    }

    /// [`Server::start`]; without `oidc`, the server has no identity provider configured.
    fn start_with(device_flow: bool, oidc: bool) -> Option<Server> {
        let port = stint_testkit::free_port();
        let base = format!("http://127.0.0.1:{port}");
        let callback = format!("{base}/ui/auth/oidc/callback");
        let provider = OpenIdProvider::start_with("sso", &callback, device_flow)?;
        let database = tempfile::tempdir().unwrap();
        let listen = format!("127.0.0.1:{port}");
        let mut serve = Command::new(env!("CARGO_BIN_EXE_stint"));
        serve
            .args(["serve", "--listen", &listen, "--database"])
            .arg(database.path().join("stint.db"));
        if oidc {
            serve
                .args(["--oidc-issuer", &provider.issuer])
                .args(["--oidc-client-id", CLIENT_ID, "--oidc-link-by-email"])
                .env("STINT_OIDC_CLIENT_SECRET", CLIENT_SECRET);
        }
        let child = serve
            .env("STINT_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("STINT_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base,
            _database: database,
            provider,
        };
        let health = format!("{}/stint/v1/health", server.base);
        // The blocking client runs outside the test's async runtime.
        let healthy = std::thread::spawn(move || {
            let http = reqwest::blocking::Client::new();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                let answer = http.get(&health).send();
                if answer.is_ok_and(|response| response.status().is_success()) {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            false
        });
        assert!(healthy.join().unwrap(), "the server did not become healthy");
        Some(server)
    }

    async fn admin_call(&self, method: reqwest::Method, path: &str, body: Value) {
        let http = reqwest::Client::new();
        let token: Value = http
            .post(format!("{}/stint/v1/auth/token", self.base))
            .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let response = http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }

    /// The Stint user alice, whose account at the provider is `alice-sub`.
    async fn with_alice(self) -> Server {
        self.admin_call(
            reqwest::Method::POST,
            "/v1.0/users",
            json!({"accountEnabled": true, "displayName": "Alice", "userPrincipalName": "alice",
                   "mail": "alice@example.com", "passwordProfile": {"password": "alice-password-1"}}),
        )
        .await;
        self.provider
            .add_account("alice-sub", "alice@example.com", true)
            .await;
        self
    }

    /// `stint ARGS` as a person with the config directory `home`, stderr piped.
    fn stint(&self, home: &TempDir, args: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_stint"))
            .args(args)
            .args(["--server", &self.base])
            .env("STINT_CONFIG_DIR", home.path())
            .env_remove("STINT_TOKEN")
            .env_remove("STINT_SERVER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

/// Reads `child`'s stderr up to the first line starting with `prefix`; that line without it.
fn line_after(stderr: &mut BufReader<ChildStderr>, prefix: &str) -> String {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).unwrap();
        assert!(read > 0, "no line starting with {prefix:?} in: {seen}");
        if let Some(rest) = line.strip_prefix(prefix) {
            return rest.trim().to_string();
        }
        seen.push_str(&line);
    }
}

/// Waits for `child` to exit: its exit code, stdout and the rest of its stderr.
fn finish(mut child: Child, mut stderr: BufReader<ChildStderr>) -> (i32, String, String) {
    let status = child.wait().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    stderr.read_to_string(&mut err).unwrap();
    (status.code().unwrap_or(-1), out, err)
}

/// `stint login --sso` as `login_hint`, the browser played through to the loopback address.
async fn login_sso(server: &Server, home: &TempDir, login_hint: &str) -> (i32, String, String) {
    let mut child = server.stint(
        home,
        &["login", "--sso", "--no-browser", "--output", "json"],
    );
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let url = line_after(&mut stderr, "  ");
    assert!(
        url.contains("/ui/auth/oidc/cli?redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{url}"
    );
    let person = Person::new(&server.base);
    let hinted = format!("{url}&login_hint={login_hint}");
    let start = person.get(&hinted).await;
    assert_eq!(start.status, 303, "{}", start.body);
    let callback = person.through_provider(&start.location.unwrap()).await;
    let landing = person.get(&callback).await;
    assert_eq!(landing.status, 303, "{}", landing.body);
    let loopback = landing.location.unwrap();
    assert!(loopback.starts_with("http://127.0.0.1:"), "{loopback}");
    let page = person.get(&loopback).await;
    assert_eq!(page.status, 200, "{}", page.body);
    finish(child, stderr)
}

fn whoami(server: &Server, home: &TempDir) -> Value {
    let output = server
        .stint(home, &["whoami", "--output", "json"])
        .wait_with_output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn o4_o1_stint_login_sso_signs_in_in_the_browser_and_saves_a_working_token() {
    let Some(server) = Server::start(true) else {
        return;
    };
    let server = server.with_alice().await;
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = login_sso(&server, &home, "alice-sub").await;
    assert_eq!(code, 0, "{err}");
    let saved: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(saved["username"], "alice", "{out}");
    assert!(
        !out.contains("stint_") && !err.contains("stint_"),
        "no token printed"
    );
    let me = whoami(&server, &home);
    assert_eq!(me["userPrincipalName"], "alice", "{me}");
}

#[tokio::test]
async fn o4_o1_a_refused_identity_is_a_clear_error_of_stint_login_sso() {
    let Some(server) = Server::start(true) else {
        return;
    };
    server
        .provider
        .add_account("carol-sub", "carol@example.com", true)
        .await;
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) = login_sso(&server, &home, "carol-sub").await;
    assert_eq!(code, 3, "an authentication failure: {err}");
    assert!(err.contains("was refused"), "{err}");
    assert!(err.contains("You have no account in Stint yet"), "{err}");
    assert!(!home.path().join("credentials.json").exists());
}

#[tokio::test]
async fn o4_o1_stint_login_sso_device_signs_in_with_a_code_entered_at_the_provider() {
    let Some(server) = Server::start(true) else {
        return;
    };
    let server = server.with_alice().await;
    let home = tempfile::tempdir().unwrap();
    let mut child = server.stint(&home, &["login", "--sso", "--device"]);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let verification_uri = line_after(&mut stderr, "To sign in, visit:");
    let user_code = line_after(&mut stderr, "and enter the code:");
    assert!(
        verification_uri.starts_with(&server.provider.issuer),
        "{verification_uri}"
    );
    Person::new(&server.base)
        .enter_user_code(&verification_uri, &user_code)
        .await;
    let (code, out, err) = finish(child, stderr);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Signed in to") && out.contains("as alice"),
        "{out}"
    );
    assert_eq!(whoami(&server, &home)["userPrincipalName"], "alice");
}

#[tokio::test]
async fn o4_stint_login_sso_device_says_clearly_when_the_provider_lacks_the_grant() {
    let Some(server) = Server::start(false) else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let child = server.stint(&home, &["login", "--sso", "--device"]);
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("does not offer sign-in with a code"), "{err}");
    assert!(err.contains("without --device"), "{err}");
}

#[tokio::test]
async fn o4_stint_login_sso_says_at_once_when_the_server_has_no_identity_provider() {
    let Some(server) = Server::start_with(true, false) else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let output = server
        .stint(&home, &["login", "--sso", "--no-browser"])
        .wait_with_output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("not set up on this server"), "{err}");
}
