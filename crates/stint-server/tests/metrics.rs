//! I2: `/metrics` in Prometheus's text format: who may read it on the main address, the listener
//! of its own, what a request counts, the gauges read at scrape time, that it names no one and
//! carries no secret, and that Prometheus's own `promtool check metrics` accepts it (mandatory
//! where `STINT_TEST_PROMTOOL=1`, as in `.ci/run`).
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use chrono::TimeDelta;
use serde_json::{json, Value};
use stint_app::config::{MetricsSettings, ScrapeToken};
use stint_app::connector_worker::ConnectorDriver;
use stint_core::directory::BuiltInRole;

use common::{test_config, Client, TestServer, PASSWORD};

const SCRAPE_TOKEN: &str = "scrape-token-0123456789abcdef";
const BIND_PASSWORD: &str = "ldap-bind-secret-42";

fn with_scrape_token() -> stint_app::AppConfig {
    stint_app::AppConfig {
        metrics: MetricsSettings {
            on_main_address: true,
            scrape_token: Some(ScrapeToken::new(SCRAPE_TOKEN).unwrap()),
        },
        ..test_config()
    }
}

/// `GET /metrics` as `client`; the text when it answers 200.
async fn scrape(client: &Client) -> String {
    match client.get("/metrics").await.expect(200) {
        Value::String(text) => text,
        other => panic!("not text: {other}"),
    }
}

/// The value of the sample of `name` whose labels include `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(series, _)| {
            let (series_name, rest) = series.split_once('{').unwrap_or((series, ""));
            series_name == name
                && labels
                    .iter()
                    .all(|(key, value)| rest.contains(&format!("{key}=\"{value}\"")))
        })
        .map(|(_, value)| value.parse().unwrap())
}

#[tokio::test]
async fn i2_a_request_counts_under_its_route_template_method_and_status() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let route = [("route", "/v1.0/users/{id}"), ("method", "GET")];
    let before = scrape(&admin).await;
    assert_eq!(sample(&before, "stint_http_requests_total", &route), None);

    admin.get(&format!("/v1.0/users/{alice}")).await.expect(200);
    admin.get(&format!("/v1.0/users/{alice}")).await.expect(200);
    let unknown = uuid::Uuid::new_v4();
    admin
        .get(&format!("/v1.0/users/{unknown}"))
        .await
        .expect(404);
    admin.get("/v1.0/no-such-thing").await.expect(404);

    let text = scrape(&admin).await;
    let ok = [route[0], route[1], ("status", "200")];
    let missing = [route[0], route[1], ("status", "404")];
    assert_eq!(sample(&text, "stint_http_requests_total", &ok), Some(2.0));
    assert_eq!(
        sample(&text, "stint_http_requests_total", &missing),
        Some(1.0)
    );
    let unmatched = [("route", "unmatched"), ("status", "404")];
    assert_eq!(
        sample(&text, "stint_http_requests_total", &unmatched),
        Some(1.0)
    );
    let timed = "stint_http_request_duration_seconds_count";
    assert_eq!(sample(&text, timed, &route), Some(3.0));
    // The template, never the path: no id reaches a label.
    for id in [alice, unknown.to_string()] {
        assert!(!text.contains(&id), "{id} in the exposition:\n{text}");
    }
    // The console's routes count too, by their own templates.
    admin.get("/ui/sign-in").await;
    let text = scrape(&admin).await;
    let console = [("route", "/ui/sign-in"), ("method", "GET")];
    assert!(sample(&text, "stint_http_requests_total", &console).is_some());
}

#[tokio::test]
async fn i2_checks_writes_and_sign_ins_are_counted() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Ops", false).await;
    let alice = admin.create_user("alice@contoso.com").await;
    let before = scrape(&admin).await;
    let commits_before = sample(&before, "stint_commits_total", &[]).unwrap();

    admin.add_member(&group, &alice).await;
    let check = format!("/stint/v1/check?principalId={alice}&groupId={group}");
    admin.get(&check).await.expect(200);
    let item = json!({ "principalId": alice, "groupId": group });
    let batch = json!({ "checks": [item, item, item] });
    admin.post("/stint/v1/check", batch).await.expect(200);
    server
        .sign_in("alice@contoso.com", "wrong")
        .await
        .expect(401);

    let text = scrape(&admin).await;
    assert_eq!(
        sample(&text, "stint_checks_total", &[("call", "one")]),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "stint_checks_total", &[("call", "batch")]),
        Some(3.0)
    );
    let timed = sample(
        &text,
        "stint_check_duration_seconds_count",
        &[("call", "batch")],
    );
    assert_eq!(timed, Some(1.0));
    let commits = sample(&text, "stint_commits_total", &[]).unwrap();
    assert!(commits > commits_before, "{commits} after {commits_before}");
    let committed = sample(&text, "stint_commit_duration_seconds_count", &[]).unwrap();
    assert_eq!(committed, commits);
    assert_eq!(
        sample(&text, "stint_sign_in_failures_total", &[]),
        Some(1.0)
    );
    let errors = [("operation", "write")];
    assert_eq!(
        sample(&text, "stint_store_errors_total", &errors),
        Some(0.0)
    );
}

#[tokio::test]
async fn i2_sign_ins_refused_by_the_throttle_are_counted() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    admin.create_user("alice@contoso.com").await;
    let limit = test_config().sign_in.account_failures;
    for _ in 0..limit {
        server
            .sign_in("alice@contoso.com", "wrong")
            .await
            .expect(401);
    }
    server
        .sign_in("alice@contoso.com", "wrong")
        .await
        .expect(429);
    let text = scrape(&admin).await;
    let failures = sample(&text, "stint_sign_in_failures_total", &[]).unwrap();
    assert_eq!(failures, f64::from(limit));
    assert_eq!(
        sample(&text, "stint_sign_in_throttled_total", &[]),
        Some(1.0)
    );
}

#[tokio::test]
async fn i2_scheduler_lag_is_how_long_a_due_end_has_waited_for_a_tick() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = managed_group(&admin).await;
    let alice = admin.create_user("alice@contoso.com").await;
    // Too short for a reminder (a day before the end): the end is the first job due.
    assign(&admin, &group, &alice, "PT8H").await;
    let lag = |text: &str| sample(text, "stint_scheduler_lag_seconds", &[]);
    assert_eq!(lag(&scrape(&admin).await), Some(0.0));

    server.advance(TimeDelta::hours(8) + TimeDelta::seconds(90));
    assert_eq!(lag(&scrape(&admin).await), Some(90.0));
    let ticks_before = sample(&scrape(&admin).await, "stint_scheduler_ticks_total", &[]);
    server.app.tick().await.unwrap();
    let text = scrape(&admin).await;
    assert_eq!(lag(&text), Some(0.0));
    let ticks = sample(&text, "stint_scheduler_ticks_total", &[]);
    assert_eq!(ticks, ticks_before.map(|ticks| ticks + 1.0));
}

#[tokio::test]
async fn i2_the_main_address_serves_metrics_to_administrators_and_the_scrape_token_only() {
    let server = TestServer::start_with(with_scrape_token()).await;
    let anonymous = server.anonymous();
    anonymous
        .get("/metrics")
        .await
        .expect_error(401, "InvalidAuthenticationToken");
    anonymous
        .with_token("not-the-scrape-token-at-all")
        .get("/metrics")
        .await
        .expect_error(401, "InvalidAuthenticationToken");
    // One character short, and one too many.
    let short = &SCRAPE_TOKEN[..SCRAPE_TOKEN.len() - 1];
    let long = format!("{SCRAPE_TOKEN}0");
    for wrong in [short, long.as_str()] {
        let reply = anonymous.with_token(wrong).get("/metrics").await;
        assert_eq!(reply.status, 401, "{wrong}");
    }
    let scraper = anonymous.with_token(SCRAPE_TOKEN);
    assert!(scrape(&scraper).await.contains("stint_build_info"));
    // The scrape token opens nothing else.
    scraper.get("/v1.0/users").await.expect(401);

    let (_, plain) = server
        .user_with_role("helpdesk", BuiltInRole::HelpdeskAdministrator)
        .await;
    let message = plain
        .get("/metrics")
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert!(message.contains("metrics"), "{message}");
    let (_, privileged) = server
        .user_with_role("pra", BuiltInRole::PrivilegedRoleAdministrator)
        .await;
    scrape(&privileged).await;
    scrape(&server.admin().await).await;
}

#[tokio::test]
async fn i2_a_listener_of_its_own_serves_metrics_without_authentication() {
    let config = stint_app::AppConfig {
        metrics: MetricsSettings {
            on_main_address: false,
            scrape_token: None,
        },
        ..test_config()
    };
    let server = TestServer::start_with(config).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = stint_server::metrics_router(Arc::clone(&server.app));
    let serving = tokio::spawn(stint_server::serve_router(
        listener,
        router,
        std::future::pending(),
    ));

    let response = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    assert!(response.text().await.unwrap().contains("stint_build_info"));
    let elsewhere = reqwest::get(format!("http://{address}/v1.0/users"))
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 404);
    // The main address has no metrics then, not even for the Global Administrator.
    server.admin().await.get("/metrics").await.expect(404);
    serving.abort();
}

#[tokio::test]
async fn i2_the_exposition_names_no_user_and_carries_no_secret() {
    let server = TestServer::start_with(with_scrape_token()).await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("Ops", false).await;
    admin.add_member(&group, &alice).await;
    let alice_client = server.client_as("alice@contoso.com", PASSWORD).await;
    alice_client
        .get(&format!(
            "/stint/v1/check?principalId={alice}&groupId={group}"
        ))
        .await
        .expect(200);
    server
        .sign_in("alice@contoso.com", "wrong-secret-password")
        .await
        .expect(401);
    server
        .sign_in("mallory@contoso.com", "another-secret")
        .await
        .expect(401);
    let connector = failing_connector(&server, &admin, &group).await;

    let text = scrape(&admin.with_token(SCRAPE_TOKEN)).await;
    let admin_token = admin_token(&server).await;
    for secret in [
        alice.as_str(),
        group.as_str(),
        "alice",
        "mallory",
        "admin",
        PASSWORD,
        common::ADMIN_PASSWORD,
        "wrong-secret-password",
        "another-secret",
        SCRAPE_TOKEN,
        BIND_PASSWORD,
        admin_token.as_str(),
    ] {
        assert!(
            !text.contains(secret),
            "{secret} in the exposition:\n{text}"
        );
    }
    // Connectors are told apart by their ids, which name no one.
    let labels = [("connector", connector.as_str())];
    assert_eq!(
        sample(&text, "stint_connector_errors_total", &labels),
        Some(1.0)
    );
}

#[tokio::test]
async fn i2_outbox_and_connector_gauges_are_read_when_scraped() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = managed_group(&admin).await;
    let subscription = json!({
        "url": "https://hooks.example.com/stint", "events": ["assignment.assigned"], "format": "standard"
    });
    admin
        .post("/stint/v1/webhooks", subscription)
        .await
        .expect(201);
    let alice = admin.create_user("alice@contoso.com").await;
    assign(&admin, &group, &alice, "P30D").await;
    let connector = failing_connector(&server, &admin, &group).await;
    server.advance(TimeDelta::seconds(42));

    let text = scrape(&admin).await;
    let pending = sample(&text, "stint_outbox_pending_messages", &[]).unwrap();
    assert!(pending >= 1.0, "{text}");
    let oldest = sample(&text, "stint_outbox_oldest_pending_age_seconds", &[]).unwrap();
    assert!(oldest >= 42.0, "{oldest}");
    assert_eq!(sample(&text, "stint_outbox_dead_messages", &[]), Some(0.0));
    let labels = [("connector", connector.as_str())];
    let lag = sample(&text, "stint_connector_lag_revisions", &labels).unwrap();
    assert!(lag >= 1.0, "a failed connector reflects nothing yet: {lag}");
    assert_eq!(
        sample(&text, "stint_connector_drift_found_total", &labels),
        Some(0.0)
    );
}

#[tokio::test]
async fn i2_promtool_accepts_the_exposition() {
    let Some(promtool) = promtool() else {
        return;
    };
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Ops", false).await;
    let alice = admin.create_user("alice@contoso.com").await;
    admin.add_member(&group, &alice).await;
    admin
        .get(&format!(
            "/stint/v1/check?principalId={alice}&groupId={group}"
        ))
        .await
        .expect(200);
    server
        .sign_in("alice@contoso.com", "wrong")
        .await
        .expect(401);
    failing_connector(&server, &admin, &group).await;
    let text = scrape(&admin).await;
    for series in [
        "stint_http_request_duration_seconds_bucket",
        "stint_connector_errors_total",
    ] {
        assert!(text.contains(series), "{series} missing:\n{text}");
    }

    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "promtool: {said}\n{text}");
    assert_eq!(said.trim(), "", "promtool found problems:\n{said}");
}

/// A group brought under PIM.
async fn managed_group(admin: &Client) -> String {
    let group = admin.create_group("Ops", false).await;
    let manage = format!("/stint/v1/pim/groups/{group}/manage");
    admin.post(&manage, json!({})).await.expect(200);
    group
}

/// Makes `principal` an active member of `group` for `duration`.
async fn assign(admin: &Client, group: &str, principal: &str, duration: &str) {
    let request = json!({
        "accessId": "member", "principalId": principal, "groupId": group,
        "action": "adminAssign", "justification": "On call",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": duration } },
    });
    let path = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests";
    admin.post(path, request).await.expect(201);
}

/// An LDAP connector linked to `group` whose server does not answer, driven once: its round fails.
async fn failing_connector(server: &TestServer, admin: &Client, group: &str) -> String {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ldap://{}", closed.local_addr().unwrap());
    drop(closed);
    let body = json!({
        "displayName": "Corporate LDAP", "type": "ldap", "url": url,
        "bindDn": "cn=stint,dc=example,dc=com", "bindPassword": BIND_PASSWORD,
        "baseDn": "dc=example,dc=com", "userFilter": "(uid={userPrincipalName})",
    });
    let created = admin.post("/stint/v1/connectors", body).await.expect(201);
    let id = created["id"].as_str().unwrap().to_owned();
    let link = json!({ "groupId": group, "target": "cn=ops,dc=example,dc=com" });
    (admin
        .post(&format!("/stint/v1/connectors/{id}/links"), link)
        .await)
        .expect(201);
    let driver = ConnectorDriver::new();
    server
        .app
        .drive_connector(&driver, id.parse().unwrap(), false)
        .await
        .unwrap();
    id
}

/// A bearer token of `admin`'s, to look for in the exposition.
async fn admin_token(server: &TestServer) -> String {
    let reply = server.sign_in(common::ADMIN, common::ADMIN_PASSWORD).await;
    reply.expect(200)["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Debian's `promtool`; `None` (after one loud line) where it is missing and not required.
fn promtool() -> Option<&'static str> {
    const PROMTOOL: &str = "promtool";
    let found = Command::new(PROMTOOL)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if found {
        return Some(PROMTOOL);
    }
    assert!(
        std::env::var_os("STINT_TEST_PROMTOOL").is_none(),
        "STINT_TEST_PROMTOOL is set but promtool is missing: apt-get install prometheus"
    );
    eprintln!("SKIPPED: promtool is not installed (apt-get install prometheus; STINT_TEST_PROMTOOL=1 makes it mandatory)");
    None
}
