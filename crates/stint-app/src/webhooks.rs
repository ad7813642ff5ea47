//! Webhook subscriptions and the notification outbox, for Global and Privileged Role
//! Administrators (N3): subscribing (the secret is made here and shown once), changing and
//! deleting a subscription, reading what was sent to it, listing the outbox and re-driving a dead
//! message.

use stint_core::ids::WebhookId;
use stint_core::rules::webhooks::{self as rules, NewWebhook, WebhookPatch};
use stint_core::webhook::{Webhook, WebhookSecret};
use stint_core::Violation;
use stint_store::outbox::OutboxQuery;
pub use stint_store::outbox::{DeliveryAttempt, MessageState, OutboxEntry};
use uuid::Uuid;

use crate::engine::Attempt;
use crate::error::AppResult;
use crate::use_cases::rule_use_cases;
use crate::{App, CallMeta, Committed, Session};

/// The channel name the outbox stores webhook calls under.
const WEBHOOK_CHANNEL: &str = "webhook";

/// How many messages a list shows, newest first.
pub const LISTED: usize = 100;

/// One message to a subscription with every attempt to deliver it, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageDeliveries {
    pub entry: OutboxEntry,
    pub attempts: Vec<DeliveryAttempt>,
}

rule_use_cases! {
    update_webhook(id: WebhookId, patch: WebhookPatch) -> Webhook = decide(
        Attempt::new("webhook.update", "webhook", id),
        rules::update);
    delete_webhook(id: WebhookId) -> () = decide_alone(
        Attempt::new("webhook.delete", "webhook", id),
        rules::delete);
}

impl App {
    /// Subscribes a URL; the committed subscription carries its new secret, for the caller to
    /// show this once.
    pub async fn create_webhook(
        &self,
        session: &Session,
        meta: &CallMeta,
        input: NewWebhook,
    ) -> AppResult<Committed<Webhook>> {
        let secret = WebhookSecret(stint_notify::WebhookSecret::generate().expose());
        let attempt = Attempt::new("webhook.create", "webhook", rules::host_of(&input.url));
        self.decide(session, meta, attempt, move |state, ctx| {
            rules::create(state, ctx, input, secret)
        })
        .await
    }

    /// The newest [`LISTED`] messages to a subscription (deleted ones included), each with its
    /// attempts; `None` when no subscription has that id.
    pub async fn webhook_deliveries(
        &self,
        session: &Session,
        id: WebhookId,
    ) -> AppResult<Option<Vec<MessageDeliveries>>> {
        if !self.view(session).webhook_ever_made(id)? {
            return Ok(None);
        }
        let query = OutboxQuery {
            state: None,
            channel: Some(WEBHOOK_CHANNEL),
            target: Some(id.to_string()),
            limit: LISTED,
        };
        let mut deliveries = Vec::new();
        for entry in self.store.outbox(&query).await? {
            let attempts = self.store.delivery_attempts(entry.message.id).await?;
            deliveries.push(MessageDeliveries { entry, attempts });
        }
        Ok(Some(deliveries))
    }

    /// The newest [`LISTED`] messages of the outbox, of every channel, in `state` or any.
    pub async fn outbox_messages(
        &self,
        session: &Session,
        state: Option<MessageState>,
    ) -> AppResult<Vec<OutboxEntry>> {
        self.view(session).webhook_manager()?;
        let query = OutboxQuery {
            state,
            limit: LISTED,
            ..OutboxQuery::default()
        };
        Ok(self.store.outbox(&query).await?)
    }

    /// An administrator's re-drive of a dead message: pending again, due now, and audited.
    pub async fn redrive_message(
        &self,
        session: &Session,
        meta: &CallMeta,
        id: Uuid,
    ) -> AppResult<Committed<()>> {
        self.view(session).webhook_manager()?;
        if !self.redrive(id).await? {
            return Err(Violation::not_found(format!("Dead message '{id}'")).into());
        }
        let attempt = Attempt::new("outbox.redrive", "outboxMessage", id);
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            rules::redrive(state, ctx, id)
        })
        .await
    }
}
