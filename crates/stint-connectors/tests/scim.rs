//! The SCIM target against a real SCIM 2.0 service provider, `scim2-server` from PyPI, started by
//! each test. Mandatory where `STINT_TEST_SCIM_SERVER` is set (`.ci/run` sets it); elsewhere one
//! loud `SKIPPED` line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use stint_connectors::scim::{ScimConfig, ScimTarget};
use stint_connectors::{sync_link, AnyTarget, Link, Mode, Target, TargetValue};
use support::scim_server::ScimServer;
use support::{member, scenarios, TestClock};

const VARIABLE: &str = "STINT_TEST_SCIM_SERVER";
const NEEDS: &str = "scim2-server (pip install scim2-server==0.8.3)";

fn config(server: &ScimServer) -> ScimConfig {
    let mut config = ScimConfig::new(server.url(), server.token.as_str());
    config.timeout = Duration::from_millis(500);
    config
}

fn target(server: &ScimServer) -> AnyTarget {
    AnyTarget::Scim(ScimTarget::new(config(server)).unwrap())
}

fn sorted(values: &[&str]) -> Vec<String> {
    let mut values: Vec<String> = values.iter().map(|value| value.to_string()).collect();
    values.sort();
    values
}

#[tokio::test]
async fn an_added_member_appears_and_an_ended_one_disappears_confirmed_by_read_back() {
    if !support::enabled(VARIABLE, "scim: add and remove, confirmed", NEEDS) {
        return;
    }
    let server = ScimServer::start();
    let alice = server.create_user("alice@example.com").await;
    let bob = server.create_user("bob@example.com").await;
    let ops = server.create_group("ops").await;
    let dev = server.create_group("dev").await;
    let target = target(&server);
    let (stint_alice, stint_bob) = (member("alice@example.com"), member("bob@example.com"));
    // A group is linked by its displayName or by its id.
    for (link, id) in [(Link::new("ops"), &ops), (Link::new(dev.as_str()), &dev)] {
        scenarios::add_then_end(
            &target,
            &link,
            (&stint_alice, &alice),
            (&stint_bob, &bob),
            async || server.members(id).await,
        )
        .await;
    }
}

#[tokio::test]
async fn drift_is_removed_in_enforce_mode_and_only_reported_in_report_mode() {
    if !support::enabled(VARIABLE, "scim: drift", NEEDS) {
        return;
    }
    let server = ScimServer::start();
    let alice = server.create_user("alice@example.com").await;
    let mallory = server.create_user("mallory@example.com").await;
    let ops = server.create_group("ops").await;
    let target = target(&server);
    scenarios::drift(
        &target,
        &Link::new("ops"),
        (&member("alice@example.com"), &alice),
        &mallory,
        async || server.add_member(&ops, &mallory).await,
        async || server.members(&ops).await,
    )
    .await;
}

#[tokio::test]
async fn a_missing_user_is_unresolved_unless_users_are_created() {
    if !support::enabled(VARIABLE, "scim: unresolved and created users", NEEDS) {
        return;
    }
    let server = ScimServer::start();
    let alice = server.create_user("alice@example.com").await;
    let ops = server.create_group("ops").await;
    let link = Link::new("ops");
    let stint_alice = member("alice@example.com");
    let zoe = member("zoe@example.com");
    let observe = async || server.members(&ops).await;
    let target = target(&server);
    let report = scenarios::unresolved(&target, &link, (&stint_alice, &alice), &zoe, observe).await;
    assert!(server.users_named("zoe@example.com").await.is_empty());

    let mut creating = config(&server);
    creating.create_users = true;
    let target = ScimTarget::new(creating).unwrap();
    let clock = TestClock::new();
    let now = || clock.now();
    let wanted = [stint_alice, zoe];
    let report = sync_link(&target, &link, &wanted, &report.pushed, Mode::Enforce, &now)
        .await
        .unwrap();
    assert!(report.unresolved.is_empty(), "{report:#?}");
    let created = server.users_named("zoe@example.com").await;
    assert_eq!(created.len(), 1);
    assert_eq!(server.members(&ops).await, sorted(&[&alice, &created[0]]));
}

#[tokio::test]
async fn a_user_name_with_a_quote_is_looked_up_as_a_plain_value() {
    if !support::enabled(VARIABLE, "scim: filter value escaping", NEEDS) {
        return;
    }
    let server = ScimServer::start();
    server.create_user("alice@example.com").await;
    let odd = server.create_user(r#"o"brien@example.com"#).await;
    server.create_group("ops").await;
    let target = target(&server);
    let link = Link::new("ops");
    let attacker = member(r#"x" or userName pr or userName eq "y"#);
    assert_eq!(target.resolve(&link, &attacker).await.unwrap(), None);
    let obrien = member(r#"o"brien@example.com"#);
    assert_eq!(
        target.resolve(&link, &obrien).await.unwrap(),
        Some(TargetValue::new(odd.as_str()))
    );
}

#[tokio::test]
async fn a_server_that_does_not_answer_is_transient_and_once_back_the_sync_completes() {
    if !support::enabled(VARIABLE, "scim: server down and back", NEEDS) {
        return;
    }
    let server = ScimServer::start();
    let alice = server.create_user("alice@example.com").await;
    let bob = server.create_user("bob@example.com").await;
    let ops = server.create_group("ops").await;
    let target = target(&server);
    scenarios::down_and_back(
        &target,
        &Link::new("ops"),
        (&member("alice@example.com"), &alice),
        (&member("bob@example.com"), &bob),
        async || server.freeze(),
        async || server.thaw(),
        async || server.members(&ops).await,
    )
    .await;

    let url = format!("http://127.0.0.1:{}/v2", stint_testkit::free_port());
    let refused = ScimTarget::new(ScimConfig::new(url, "t")).unwrap();
    assert!(refused.health().await.unwrap_err().is_transient());
}

#[tokio::test]
async fn a_wrong_token_and_a_missing_group_are_permanent_errors() {
    if !support::enabled(VARIABLE, "scim: permanent errors", NEEDS) {
        return;
    }
    let server = ScimServer::start();
    let mut wrong = config(&server);
    wrong.token = "not-the-token".into();
    let refused = ScimTarget::new(wrong).unwrap();
    let error = refused.health().await.unwrap_err();
    assert!(!error.is_transient(), "{error}");
    assert!(error.message().contains("token is refused"), "{error}");
    assert!(!error.to_string().contains(&server.token));

    let target = target(&server);
    assert!(target.health().await.is_ok());
    let error = target.read_members(&Link::new("nope")).await.unwrap_err();
    assert!(!error.is_transient(), "{error}");
    assert!(error.message().contains("no such group"), "{error}");
}
