//! Webhook subscriptions (N3), which only Global and Privileged Role Administrators may read; what
//! was sent to them is read from the outbox by [`App::webhook_deliveries`].
//!
//! [`App::webhook_deliveries`]: crate::App::webhook_deliveries

use stint_core::authz::WebhookManager;
use stint_core::ids::WebhookId;
use stint_core::rules::webhooks::live_webhook;
use stint_core::webhook::Webhook;
use stint_core::Violation;

use super::View;

impl View<'_> {
    /// The live subscriptions, oldest first.
    pub fn webhooks(&self) -> Result<Vec<&Webhook>, Violation> {
        self.webhook_manager()?;
        let mut live: Vec<&Webhook> = (self.state.webhooks.values())
            .filter(|webhook| webhook.deleted_at.is_none())
            .collect();
        live.sort_by_key(|webhook| (webhook.created_at, webhook.id));
        Ok(live)
    }

    /// One live subscription; `None` when there is none with that id.
    pub fn webhook(&self, id: WebhookId) -> Result<Option<&Webhook>, Violation> {
        self.webhook_manager()?;
        Ok(live_webhook(&self.state, id).ok())
    }

    /// Whether a subscription with that id was ever made: a deleted one's deliveries stay
    /// readable.
    pub fn webhook_ever_made(&self, id: WebhookId) -> Result<bool, Violation> {
        self.webhook_manager()?;
        Ok(self.state.webhooks.contains_key(&id))
    }

    /// The right to manage subscriptions and to read and re-drive the notification outbox.
    pub fn webhook_manager(&self) -> Result<WebhookManager, Violation> {
        self.authority().webhook_manager()
    }
}
