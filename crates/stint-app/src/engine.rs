//! How a decision becomes a committed fact: decide on the current state, commit through the store,
//! apply to the in-memory state. Refusals of business rules are committed as audit events (U1).

use std::sync::PoisonError;

use chrono::{DateTime, Utc};

use stint_core::audit::AuditRecord;
use stint_core::authz::Caller;
use stint_core::notify::{self, Channels};
use stint_core::rules::{last_admin, through_groups, AuditRecordExt, Context};
use stint_core::{Decision, State, Violation};
use stint_store::{CommittedChanges, Revision, StoreError, WriteLock};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::{App, CallMeta, Committed, Session};

/// What a refusal's audit event says the call was about.
#[derive(Clone, Debug)]
pub(crate) struct Attempt {
    pub action: String,
    pub target_type: &'static str,
    pub target_id: String,
    pub group: Option<stint_core::ids::GroupId>,
    pub principal: Option<stint_core::ids::PrincipalId>,
}

impl Attempt {
    pub fn new(
        action: impl Into<String>,
        target_type: &'static str,
        target_id: impl ToString,
    ) -> Self {
        Attempt {
            action: action.into(),
            target_type,
            target_id: target_id.to_string(),
            group: None,
            principal: None,
        }
    }

    pub fn about(
        mut self,
        group: Option<stint_core::ids::GroupId>,
        principal: Option<stint_core::ids::PrincipalId>,
    ) -> Self {
        self.group = group;
        self.principal = principal;
        self
    }
}

impl App {
    /// Decides with `rule` as `session`'s user and commits the result, unless it would take away
    /// the last Global Administrator (ADR 0008).
    pub(crate) async fn decide<T>(
        &self,
        session: &Session,
        meta: &CallMeta,
        attempt: Attempt,
        rule: impl FnOnce(&State, &Context) -> Result<(Decision, T), Violation>,
    ) -> AppResult<Committed<T>> {
        self.write_as(session, meta, |state, ctx| {
            let guarded = rule(state, ctx).and_then(|(decision, value)| {
                last_admin::guard(state, &decision, ctx.now)?;
                Ok((decision, value))
            });
            match guarded {
                Ok((decision, value)) => (decision, Ok(value)),
                Err(violation) if violation.is_business_rule() => {
                    let event = refusal(ctx, &attempt, &violation);
                    (Decision::new().audit(event), Err(violation))
                }
                Err(violation) => (Decision::new(), Err(violation)),
            }
        })
        .await
    }

    /// [`decide`](Self::decide) for a rule that answers nothing but its decision.
    pub(crate) async fn decide_alone(
        &self,
        session: &Session,
        meta: &CallMeta,
        attempt: Attempt,
        rule: impl FnOnce(&State, &Context) -> Result<Decision, Violation>,
    ) -> AppResult<Committed<()>> {
        let rule = |state: &State, ctx: &Context| rule(state, ctx).map(|decision| (decision, ()));
        self.decide(session, meta, attempt, rule).await
    }

    /// Writes as `session`'s user: `decide` gets the state and the caller's context at the
    /// clock's now, and answers the decision to commit with the result to answer.
    pub(crate) async fn write_as<T>(
        &self,
        session: &Session,
        meta: &CallMeta,
        decide: impl FnOnce(&State, &Context) -> (Decision, Result<T, Violation>),
    ) -> AppResult<Committed<T>> {
        let (outcome, revision) = self
            .write(|state, now| {
                let caller = Caller::of(state, session.user, now);
                let ctx = Context::new(&caller, now, Uuid::new_v4)
                    .with_correlation(meta.request_id.clone(), meta.client.clone())
                    .with_mfa(session.mfa_at, self.config.mfa_freshness);
                decide(state, &ctx)
            })
            .await?;
        let value = outcome.map_err(AppError::Rule)?;
        Ok(Committed {
            value,
            revision: revision.unwrap_or_else(|| self.revision()),
        })
    }

    /// The one way a node writes. Holding the store's write lock, which every writer on every
    /// node queues on, it brings this node to the store's latest revision, lets `decide` decide on
    /// that state at the clock's now, and commits the decision (nothing when it is empty) as the
    /// next revision. No other commit can come in between, so a decision is never made on a stale
    /// state and never has to be retried (X2); two nodes deciding the same thing (an approval,
    /// an expiry) decide it once, because the second sees the first's commit.
    pub(crate) async fn write<T>(
        &self,
        decide: impl FnOnce(&State, DateTime<Utc>) -> (Decision, T),
    ) -> AppResult<(T, Option<Revision>)> {
        let written = self.write_locked(decide).await;
        if let Err(AppError::Store(_)) = &written {
            self.telemetry().store_failed("write");
        }
        written
    }

    async fn write_locked<T>(
        &self,
        decide: impl FnOnce(&State, DateTime<Utc>) -> (Decision, T),
    ) -> AppResult<(T, Option<Revision>)> {
        let _writer = self.writer.lock().await;
        let mut lock = self.store.lock_for_write().await?;
        self.catch_up_under(lock.as_mut()).await?;
        let now = self.now();
        let (decision, value) = {
            let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
            let (mut decision, value) = decide(&state, now);
            let left_without_source =
                through_groups::ends_following(&state, &decision, now, &mut Uuid::new_v4);
            decision.append(left_without_source);
            let channels = Channels {
                mail: self.config.mail_enabled,
            };
            let next = lock.revision() + 1;
            decision.outbox = notify::plan(&state, &decision, next, now, channels, Uuid::new_v4);
            (decision, value)
        };
        if decision.changes.is_empty() && decision.audit.is_empty() {
            return Ok((value, None));
        }
        let started = std::time::Instant::now();
        let revision = lock.commit(&decision, now).await?;
        self.telemetry().committed(started.elapsed());
        tracing::debug!(
            revision,
            changes = decision.changes.len(),
            audit_events = decision.audit.len(),
            "committed"
        );
        self.apply_own(revision, decision);
        Ok((value, Some(revision)))
    }

    /// Applies the commits up to the revision of the held write lock.
    async fn catch_up_under(&self, lock: &mut dyn WriteLock) -> AppResult<()> {
        loop {
            let from = self.revision();
            if from >= lock.revision() {
                return Ok(());
            }
            let batch = lock.changes_since(from, CATCH_UP_BATCH).await?;
            if batch.is_empty() {
                return Err(AppError::Store(StoreError::Backend(format!(
                    "the change log ends before revision {}",
                    lock.revision()
                ))));
            }
            self.apply_commits(batch);
        }
    }

    /// Applies this node's own commit, unless a concurrent catch-up applied it first.
    fn apply_own(&self, revision: Revision, decision: Decision) {
        let reached = {
            let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
            if state.revision + 1 == revision {
                for change in decision.changes {
                    state.apply(change);
                }
                state.revision = revision;
            }
            state.revision
        };
        self.announce(reached);
    }

    /// Applies what other writers committed since this node's revision.
    pub async fn catch_up(&self) -> AppResult<Revision> {
        loop {
            let from = self.revision();
            let batch = (self.store.changes_since(from, CATCH_UP_BATCH).await)
                .inspect_err(|_| self.telemetry().store_failed("catch_up"))?;
            if batch.is_empty() {
                return Ok(from);
            }
            self.apply_commits(batch);
        }
    }

    /// Applies the commits that follow this node's revision, in order, and announces the revision
    /// reached.
    fn apply_commits(&self, batch: Vec<CommittedChanges>) {
        let reached = {
            let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
            for commit in batch {
                // Already applied (by this node's own commit or a concurrent catch-up), or
                // past a gap that the caller's next round reads again.
                if commit.revision != state.revision + 1 {
                    continue;
                }
                for change in commit.changes {
                    state.apply(change);
                }
                state.revision = commit.revision;
            }
            state.revision
        };
        self.announce(reached);
    }

    /// Tells those waiting for commits that this node has applied `reached`.
    fn announce(&self, reached: Revision) {
        self.applied.send_if_modified(|applied| {
            let moved = *applied < reached;
            *applied = (*applied).max(reached);
            moved
        });
    }
}

/// How many commits a catch-up reads at a time.
const CATCH_UP_BATCH: usize = 1000;

pub(crate) fn refusal(ctx: &Context, attempt: &Attempt, violation: &Violation) -> AuditRecord {
    let rule = violation
        .rule
        .map(|rule| format!(" ({rule})"))
        .unwrap_or_default();
    ctx.event(&attempt.action, attempt.target_type, &attempt.target_id)
        .about(attempt.group, attempt.principal)
        .failed()
        .saying(format!(
            "Refused{rule}: {} {}",
            violation.code, violation.message
        ))
}
