//! Loading a whole table into a [`State`] at start, as a pipeline: the adapter streams the stored
//! documents in chunks while they are decoded on every core and applied on one more thread, so
//! reading the database, parsing JSON and `State::apply` overlap instead of following each other,
//! and the documents are never all in memory at once.

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use futures::{Stream, TryStreamExt};
use stint_core::{Change, State};

use crate::StoreError;

/// Turns one stored document into the change that puts it into a state.
pub type Decoder = fn(&str) -> Result<Change, StoreError>;

/// Documents per chunk handed to a decoding thread.
pub const CHUNK: usize = 4096;

/// The load of one table in progress. See the module documentation.
#[derive(Debug)]
pub struct TableLoad {
    chunks: Option<SyncSender<Vec<String>>>,
    decoders: Vec<JoinHandle<()>>,
    applier: JoinHandle<Result<State, StoreError>>,
}

impl TableLoad {
    /// Starts loading a table of about `expected` documents (all of one table, so their order
    /// does not matter) into `state`.
    pub fn start(mut state: State, decode: Decoder, expected: usize) -> TableLoad {
        let workers = std::thread::available_parallelism().map_or(2, usize::from);
        let (chunks, to_decode) = mpsc::sync_channel::<Vec<String>>(workers * 2);
        let to_decode = Arc::new(Mutex::new(to_decode));
        let (decoded, to_apply) = mpsc::sync_channel(workers * 2);
        let decoders = (0..workers)
            .map(|_| {
                let to_decode = to_decode.clone();
                let decoded = decoded.clone();
                std::thread::spawn(move || decode_chunks(&to_decode, &decoded, decode))
            })
            .collect();
        let applier = std::thread::spawn(move || {
            let mut reserved = false;
            for changes in to_apply {
                let changes: Vec<Change> = changes?;
                if let (false, Some(first)) = (reserved, changes.first()) {
                    state.reserve_like(first, expected);
                    reserved = true;
                }
                for change in changes {
                    state.apply_loading(change);
                }
            }
            Ok(state)
        });
        TableLoad {
            chunks: Some(chunks),
            decoders,
            applier,
        }
    }

    /// Hands over the next documents; blocks while the decoders are a few chunks behind. `false`
    /// when the load has stopped at an error, which [`finish`](Self::finish) returns.
    pub fn push(&self, documents: Vec<String>) -> bool {
        self.chunks
            .as_ref()
            .is_some_and(|chunks| chunks.send(documents).is_ok())
    }

    /// Waits for every pushed document to be applied and gives the state back; the caller ends
    /// the whole load with [`State::finish_load`].
    pub fn finish(mut self) -> Result<State, StoreError> {
        drop(self.chunks.take());
        for decoder in self.decoders.drain(..) {
            decoder.join().map_err(|_| panicked("a decoder"))?;
        }
        self.applier.join().map_err(|_| panicked("the applier"))?
    }
}

/// Loads a table of about `expected` documents from a stream of them into `state`.
pub async fn load_stream(
    state: State,
    decode: Decoder,
    expected: usize,
    mut documents: impl Stream<Item = Result<String, StoreError>> + Unpin,
) -> Result<State, StoreError> {
    let load = TableLoad::start(state, decode, expected);
    let mut chunk = Vec::with_capacity(CHUNK);
    while let Some(document) = documents.try_next().await? {
        chunk.push(document);
        if chunk.len() == CHUNK && !load.push(std::mem::take(&mut chunk)) {
            break;
        }
    }
    load.push(chunk);
    load.finish()
}

/// A decoding thread: takes chunks until the pusher is done or the applier stopped.
fn decode_chunks(
    to_decode: &Mutex<Receiver<Vec<String>>>,
    decoded: &SyncSender<Result<Vec<Change>, StoreError>>,
    decode: Decoder,
) {
    loop {
        let next = to_decode
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(chunk) = next else {
            return;
        };
        let changes = chunk.iter().map(|document| decode(document)).collect();
        if decoded.send(changes).is_err() {
            return; // the applier stopped at an error
        }
    }
}

fn panicked(what: &str) -> StoreError {
    StoreError::Backend(format!("{what} of the start-up load panicked"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stint_core::directory::{Group, GroupKind, GroupSource};
    use stint_core::ids::GroupId;

    /// Decodes `documents` and applies them to `state` (the pipeline, fed from memory).
    fn apply_documents(
        state: State,
        documents: Vec<String>,
        decode: Decoder,
    ) -> Result<State, StoreError> {
        let load = TableLoad::start(state, decode, documents.len());
        let mut documents = documents.into_iter().peekable();
        while documents.peek().is_some() {
            if !load.push(documents.by_ref().take(CHUNK).collect()) {
                break;
            }
        }
        load.finish()
    }

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
        let count = CHUNK as u128 * 5 + 17;
        let documents: Vec<String> = (0..count).map(group_document).collect();
        let state = apply_documents(State::default(), documents, decode_group);
        let state = state.expect("the documents load");
        assert_eq!(state.groups.len() as u128, count);
        assert!(state
            .groups
            .contains_key(&GroupId(uuid::Uuid::from_u128(count))));
    }

    #[test]
    fn a_document_that_does_not_decode_fails_the_load() {
        let mut documents: Vec<String> = (0..CHUNK as u128 * 4 + 1).map(group_document).collect();
        documents[CHUNK * 2] = "{not json".to_string();
        assert!(apply_documents(State::default(), documents, decode_group).is_err());
    }
}
