//! What a decision wants written: whole new versions of the objects it touches, and its audit events.
//!
//! Every change is an upsert of a complete object, so applying the same change twice gives the same
//! state. The store persists them in one transaction; the in-memory state applies them afterwards.

use serde::{Deserialize, Serialize};

use crate::audit::AuditRecord;
use crate::auth::{AccessToken, TokenHash};
use crate::connector::Connector;
use crate::directory::{AdministrativeUnit, Group, RoleAssignment, Tenant, User};
use crate::notify::OutboxMessage;
use crate::policy::Policy;
use crate::request::ScheduleRequest;
use crate::role_request::RoleScheduleRequest;
use crate::schedule::Schedule;
use crate::scim::{ScimObject, ScimToken};
use crate::webhook::Webhook;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "object", rename_all = "camelCase")]
pub enum Change {
    Tenant(Tenant),
    User(User),
    Group(Group),
    AdministrativeUnit(AdministrativeUnit),
    RoleAssignment(RoleAssignment),
    Policy(Policy),
    Schedule(Schedule),
    Request(ScheduleRequest),
    /// A role schedule request (D5, D6).
    RoleRequest(RoleScheduleRequest),
    Token(AccessToken),
    TokenRevoked(TokenHash),
    /// A webhook subscription made, changed or deleted (N3).
    Webhook(Webhook),
    /// A SCIM provisioning token made or revoked (M1).
    ScimToken(ScimToken),
    /// What SCIM keeps about a user or group it created (M2).
    ScimObject(ScimObject),
    /// A connector or its links made, changed or deleted (C1, C2).
    Connector(Connector),
}

/// The outcome of a rule: changes, audit events and the messages that tell of them, to commit
/// together (U3, N3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub changes: Vec<Change>,
    pub audit: Vec<AuditRecord>,
    /// Filled in from the changes by [`notify::plan`](crate::notify::plan) before the commit.
    pub outbox: Vec<OutboxMessage>,
}

impl Decision {
    pub fn new() -> Self {
        Decision::default()
    }

    /// One change and the audit event that records it.
    pub fn of(change: Change, record: AuditRecord) -> Self {
        Decision::new().change(change).audit(record)
    }

    pub fn change(mut self, change: Change) -> Self {
        self.changes.push(change);
        self
    }

    pub fn audit(mut self, record: AuditRecord) -> Self {
        self.audit.push(record);
        self
    }

    pub fn push(&mut self, change: Change) {
        self.changes.push(change);
    }

    pub fn record(&mut self, record: AuditRecord) {
        self.audit.push(record);
    }

    /// `other`'s changes and audit events after these, to commit together.
    pub fn append(&mut self, other: Decision) {
        self.changes.extend(other.changes);
        self.audit.extend(other.audit);
        self.outbox.extend(other.outbox);
    }
}
