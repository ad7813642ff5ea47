//! N1–N4, E5: what a committed decision tells people. [`plan`] reads a decision against the state
//! it was made on and returns the outbox messages to commit with it: one e-mail for each recipient
//! the group's notification rules name, and one webhook call for each subscription that wants the
//! event. Deciding who hears of what is a rule of PIM and lives here; sending is the delivery
//! worker's job.

mod events;
mod recipients;
mod reminders;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{GroupId, PrincipalId, RequestId, ScheduleId, UserId};
use crate::request::RequestAction;
use crate::schedule::{Access, ScheduleKind};
use crate::webhook::WebhookId;
use crate::{Decision, State};

pub use events::events_of;
pub use recipients::{mail_recipients, Administrators, MailRecipient, MAX_RECIPIENTS};
pub use reminders::{next_reminder, remind, REMINDER_LEADS};

/// The events Stint tells of (N1), named as webhooks and the audit name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// An administrator made someone eligible.
    EligibilityAssigned,
    /// An eligibility ended before its time.
    EligibilityRemoved,
    /// An administrator gave someone active access.
    AssignmentAssigned,
    /// Someone activated their eligibility.
    AssignmentActivated,
    /// Someone ended their activation.
    AssignmentDeactivated,
    /// An assignment reached its end.
    AssignmentExpired,
    /// An active assignment ended before its time.
    AssignmentRemoved,
    /// A request waits for an approver.
    RequestPendingApproval,
    /// An approver said yes.
    RequestApproved,
    /// An approver said no.
    RequestDenied,
    /// Nobody decided within 24 hours (V3).
    RequestTimedOut,
    /// The requester withdrew the request.
    RequestCanceled,
    /// An assignment ends in 14 days or 1 day (E5).
    ReminderExpiringSoon,
}

impl EventType {
    pub const ALL: [EventType; 13] = [
        EventType::EligibilityAssigned,
        EventType::EligibilityRemoved,
        EventType::AssignmentAssigned,
        EventType::AssignmentActivated,
        EventType::AssignmentDeactivated,
        EventType::AssignmentExpired,
        EventType::AssignmentRemoved,
        EventType::RequestPendingApproval,
        EventType::RequestApproved,
        EventType::RequestDenied,
        EventType::RequestTimedOut,
        EventType::RequestCanceled,
        EventType::ReminderExpiringSoon,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::EligibilityAssigned => "eligibility.assigned",
            EventType::EligibilityRemoved => "eligibility.removed",
            EventType::AssignmentAssigned => "assignment.assigned",
            EventType::AssignmentActivated => "assignment.activated",
            EventType::AssignmentDeactivated => "assignment.deactivated",
            EventType::AssignmentExpired => "assignment.expired",
            EventType::AssignmentRemoved => "assignment.removed",
            EventType::RequestPendingApproval => "request.pendingApproval",
            EventType::RequestApproved => "request.approved",
            EventType::RequestDenied => "request.denied",
            EventType::RequestTimedOut => "request.timedOut",
            EventType::RequestCanceled => "request.canceled",
            EventType::ReminderExpiringSoon => "reminder.expiringSoon",
        }
    }
}

/// On the wire and in stored messages, an event type is its name (`as_str`).
impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        EventType::ALL
            .into_iter()
            .find(|event| event.as_str() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown event type '{name}'")))
    }
}

graph_names!(EventType);

impl EventType {
    /// Whether it asks someone to act: the only mails a rule at `Critical` level sends (N2).
    pub fn needs_action(self) -> bool {
        self == EventType::RequestPendingApproval
    }
}

/// An id with the name it had when the event happened, so that a message reads well even after
/// the object is renamed or deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Named<Id> {
    pub id: Id,
    pub name: String,
}

/// One N1 event about a membership or ownership of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub at: DateTime<Utc>,
    /// The revision that committed it: `/stint/v1/check?atLeast=` sees its effect.
    pub revision: u64,
    pub group: Named<GroupId>,
    pub access: Access,
    /// Whether the assignment concerned is eligible or active.
    pub assignment: ScheduleKind,
    pub principal: Named<PrincipalId>,
    /// Who acted: the administrator, requester or approver; `None` for the scheduler.
    pub actor: Option<Named<UserId>>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub action: Option<RequestAction>,
    pub request_id: Option<RequestId>,
    pub schedule_id: Option<ScheduleId>,
    pub justification: Option<String>,
    pub ticket: Option<String>,
    /// The approver's words, on a decided request.
    pub reason: Option<String>,
}

/// Where one outbox message goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "camelCase")]
pub enum Delivery {
    Mail(MailRecipient),
    Webhook { subscription: WebhookId },
}

impl Delivery {
    /// The channel's name as stored and shown.
    pub fn channel(&self) -> &'static str {
        match self {
            Delivery::Mail(_) => "mail",
            Delivery::Webhook { .. } => "webhook",
        }
    }

    /// The address or subscription it goes to, as shown to administrators.
    pub fn target(&self) -> String {
        match self {
            Delivery::Mail(recipient) => recipient.address.clone(),
            Delivery::Webhook { subscription } => subscription.to_string(),
        }
    }
}

/// A message to deliver, committed with the decision it tells of (N3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub id: Uuid,
    pub event: Event,
    pub delivery: Delivery,
}

/// Which channels are on: e-mail needs an SMTP server; webhooks are on when subscribed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Channels {
    pub mail: bool,
}

/// N1–N4: the messages `decision`, made on `state` at `now` and committed as `revision`, sends.
pub fn plan(
    state: &State,
    decision: &Decision,
    revision: u64,
    now: DateTime<Utc>,
    channels: Channels,
    fresh_id: fn() -> Uuid,
) -> Vec<OutboxMessage> {
    let mut messages = Vec::new();
    let subscribed = state
        .webhooks
        .values()
        .any(|webhook| webhook.deleted_at.is_none());
    if !channels.mail && !subscribed {
        // Nobody to tell: the write path pays nothing for notifications that are off.
        return messages;
    }
    let mut administrators = Administrators::default();
    for (event, request) in events_of(state, decision, revision, now, fresh_id) {
        let approval = request.and_then(|request| request.approval.as_ref());
        let recipients = if channels.mail {
            mail_recipients(state, &event, approval, now, &mut administrators)
        } else {
            Vec::new()
        };
        let mails = recipients.into_iter().map(Delivery::Mail);
        let calls = state
            .webhooks_for(event.kind)
            .map(|subscription| Delivery::Webhook { subscription });
        for delivery in mails.chain(calls) {
            messages.push(OutboxMessage {
                id: fresh_id(),
                event: event.clone(),
                delivery,
            });
        }
    }
    messages
}

#[cfg(test)]
#[path = "notify/tests.rs"]
mod tests;
