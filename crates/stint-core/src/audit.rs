//! Audit events (SPEC U1–U4): what happened, who did it, to what, and with what result.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::ids::{GroupId, PrincipalId, UserId};

mod chain;

pub use chain::{verify_chain, ChainBreak, ChainHead, ChainStart, VerifiedChain, VerifyError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Success,
    Failure,
}

/// An event as a decision produces it; the store numbers and chains it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: Option<UserId>,
    /// A stable dotted name, e.g. `schedule.assign` or `group.create`.
    pub action: String,
    pub outcome: Outcome,
    pub target_type: String,
    pub target_id: String,
    pub group_id: Option<GroupId>,
    pub principal_id: Option<PrincipalId>,
    pub justification: Option<String>,
    pub ticket: Option<String>,
    /// The HTTP request id (or scheduler tick) that caused it.
    pub correlation_id: Option<String>,
    /// Where the call came from.
    pub client: Option<String>,
    /// A human-readable sentence.
    pub message: String,
}

/// A stored event: the record with its position and its link in the hash chain (U4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub sequence: u64,
    #[serde(flatten)]
    pub record: AuditRecord,
    pub previous_hash: String,
    pub hash: String,
}

/// The hash that links `record` at `sequence` to the event before it.
pub fn chain_hash(previous_hash: &str, sequence: u64, record: &AuditRecord) -> String {
    let mut hasher = Sha256::new();
    hasher.update(previous_hash.as_bytes());
    hasher.update(sequence.to_be_bytes());
    // Serialising a struct of plain fields cannot fail.
    hasher.update(serde_json::to_vec(record).unwrap_or_default());
    hex::encode(hasher.finalize())
}

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The sequence number of the first broken event of a whole chain, if any (see [`verify_chain`]).
pub fn first_broken_link(events: &[AuditEvent]) -> Option<u64> {
    let events = events
        .iter()
        .cloned()
        .map(Ok::<_, std::convert::Infallible>);
    match verify_chain(events, ChainStart::Genesis) {
        Ok(_) => None,
        Err(VerifyError::Broken(broken)) => Some(broken.sequence()),
        Err(VerifyError::Source(never)) => match never {},
    }
}

/// Which events an audit view wants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub group_id: Option<GroupId>,
    pub principal_id: Option<PrincipalId>,
    pub actor: Option<UserId>,
    /// Events about or by this user ("my audit").
    pub involving: Option<UserId>,
    /// Events with this action (`request.selfActivate`).
    pub action: Option<String>,
    /// Events about or by this user as well: a reader's narrowing, which reaches no further than
    /// the other filters let them read.
    pub person: Option<UserId>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only events older than this sequence (paging, newest first).
    pub before_sequence: Option<u64>,
    pub limit: usize,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn record(action: &str) -> AuditRecord {
        AuditRecord {
            id: Uuid::nil(),
            at: DateTime::UNIX_EPOCH,
            actor: None,
            action: action.into(),
            outcome: Outcome::Success,
            target_type: "group".into(),
            target_id: "g".into(),
            group_id: None,
            principal_id: None,
            justification: None,
            ticket: None,
            correlation_id: None,
            client: None,
            message: String::new(),
        }
    }

    /// A well-formed chain of one event per action, from sequence 1.
    pub(crate) fn chain(actions: &[&str]) -> Vec<AuditEvent> {
        let mut previous = GENESIS_HASH.to_string();
        let mut events = Vec::new();
        for (index, action) in actions.iter().enumerate() {
            let sequence = index as u64 + 1;
            let record = record(action);
            let hash = chain_hash(&previous, sequence, &record);
            events.push(AuditEvent {
                sequence,
                record,
                previous_hash: previous,
                hash: hash.clone(),
            });
            previous = hash;
        }
        events
    }

    #[test]
    fn u4_an_untouched_chain_verifies() {
        assert_eq!(first_broken_link(&chain(&["a", "b", "c"])), None);
    }

    #[test]
    fn u4_an_edited_event_is_named_as_the_first_broken_one() {
        let mut events = chain(&["a", "b", "c"]);
        events[1].record.action = "forged".into();
        assert_eq!(first_broken_link(&events), Some(2));
    }
}
