//! Issue 3's scenario in-process, on a manual clock (the same steps run against the binary in
//! `crates/stint/tests/scenario.rs`).
#![allow(clippy::unwrap_used)]

mod common;
#[path = "scenario/steps.rs"]
mod steps;

use common::TestServer;
use steps::{Clock, Target};

async fn target() -> (TestServer, Target) {
    let server = TestServer::start().await;
    let clock = Clock::InProcess {
        app: server.app.clone(),
        clock: server.clock().clone(),
    };
    let target = Target::new(server.base_url.clone(), clock);
    (server, target)
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
