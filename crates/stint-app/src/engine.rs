//! How a decision becomes a committed fact: decide on the current state, commit through the store,
//! apply to the in-memory state. Refusals of business rules are committed as audit events (U1).

mod group_commit;
mod ledger;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use stint_core::audit::AuditRecord;
use stint_core::authz::Caller;
use stint_core::notify::{self, Channels};
use stint_core::rules::{last_admin, through_groups, AuditRecordExt, Context};
use stint_core::{Decision, State, Violation};
use stint_store::{Revision, Store};
use tokio::sync::Mutex;
use uuid::Uuid;

pub(crate) use group_commit::GroupCommitter;
pub(crate) use ledger::Ledger;
use ledger::CATCH_UP_BATCH;

use crate::error::{AppError, AppResult};
use crate::telemetry::Telemetry;
use crate::{App, CallMeta, Clock, Committed, Session};

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
    pub(crate) async fn decide<T: Send + 'static>(
        &self,
        session: &Session,
        meta: &CallMeta,
        attempt: Attempt,
        rule: impl FnOnce(&State, &Context) -> Result<(Decision, T), Violation> + Send + 'static,
    ) -> AppResult<Committed<T>> {
        self.write_as(session, meta, move |state, ctx| {
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
        rule: impl FnOnce(&State, &Context) -> Result<Decision, Violation> + Send + 'static,
    ) -> AppResult<Committed<()>> {
        let rule =
            move |state: &State, ctx: &Context| rule(state, ctx).map(|decision| (decision, ()));
        self.decide(session, meta, attempt, rule).await
    }

    /// Writes as `session`'s user: `decide` gets the state and the caller's context at the
    /// clock's now, and answers the decision to commit with the result to answer.
    pub(crate) async fn write_as<T: Send + 'static>(
        &self,
        session: &Session,
        meta: &CallMeta,
        decide: impl FnOnce(&State, &Context) -> (Decision, Result<T, Violation>) + Send + 'static,
    ) -> AppResult<Committed<T>> {
        let (user, mfa_at) = (session.user, session.mfa_at);
        let (request_id, client) = (meta.request_id.clone(), meta.client.clone());
        let mfa_freshness = self.config.mfa_freshness;
        let (outcome, revision) = self
            .write(move |state, now| {
                let caller = Caller::of(state, user, now);
                let ctx = Context::new(&caller, now, Uuid::new_v4)
                    .with_correlation(request_id, client)
                    .with_mfa(mfa_at, mfa_freshness);
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
    /// an expiry) decide it once, because the second sees the first's commit. With group commit
    /// (ADR 0017) the decisions waiting together are decided in turn, each on the state with the
    /// ones before it, and committed in one transaction; the answer comes once it is durable and
    /// applied, so a read on this node afterwards sees it.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        decide: impl FnOnce(&State, DateTime<Utc>) -> (Decision, T) + Send + 'static,
    ) -> AppResult<(T, Option<Revision>)> {
        let written = if self.config.group_commit {
            let engine = &self.engine;
            let committer = self.committer.get_or_init(|| GroupCommitter::start(engine));
            committer.write(decide).await
        } else {
            self.engine.write_alone(decide).await
        };
        if let Err(AppError::Store(_)) = &written {
            self.telemetry().store_failed("write");
        }
        written
    }

    /// Applies what other writers committed since this node's revision.
    pub async fn catch_up(&self) -> AppResult<Revision> {
        let ledger = &self.engine.ledger;
        loop {
            let from = ledger.revision();
            let batch = (self.store.changes_since(from, CATCH_UP_BATCH).await)
                .inspect_err(|_| self.telemetry().store_failed("catch_up"))?;
            if batch.is_empty() {
                return Ok(from);
            }
            ledger.apply_commits(batch);
        }
    }
}

/// What a write needs, shared by the node and its group committer's task.
#[derive(Clone, Debug)]
pub(crate) struct Engine {
    pub store: Arc<dyn Store>,
    pub ledger: Arc<Ledger>,
    /// Serialises decisions on this node, so a decision sees the state it is committed on.
    writer: Arc<Mutex<()>>,
    pub clock: Arc<dyn Clock>,
    telemetry: Arc<Telemetry>,
    channels: Channels,
}

impl Engine {
    pub fn new(
        store: Arc<dyn Store>,
        state: State,
        clock: Arc<dyn Clock>,
        telemetry: Arc<Telemetry>,
        mail_enabled: bool,
    ) -> Engine {
        Engine {
            store,
            ledger: Arc::new(Ledger::new(state)),
            writer: Arc::new(Mutex::new(())),
            clock,
            telemetry,
            channels: Channels { mail: mail_enabled },
        }
    }

    /// The clock's time, to Stint's precision (`stint_core::schedule::TIME_PRECISION`).
    pub fn now(&self) -> DateTime<Utc> {
        stint_core::schedule::at_time_precision(self.clock.now())
    }

    /// One decision, committed on its own (group commit off).
    async fn write_alone<T>(
        &self,
        decide: impl FnOnce(&State, DateTime<Utc>) -> (Decision, T),
    ) -> AppResult<(T, Option<Revision>)> {
        let _writer = self.writer.lock().await;
        let mut lock = self.store.lock_for_write().await?;
        self.ledger.catch_up_under(lock.as_mut()).await?;
        let now = self.now();
        let (decision, value) = {
            let state = self.ledger.read();
            let (mut decision, value) = decide(&state, now);
            self.complete(&state, &mut decision, lock.revision() + 1, now);
            (decision, value)
        };
        if is_empty(&decision) {
            return Ok((value, None));
        }
        let started = std::time::Instant::now();
        let revision = lock.commit(&decision, now).await?;
        self.committed(started, &[(revision, &decision)]);
        self.ledger.apply_own([(revision, decision)]);
        Ok((value, Some(revision)))
    }

    /// Adds to a decision what follows from it on `state`: the memberships that lose their
    /// source (through groups) and the messages that tell of it, planned for revision `next`.
    fn complete(&self, state: &State, decision: &mut Decision, next: Revision, now: DateTime<Utc>) {
        let left_without_source =
            through_groups::ends_following(state, decision, now, &mut Uuid::new_v4);
        decision.append(left_without_source);
        decision.outbox = notify::plan(state, decision, next, now, self.channels, Uuid::new_v4);
    }

    /// Counts and logs commits that took since `started`.
    fn committed(&self, started: std::time::Instant, commits: &[(Revision, &Decision)]) {
        let elapsed = started.elapsed();
        for (revision, decision) in commits {
            self.telemetry.committed(elapsed);
            tracing::debug!(
                revision,
                changes = decision.changes.len(),
                audit_events = decision.audit.len(),
                "committed"
            );
        }
    }
}

/// A decision that writes nothing (no revision).
fn is_empty(decision: &Decision) -> bool {
    decision.changes.is_empty() && decision.audit.is_empty()
}

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
