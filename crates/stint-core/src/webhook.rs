//! Webhook subscriptions (N3): where Stint posts the events an administrator asked for, signed with
//! a secret that only the subscription's owner was shown.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;
pub use crate::ids::WebhookId;
use crate::notify::EventType;

/// The body a subscription receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WebhookFormat {
    /// Standard Webhooks: `{"type", "timestamp", "data"}`, signed.
    Standard,
    /// A Slack incoming-webhook message.
    Slack,
    /// A Microsoft Teams Workflows message with an Adaptive Card.
    Teams,
}

impl WebhookFormat {
    pub const ALL: [WebhookFormat; 3] = [
        WebhookFormat::Standard,
        WebhookFormat::Slack,
        WebhookFormat::Teams,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Standard => "standard",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Teams => "teams",
        }
    }
}

graph_names!(WebhookFormat);

/// The signing secret (`whsec_…`). Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebhookSecret(pub String);

impl WebhookSecret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

crate::redacted_debug!(WebhookSecret);

/// One subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub id: WebhookId,
    pub url: String,
    /// The events it receives, in [`EventType`]'s order.
    pub events: Vec<EventType>,
    pub format: WebhookFormat,
    pub secret: WebhookSecret,
    pub created_at: DateTime<Utc>,
    pub created_by: UserId,
    /// Deleted subscriptions receive nothing; their deliveries stay readable.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Webhook {
    pub fn wants(&self, event: EventType) -> bool {
        self.deleted_at.is_none() && self.events.contains(&event)
    }
}
