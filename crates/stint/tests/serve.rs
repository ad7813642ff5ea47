//! `stint serve` as a process: first start, a clean stop on SIGTERM, and a second start that keeps
//! everything (issue 2, SPEC I5).
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// A `stint serve` process; killed when dropped, if a test stops before terminating it.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn start(database: &str, admin_password: Option<&str>) -> Server {
        let port = stint_testkit::free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_stint"));
        command
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database",
                database,
            ])
            .env_remove("STINT_ADMIN_PASSWORD")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(password) = admin_password {
            command.env("STINT_ADMIN_PASSWORD", password);
        }
        let child = command.spawn().unwrap();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&self) {
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(response) = client
                .get(format!("{}/stint/v1/health", self.base))
                .send()
                .await
            {
                if response.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not become healthy");
    }

    /// Sends SIGTERM and waits for the process to exit.
    fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.child.wait().unwrap()
    }

    fn stdout(&mut self) -> String {
        use std::io::Read;
        let mut text = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }
}

async fn sign_in(base: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/stint/v1/auth/token"))
        .json(&json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap()
}

#[common::both_backends]
async fn i5_first_start_creates_admin_and_a_restart_keeps_everything() {
    let fresh = common::Database::fresh().await;
    let database = fresh.url();

    let mut server = Server::start(database, Some("first-admin-password")).await;
    let token: Value = sign_in(&server.base, "first-admin-password")
        .await
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let created = reqwest::Client::new()
        .post(format!("{}/v1.0/users", server.base))
        .bearer_auth(&token)
        .json(
            &json!({"accountEnabled": true, "displayName": "Alice", "userPrincipalName": "alice",
                      "passwordProfile": {"password": "alice-password-1"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let status = server.terminate();
    assert!(
        status.success(),
        "SIGTERM must stop the server cleanly, got {status}"
    );

    let mut server = Server::start(database, Some("ignored-on-second-start")).await;
    assert_eq!(
        sign_in(&server.base, "ignored-on-second-start")
            .await
            .status(),
        401
    );
    let response = sign_in(&server.base, "first-admin-password").await;
    assert_eq!(response.status(), 200);
    let token: Value = response.json().await.unwrap();
    let users: Value = reqwest::Client::new()
        .get(format!(
            "{}/v1.0/users?$filter=userPrincipalName%20eq%20'alice'",
            server.base
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users["value"][0]["displayName"], "Alice");
    assert!(server.terminate().success());
}

#[common::both_backends]
async fn i5_without_a_configured_password_one_is_generated_and_printed_once() {
    let fresh = common::Database::fresh().await;
    // SQLite by its plain path, the other form `--database` takes.
    let database = match fresh.sqlite_path() {
        Some(path) => path.display().to_string(),
        None => fresh.url().to_string(),
    };

    let mut server = Server::start(&database, None).await;
    assert!(server.terminate().success());
    let printed = server.stdout();
    let password = printed
        .lines()
        .map(str::trim)
        .find(|line| line.len() == 24 && line.chars().all(|c| c.is_ascii_alphanumeric()))
        .expect("the generated password is printed on its own line")
        .to_string();

    let mut server = Server::start(&database, None).await;
    assert_eq!(sign_in(&server.base, &password).await.status(), 200);
    assert!(server.terminate().success());
    assert!(
        !server.stdout().contains(&password),
        "the password is shown on first start only"
    );
}
