//! `stint serve` as a child process: start it, wait until it answers, sign in, stop it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::{json, Value};

pub const ADMIN_PASSWORD: &str = "bench-admin-password-1";

#[derive(Debug)]
pub struct Server {
    child: Child,
    pub base: String,
    pub client: reqwest::Client,
}

impl Server {
    /// Starts `binary serve` on `database` and `port` with `workers` threads (`None`: one per
    /// CPU) and `serve_args` besides; returns once `/stint/v1/health` answers 200, with the time
    /// from spawn to that answer.
    pub async fn start(
        binary: &Path,
        database: &str,
        port: u16,
        scheduler_interval: u64,
        workers: Option<u16>,
        log: &Path,
        serve_args: &[String],
    ) -> anyhow::Result<(Server, Duration)> {
        let log_file = std::fs::File::create(log)?;
        let started = Instant::now();
        let mut command = Command::new(binary);
        if let Some(workers) = workers {
            command.env("STINT_WORKERS", workers.to_string());
        }
        let child = command
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--database")
            .arg(database)
            .arg("--scheduler-interval")
            .arg(scheduler_interval.to_string())
            .arg("--token-lifetime")
            .arg("PT12H")
            .args(serve_args)
            .env("STINT_ADMIN_PASSWORD", ADMIN_PASSWORD)
            // `STINT_BENCH_SERVE_LOG` (a `STINT_LOG` filter) makes the server say more in its log.
            .env(
                "STINT_LOG",
                std::env::var("STINT_BENCH_SERVE_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()?;
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client,
        };
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("stint serve exited with {status}; see {}", log.display());
            }
            let health = server
                .client
                .get(format!("{}/stint/v1/health", server.base))
                .send()
                .await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return Ok((server, started.elapsed()));
            }
            if started.elapsed() > Duration::from_secs(300) {
                bail!("stint serve did not answer within 300 s");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A bearer token for `username`.
    pub async fn token(&self, username: &str, password: &str) -> anyhow::Result<String> {
        let response = self
            .client
            .post(format!("{}/stint/v1/auth/token", self.base))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        body["access_token"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("signing in as {username}: {status} {body}"))
    }

    /// The revision this node has applied (from the `Stint-Revision` header).
    pub async fn revision(&self) -> anyhow::Result<u64> {
        let response = self
            .client
            .get(format!("{}/stint/v1/health", self.base))
            .send()
            .await?;
        response
            .headers()
            .get("stint-revision")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .context("no Stint-Revision header")
    }

    /// SIGTERM, then waits (SIGKILL after 20 s).
    pub fn stop(mut self) -> anyhow::Result<()> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").arg("-TERM").arg(&pid).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    /// A benchmark that fails half-way must not leave a server holding its port.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
