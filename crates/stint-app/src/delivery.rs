//! The delivery worker (N3): takes the outbox messages that are due, sends them by e-mail or
//! webhook, and settles each as sent, to be retried (exponential backoff with jitter), or dead.
//!
//! Every node runs one. A message is claimed for a lease before it is sent, so two workers never
//! hold it at once (PostgreSQL: `FOR UPDATE SKIP LOCKED`); a worker that dies mid-delivery leaves
//! its claim to lapse and another sends the message. Delivery is at least once: a crash between
//! the server's acceptance and the settling sends the message again, under the same `Message-ID`
//! and `webhook-id`, so receivers can tell. Nothing here runs on a request's path.

mod formats;
mod words;

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use futures::stream::{self, StreamExt};
use stint_core::notify::{Delivery, OutboxMessage};
use stint_core::schedule::at_time_precision;
use stint_core::webhook::{Webhook, WebhookFormat};
use stint_notify::{Backoff, DeliveryError, Mailer, WebhookSecret, WebhookSender};
use stint_store::outbox::{ClaimedMessage, Settlement};
use uuid::Uuid;

use crate::error::AppResult;
use crate::App;

/// How long a claimed message is held before another worker may take it: longer than a batch
/// takes at worst — four waves of sends, each within the mailer's and the webhook client's 30-s
/// limit — plus [`SETTLE_PATIENCE`], so that a live worker's messages are never sent twice.
const LEASE: TimeDelta = TimeDelta::seconds(180);

/// How many messages a worker sends at the same time (as many as the mailer keeps connections),
/// and claims at once: four waves of them.
const CONCURRENT_SENDS: usize = stint_notify::SMTP_CONNECTIONS;
const BATCH: usize = 4 * CONCURRENT_SENDS;

/// How long a worker keeps trying to record sent messages in a store that refuses the write.
const SETTLE_PATIENCE: Duration = Duration::from_secs(30);

/// How often an idle worker looks for messages that fell due (retries), when no commit wakes it.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// What a node sends with.
pub struct Courier {
    /// `None` when no SMTP server is configured (e-mail is off).
    pub mailer: Option<Mailer>,
    pub webhooks: WebhookSender,
    pub backoff: Backoff,
    /// This worker's name in claims: unique per process.
    pub worker: String,
}

impl std::fmt::Debug for Courier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Courier")
            .field("mail", &self.mailer.is_some())
            .field("backoff", &self.backoff)
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

impl Courier {
    /// A courier named after this process, sending mail through `mailer` when there is one.
    pub fn new(mailer: Option<Mailer>) -> Result<Courier, stint_notify::SettingsError> {
        Ok(Courier {
            mailer,
            webhooks: WebhookSender::new()?,
            backoff: Backoff::default(),
            worker: format!("{}-{}", std::process::id(), Uuid::new_v4().simple()),
        })
    }
}

impl App {
    /// One round of the worker: claims what is due at the clock's now and settles each message.
    /// Returns how many were claimed. Tests call it directly; [`spawn_delivery`] calls it in a
    /// loop.
    pub async fn deliver_due(&self, courier: &Courier) -> AppResult<usize> {
        let now = self.now();
        let claimed = self
            .store
            .claim_messages(&courier.worker, now, now + LEASE, BATCH)
            .await?;
        let count = claimed.len();
        // The attempts that have ended are settled together, in one transaction, while the
        // others go on: a slow receiver holds back no other message's record, a crash re-sends
        // only what was in flight or not yet settled, and a burst costs a commit per chunk rather
        // than per message. Sending goes on while a chunk commits.
        let (ended, mut settle_queue) = tokio::sync::mpsc::unbounded_channel();
        // The queue closes when the last send has ended and `ended` is dropped with the stream.
        let sending = stream::iter(claimed).for_each_concurrent(CONCURRENT_SENDS, move |claimed| {
            let ended = ended.clone();
            async move {
                let id = claimed.message.id;
                let _ = ended.send((id, self.attempt(courier, claimed).await));
            }
        });
        let settling = async {
            while let Some(first) = settle_queue.recv().await {
                let mut chunk = vec![first];
                while chunk.len() < BATCH {
                    match settle_queue.try_recv() {
                        Ok(next) => chunk.push(next),
                        Err(_) => break,
                    }
                }
                let held = self.settle(&courier.worker, &chunk).await?;
                for ((id, _), held) in chunk.iter().zip(held) {
                    if !held {
                        tracing::warn!(%id, "a delivery outlasted its claim; another worker has it now");
                    }
                }
            }
            AppResult::Ok(())
        };
        let sending = async {
            sending.await;
            AppResult::Ok(())
        };
        tokio::try_join!(sending, settling)?;
        Ok(count)
    }

    /// Records how the attempts ended. The messages were sent: a store busy with a long commit is
    /// waited for (up to [`SETTLE_PATIENCE`], well within the claim) rather than leaving them to
    /// be sent again once the claim lapses.
    async fn settle(&self, worker: &str, chunk: &[(Uuid, Settlement)]) -> AppResult<Vec<bool>> {
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(50);
        loop {
            match self.store.settle_messages(worker, chunk, self.now()).await {
                Ok(held) => return Ok(held),
                Err(error) if started.elapsed() < SETTLE_PATIENCE => {
                    tracing::warn!(%error, "settling deliveries failed; trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Sends one message and says how it ended.
    async fn attempt(&self, courier: &Courier, claimed: ClaimedMessage) -> Settlement {
        let message = &claimed.message;
        let result = match &message.delivery {
            Delivery::Mail(recipient) => match &courier.mailer {
                Some(mailer) => {
                    let mail = formats::mail(&message.event, recipient, &self.config.public_url);
                    mailer
                        .send(&mail, &message.id.simple().to_string())
                        .await
                        .map(|()| None)
                }
                None => Err(DeliveryError::permanent(
                    "e-mail is off: no SMTP server is configured",
                )),
            },
            Delivery::Webhook { subscription } => {
                let webhook = self.read(|state| state.webhooks.get(subscription).cloned());
                match webhook.filter(|webhook| webhook.deleted_at.is_none()) {
                    Some(webhook) => self.post(courier, &webhook, message).await.map(Some),
                    None => Err(DeliveryError::permanent(
                        "the webhook subscription was deleted",
                    )),
                }
            }
        };
        let tries = claimed.tries + 1;
        match result {
            Ok(status) => Settlement::Sent { status },
            Err(error) => {
                let text = error.text().to_owned();
                tracing::info!(id = %message.id, channel = message.delivery.channel(), tries, error = %text, "delivery failed");
                if error.is_transient() && !courier.backoff.is_exhausted(tries) {
                    let wait = courier.backoff.delay(tries, rand::random::<f64>());
                    Settlement::Retry {
                        at: at_time_precision(
                            self.now() + TimeDelta::from_std(wait).unwrap_or(TimeDelta::hours(1)),
                        ),
                        status: error.status(),
                        error: text,
                    }
                } else {
                    Settlement::Dead {
                        status: error.status(),
                        error: text,
                    }
                }
            }
        }
    }

    /// Posts the message to a subscription in its format.
    async fn post(
        &self,
        courier: &Courier,
        webhook: &Webhook,
        message: &OutboxMessage,
    ) -> Result<u16, DeliveryError> {
        let public_url = &self.config.public_url;
        match webhook.format {
            WebhookFormat::Standard => {
                let secret = WebhookSecret::parse(webhook.secret.expose()).map_err(|_| {
                    DeliveryError::permanent("the subscription's secret is unreadable")
                })?;
                let body = serde_json::to_vec(&formats::standard(&message.event))
                    .map_err(|error| DeliveryError::permanent(error.to_string()))?;
                let msg_id = format!("msg_{}", message.id.simple());
                let timestamp = self.now().timestamp();
                courier
                    .webhooks
                    .post_standard(&webhook.url, &secret, &msg_id, timestamp, &body)
                    .await
            }
            WebhookFormat::Slack => {
                let body = stint_notify::slack_body(&formats::card(&message.event, public_url));
                courier.webhooks.post_json(&webhook.url, &body).await
            }
            WebhookFormat::Teams => {
                let body = stint_notify::teams_body(&formats::card(&message.event, public_url));
                courier.webhooks.post_json(&webhook.url, &body).await
            }
        }
    }

    /// Makes a dead message pending again, due now (an administrator's re-drive).
    pub async fn redrive(&self, id: Uuid) -> AppResult<bool> {
        Ok(self.store.redrive_message(id, self.now()).await?)
    }
}

/// Runs the worker until the returned handle is aborted: a round whenever this node applies a
/// commit (its own or another node's), and every second for retries that fell due.
pub fn spawn_delivery(app: Arc<App>, courier: Courier) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut commits = app.applied_revisions();
        loop {
            match app.deliver_due(&courier).await {
                Ok(count) if count == BATCH => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "the delivery round failed; retrying"),
            }
            let _ = tokio::time::timeout(IDLE_POLL, commits.changed()).await;
        }
    })
}
