//! `Mailer` against a real SMTP server: Python's `aiosmtpd` (RFC 5321), started by each test and
//! storing what it receives in a Maildir that Python's own e-mail parser reads back.
#![allow(clippy::unwrap_used)]

mod support;

use stint_notify::{Mail, Mailer, SmtpSettings};
use stint_testkit::{free_port, Aiosmtpd};
use support::mails;

const MESSAGE_ID: &str = "3f0c9a6e-6b1d-4e43-9d0e-0a7c6a1c2b11";

fn mail() -> Mail {
    Mail {
        to: "zoe@example.com".into(),
        to_name: Some("Zoë Ærø".into()),
        subject: "PIM: Request to approve an activation — Payroll admins".into(),
        text: "Zoë, Alice asks to be a member of Payroll admins.\nReview: https://stint.example.com/console/approvals/42\n".into(),
        html: "<p>Zoë, Alice asks to be a member of <b>Payroll admins</b>.</p>\n".into(),
    }
}

fn mailer(port: u16) -> Mailer {
    let settings = SmtpSettings::from_url(&format!("smtp://127.0.0.1:{port}")).unwrap();
    Mailer::new(settings, "Stint PIM <pim@example.com>").unwrap()
}

#[tokio::test]
async fn a_mail_arrives_with_both_parts_and_the_same_message_id_when_sent_again() {
    if !support::enabled(
        "STINT_TEST_SMTP",
        "a_mail_arrives_with_both_parts_and_the_same_message_id_when_sent_again",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("maildir");
    let server = Aiosmtpd::start_anywhere(&maildir, &[]);
    let mailer = mailer(server.port);

    mailer.send(&mail(), MESSAGE_ID).await.unwrap();
    mailer.send(&mail(), MESSAGE_ID).await.unwrap();

    let received = mails(&maildir);
    assert_eq!(received.len(), 2, "{received:#?}");
    for got in &received {
        let headers = &got["headers"];
        assert_eq!(
            headers["X-MailFrom"], "pim@example.com",
            "the envelope sender"
        );
        assert_eq!(
            headers["X-RcptTo"], "zoe@example.com",
            "the envelope recipient"
        );
        assert_eq!(headers["From"], "Stint PIM <pim@example.com>");
        assert_eq!(headers["To"], "Zoë Ærø <zoe@example.com>");
        assert_eq!(headers["Subject"], mail().subject);
        assert_eq!(headers["Message-ID"], format!("<{MESSAGE_ID}@example.com>"));
        assert!(headers["Date"].is_string());
        assert_eq!(got["content_type"], "multipart/alternative");
        let parts = got["parts"].as_array().unwrap();
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert_eq!(parts[0][0], "text/plain");
        assert_eq!(
            parts[0][1].as_str().unwrap().replace("\r\n", "\n"),
            mail().text
        );
        assert_eq!(parts[1][0], "text/html");
        assert_eq!(
            parts[1][1].as_str().unwrap().replace("\r\n", "\n"),
            mail().html
        );
    }
}

#[tokio::test]
async fn a_mail_the_server_refuses_with_5xx_is_permanent() {
    if !support::enabled(
        "STINT_TEST_SMTP",
        "a_mail_the_server_refuses_with_5xx_is_permanent",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("maildir");
    let server = Aiosmtpd::start_anywhere(&maildir, &["-s", "1000"]);
    let mut big = mail();
    big.text = "x".repeat(5000);

    let error = mailer(server.port)
        .send(&big, MESSAGE_ID)
        .await
        .unwrap_err();

    assert!(!error.is_transient(), "{error}");
    assert!(error.text().contains("552"), "{error}");
    assert!(mails(&maildir).is_empty());
}

#[tokio::test]
async fn a_refused_connection_is_transient_and_names_no_password() {
    let port = free_port();
    let settings =
        SmtpSettings::from_url(&format!("smtp://pim:hunter2@127.0.0.1:{port}?tls=starttls"))
            .unwrap();
    let mailer = Mailer::new(settings, "pim@example.com").unwrap();

    let error = mailer.send(&mail(), MESSAGE_ID).await.unwrap_err();

    assert!(error.is_transient(), "{error}");
    assert!(error.text().to_lowercase().contains("refused"), "{error}");
    assert!(!error.text().contains("hunter2"), "{error}");
}
