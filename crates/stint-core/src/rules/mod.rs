//! The rules of SPEC.md as functions of (state, caller, input, now) that return a [`Decision`] or a
//! [`Violation`]. They never perform anything themselves.

pub mod activation;
pub mod approval;
pub mod assignment;
pub mod assignments;
pub mod bootstrap;
pub mod connectors;
pub mod directory;
pub mod federation;
pub mod last_admin;
pub mod mfa;
pub mod onboarding;
pub mod policies;
pub mod profile;
pub mod requests;
pub mod role_activation;
pub mod roles;
pub mod scheduler;
pub mod scim;
pub mod through_groups;
pub mod webhooks;

use std::cell::RefCell;

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::audit::{AuditRecord, Outcome};
use crate::authz::{Authority, Caller};
use crate::change::{Change, Decision};
use crate::ids::{GroupId, PrincipalId, UserId};
use crate::state::State;

/// Everything about a call that is not its input: who, when, and where ids come from.
pub struct Context<'a> {
    pub caller: &'a Caller,
    pub now: DateTime<Utc>,
    pub correlation_id: Option<String>,
    pub client: Option<String>,
    /// The last TOTP check of the caller's session or token (V2, A5).
    pub mfa_at: Option<DateTime<Utc>>,
    /// How recent that check must be to count (V2: 10 minutes unless configured).
    pub mfa_freshness: TimeDelta,
    ids: RefCell<Box<dyn FnMut() -> Uuid + 'a>>,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("caller", &self.caller.user)
            .field("now", &self.now)
            .field("correlation_id", &self.correlation_id)
            .finish_non_exhaustive()
    }
}

/// V2, A5: whether a TOTP check at `mfa_at` still counts at `now`.
pub fn mfa_is_fresh(
    mfa_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    freshness: TimeDelta,
) -> bool {
    mfa_at.is_some_and(|at| at <= now && now - at <= freshness)
}

impl<'a> Context<'a> {
    /// `ids` supplies fresh ids: random in production, a sequence in tests.
    pub fn new(caller: &'a Caller, now: DateTime<Utc>, ids: impl FnMut() -> Uuid + 'a) -> Self {
        Context {
            caller,
            now,
            correlation_id: None,
            client: None,
            mfa_at: None,
            mfa_freshness: TimeDelta::minutes(10),
            ids: RefCell::new(Box::new(ids)),
        }
    }

    pub fn with_correlation(
        mut self,
        correlation_id: Option<String>,
        client: Option<String>,
    ) -> Self {
        self.correlation_id = correlation_id;
        self.client = client;
        self
    }

    pub fn with_mfa(mut self, mfa_at: Option<DateTime<Utc>>, freshness: TimeDelta) -> Self {
        self.mfa_at = mfa_at;
        self.mfa_freshness = freshness;
        self
    }

    /// Whether the caller passed a TOTP check recently enough (V2, A5).
    pub fn has_fresh_mfa(&self) -> bool {
        mfa_is_fresh(self.mfa_at, self.now, self.mfa_freshness)
    }

    /// The caller's standing on `state` at this decision's instant.
    pub fn authority<'s>(&'s self, state: &'s State) -> Authority<'s> {
        Authority::new(state, self.caller, self.now)
    }

    pub fn fresh_id(&self) -> Uuid {
        (self.ids.borrow_mut())()
    }

    /// An audit record of a successful change by the caller.
    pub fn event(&self, action: &str, target_type: &str, target_id: impl ToString) -> AuditRecord {
        AuditRecord {
            id: self.fresh_id(),
            at: self.now,
            actor: Some(self.caller.user),
            action: action.to_string(),
            outcome: Outcome::Success,
            target_type: target_type.to_string(),
            target_id: target_id.to_string(),
            group_id: None,
            principal_id: None,
            justification: None,
            ticket: None,
            correlation_id: self.correlation_id.clone(),
            client: self.client.clone(),
            message: String::new(),
        }
    }
}

/// Builder-style helpers on audit records, so rules read as sentences.
/// D8, F4: ends every token and console session of `user` in `decision`, for good; returns how
/// many were ended.
pub(crate) fn end_sessions(state: &State, user: UserId, decision: &mut Decision) -> usize {
    let tokens: Vec<_> = state
        .tokens
        .values()
        .filter(|t| t.user_id == user)
        .collect();
    for token in &tokens {
        decision.push(Change::TokenRevoked(token.hash.clone()));
    }
    tokens.len()
}

pub trait AuditRecordExt {
    fn about(self, group: Option<GroupId>, principal: Option<PrincipalId>) -> Self;
    fn saying(self, message: impl Into<String>) -> Self;
    fn justified(self, justification: Option<String>, ticket: Option<String>) -> Self;
    fn failed(self) -> Self;
}

impl AuditRecordExt for AuditRecord {
    fn about(mut self, group: Option<GroupId>, principal: Option<PrincipalId>) -> Self {
        self.group_id = group;
        self.principal_id = principal;
        self
    }

    fn saying(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    fn justified(mut self, justification: Option<String>, ticket: Option<String>) -> Self {
        self.justification = justification;
        self.ticket = ticket;
        self
    }

    fn failed(mut self) -> Self {
        self.outcome = Outcome::Failure;
        self
    }
}

#[cfg(test)]
pub(crate) mod fixture;

#[cfg(test)]
#[path = "tests/last_owner.rs"]
mod last_owner_tests;

#[cfg(test)]
#[path = "tests/properties.rs"]
mod property_tests;

#[cfg(test)]
#[path = "tests/admin_extend.rs"]
mod admin_extend_tests;
