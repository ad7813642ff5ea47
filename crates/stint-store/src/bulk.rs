//! Loading a whole table into a [`State`] at start: the stored documents are decoded on every
//! core while the calling thread applies what is already decoded, so start-up with a million
//! schedules is bound by `State::apply`, not by JSON parsing.

use std::sync::mpsc;

use stint_core::{Change, State};

use crate::StoreError;

/// Turns one stored document into the change that puts it into a state.
pub type Decoder = fn(&str) -> Result<Change, StoreError>;

/// Documents per unit of work handed to a decoding thread.
const CHUNK: usize = 4096;

/// Below this many documents, threads cost more than they save.
const PARALLEL_FROM: usize = 4 * CHUNK;

/// Decodes `documents` (all of one table, so their order does not matter) and applies them to
/// `state`. Blocks the calling thread; meant for the one load at start.
pub fn apply_documents(
    state: &mut State,
    documents: &[String],
    decode: Decoder,
) -> Result<(), StoreError> {
    if documents.len() < PARALLEL_FROM {
        for document in documents {
            state.apply(decode(document)?);
        }
        return Ok(());
    }
    let decoders = std::thread::available_parallelism().map_or(2, usize::from);
    let chunks: Vec<&[String]> = documents.chunks(CHUNK).collect();
    std::thread::scope(|scope| {
        let (decoded, arriving) = mpsc::sync_channel::<Result<Vec<Change>, StoreError>>(decoders);
        for first in 0..decoders {
            let decoded = decoded.clone();
            let chunks = &chunks;
            scope.spawn(move || {
                for chunk in chunks.iter().skip(first).step_by(decoders) {
                    let changes = chunk.iter().map(|document| decode(document)).collect();
                    if decoded.send(changes).is_err() {
                        return; // the applying side stopped at an error
                    }
                }
            });
        }
        drop(decoded);
        let mut reserved = false;
        for changes in arriving {
            let changes = changes?;
            if let (false, Some(first)) = (reserved, changes.first()) {
                state.reserve_like(first, documents.len());
                reserved = true;
            }
            for change in changes {
                state.apply(change);
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use stint_core::directory::{Group, GroupKind, GroupSource};
    use stint_core::ids::GroupId;

    fn group_document(n: u128) -> String {
        let group = Group {
            id: GroupId(uuid::Uuid::from_u128(n + 1)),
            display_name: format!("Group {n}"),
            description: None,
            kind: GroupKind::Security,
            is_assignable_to_role: false,
            membership_rule: None,
            source: GroupSource::Cloud,
            created_at: chrono::DateTime::UNIX_EPOCH,
            managed_since: None,
            deleted_at: None,
        };
        serde_json::to_string(&group).unwrap_or_default()
    }

    fn decode_group(document: &str) -> Result<Change, StoreError> {
        serde_json::from_str(document)
            .map(Change::Group)
            .map_err(|error| StoreError::Backend(error.to_string()))
    }

    #[test]
    fn every_document_of_a_large_table_is_applied_once() {
        let documents: Vec<String> = (0..(PARALLEL_FROM as u128 * 2 + 17))
            .map(group_document)
            .collect();
        let mut state = State::default();
        assert!(apply_documents(&mut state, &documents, decode_group).is_ok());
        assert_eq!(state.groups.len(), documents.len());
        assert!(state
            .groups
            .contains_key(&GroupId(uuid::Uuid::from_u128(documents.len() as u128))));
    }

    #[test]
    fn a_document_that_does_not_decode_fails_the_load() {
        let mut documents: Vec<String> =
            (0..PARALLEL_FROM as u128 + 1).map(group_document).collect();
        documents[PARALLEL_FROM / 2] = "{not json".to_string();
        let mut state = State::default();
        assert!(apply_documents(&mut state, &documents, decode_group).is_err());
    }
}
