//! Issue 3's scenario against the real binary, built with `--features test-clock` so that the test
//! can move the server's clock over HTTP: `cargo test -p stint --features test-clock --test scenario`.
#![cfg(feature = "test-clock")]
#![allow(clippy::unwrap_used)]

mod common;
#[path = "../../stint-server/tests/scenario/steps.rs"]
mod steps;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use steps::{Clock, Target};

/// A `stint serve` process on a fresh database; killed when dropped, before the database goes.
struct Server {
    child: Child,
    _database: common::Database,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn target() -> (Server, Target) {
    let database = common::Database::fresh().await;
    let port = stint_testkit::free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_stint"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--scheduler-interval",
            "1",
            "--token-lifetime",
            "P3650D",
        ])
        .args(["--database", database.url()])
        .env("STINT_ADMIN_PASSWORD", steps::ADMIN_PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        _database: database,
    };
    let base_url = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{base_url}/stint/v1/health"))
            .await
            .is_ok()
        {
            return (server, Target::new(base_url, Clock::Remote));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("stint serve did not start");
}

#[common::both_backends]
async fn v3_v2_v7_u1_approval_with_a_ticket_and_a_two_hour_limit() {
    let (_server, target) = target().await;
    steps::approval_with_ticket_and_time_limit(&target).await;
}

#[common::both_backends]
async fn v2_i5_activation_needs_a_fresh_totp_step_up() {
    let (_server, target) = target().await;
    steps::activation_with_mfa(&target).await;
}

#[common::both_backends]
async fn e1_e2_e3_extend_before_the_end_and_renew_after_it() {
    let (_server, target) = target().await;
    steps::extend_and_renew(&target).await;
}

#[common::both_backends]
async fn v6_a_member_of_an_eligible_group_activates_alone() {
    let (_server, target) = target().await;
    steps::nesting(&target).await;
}

#[common::both_backends]
async fn v3_an_undecided_request_is_denied_after_24_hours() {
    let (_server, target) = target().await;
    steps::undecided_request_is_denied(&target).await;
}
