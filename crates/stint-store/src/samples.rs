//! Sample objects, decisions and a commit race for the adapters' own tests (what only one
//! backend has to show, beyond the [`conformance`](crate::conformance) suite).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use stint_core::audit::{AuditRecord, Outcome};
use stint_core::directory::{Group, GroupKind, GroupSource};
use stint_core::ids::GroupId;
use stint_core::{Change, Decision};

use crate::{Revision, Store, StoreError};

/// `second` seconds after a fixed moment in 2025.
pub fn at(second: i64) -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + chrono::TimeDelta::seconds(1_750_000_000 + second)
}

/// A new cloud security group.
pub fn group(name: &str) -> Group {
    Group {
        id: GroupId(uuid::Uuid::new_v4()),
        display_name: name.into(),
        description: None,
        kind: GroupKind::Security,
        is_assignable_to_role: false,
        membership_rule: None,
        source: GroupSource::Cloud,
        created_at: at(0),
        managed_since: None,
        deleted_at: None,
    }
}

/// A decision that creates a new group.
pub fn new_group(name: &str) -> Decision {
    Decision::new().change(Change::Group(group(name)))
}

/// A successful audit record of `action` on a group.
pub fn audit_record(action: &str) -> AuditRecord {
    AuditRecord {
        id: uuid::Uuid::new_v4(),
        at: at(1),
        actor: None,
        action: action.into(),
        outcome: Outcome::Success,
        target_type: "group".into(),
        target_id: action.into(),
        group_id: None,
        principal_id: None,
        justification: None,
        ticket: None,
        correlation_id: None,
        client: None,
        message: String::new(),
    }
}

/// Commits a new group with an audit event from each store at once, both expecting the current
/// revision.
pub async fn race<S: Store>(one: Arc<S>, other: Arc<S>) -> Vec<Result<Revision, StoreError>> {
    let expected = one.revision().await.expect("the revision reads");
    let spawn = |store: Arc<S>, name: &'static str| {
        tokio::spawn(async move {
            let decision = new_group(name).audit(audit_record(name));
            store.commit(Some(expected), &decision, at(1)).await
        })
    };
    let (a, b) = tokio::join!(spawn(one, "One"), spawn(other, "Other"));
    vec![
        a.expect("the first commit runs to the end"),
        b.expect("the second commit runs to the end"),
    ]
}
