//! Webhooks: the Standard Webhooks signature, Slack and Teams message shapes, and the sender.

mod card;
mod secret;
mod sender;
mod signature;

pub use card::{slack_body, teams_body, Card};
pub use secret::WebhookSecret;
pub use sender::WebhookSender;
pub use signature::{sign, verify, SignatureError, SIGNATURE_TOLERANCE_SECS};
