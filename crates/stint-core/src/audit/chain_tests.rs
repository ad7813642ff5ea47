use std::convert::Infallible;

use super::*;
use crate::audit::tests::{chain, record};

const FIVE: &[&str] = &["a", "b", "c", "d", "e"];

fn verify(events: &[AuditEvent], start: ChainStart) -> Result<VerifiedChain, ChainBreak> {
    let events = events.iter().cloned().map(Ok::<_, Infallible>);
    verify_chain(events, start).map_err(|error| match error {
        VerifyError::Broken(broken) => broken,
        VerifyError::Source(never) => match never {},
    })
}

fn broken(events: &[AuditEvent]) -> ChainBreak {
    verify(events, ChainStart::Genesis).expect_err("the chain is broken")
}

/// What a database shows after rows were moved: sequences by position again.
fn renumbered(mut events: Vec<AuditEvent>) -> Vec<AuditEvent> {
    for (index, event) in events.iter_mut().enumerate() {
        event.sequence = index as u64 + 1;
    }
    events
}

/// An event made by someone who knows the hash function, linked to `after` as `sequence`.
fn forged(after: &AuditEvent, sequence: u64) -> AuditEvent {
    let record = record("forged");
    AuditEvent {
        sequence,
        hash: chain_hash(&after.hash, sequence, &record),
        record,
        previous_hash: after.hash.clone(),
    }
}

#[test]
fn u4_a_clean_chain_verifies_up_to_its_head() {
    let events = chain(FIVE);
    let verified = verify(&events, ChainStart::Genesis).unwrap();
    assert_eq!(verified.events, 5);
    assert_eq!(verified.first, Some(1));
    let head = ChainHead::of(&events[4]);
    assert_eq!(verified.last.as_ref(), Some(&head));
    assert_eq!(verified.ends_at(&head, true), Ok(()));
}

#[test]
fn u4_an_empty_chain_verifies() {
    assert_eq!(
        verify(&[], ChainStart::Genesis).unwrap(),
        VerifiedChain::default()
    );
}

#[test]
fn u4_an_edited_event_is_named() {
    let mut events = chain(FIVE);
    events[2].record.message = "nothing happened".into();
    assert_eq!(broken(&events), ChainBreak::Edited { sequence: 3 });
}

#[test]
fn u4_an_edited_event_with_a_recomputed_hash_breaks_the_next_link() {
    let mut events = chain(FIVE);
    events[2].record.message = "nothing happened".into();
    events[2].hash = chain_hash(&events[1].hash, 3, &events[2].record);
    assert_eq!(broken(&events), ChainBreak::Unlinked { sequence: 4 });
}

#[test]
fn u4_a_deleted_event_is_named_as_missing() {
    let mut events = chain(FIVE);
    events.remove(2);
    let found = broken(&events);
    assert_eq!(found, ChainBreak::Missing { from: 3, before: 4 });
    assert_eq!(found.sequence(), 3);
    assert_eq!(
        found.to_string(),
        "event 3 is missing (the chain goes on at 4)"
    );
}

#[test]
fn u4_a_deleted_event_with_the_rest_renumbered_breaks_the_link() {
    let mut events = chain(FIVE);
    events.remove(2);
    assert_eq!(
        broken(&renumbered(events)),
        ChainBreak::Unlinked { sequence: 3 }
    );
}

#[test]
fn u4_deleted_first_events_are_missing_from_the_start() {
    let events = chain(FIVE);
    assert_eq!(
        broken(&events[2..]),
        ChainBreak::Missing { from: 1, before: 3 }
    );
}

#[test]
fn u4_reordered_lines_are_named_as_reordered() {
    let mut events = chain(FIVE);
    events.swap(2, 3);
    assert_eq!(
        broken(&events),
        ChainBreak::Reordered {
            sequence: 4,
            with: 3
        }
    );
}

#[test]
fn u4_swapped_rows_keeping_their_numbers_are_named_as_reordered() {
    let mut events = chain(FIVE);
    events.swap(2, 3);
    assert_eq!(
        broken(&renumbered(events)),
        ChainBreak::Reordered {
            sequence: 3,
            with: 4
        }
    );
}

#[test]
fn u4_an_event_moved_later_is_named() {
    let mut events = chain(FIVE);
    let moved = events.remove(1);
    events.push(moved);
    assert_eq!(broken(&events), ChainBreak::Missing { from: 2, before: 3 });
}

#[test]
fn u4_an_inserted_event_is_named_even_with_a_right_hash() {
    let mut events = chain(FIVE);
    let fake = forged(&events[1], 3);
    events.insert(2, fake);
    assert_eq!(broken(&events), ChainBreak::Inserted { sequence: 3 });
    assert_eq!(
        broken(&renumbered(events)),
        ChainBreak::Inserted { sequence: 3 }
    );
}

#[test]
fn u4_an_inserted_event_with_a_made_up_hash_is_named() {
    let mut events = chain(FIVE);
    let mut fake = forged(&events[1], 3);
    fake.hash = events[2].hash.clone();
    events.insert(2, fake);
    assert_eq!(
        broken(&renumbered(events)),
        ChainBreak::Edited { sequence: 3 }
    );
}

#[test]
fn u4_a_partial_chain_verifies_from_its_first_event() {
    let events = chain(FIVE);
    let verified = verify(&events[2..], ChainStart::FirstGiven).unwrap();
    assert_eq!((verified.first, verified.events), (Some(3), 3));
    let mut edited = events[2..].to_vec();
    edited[0].record.message = "forged".into();
    assert_eq!(
        verify(&edited, ChainStart::FirstGiven),
        Err(ChainBreak::Edited { sequence: 3 })
    );
}

#[test]
fn u4_a_chain_cut_short_of_its_head_is_named_as_truncated() {
    let events = chain(FIVE);
    let head = ChainHead::of(&events[4]);
    let verified = verify(&events[..3], ChainStart::Genesis).unwrap();
    let found = verified.ends_at(&head, true).unwrap_err();
    assert_eq!(
        found,
        ChainBreak::Truncated {
            last: Some(3),
            head: 5
        }
    );
    assert_eq!(found.sequence(), 4);
    assert_eq!(verified.ends_at(&head, false), Ok(()));
    let empty = VerifiedChain::default();
    assert_eq!(empty.ends_at(&head, true).unwrap_err().sequence(), 1);
}

#[test]
fn u4_a_head_with_another_hash_or_events_beyond_it_are_named() {
    let events = chain(FIVE);
    let verified = verify(&events, ChainStart::Genesis).unwrap();
    let mut other = ChainHead::of(&events[4]);
    other.hash = events[3].hash.clone();
    assert_eq!(
        verified.ends_at(&other, false),
        Err(ChainBreak::NotTheHead { sequence: 5 })
    );
    let earlier = ChainHead::of(&events[3]);
    assert_eq!(
        verified.ends_at(&earlier, false),
        Err(ChainBreak::Inserted { sequence: 5 })
    );
}

#[test]
fn u4_an_unreadable_event_stops_verification_with_its_error() {
    let events = chain(FIVE);
    let items = vec![
        Ok(events[0].clone()),
        Err("line 2 is not JSON"),
        Ok(events[1].clone()),
    ];
    match verify_chain(items, ChainStart::Genesis) {
        Err(VerifyError::Source(error)) => assert_eq!(error, "line 2 is not JSON"),
        other => panic!("expected the source's error, got {other:?}"),
    }
}
