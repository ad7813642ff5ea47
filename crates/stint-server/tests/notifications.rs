//! Notifications over a real SMTP server (SPEC N1–N4): Python's `aiosmtpd`, started by the test on a
//! free port, stores what it receives in a Maildir that the test reads back. Mandatory where
//! `STINT_TEST_SMTP` is set (`.ci/run` sets it); elsewhere one loud `SKIPPED` line.
#![allow(clippy::unwrap_used)]

mod common;
mod policy_helpers;
mod ui_kit;

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use stint_app::delivery::Courier;
use stint_app::AppConfig;
use stint_notify::{Mailer, SmtpSettings};
use stint_testkit::Aiosmtpd;

use common::{test_config, Client, TestServer, PASSWORD};
use policy_helpers::*;

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";
const PUBLIC_URL: &str = "https://stint.example";

/// `aiosmtpd` on a free port, killed by its pid when dropped.
struct SmtpServer {
    server: Aiosmtpd,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    fn start() -> Option<SmtpServer> {
        if std::env::var_os("STINT_TEST_SMTP").is_none() {
            eprintln!("SKIPPED notifications: set STINT_TEST_SMTP=1 (after `pip install aiosmtpd`) to mail through a real SMTP server");
            return None;
        }
        let maildir = tempfile::tempdir().unwrap();
        let server = Aiosmtpd::start_anywhere(&maildir.path().join("mail"), &[]);
        Some(SmtpServer { server, maildir })
    }

    fn courier(&self) -> Courier {
        let settings =
            SmtpSettings::from_url(&format!("smtp://127.0.0.1:{}", self.server.port)).unwrap();
        Courier::new(Some(
            Mailer::new(settings, "Stint <pim@stint.test>").unwrap(),
        ))
        .unwrap()
    }

    /// Every mail received so far, read by Python's own e-mail parser.
    fn mails(&self) -> Vec<Mail> {
        read_maildir(&self.maildir.path().join("mail"))
    }
}

/// One received mail.
#[derive(Debug, Clone)]
struct Mail {
    to: String,
    subject: String,
    text: String,
    html: String,
}

fn read_maildir(dir: &Path) -> Vec<Mail> {
    const DUMP: &str = r#"
import email, email.policy, json, mailbox, sys
for _, message in sorted(mailbox.Maildir(sys.argv[1], create=False).items(), key=lambda m: m[1]['Date'] or ''):
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    text = parsed.get_body(('plain',))
    html = parsed.get_body(('html',))
    print(json.dumps({'to': str(parsed['To']), 'subject': str(parsed['Subject']),
                      'text': text.get_content() if text else '', 'html': html.get_content() if html else ''}))
"#;
    if !dir.exists() {
        return Vec::new();
    }
    let output = Command::new("python3")
        .args(["-c", DUMP])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mail: Value = serde_json::from_str(line).unwrap();
            Mail {
                to: mail["to"].as_str().unwrap().to_owned(),
                subject: mail["subject"].as_str().unwrap().to_owned(),
                text: mail["text"].as_str().unwrap().to_owned(),
                html: mail["html"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

fn to(mails: &[Mail], address: &str) -> Vec<Mail> {
    mails
        .iter()
        .filter(|mail| mail.to.contains(address))
        .cloned()
        .collect()
}

struct World {
    smtp: SmtpServer,
    courier: Courier,
    server: TestServer,
    admin: Client,
    alice: Client,
    carol: Client,
    group: String,
}

fn mail_config() -> AppConfig {
    AppConfig {
        mail_enabled: true,
        public_url: PUBLIC_URL.to_owned(),
        ..test_config()
    }
}

/// alice eligible for membership of Finance, whose activations carol and dave approve; everyone
/// has a mailbox.
async fn world() -> Option<World> {
    let smtp = SmtpServer::start()?;
    let courier = smtp.courier();
    let server = TestServer::start_with(mail_config()).await;
    let admin = server.admin().await;
    let mut ids = Vec::new();
    for name in ["alice", "carol", "dave"] {
        let id = admin.create_user(name).await;
        admin
            .patch(
                &format!("/v1.0/users/{id}"),
                json!({ "mail": format!("{name}@mail.test") }),
            )
            .await
            .expect(204);
        ids.push(id);
    }
    let group = managed_group(&admin, "Finance", false).await;
    admin
        .post(&format!("{PIM}/eligibilityScheduleRequests"), json!({
            "accessId": "member", "principalId": ids[0], "groupId": group, "action": "adminAssign",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
            "justification": "On call",
        }))
        .await
        .expect(201);
    let approvers = json!([
        { "@odata.type": "#microsoft.graph.singleUser", "userId": ids[1] },
        { "@odata.type": "#microsoft.graph.singleUser", "userId": ids[2] },
    ]);
    let policy = policy_id(&admin, &group, "member").await;
    admin
        .patch(
            &format!("{POLICIES}/{policy}/rules/Approval_EndUser_Assignment"),
            approval_rule(true, approvers),
        )
        .await
        .expect(204);
    let alice = server.client_as("alice", PASSWORD).await;
    let carol = server.client_as("carol", PASSWORD).await;
    let world = World {
        smtp,
        courier,
        server,
        admin,
        alice,
        carol,
        group,
    };
    world.deliver().await;
    Some(world)
}

impl World {
    /// Runs the delivery worker until nothing is due.
    async fn deliver(&self) {
        while self.server.app.deliver_due(&self.courier).await.unwrap() > 0 {}
    }

    /// alice asks to activate; returns the request's id.
    async fn activate(&self) -> String {
        let request = self
            .alice
            .post(&format!("{PIM}/assignmentScheduleRequests"), json!({
                "accessId": "member", "principalId": self.alice_id().await, "groupId": self.group,
                "action": "selfActivate", "justification": "Quarter-end close",
                "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT2H" } },
            }))
            .await
            .expect(201);
        self.deliver().await;
        request["id"].as_str().unwrap().to_owned()
    }

    async fn alice_id(&self) -> String {
        let me = self.alice.get("/v1.0/me").await.expect(200);
        me["id"].as_str().unwrap().to_owned()
    }

    async fn set_notification(
        &self,
        id: &str,
        recipient: &str,
        level: &str,
        defaults: bool,
        extra: Value,
    ) {
        let policy = policy_id(&self.admin, &self.group, "member").await;
        self.admin
            .patch(
                &format!("{POLICIES}/{policy}/rules/{id}"),
                json!({
                    "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule",
                    "id": id,
                    "notificationType": "Email",
                    "recipientType": recipient,
                    "notificationLevel": level,
                    "isDefaultRecipientsEnabled": defaults,
                    "notificationRecipients": extra,
                }),
            )
            .await
            .expect(204);
    }
}

#[tokio::test]
async fn n1_a_pending_activation_mails_each_approver_once_with_a_link_to_review_it() {
    let Some(w) = world().await else { return };
    let request = w.activate().await;
    let mails = w.smtp.mails();
    for approver in ["carol@mail.test", "dave@mail.test"] {
        let received = to(&mails, approver);
        assert_eq!(received.len(), 1, "{approver}: {mails:#?}");
        let mail = &received[0];
        assert_eq!(mail.subject, "PIM: Request to approve an activation");
        let link = format!("{PUBLIC_URL}/ui/approvals/{request}");
        assert!(mail.text.contains(&link), "{}", mail.text);
        assert!(mail.html.contains(&link), "{}", mail.html);
        for fact in ["alice", "Finance", "member", "Quarter-end close"] {
            assert!(mail.text.contains(fact), "{fact} in {}", mail.text);
        }
    }
    // The link works: carol, signed in to the console, finds the request to review there.
    let path = format!("/ui/approvals/{request}");
    let browser = ui_kit::Browser::new(&w.server.base_url);
    browser.sign_in("carol", PASSWORD, None).await;
    let page = browser.get(&path).await;
    assert!(
        page.contains("Quarter-end close"),
        "{path} shows the request"
    );
}

#[tokio::test]
async fn n1_approval_mails_the_requester() {
    let Some(w) = world().await else { return };
    let request = w.activate().await;
    let approval = w
        .carol
        .get(&format!("{PIM}/assignmentApprovals/{request}"))
        .await
        .expect(200);
    let stage = approval["stages"][0]["id"].as_str().unwrap().to_owned();
    w.carol
        .patch(
            &format!("{PIM}/assignmentApprovals/{request}/stages/{stage}"),
            json!({ "reviewResult": "Approve", "justification": "Go ahead" }),
        )
        .await
        .expect(204);
    w.deliver().await;
    let to_alice = to(&w.smtp.mails(), "alice@mail.test");
    let approved: Vec<&Mail> = to_alice
        .iter()
        .filter(|mail| mail.subject == "PIM: Your request for member of Finance is approved")
        .collect();
    assert_eq!(approved.len(), 1, "{to_alice:#?}");
    assert!(approved[0].text.contains("Go ahead"));
    assert!(approved[0]
        .text
        .contains(&format!("{PUBLIC_URL}/ui/my-requests")));
}

#[tokio::test]
async fn n2_critical_level_suppresses_the_activation_alert_but_not_the_request_to_approve() {
    let Some(w) = world().await else { return };
    w.set_notification(
        "Notification_Admin_EndUser_Assignment",
        "Admin",
        "Critical",
        true,
        json!([]),
    )
    .await;
    w.set_notification(
        "Notification_Approver_EndUser_Assignment",
        "Approver",
        "Critical",
        true,
        json!([]),
    )
    .await;
    // The administrator needs a mailbox to be told at all.
    let admin_id = w.admin.get("/v1.0/me").await.expect(200)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.admin
        .patch(
            &format!("/v1.0/users/{admin_id}"),
            json!({ "mail": "admin@mail.test" }),
        )
        .await
        .expect(204);
    // Without approval, activation is immediate: only the (suppressed) alert would tell of it.
    let policy = policy_id(&w.admin, &w.group, "member").await;
    w.admin
        .patch(
            &format!("{POLICIES}/{policy}/rules/Approval_EndUser_Assignment"),
            approval_rule(false, json!([])),
        )
        .await
        .expect(204);
    w.activate().await;
    assert!(
        to(&w.smtp.mails(), "admin@mail.test").is_empty(),
        "no activation alert"
    );

    // With approval again, the request to approve still goes out.
    let carol = w.carol.get("/v1.0/me").await.expect(200)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.admin
        .patch(
            &format!("{POLICIES}/{policy}/rules/Approval_EndUser_Assignment"),
            approval_rule(
                true,
                json!([{ "@odata.type": "#microsoft.graph.singleUser", "userId": carol }]),
            ),
        )
        .await
        .expect(204);
    w.server.advance(chrono::TimeDelta::hours(3));
    w.activate().await;
    let to_carol = to(&w.smtp.mails(), "carol@mail.test");
    assert!(
        to_carol
            .iter()
            .any(|mail| mail.subject == "PIM: Request to approve an activation"),
        "{to_carol:#?}"
    );
}

#[tokio::test]
async fn n2_additional_recipients_receive_and_a_rule_turned_off_sends_nothing() {
    let Some(w) = world().await else { return };
    w.set_notification(
        "Notification_Approver_EndUser_Assignment",
        "Approver",
        "All",
        true,
        json!(["pim-desk@mail.test"]),
    )
    .await;
    w.set_notification(
        "Notification_Requestor_EndUser_Assignment",
        "Requestor",
        "None",
        true,
        json!([]),
    )
    .await;
    let told_alice = to(&w.smtp.mails(), "alice@mail.test").len();
    assert_eq!(told_alice, 1, "alice was told she is eligible");
    w.activate().await;
    let mails = w.smtp.mails();
    assert_eq!(to(&mails, "pim-desk@mail.test").len(), 1, "{mails:#?}");
    assert_eq!(to(&mails, "carol@mail.test").len(), 1);
    assert_eq!(
        to(&mails, "alice@mail.test").len(),
        told_alice,
        "the requester's rule is off"
    );
}

#[tokio::test]
async fn n3_without_an_smtp_server_nothing_is_mailed_and_users_keep_their_address() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let id = admin.create_user("erin").await;
    admin
        .patch(
            &format!("/v1.0/users/{id}"),
            json!({ "mail": "erin@mail.test" }),
        )
        .await
        .expect(204);
    let user = admin
        .get(&format!("/v1.0/users/{id}?$select=mail"))
        .await
        .expect(200);
    assert_eq!(user["mail"], "erin@mail.test");
    let found = admin
        .get("/v1.0/users?$filter=mail eq 'erin@mail.test'")
        .await
        .expect(200);
    assert_eq!(found["value"].as_array().unwrap().len(), 1);
    let refused = admin
        .patch(
            &format!("/v1.0/users/{id}"),
            json!({ "mail": "erin at mail" }),
        )
        .await
        .expect(400);
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("mail"));
    let outbox = server
        .app
        .inspect_state(|state| state.users[&id.parse().unwrap()].mail.clone());
    assert_eq!(outbox.as_deref(), Some("erin@mail.test"));
}

/// N3: two nodes on one database, each with its own delivery worker running at the same time,
/// send every message once (on PostgreSQL the claims use `FOR UPDATE SKIP LOCKED`).
#[common::both_backends(flavor = "multi_thread", worker_threads = 4)]
async fn n3_two_nodes_deliver_each_notification_once() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let database = common::SharedDatabase::fresh().await;
    let clock = stint_app::ManualClock::starting_at(common::start_time());
    let a = TestServer::serve(database.open().await, clock.clone(), mail_config()).await;
    a.app
        .bootstrap(Some(stint_app::Password::new(common::ADMIN_PASSWORD)))
        .await
        .unwrap();
    let b = TestServer::serve(database.open().await, clock.clone(), mail_config()).await;
    let admin = a.admin().await;
    let group = managed_group(&admin, "Finance", false).await;
    const PEOPLE: usize = 40;
    for n in 0..PEOPLE {
        let id = admin.create_user(&format!("user{n}")).await;
        admin
            .patch(
                &format!("/v1.0/users/{id}"),
                json!({ "mail": format!("user{n}@mail.test") }),
            )
            .await
            .expect(204);
        admin
            .post(&format!("{PIM}/eligibilityScheduleRequests"), json!({
                "accessId": "member", "principalId": id, "groupId": group, "action": "adminAssign",
                "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
                "justification": "On call",
            }))
            .await
            .expect(201);
    }
    let (courier_a, courier_b) = (smtp.courier(), smtp.courier());
    let drain = |app: std::sync::Arc<stint_app::App>, courier: Courier| async move {
        let mut claimed = 0;
        loop {
            let round = app.deliver_due(&courier).await.unwrap();
            if round == 0 {
                return claimed;
            }
            claimed += round;
        }
    };
    let (by_a, by_b) = tokio::join!(
        tokio::spawn(drain(a.app.clone(), courier_a)),
        tokio::spawn(drain(b.app.clone(), courier_b)),
    );
    let (by_a, by_b) = (by_a.unwrap(), by_b.unwrap());
    assert_eq!(
        by_a + by_b,
        PEOPLE,
        "every message claimed once between the nodes"
    );
    let mails = smtp.mails();
    assert_eq!(mails.len(), PEOPLE, "each mail sent once");
    for n in 0..PEOPLE {
        assert_eq!(to(&mails, &format!("user{n}@mail.test")).len(), 1);
    }
}
