//! Real servers for the delivery tests, started by the test and stopped (by their pid) when dropped:
//! Python's `aiosmtpd` for SMTP, and a small receiver using the Standard Webhooks library. Where the
//! test's variable is unset the test prints one loud `SKIPPED` line and returns; `.ci/run` installs
//! both Python packages and sets the variables.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// Whether a test needing `variable` runs here; prints the `SKIPPED` line when not.
pub fn enabled(variable: &str, test: &str) -> bool {
    if std::env::var_os(variable).is_some() {
        return true;
    }
    eprintln!("SKIPPED {test}: set {variable}=1 (after `pip install aiosmtpd standardwebhooks`) to run it against a real server");
    false
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A server process, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// The webhook receiver of `receiver.py`: `mode` is `verify SECRET` (204 when the
    /// `standardwebhooks` library verifies the signature, 400 otherwise) or an HTTP status to answer
    /// with. Each request is appended to `log` as one JSON line.
    pub fn receiver(mode: &[&str], log: &Path) -> Server {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(log)
            .args(mode)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the receiver prints its port, not {line:?}"));
        Server { child, port }
    }
}

/// The requests a receiver recorded, in order.
pub fn received(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The messages in a Maildir's `new/`, each read by Python's `email` package: the headers named
/// in `parse_mail.py`, and the content type and decoded content of each part.
pub fn mails(maildir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.map(|entry| entry.unwrap().path()).collect();
    paths.sort();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parse_mail.py");
    paths
        .iter()
        .map(|path| {
            let output = Command::new("python3")
                .arg(&script)
                .arg(path)
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            serde_json::from_slice(&output.stdout).unwrap()
        })
        .collect()
}
