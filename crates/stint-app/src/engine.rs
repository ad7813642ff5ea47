//! How a decision becomes a committed fact: decide on the current state, commit through the store,
//! apply to the in-memory state. Refusals of business rules are committed as audit events (U1).

use std::sync::PoisonError;
use std::time::Duration;

use stint_core::audit::AuditRecord;
use stint_core::authz::Caller;
use stint_core::rules::{AuditRecordExt, Context};
use stint_core::{Decision, State, Violation};
use stint_store::{Revision, StoreError};
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
    /// Decides with `rule` as `session`'s user and commits the result.
    pub(crate) async fn decide<T>(
        &self,
        session: &Session,
        meta: &CallMeta,
        attempt: Attempt,
        rule: impl Fn(&State, &Context) -> Result<(Decision, T), Violation>,
    ) -> AppResult<Committed<T>> {
        for round in 0..=self.config.conflict_retries {
            pause_before_retry(round).await;
            let _writer = self.writer.lock().await;
            let now = self.now();
            let (outcome, expected, refusal_event) = {
                let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
                let caller = Caller::of(&state, session.user, now);
                let ctx = Context::new(&caller, now, Uuid::new_v4)
                    .with_correlation(meta.request_id.clone(), meta.client.clone())
                    .with_mfa(session.mfa_at, self.config.mfa_freshness);
                let outcome = rule(&state, &ctx);
                let refusal_event = match &outcome {
                    Err(violation) if violation.is_business_rule() => {
                        Some(refusal(&ctx, &attempt, violation))
                    }
                    _ => None,
                };
                (outcome, state.revision, refusal_event)
            };
            match outcome {
                Ok((decision, value)) => match self.commit(Some(expected), decision).await {
                    Ok(revision) => return Ok(Committed { value, revision }),
                    Err(AppError::Store(StoreError::Conflict { .. })) => {
                        self.catch_up().await?;
                        continue;
                    }
                    Err(other) => return Err(other),
                },
                Err(violation) => {
                    if let Some(event) = refusal_event {
                        self.commit(None, Decision::new().audit(event)).await?;
                    }
                    return Err(AppError::Rule(violation));
                }
            }
        }
        Err(AppError::Busy)
    }

    /// Commits and applies. Callers hold the writer lock.
    pub(crate) async fn commit(
        &self,
        expected: Option<Revision>,
        decision: Decision,
    ) -> AppResult<Revision> {
        let now = self.now();
        let revision = self.store.commit(expected, &decision, now).await?;
        // Commits are applied in revision order. Another node's commits may lie between this
        // node's revision and ours (an unconditional commit), or `catch_up` may have applied ours
        // already, together with later ones: then the change log is the way to get there.
        let in_order = {
            let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
            let in_order = state.revision + 1 == revision;
            if in_order {
                for change in decision.changes {
                    state.apply(change);
                }
                state.revision = revision;
            }
            in_order
        };
        if in_order {
            self.announce(revision);
        } else if let Err(error) = self.catch_up().await {
            // Committed all the same; the follower catches up later.
            tracing::warn!(%error, revision, "could not catch up after a commit");
        }
        Ok(revision)
    }

    /// Applies what other writers committed since this node's revision.
    pub async fn catch_up(&self) -> AppResult<Revision> {
        loop {
            let from = self.revision();
            let batch = self.store.changes_since(from, 1000).await?;
            if batch.is_empty() {
                return Ok(from);
            }
            let reached = {
                let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
                for commit in batch {
                    // Already applied (by this node's own commit or a concurrent catch-up), or
                    // past a gap that the next round of the loop reads again.
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
    }

    /// Tells those waiting for commits that this node has applied `reached`.
    fn announce(&self, reached: Revision) {
        self.applied.send_if_modified(|applied| {
            let moved = *applied < reached;
            *applied = (*applied).max(reached);
            moved
        });
    }

    /// Records an event that changes nothing else (sign-ins, denied calls).
    pub(crate) async fn record(&self, event: AuditRecord) -> AppResult<Revision> {
        let _writer = self.writer.lock().await;
        self.commit(None, Decision::new().audit(event)).await
    }
}

/// The longest pause before a retry after a conflict.
const MAX_RETRY_PAUSE: Duration = Duration::from_millis(10);

/// Before the `attempt`-th retry of a decision that lost to another node's commit: a random pause
/// of up to `attempt` milliseconds (at most [`MAX_RETRY_PAUSE`]), so that nodes that collided do
/// not collide again in step. None before the first attempt.
pub(crate) async fn pause_before_retry(attempt: usize) {
    if attempt == 0 {
        return;
    }
    let longest =
        Duration::from_millis(u64::try_from(attempt).unwrap_or(u64::MAX)).min(MAX_RETRY_PAUSE);
    let pause = longest.mul_f64(rand::random::<f64>());
    tokio::time::sleep(pause).await;
}

fn refusal(ctx: &Context, attempt: &Attempt, violation: &Violation) -> AuditRecord {
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
