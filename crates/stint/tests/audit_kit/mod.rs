//! What the audit chain and backup tests share: a `stint serve` process on a SQLite file, writes
//! through its API, and runs of the `stint` binary as an operator would.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const ADMIN_PASSWORD: &str = "audit-test-admin-password";

/// `stint serve` on a database and a free port; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub fn start(database: &str) -> Server {
        let port = stint_testkit::free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_stint"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database", database])
            .env("STINT_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("STINT_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::blocking::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if http
                .get(format!("{}/stint/v1/health", server.base))
                .send()
                .is_ok_and(|response| response.status().is_success())
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server at {} did not become healthy", server.base);
    }

    /// A bearer token for `username`.
    pub fn token(&self, username: &str, password: &str) -> String {
        let answer: Value = reqwest::blocking::Client::new()
            .post(format!("{}/stint/v1/auth/token", self.base))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .unwrap()
            .json()
            .unwrap();
        answer["access_token"].as_str().unwrap().to_string()
    }

    pub fn admin_token(&self) -> String {
        self.token("admin", ADMIN_PASSWORD)
    }

    /// Creates a group named `name`: its id once the server answered 201, else `None`.
    pub fn create_group(
        &self,
        http: &reqwest::blocking::Client,
        token: &str,
        name: &str,
    ) -> Option<String> {
        let response = http
            .post(format!("{}/v1.0/groups", self.base))
            .bearer_auth(token)
            .json(
                &json!({ "displayName": name, "mailEnabled": false, "securityEnabled": true,
                           "mailNickname": name, "groupTypes": [] }),
            )
            .send()
            .ok()?;
        if response.status() != 201 {
            return None;
        }
        let body: Value = response.json().ok()?;
        Some(body["id"].as_str()?.to_string())
    }

    /// Moves a test-clock server's time on a minute (a server without the test clock ignores it).
    pub fn advance_clock(&self, http: &reqwest::blocking::Client, token: &str) {
        let _ = http
            .post(format!("{}/stint/v1/test/clock", self.base))
            .bearer_auth(token)
            .json(&json!({ "advance": "PT1M" }))
            .send();
    }

    /// The group with this id, if the server has it.
    pub fn has_group(&self, token: &str, id: &str) -> bool {
        reqwest::blocking::Client::new()
            .get(format!("{}/v1.0/groups/{id}", self.base))
            .bearer_auth(token)
            .send()
            .unwrap()
            .status()
            == 200
    }

    /// Runs `stint ARGS` against this server with `token`.
    pub fn stint(&self, token: &str, args: &[&str], config: &Path) -> Output {
        Command::new(env!("CARGO_BIN_EXE_stint"))
            .args(args)
            .env("STINT_SERVER", &self.base)
            .env("STINT_TOKEN", token)
            .env("STINT_CONFIG_DIR", config)
            .env("NO_COLOR", "1")
            .env_remove("STINT_OUTPUT")
            .output()
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `stint ARGS` that talks to no server.
pub fn stint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stint"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("STINT_OUTPUT")
        .env_remove("STINT_DATABASE_URL")
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts a run succeeded and returns what it printed.
pub fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
    stdout(output)
}
