//! The notification outbox (SPEC N3) as the port shows it: messages committed with their decision,
//! claimed by one delivery worker at a time for a lease, and settled as sent, to be retried, or
//! dead (visible and re-drivable by an administrator). A worker that dies mid-delivery leaves its
//! claim to lapse, and the message is claimed again.

use chrono::{DateTime, Utc};
use stint_core::notify::OutboxMessage;
use uuid::Uuid;

/// Where a message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageState {
    /// Waiting for its first or next attempt.
    Pending,
    /// Delivered.
    Sent,
    /// Given up on after its attempts; an administrator may re-drive it.
    Dead,
}

impl MessageState {
    pub const ALL: [MessageState; 3] = [
        MessageState::Pending,
        MessageState::Sent,
        MessageState::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Pending => "pending",
            MessageState::Sent => "sent",
            MessageState::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<MessageState> {
        MessageState::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// A message a worker claimed, with the number of attempts it had since it was written or last
/// re-driven.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedMessage {
    pub message: OutboxMessage,
    pub tries: u32,
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settlement {
    Sent {
        /// The HTTP status or SMTP reply code, where the channel has one.
        status: Option<u16>,
    },
    Retry {
        at: DateTime<Utc>,
        status: Option<u16>,
        error: String,
    },
    Dead {
        status: Option<u16>,
        error: String,
    },
}

impl Settlement {
    pub fn state(&self) -> MessageState {
        match self {
            Settlement::Sent { .. } => MessageState::Sent,
            Settlement::Retry { .. } => MessageState::Pending,
            Settlement::Dead { .. } => MessageState::Dead,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Settlement::Sent { status }
            | Settlement::Retry { status, .. }
            | Settlement::Dead { status, .. } => *status,
        }
    }

    pub fn error(&self) -> Option<&str> {
        match self {
            Settlement::Sent { .. } => None,
            Settlement::Retry { error, .. } | Settlement::Dead { error, .. } => Some(error),
        }
    }
}

/// One message as administrators list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub message: OutboxMessage,
    pub revision: u64,
    pub created_at: DateTime<Utc>,
    pub state: MessageState,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub settled_at: Option<DateTime<Utc>>,
}

/// One attempt to deliver a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub message_id: Uuid,
    /// Counted from 1 over the message's whole life.
    pub attempt: u32,
    pub at: DateTime<Utc>,
    pub outcome: MessageState,
    pub status: Option<u16>,
    pub detail: Option<String>,
}

/// Which messages to list, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxQuery {
    pub state: Option<MessageState>,
    /// `mail` or `webhook`.
    pub channel: Option<&'static str>,
    /// An address, or a webhook subscription's id.
    pub target: Option<String>,
    /// 0 means the default of 100.
    pub limit: usize,
}

/// How many messages stand in each state, and how old the oldest waiting one is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxStats {
    pub pending: u64,
    pub sent: u64,
    pub dead: u64,
    pub oldest_pending: Option<DateTime<Utc>>,
}
