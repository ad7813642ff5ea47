//! How a message leaves Stint: e-mail over SMTP ([`Mailer`]), webhooks signed the Standard Webhooks
//! way ([`WebhookSender`], [`sign`], [`verify`]) or shaped for Slack and Teams ([`Card`]), and the
//! pacing of retries ([`Backoff`]).
//!
//! The crate knows nothing of PIM: callers hand it finished text, addresses and bodies, and learn
//! from a [`DeliveryError`] whether trying again can help. Passwords and webhook secrets never
//! appear in `Debug`, `Display` or an error's text.

mod backoff;
mod error;
mod smtp;
mod text;
mod webhook;

pub use backoff::Backoff;
pub use error::{DeliveryError, SettingsError};
pub use smtp::{Mail, Mailer, SmtpSecurity, SmtpSettings, SMTP_CONNECTIONS};
pub use webhook::{
    sign, slack_body, teams_body, verify, Card, SignatureError, WebhookSecret, WebhookSender,
    SIGNATURE_TOLERANCE_SECS,
};
