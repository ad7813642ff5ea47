//! `stint recover-admin` as a process (issue 14 item 8, ADR 0008): the way back in when nobody
//! who holds Global Administrator can sign in, and its refusal while a server has the SQLite
//! database open.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

const ADMIN_PASSWORD: &str = "first-admin-password";

/// A `stint serve` process; killed when dropped.
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
    async fn start(database: &str) -> Server {
        let port = stint_testkit::free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_stint"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database",
                database,
            ])
            .env("STINT_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            let health = client
                .get(format!("{}/stint/v1/health", server.base))
                .send()
                .await;
            if health.is_ok_and(|response| response.status().is_success()) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not become healthy");
    }

    fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(self.child.wait().unwrap().success());
    }

    async fn sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}/stint/v1/auth/token", self.base))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
    }

    async fn token(&self, username: &str, password: &str) -> String {
        let response = self.sign_in(username, password).await;
        assert_eq!(response.status(), 200, "{username} signs in");
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    async fn call(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let client = reqwest::Client::new();
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => client.get(url),
            "POST" => client.post(url),
            "PATCH" => client.patch(url),
            "DELETE" => client.delete(url),
            other => panic!("{other}"),
        };
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let response = request.bearer_auth(token).send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn recover_admin(database: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stint"))
        .args(["recover-admin", "--database", database])
        .output()
        .unwrap()
}

/// The one-time password `recover-admin` printed: the indented line.
fn printed_password(stdout: &str) -> String {
    stdout
        .lines()
        .find(|line| line.starts_with("    ") && !line.trim().is_empty())
        .map(|line| line.trim().to_string())
        .unwrap_or_else(|| panic!("no password in {stdout:?}"))
}

#[common::both_backends]
async fn last_global_administrator_recover_admin_brings_back_a_locked_out_tenant() {
    let fresh = common::Database::fresh().await;
    let database = fresh.url().to_string();
    let server = Server::start(&database).await;
    let admin = server.token("admin", ADMIN_PASSWORD).await;

    // Bob becomes a second Global Administrator; then he takes admin's role and account away.
    let (status, bob) = server
        .call(
            &admin,
            "POST",
            "/v1.0/users",
            Some(
                json!({"accountEnabled": true, "displayName": "Bob", "userPrincipalName": "bob",
                        "passwordProfile": {"password": "bob-password-1"}}),
            ),
        )
        .await;
    assert_eq!(status, 201);
    let bob_id = bob["id"].as_str().unwrap().to_string();
    let (status, _) = server
        .call(
            &admin,
            "POST",
            "/v1.0/roleManagement/directory/roleAssignments",
            Some(json!({"principalId": bob_id, "directoryScopeId": "/",
                        "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10"})),
        )
        .await;
    assert_eq!(status, 201);
    let bob = server.token("bob", "bob-password-1").await;
    let (status, assignments) = server
        .call(
            &bob,
            "GET",
            "/v1.0/roleManagement/directory/roleAssignments",
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, me) = server.call(&admin, "GET", "/v1.0/me", None).await;
    assert_eq!(status, 200);
    let admin_id = me["id"].as_str().unwrap().to_string();
    let admins_role = assignments["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["principalId"] == admin_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = server
        .call(
            &bob,
            "DELETE",
            &format!("/v1.0/roleManagement/directory/roleAssignments/{admins_role}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = server
        .call(
            &bob,
            "PATCH",
            &format!("/v1.0/users/{admin_id}"),
            Some(json!({"accountEnabled": false})),
        )
        .await;
    assert_eq!(status, 204);
    // ... and bob's password is forgotten: nobody who can sign in holds the role any more.
    assert_eq!(server.sign_in("admin", ADMIN_PASSWORD).await.status(), 401);
    server.stop();

    let output = common::blocking(|| recover_admin(&database));
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let password = printed_password(&stdout);
    assert_ne!(password, ADMIN_PASSWORD);

    let server = Server::start(&database).await;
    assert_eq!(server.sign_in("admin", ADMIN_PASSWORD).await.status(), 401);
    let admin = server.token("admin", &password).await;
    let (status, _) = server
        .call(
            &admin,
            "POST",
            "/v1.0/users",
            Some(
                json!({"accountEnabled": true, "displayName": "Carol", "userPrincipalName": "carol",
                        "passwordProfile": {"password": "carol-password-1"}}),
            ),
        )
        .await;
    assert_eq!(status, 201, "admin is a Global Administrator again");
    let (status, audit) = server
        .call(&admin, "GET", "/stint/v1/audit?$top=999", None)
        .await;
    assert_eq!(status, 200);
    let recovered = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["action"] == "admin.recovered")
        .expect("the recovery is audited");
    assert!(
        !recovered.to_string().contains(&password),
        "the password is not in the audit"
    );
}

#[tokio::test]
async fn last_global_administrator_recover_admin_refuses_while_serving() {
    let fresh = common::Database::fresh().await;
    let database = fresh.url().to_string();
    let server = Server::start(&database).await;

    let output = common::blocking(|| recover_admin(&database));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`stint serve` is running"), "{stderr}");
    assert!(output.stdout.is_empty(), "no password was made");
    assert_eq!(
        server.sign_in("admin", ADMIN_PASSWORD).await.status(),
        200,
        "nothing changed"
    );
}
