//! I3, I5 in the web console, over plain HTTP: session cookies and their flags, rotation at
//! sign-in and step-up, idle and absolute timeouts, sign-out that ends the session on the server,
//! the security headers, and refusals shown next to their field with the form kept.
#![allow(clippy::unwrap_used)]

mod common;
mod ui_kit;

use chrono::TimeDelta;
use common::{TestServer, ADMIN, ADMIN_PASSWORD, PASSWORD};
use serde_json::json;
use ui_kit::{Authenticator, Browser};

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

#[common::both_backends]
async fn i3_root_leads_to_the_sign_in_page_with_strict_headers() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server.base_url);
    let root = browser.get("/").await;
    assert_eq!(root.status, 303);
    assert_eq!(root.location().as_deref(), Some("/ui"));
    let ui = browser.get("/ui").await;
    assert_eq!(ui.status, 303);
    assert!(ui.location().unwrap().starts_with("/ui/sign-in"));
    let page = browser.get("/ui/sign-in").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.headers["content-security-policy"], CSP);
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert!(!page.body.contains("<script"), "no script on the page");
    assert!(!page.body.contains("style="), "no inline style on the page");
    let css = browser.get("/ui/assets/stint.css").await;
    assert_eq!(css.status, 200);
    assert!(css.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    let missing = browser.get("/ui/no-such-page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.contains("<h1>Not found</h1>"));
}

#[common::both_backends]
async fn i5_the_session_cookie_is_http_only_strict_and_secure_behind_tls() {
    let server = TestServer::start().await;
    let mut browser = Browser::new(&server.base_url);
    browser.forwarded_https = true;
    let form = browser.get("/ui/sign-in").await;
    let answer = browser
        .post(
            "/ui/sign-in",
            &form.csrf(),
            &[("username", ADMIN), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location().as_deref(), Some("/ui/my-roles"));
    let cookie = answer
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("stint_session="))
        .unwrap();
    for flag in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/;",
        "Secure",
        "Max-Age=28800",
    ] {
        assert!(cookie.contains(flag), "{flag} missing from {cookie}");
    }
    let plain = Browser::new(&server.base_url);
    plain.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    let page = plain.get("/ui/my-roles").await;
    assert_eq!(page.status, 200);
    assert!(page.contains("<h1>My roles</h1>"));
}

#[common::both_backends]
async fn i5_sign_in_rotates_and_sign_out_ends_the_session_on_the_server() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server.base_url);
    browser.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    let first = browser.cookie("stint_session").unwrap();
    // Signing in again (from a sign-in page opened earlier) gives a new token and ends the old one.
    let presession = "p".repeat(32);
    browser.set_cookie("stint_presession", &presession);
    let again = browser
        .post(
            "/ui/sign-in",
            &presession,
            &[("username", ADMIN), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(again.status, 303);
    let second = browser.cookie("stint_session").unwrap();
    assert_ne!(first, second);
    server
        .anonymous()
        .with_token(&first)
        .get("/v1.0/users")
        .await
        .expect(401);
    // The console's token is an access token like any other until sign-out.
    server
        .anonymous()
        .with_token(&second)
        .get("/v1.0/users")
        .await
        .expect(200);
    let csrf = browser.csrf().await;
    let out = browser.post("/ui/sign-out", &csrf, &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(
        out.location().as_deref(),
        Some("/ui/sign-in?notice=signed-out")
    );
    server
        .anonymous()
        .with_token(&second)
        .get("/v1.0/users")
        .await
        .expect(401);
    // A stolen copy of the cookie no longer works either.
    let thief = Browser::new(&server.base_url);
    thief.set_cookie("stint_session", &second);
    let page = thief.get("/ui/my-roles").await;
    assert_eq!(page.status, 303);
    assert!(page.location().unwrap().starts_with("/ui/sign-in"));
}

#[common::both_backends]
async fn i5_a_session_ends_after_30_idle_minutes_and_after_8_hours_whatever_happens() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server.base_url);
    browser.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    let token = browser.cookie("stint_session").unwrap();
    server.advance(TimeDelta::minutes(29));
    assert_eq!(browser.get("/ui/my-roles").await.status, 200);
    server.advance(TimeDelta::minutes(31));
    let idle = browser.get("/ui/my-roles").await;
    assert_eq!(idle.status, 303);
    assert!(idle.location().unwrap().contains("notice=idle"));
    server
        .anonymous()
        .with_token(&token)
        .get("/v1.0/users")
        .await
        .expect(401);

    browser.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    for _ in 0..23 {
        server.advance(TimeDelta::minutes(20));
        assert_eq!(browser.get("/ui/my-roles").await.status, 200);
    }
    server.advance(TimeDelta::minutes(21));
    let expired = browser.get("/ui/my-roles").await;
    assert_eq!(
        expired.status, 303,
        "8 hours after sign-in the session is over"
    );
}

#[common::both_backends]
async fn i5_wrong_passwords_and_codes_are_refused_with_the_user_name_kept() {
    let server = TestServer::start().await;
    let browser = Browser::new(&server.base_url);
    let form = browser.get("/ui/sign-in").await;
    let answer = browser
        .post(
            "/ui/sign-in",
            &form.csrf(),
            &[("username", ADMIN), ("password", "wrong-password")],
        )
        .await;
    assert_eq!(answer.status, 401);
    assert!(answer.contains("The user name or password is incorrect"));
    assert!(answer.contains(&format!("value=\"{ADMIN}\"")));
    assert!(
        !answer.contains("wrong-password"),
        "the password never comes back"
    );
    assert!(browser.cookie("stint_session").is_none());
}

/// Creates alice, enrols her authenticator through the console's profile page, and signs out.
async fn alice_with_authenticator(server: &TestServer) -> Authenticator {
    let admin = server.admin().await;
    admin.create_user("alice@contoso.com").await;
    let browser = Browser::new(&server.base_url);
    browser.sign_in("alice@contoso.com", PASSWORD, None).await;
    let csrf = browser.csrf().await;
    let enrolment = browser.post("/ui/profile/totp", &csrf, &[]).await;
    assert_eq!(enrolment.status, 200, "{}", enrolment.body);
    assert!(enrolment.contains("otpauth://totp/"));
    assert!(enrolment.contains("src=\"data:image/svg+xml;base64,"));
    let start = enrolment.body.find("class=\"secret\">").unwrap() + "class=\"secret\">".len();
    let end = enrolment.body[start..].find('<').unwrap();
    let app = Authenticator::from_secret(&enrolment.body[start..start + end]);
    let confirmed = browser
        .post(
            "/ui/profile/totp/confirm",
            &enrolment.csrf(),
            &[("code", &app.code(server.now()))],
        )
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let profile = browser.get("/ui/profile?notice=confirmed").await;
    assert!(profile.contains("Authenticator added"));
    assert!(
        !profile.contains("otpauth://"),
        "the secret is shown once only"
    );
    server.advance(TimeDelta::seconds(30));
    app
}

#[common::both_backends]
async fn i5_sign_in_with_totp_and_step_up_rotates_the_session() {
    let server = TestServer::start().await;
    let app = alice_with_authenticator(&server).await;
    let browser = Browser::new(&server.base_url);
    // The password alone leads to the code step; a wrong code is refused next to the field.
    let form = browser.get("/ui/sign-in").await;
    let step = browser
        .post(
            "/ui/sign-in",
            &form.csrf(),
            &[("username", "alice@contoso.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(step.status, 200);
    assert!(step.contains("Enter your code"));
    assert!(
        !step.contains(PASSWORD),
        "the password is not put in the page"
    );
    let wrong = browser
        .post("/ui/sign-in/totp", &step.csrf(), &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.contains("id=\"f-code-error\""));
    let right = browser
        .post(
            "/ui/sign-in/totp",
            &step.csrf(),
            &[("code", &app.code(server.now()))],
        )
        .await;
    assert_eq!(right.status, 303, "{}", right.body);
    let before = browser.cookie("stint_session").unwrap();
    server.advance(TimeDelta::seconds(30));
    let csrf = browser.csrf().await;
    let stepped = browser
        .post(
            "/ui/profile/step-up",
            &csrf,
            &[("code", &app.code(server.now()))],
        )
        .await;
    assert_eq!(stepped.status, 303, "{}", stepped.body);
    let after = browser.cookie("stint_session").unwrap();
    assert_ne!(before, after, "a step-up rotates the session");
    server
        .anonymous()
        .with_token(&before)
        .get("/v1.0/users/alice@contoso.com")
        .await
        .expect(401);
    let profile = browser.get("/ui/profile").await;
    assert!(profile.contains("Verified with a code at"));
}

#[common::both_backends]
async fn v2_a_refused_activation_says_why_next_to_the_field_and_keeps_what_was_typed() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice@contoso.com").await;
    let group = admin.create_group("Payments Admins", false).await;
    let start = common::graph_time(server.now());
    admin
        .post(
            "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests",
            json!({"accessId": "member", "principalId": alice, "groupId": group, "action": "adminAssign",
                   "scheduleInfo": {"startDateTime": start, "expiration": {"type": "afterDuration", "duration": "P30D"}}}),
        )
        .await
        .expect(201);
    let browser = Browser::new(&server.base_url);
    browser.sign_in("alice@contoso.com", PASSWORD, None).await;
    let form = browser
        .get(&format!(
            "/ui/my-roles/activate?group={group}&access=member"
        ))
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    let refused = browser
        .post(
            "/ui/my-roles/activate",
            &form.csrf(),
            &[
                ("group", &group),
                ("access", "member"),
                ("duration", "PT2H"),
                ("justification", ""),
                ("ticket_number", "INC-42"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.contains("id=\"f-justification-error\""));
    assert!(refused.contains("Give a reason."), "{}", refused.body);
    assert!(
        !refused.contains("JustificationRule"),
        "Graph's rule name is not for people"
    );
    assert!(
        refused.contains("value=\"INC-42\""),
        "the ticket typed is kept"
    );
    assert!(
        refused.contains("<option value=\"PT2H\" selected>"),
        "the duration chosen is kept"
    );
}

#[common::both_backends]
async fn a_refused_activation_shows_a_group_rules_only_to_those_eligible_for_it() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    admin.create_user("mallory@contoso.com").await;
    let group = admin.create_group("Payments Admins", false).await;
    let browser = Browser::new(&server.base_url);
    browser.sign_in("mallory@contoso.com", PASSWORD, None).await;
    let profile = browser.get("/ui/profile").await;
    let refused = browser
        .post(
            "/ui/my-roles/activate",
            &profile.csrf(),
            &[
                ("group", &group),
                ("access", "member"),
                ("duration", "PT2H"),
                ("justification", "Curious"),
            ],
        )
        .await;
    assert_ne!(refused.status, 200, "{}", refused.body);
    assert!(
        !refused.contains("This group&#39;s rules")
            && !refused.contains("This group's rules")
            && !refused.contains("name=\"justification\""),
        "the rules of a group she is not eligible for are not shown: {}",
        refused.body
    );
}
