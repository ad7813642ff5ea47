//! Verifying the audit chain (SPEC U4): a pure function over the events in chain order, from a
//! file or a database alike, that names the first broken event and what is wrong with it.
//!
//! It looks one event ahead, which is what tells a swap of two events from an edit, and a
//! reordered file from a gap.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{chain_hash, AuditEvent, GENESIS_HASH};

/// The newest event of a chain: what an operator anchors elsewhere (a ticket, a mail, another
/// system) to tell later whether the chain up to it is still the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainHead {
    pub sequence: u64,
    pub hash: String,
    pub at: DateTime<Utc>,
}

impl ChainHead {
    pub fn of(event: &AuditEvent) -> ChainHead {
        ChainHead {
            sequence: event.sequence,
            hash: event.hash.clone(),
            at: event.record.at,
        }
    }
}

/// Where the events given to [`verify_chain`] begin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainStart {
    /// At the first event ever: sequence 1, linked to [`GENESIS_HASH`].
    Genesis,
    /// Wherever the first event given is (an export from `--since`): its link to the events
    /// before it is taken as it is.
    FirstGiven,
}

/// The first thing wrong in a chain, naming the event ([`ChainBreak::sequence`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainBreak {
    /// The event's hash is not the hash of its contents and link: the event was edited.
    Edited { sequence: u64 },
    /// The event does not link to the one before it: that one was changed, or events between
    /// them were removed and the rest renumbered.
    Unlinked { sequence: u64 },
    /// Events `from` to `before - 1` are missing.
    Missing { from: u64, before: u64 },
    /// The event and event `with` changed places.
    Reordered { sequence: u64, with: u64 },
    /// The event does not belong: the event after it links past it, to the one before it.
    Inserted { sequence: u64 },
    /// The chain ends at `last` (none: it is empty) though its head is `head`.
    Truncated { last: Option<u64>, head: u64 },
    /// The event at a head's sequence (the export's, or one anchored elsewhere) has another hash.
    NotTheHead { sequence: u64 },
}

impl ChainBreak {
    /// The first broken (or first missing) event.
    pub fn sequence(&self) -> u64 {
        match *self {
            ChainBreak::Edited { sequence }
            | ChainBreak::Unlinked { sequence }
            | ChainBreak::Reordered { sequence, .. }
            | ChainBreak::Inserted { sequence }
            | ChainBreak::NotTheHead { sequence } => sequence,
            ChainBreak::Missing { from, .. } => from,
            ChainBreak::Truncated { last, .. } => last.map_or(1, |last| last + 1),
        }
    }

    /// A stable name for scripts: `edited`, `unlinked`, `missing`, `reordered`, `inserted`,
    /// `truncated` or `notTheHead`.
    pub fn kind(&self) -> &'static str {
        match self {
            ChainBreak::Edited { .. } => "edited",
            ChainBreak::Unlinked { .. } => "unlinked",
            ChainBreak::Missing { .. } => "missing",
            ChainBreak::Reordered { .. } => "reordered",
            ChainBreak::Inserted { .. } => "inserted",
            ChainBreak::Truncated { .. } => "truncated",
            ChainBreak::NotTheHead { .. } => "notTheHead",
        }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            ChainBreak::Edited { sequence } => write!(
                f,
                "event {sequence} was edited: its hash does not match its contents"
            ),
            ChainBreak::Unlinked { sequence } => write!(
                f,
                "event {sequence} does not link to the event before it: that event was changed, or events between them were removed"
            ),
            ChainBreak::Missing { from, before } if from + 1 == before => {
                write!(f, "event {from} is missing (the chain goes on at {before})")
            }
            ChainBreak::Missing { from, before } => write!(
                f,
                "events {from} to {} are missing (the chain goes on at {before})",
                before - 1
            ),
            ChainBreak::Reordered { sequence, with } => write!(
                f,
                "event {sequence} is out of order: it and event {with} changed places"
            ),
            ChainBreak::Inserted { sequence } => write!(
                f,
                "event {sequence} was inserted: the event after it links past it"
            ),
            ChainBreak::Truncated { last: None, head } => {
                write!(f, "the chain is empty, but its head is event {head}")
            }
            ChainBreak::Truncated {
                last: Some(last),
                head,
            } => write!(
                f,
                "the chain ends at event {last}, but its head is event {head}: the events after {last} are missing"
            ),
            ChainBreak::NotTheHead { sequence } => write!(
                f,
                "event {sequence} has another hash than the head recorded for it"
            ),
        }
    }
}

/// Why [`verify_chain`] stopped: the chain is broken, or reading the events failed.
#[derive(Debug)]
pub enum VerifyError<E> {
    Broken(ChainBreak),
    Source(E),
}

/// What a verified chain held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifiedChain {
    /// How many events were verified.
    pub events: u64,
    /// The first event's sequence.
    pub first: Option<u64>,
    /// The last event verified.
    pub last: Option<ChainHead>,
}

impl VerifiedChain {
    /// Checks that the chain ends at `head` (`complete`: it should run up to the head) or at
    /// least does not contradict it (it stops earlier, as an export `--until` does).
    pub fn ends_at(&self, head: &ChainHead, complete: bool) -> Result<(), ChainBreak> {
        let last = self.last.as_ref();
        match last.map(|last| last.sequence.cmp(&head.sequence)) {
            Some(std::cmp::Ordering::Greater) => Err(ChainBreak::Inserted {
                sequence: head.sequence + 1,
            }),
            Some(std::cmp::Ordering::Equal) if last.is_some_and(|last| last.hash != head.hash) => {
                Err(ChainBreak::NotTheHead {
                    sequence: head.sequence,
                })
            }
            Some(std::cmp::Ordering::Equal) => Ok(()),
            _ if complete => Err(ChainBreak::Truncated {
                last: last.map(|last| last.sequence),
                head: head.sequence,
            }),
            _ => Ok(()),
        }
    }
}

/// What the next event should be.
struct Expected {
    sequence: u64,
    previous_hash: String,
    /// The previous event's own link, which an inserted event shares with the event after it.
    before_previous: Option<String>,
}

/// Verifies events given in chain order: each has the next sequence, links to the hash of the
/// one before it, and has the hash of its own contents and link. Stops at the first broken
/// event, or at the first error of `events`.
pub fn verify_chain<E>(
    events: impl IntoIterator<Item = Result<AuditEvent, E>>,
    start: ChainStart,
) -> Result<VerifiedChain, VerifyError<E>> {
    let mut events = events.into_iter().peekable();
    let mut expected = match start {
        ChainStart::Genesis => Some(Expected {
            sequence: 1,
            previous_hash: GENESIS_HASH.to_string(),
            before_previous: None,
        }),
        ChainStart::FirstGiven => None,
    };
    let mut verified = VerifiedChain::default();
    while let Some(event) = events.next() {
        let event = event.map_err(VerifyError::Source)?;
        let expected = expected.get_or_insert_with(|| Expected {
            sequence: event.sequence,
            previous_hash: event.previous_hash.clone(),
            before_previous: None,
        });
        let next = match events.peek() {
            Some(Ok(next)) => Some(next),
            _ => None,
        };
        if let Some(broken) = check(expected, &event, next) {
            return Err(VerifyError::Broken(broken));
        }
        expected.sequence += 1;
        expected.before_previous = Some(std::mem::replace(
            &mut expected.previous_hash,
            event.hash.clone(),
        ));
        verified.events += 1;
        verified.first.get_or_insert(event.sequence);
        verified.last = Some(ChainHead::of(&event));
    }
    Ok(verified)
}

/// What is wrong with `event`, if anything, where `expected` was due; `next` follows it.
fn check(expected: &Expected, event: &AuditEvent, next: Option<&AuditEvent>) -> Option<ChainBreak> {
    let due = expected.sequence;
    let links_past_the_previous =
        expected.before_previous.as_deref() == Some(event.previous_hash.as_str());
    if event.sequence > due {
        return Some(match next {
            Some(next) if (due..event.sequence).contains(&next.sequence) => ChainBreak::Reordered {
                sequence: event.sequence,
                with: next.sequence,
            },
            _ => ChainBreak::Missing {
                from: due,
                before: event.sequence,
            },
        });
    }
    if event.sequence < due {
        return Some(if links_past_the_previous {
            ChainBreak::Inserted {
                sequence: event.sequence,
            }
        } else {
            ChainBreak::Reordered {
                sequence: event.sequence,
                with: due - 1,
            }
        });
    }
    if event.previous_hash != expected.previous_hash {
        let swapped_with_next = next.is_some_and(|next| {
            next.sequence == due + 1 && next.previous_hash == expected.previous_hash
        });
        return Some(if links_past_the_previous {
            ChainBreak::Inserted { sequence: due - 1 }
        } else if swapped_with_next {
            ChainBreak::Reordered {
                sequence: due,
                with: due + 1,
            }
        } else {
            ChainBreak::Unlinked { sequence: due }
        });
    }
    (chain_hash(&expected.previous_hash, due, &event.record) != event.hash)
        .then_some(ChainBreak::Edited { sequence: due })
}

#[cfg(test)]
#[path = "chain_tests.rs"]
mod tests;
