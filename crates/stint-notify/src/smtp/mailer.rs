//! Sending one mail: multipart plain text and HTML, with a Message-ID the caller chooses.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

use super::connections::Connections;
use super::SmtpSettings;
use crate::error::chain;
use crate::{DeliveryError, SettingsError};

/// How long one SMTP command (connecting included) may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long sending one mail may take in all.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// One mail to one recipient. The caller writes both bodies; `html` is sent as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// The recipient's name, shown beside the address.
    pub to_name: Option<String>,
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// Sends mails through one SMTP server, reusing connections. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    connections: Arc<Connections>,
    settings: SmtpSettings,
    from: Mailbox,
}

impl Mailer {
    /// A mailer sending through `settings` from `from`, an address or `Name <address>`. Connects
    /// only when a mail is sent.
    pub fn new(settings: SmtpSettings, from: &str) -> Result<Mailer, SettingsError> {
        let from: Mailbox = from.trim().parse().map_err(|error| {
            SettingsError::new(format!(
                "the sender is not an address or `Name <address>` ({error})"
            ))
        })?;
        Ok(Mailer {
            connections: Arc::new(Connections::new(settings.clone(), COMMAND_TIMEOUT)),
            settings,
            from,
        })
    }

    /// Sends `mail` with the Message-ID `<message_id@sender's domain>`, so that sending the same
    /// message again (after a failure that was not one) gives the same Message-ID and mail
    /// programs can tell. `message_id` is made of letters, digits and `-_.+=` (a UUID fits).
    pub async fn send(&self, mail: &Mail, message_id: &str) -> Result<(), DeliveryError> {
        let message = self.message(mail, message_id)?;
        let envelope = message.envelope().clone();
        let formatted = message.formatted();
        let sent = self.connections.send(&envelope, &formatted);
        match tokio::time::timeout(SEND_TIMEOUT, sent).await {
            Ok(result) => result,
            Err(_) => Err(DeliveryError::transient(format!(
                "the SMTP server did not take the mail within {} s",
                SEND_TIMEOUT.as_secs()
            ))),
        }
    }

    fn message(&self, mail: &Mail, message_id: &str) -> Result<Message, DeliveryError> {
        if !is_message_id(message_id) {
            return Err(DeliveryError::permanent(
                "the message id is not usable in a Message-ID (letters, digits and -_.+= only)",
            ));
        }
        let address: Address = mail.to.trim().parse().map_err(|error| {
            DeliveryError::permanent(format!("the recipient is not an e-mail address ({error})"))
        })?;
        let to = Mailbox::new(mail.to_name.as_deref().map(one_line), address);
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(one_line(&mail.subject))
            .message_id(Some(format!("<{message_id}@{}>", self.from.email.domain())))
            .date_now()
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|error| {
                DeliveryError::permanent(format!("the mail cannot be written: {error}"))
            })
    }
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("settings", &self.settings)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// Whether a retry can help: SMTP 5xx replies and mails the client refuses to send will fail again;
/// 4xx replies, timeouts, connection and TLS failures may not.
pub(super) fn refusal(error: &lettre::transport::smtp::Error) -> DeliveryError {
    let text = chain(error);
    let refused = if error.is_permanent() || error.is_client() {
        DeliveryError::permanent(text)
    } else {
        DeliveryError::transient(text)
    };
    match error.status() {
        Some(code) => refused.with_status(u16::from(code)),
        None => refused,
    }
}

fn is_message_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.+=".contains(c))
        && !id.starts_with('.')
        && !id.ends_with('.')
        && !id.contains("..")
}

/// A header value on one line: line breaks and other control characters become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer() -> Mailer {
        let settings = SmtpSettings::from_url("smtp://127.0.0.1:2525").unwrap();
        Mailer::new(settings, "Stint PIM <pim@example.com>").unwrap()
    }

    fn mail() -> Mail {
        Mail {
            to: "alice@example.com".into(),
            to_name: Some("Alice".into()),
            subject: "PIM: Request to approve an activation".into(),
            text: "Please review.".into(),
            html: "<p>Please review.</p>".into(),
        }
    }

    fn formatted(mail: &Mail, id: &str) -> String {
        String::from_utf8(mailer().message(mail, id).unwrap().formatted()).unwrap()
    }

    #[tokio::test]
    async fn message_id_comes_from_the_caller_and_the_senders_domain() {
        let text = formatted(&mail(), "3f0c9a6e-6b1d-4e43-9d0e-0a7c6a1c2b11");
        assert!(
            text.contains("Message-ID: <3f0c9a6e-6b1d-4e43-9d0e-0a7c6a1c2b11@example.com>"),
            "{text}"
        );
        assert!(text.contains("multipart/alternative"), "{text}");
        assert!(
            text.contains("From: \"Stint PIM\" <pim@example.com>"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_subject_cannot_add_headers() {
        let mut sneaky = mail();
        sneaky.subject = "hello\r\nBcc: mallory@example.com".into();
        sneaky.to_name = Some("Alice\r\nBcc: mallory@example.com".into());
        let text = formatted(&sneaky, "id-1");
        assert!(!text.contains("\r\nBcc:"), "{text}");
    }

    #[tokio::test]
    async fn bad_ids_and_addresses_are_permanent() {
        for id in ["", "a b", "<x@y>", ".x", "x.", "a..b", &"x".repeat(129)] {
            let error = mailer().message(&mail(), id).unwrap_err();
            assert!(!error.is_transient(), "{id}");
        }
        let mut bad = mail();
        bad.to = "not an address".into();
        let error = mailer().message(&bad, "id-1").unwrap_err();
        assert!(
            !error.is_transient() && error.text().contains("recipient"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn bad_sender_is_a_settings_error() {
        let settings = SmtpSettings::from_url("smtp://127.0.0.1:2525").unwrap();
        let error = Mailer::new(settings, "Stint").unwrap_err();
        assert!(error.to_string().contains("sender"), "{error}");
    }

    #[tokio::test]
    async fn debug_hides_the_password() {
        let settings = SmtpSettings::from_url("smtps://pim:hunter2@mail.example.com").unwrap();
        let mailer = Mailer::new(settings, "pim@example.com").unwrap();
        let debug = format!("{mailer:?}");
        assert!(
            !debug.contains("hunter2") && debug.contains("pim@example.com"),
            "{debug}"
        );
    }
}
