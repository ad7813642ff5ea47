//! The outbox's part of the conformance suite (N3): messages commit with their decision or not at
//! all, one worker holds a message at a time, a lapsed claim passes on, retries wait for their
//! time, and a dead message can be re-driven.

use chrono::TimeDelta;
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::notify::{Delivery, Event, EventType, MailRecipient, Named, OutboxMessage};
use stint_core::policy_rules::RecipientType;
use stint_core::schedule::{Access, ScheduleKind};
use stint_core::Decision;
use uuid::Uuid;

use super::{at, commit, load, user_decision};
use crate::outbox::{MessageState, OutboxQuery, Settlement};
use crate::Store;

/// A mail telling `to` that a request waits for them.
pub fn message(to: &str) -> OutboxMessage {
    OutboxMessage {
        id: Uuid::new_v4(),
        event: Event {
            id: Uuid::new_v4(),
            kind: EventType::RequestPendingApproval,
            at: at(1),
            revision: 1,
            group: Named {
                id: GroupId(Uuid::new_v4()),
                name: "Finance".into(),
            },
            access: Access::Member,
            assignment: ScheduleKind::Active,
            principal: Named {
                id: PrincipalId(Uuid::new_v4()),
                name: "alice".into(),
            },
            actor: None,
            start: Some(at(1)),
            end: None,
            action: None,
            request_id: None,
            schedule_id: None,
            justification: Some("Quarter-end close.".into()),
            ticket: None,
            reason: None,
        },
        delivery: Delivery::Mail(MailRecipient {
            address: to.into(),
            name: None,
            audience: RecipientType::Approver,
        }),
    }
}

fn with_messages(decision: Decision, messages: &[OutboxMessage]) -> Decision {
    Decision {
        outbox: messages.to_vec(),
        ..decision
    }
}

fn lease(minutes: i64) -> chrono::DateTime<chrono::Utc> {
    at(1) + TimeDelta::minutes(minutes)
}

async fn claim(store: &dyn Store, worker: &str, minute: i64) -> Vec<OutboxMessage> {
    store
        .claim_messages(worker, lease(minute), lease(minute + 1), 10)
        .await
        .expect("messages are claimed")
        .into_iter()
        .map(|claimed| claimed.message)
        .collect()
}

async fn settle(
    store: &dyn Store,
    id: Uuid,
    worker: &str,
    settlement: Settlement,
    minute: i64,
) -> bool {
    store
        .settle_message(id, worker, &settlement, lease(minute))
        .await
        .expect("the attempt is recorded")
}

pub async fn outbox_messages_are_committed_with_their_decision_or_not_at_all(store: &dyn Store) {
    let sent = [message("carol@mail.test"), message("dana@mail.test")];
    commit(
        store,
        Some(0),
        with_messages(user_decision("alice@contoso.com"), &sent),
        at(1),
    )
    .await;
    let refused = with_messages(
        user_decision("ALICE@contoso.com"),
        &[message("eve@mail.test")],
    );
    assert!(store.commit(None, &refused, at(1)).await.is_err());

    let listed = store
        .outbox(&OutboxQuery::default())
        .await
        .expect("the outbox reads");
    let mut addresses: Vec<String> = listed
        .iter()
        .map(|entry| entry.message.delivery.target())
        .collect();
    addresses.sort();
    assert_eq!(addresses, vec!["carol@mail.test", "dana@mail.test"]);
    assert!(listed
        .iter()
        .all(|entry| entry.state == MessageState::Pending && entry.revision == 1));
    let carol = listed
        .iter()
        .find(|entry| entry.message.id == sent[0].id)
        .expect("carol's message is listed");
    assert_eq!(carol.message, sent[0], "the message reads back whole");
    assert_eq!(load(store).await.revision, 1);
    let stats = store.outbox_stats().await.expect("stats read");
    assert_eq!((stats.pending, stats.sent, stats.dead), (2, 0, 0));
    assert_eq!(stats.oldest_pending, Some(at(1)));
}

pub async fn an_outbox_message_is_held_by_one_worker_at_a_time(store: &dyn Store) {
    let sent = [message("carol@mail.test")];
    commit(store, None, with_messages(Decision::new(), &sent), at(1)).await;
    assert_eq!(claim(store, "node-a", 0).await, sent.to_vec());
    assert!(claim(store, "node-b", 0).await.is_empty(), "held by node-a");

    // node-a's lease ends at minute 1; node-b takes over, and node-a's late answer is ignored.
    assert_eq!(claim(store, "node-b", 2).await, sent.to_vec());
    let done = Settlement::Sent { status: Some(250) };
    assert!(!settle(store, sent[0].id, "node-a", done.clone(), 2).await);
    assert!(settle(store, sent[0].id, "node-b", done, 2).await);
    assert!(
        claim(store, "node-a", 10).await.is_empty(),
        "sent is settled"
    );

    let attempts = store
        .delivery_attempts(sent[0].id)
        .await
        .expect("attempts read");
    assert_eq!(attempts.len(), 1);
    assert_eq!(
        (attempts[0].attempt, attempts[0].outcome, attempts[0].status),
        (1, MessageState::Sent, Some(250))
    );
}

pub async fn a_retried_outbox_message_waits_and_a_dead_one_can_be_redriven(store: &dyn Store) {
    let sent = [message("carol@mail.test")];
    commit(store, None, with_messages(Decision::new(), &sent), at(1)).await;
    let id = sent[0].id;
    claim(store, "node-a", 0).await;
    let retry = Settlement::Retry {
        at: lease(5),
        status: Some(451),
        error: "try later".into(),
    };
    assert!(settle(store, id, "node-a", retry, 0).await);
    assert!(
        claim(store, "node-a", 4).await.is_empty(),
        "not due before minute 5"
    );
    let again = store
        .claim_messages("node-a", lease(5), lease(6), 10)
        .await
        .expect("claimed");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].tries, 1);
    let dead = Settlement::Dead {
        status: Some(550),
        error: "no such mailbox".into(),
    };
    assert!(settle(store, id, "node-a", dead, 5).await);
    assert!(
        claim(store, "node-a", 60).await.is_empty(),
        "dead is not retried"
    );

    let dead_ones = store
        .outbox(&OutboxQuery {
            state: Some(MessageState::Dead),
            ..OutboxQuery::default()
        })
        .await
        .expect("the outbox reads");
    assert_eq!(dead_ones.len(), 1);
    assert_eq!(dead_ones[0].attempts, 2);
    assert_eq!(dead_ones[0].last_error.as_deref(), Some("no such mailbox"));
    assert_eq!(dead_ones[0].settled_at, Some(lease(5)));
    let outcomes: Vec<MessageState> = store
        .delivery_attempts(id)
        .await
        .expect("attempts read")
        .into_iter()
        .map(|attempt| attempt.outcome)
        .collect();
    assert_eq!(outcomes, vec![MessageState::Pending, MessageState::Dead]);

    assert!(store
        .redrive_message(id, lease(61))
        .await
        .expect("re-driven"));
    assert!(
        !store.redrive_message(id, lease(61)).await.expect("read"),
        "only a dead message"
    );
    let redriven = store
        .claim_messages("node-b", lease(61), lease(62), 10)
        .await
        .expect("claimed");
    assert_eq!(redriven.len(), 1);
    assert_eq!(redriven[0].tries, 0, "its retries count afresh");
    assert!(settle(store, id, "node-b", Settlement::Sent { status: None }, 61).await);
    let attempts = store.delivery_attempts(id).await.expect("attempts read");
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}
