//! The audit records of what a connector's worker did to a target group (C2, C3): each removal
//! confirmed by reading the target back, drift found (and corrected or only reported), and a
//! wanted user the target does not know. They name the connector, the link's Stint group and the
//! target group; never a credential.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::{AuditRecord, Outcome};
use crate::connector::{Connector, DriftMode, Link};
use crate::ids::UserId;

/// A removal from a target group, confirmed by a read of the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmedRemoval<'a> {
    /// The member's value in the target (a DN, a SCIM id, a role name).
    pub value: &'a str,
    /// The Stint user it stood for, when known.
    pub user: Option<UserId>,
    /// When the membership ended in Stint.
    pub ended_at: DateTime<Utc>,
    /// When the read-back showed the value gone.
    pub confirmed_at: DateTime<Utc>,
}

impl ConfirmedRemoval<'_> {
    /// From the end to the confirmation, in milliseconds (0 when confirmed at the end instant).
    pub fn latency_ms(&self) -> u64 {
        let millis = (self.confirmed_at - self.ended_at).num_milliseconds();
        u64::try_from(millis).unwrap_or(0)
    }
}

/// `connector.removalConfirmed`: an ended membership is gone from the target.
pub fn removal_confirmed(
    id: Uuid,
    connector: &Connector,
    link: &Link,
    removal: &ConfirmedRemoval<'_>,
) -> AuditRecord {
    let message = format!(
        "Removed {} from {} of connector '{}': the membership ended at {}, the target showed it \
         gone at {} ({} ms later).",
        removal.value,
        link.target,
        connector.display_name,
        removal.ended_at.to_rfc3339(),
        removal.confirmed_at.to_rfc3339(),
        removal.latency_ms(),
    );
    let mut record = event(
        id,
        removal.confirmed_at,
        "connector.removalConfirmed",
        connector,
        link,
        message,
    );
    record.principal_id = removal.user.map(Into::into);
    record
}

/// `connector.driftCorrected` (enforce) or `connector.driftFound` (report): members of the
/// target group that Stint never put there.
pub fn drift(
    id: Uuid,
    at: DateTime<Utc>,
    connector: &Connector,
    link: &Link,
    values: &[String],
) -> AuditRecord {
    let (action, verb) = match connector.drift {
        DriftMode::Enforce => ("connector.driftCorrected", "removed"),
        DriftMode::Report => ("connector.driftFound", "left in place (report mode)"),
    };
    let message = format!(
        "Found {} member(s) of {} of connector '{}' that Stint did not put there, {verb}: {}.",
        values.len(),
        link.target,
        connector.display_name,
        values.join("; "),
    );
    event(id, at, action, connector, link, message)
}

/// `connector.userUnresolved`: a wanted user has no entry in the target (said once).
pub fn unresolved(
    id: Uuid,
    at: DateTime<Utc>,
    connector: &Connector,
    link: &Link,
    user: UserId,
    why: Option<&str>,
) -> AuditRecord {
    let message = format!(
        "Could not find the user in connector '{}' for {}: {}.",
        connector.display_name,
        link.target,
        why.unwrap_or("no entry matches"),
    );
    let mut record = event(id, at, "connector.userUnresolved", connector, link, message);
    record.outcome = Outcome::Failure;
    record.principal_id = Some(user.into());
    record
}

fn event(
    id: Uuid,
    at: DateTime<Utc>,
    action: &str,
    connector: &Connector,
    link: &Link,
    message: String,
) -> AuditRecord {
    AuditRecord {
        id,
        at,
        actor: None,
        action: action.to_owned(),
        outcome: Outcome::Success,
        target_type: "connector".to_owned(),
        target_id: connector.id.to_string(),
        group_id: Some(link.group),
        principal_id: None,
        justification: None,
        ticket: None,
        correlation_id: None,
        client: None,
        message,
    }
}
