//! A `stint serve` process of the binary under test, on a free port: started, waited for until
//! healthy, killed with SIGKILL (tests/kill.rs, tests/connector_kill.rs).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `stint serve` process; killed when dropped, so a failing test leaves none behind.
pub struct Node {
    child: Child,
    pub base: String,
}

impl Node {
    pub async fn start(database: &str, admin_password: &str) -> Node {
        let port = stint_testkit::free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_stint"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database",
                database,
                "--scheduler-interval",
                "1",
            ])
            .env("STINT_ADMIN_PASSWORD", admin_password)
            // The default, stated: these tests prove the write path as it ships (ADR 0017).
            .env("STINT_GROUP_COMMIT", "on")
            .env(
                "STINT_LOG",
                std::env::var("STINT_TEST_NODE_LOG_LEVEL").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(log_file())
            .stderr(log_file())
            .spawn()
            .unwrap();
        let node = Node {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        node.wait_until_healthy().await;
        node
    }

    pub async fn wait_until_healthy(&self) {
        let client = reqwest::Client::new();
        for _ in 0..400 {
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
        panic!("the node at {} did not become healthy", self.base);
    }

    /// SIGKILL: no clean stop, no flush, no goodbye.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert!(!status.success(), "killed, not stopped: {status}");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where a node's log goes: the file named by `STINT_TEST_NODE_LOG` (appended to), else nowhere.
fn log_file() -> Stdio {
    let Some(path) = std::env::var_os("STINT_TEST_NODE_LOG") else {
        return Stdio::null();
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path);
    file.map_or_else(|_| Stdio::null(), Stdio::from)
}
