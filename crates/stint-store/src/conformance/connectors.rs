//! Connector progress's part of the conformance suite (issue 18): one worker holds a connector's
//! lease at a time and a lapsed lease passes on; only the holder writes the cursor, pushed sets
//! and status, which read back as written.

use chrono::TimeDelta;
use stint_core::ids::{ConnectorId, LinkId, UserId};
use uuid::Uuid;

use super::at;
use crate::connectors::{ConnectorProgress, ConnectorStatus, Pushed, PushedFor};
use crate::Store;

const ANSWERS: &str = "the store answers";

pub async fn a_connector_is_driven_by_one_worker_at_a_time(store: &dyn Store) {
    let connector = ConnectorId(Uuid::new_v4());
    let lease = TimeDelta::minutes(30);
    let claim =
        |worker: &'static str, now| store.claim_connector(connector, worker, now, now + lease);
    assert_eq!(
        store.connector_progress(connector).await.expect(ANSWERS),
        None
    );
    assert!(
        claim("node-a", at(0)).await.expect(ANSWERS),
        "the first claim creates it"
    );
    assert!(
        !claim("node-b", at(10)).await.expect(ANSWERS),
        "held by node-a"
    );
    assert!(
        claim("node-a", at(20)).await.expect(ANSWERS),
        "the holder renews"
    );
    assert!(
        !claim("node-b", at(49)).await.expect(ANSWERS),
        "renewed until 50"
    );
    let progress = store
        .connector_progress(connector)
        .await
        .expect(ANSWERS)
        .expect("a progress row");
    assert_eq!(progress.revision, 0);
    assert_eq!(progress.lease, Some(("node-a".to_owned(), at(20) + lease)));
    assert!(
        claim("node-b", at(50)).await.expect(ANSWERS),
        "a lapsed lease passes on"
    );
    assert!(!claim("node-a", at(51)).await.expect(ANSWERS));
}

pub async fn connector_progress_is_written_by_the_lease_holder_only(store: &dyn Store) {
    let connector = ConnectorId(Uuid::new_v4());
    let other = ConnectorId(Uuid::new_v4());
    let link = LinkId(Uuid::new_v4());
    assert!(store
        .claim_connector(connector, "node-a", at(0), at(30))
        .await
        .expect(ANSWERS));
    let mut status = ConnectorStatus {
        last_error: Some("the directory refused the bind".into()),
        last_reconcile: Some(at(5)),
        drift: 2,
        ..ConnectorStatus::default()
    };
    status.record_latency(120);
    let alice = PushedFor {
        user: Some(UserId(Uuid::from_u128(7))),
        until: Some(at(3600)),
    };
    let alice_pushed = [("uid=alice,ou=people,dc=example,dc=org".to_owned(), alice)].into();
    let progress = ConnectorProgress {
        revision: 42,
        pushed: [(link, Pushed(alice_pushed))].into(),
        status,
        lease: None,
    };
    let saved = store.save_connector_progress(connector, "node-b", &progress);
    assert!(
        !saved.await.expect(ANSWERS),
        "node-b does not hold the lease"
    );
    assert_eq!(
        store
            .connector_progress(connector)
            .await
            .expect(ANSWERS)
            .expect(ANSWERS)
            .revision,
        0
    );
    let saved = store.save_connector_progress(connector, "node-a", &progress);
    assert!(saved.await.expect(ANSWERS));
    let read = store
        .connector_progress(connector)
        .await
        .expect(ANSWERS)
        .expect("a progress row");
    assert_eq!(
        read,
        ConnectorProgress {
            lease: Some(("node-a".into(), at(30))),
            ..progress.clone()
        }
    );
    let unclaimed = store.save_connector_progress(other, "node-a", &progress);
    assert!(!unclaimed.await.expect(ANSWERS), "no row, no lease");
    assert_eq!(store.connector_progress(other).await.expect(ANSWERS), None);
}
