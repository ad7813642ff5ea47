//! Group commit (ADR 0017): one task per node takes the decisions that wait, decides them in turn
//! under the store's write lock, each on the state with the batch's earlier decisions applied
//! ahead (and taken back before readers see the state again), and commits them in one
//! transaction, one revision each. Only after that commit does it apply them to the state and
//! answer, so no reader ever sees a decision that is not durable, and a caller that has its
//! answer reads its own write.
//!
//! When the batch's commit fails, its decisions are committed again one at a time, in order: a
//! decision the store refuses (a uniqueness rule) fails alone, those before it are committed, and
//! those after it, decided on a state that included it, answer [`AppError::Busy`] (retry). When
//! the store is down, the first fails with the store's error and the rest answer `Busy`.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use stint_core::{Decision, State, Undo};
use stint_store::{Revision, StoreError};
use tokio::sync::{mpsc, oneshot};

use super::{is_empty, Engine};
use crate::error::{AppError, AppResult};

/// The most decisions committed in one transaction.
const MAX_BATCH: usize = 256;

/// Tells a caller how its decision went: its revision, none when it wrote nothing.
type Answer = Box<dyn FnOnce(AppResult<Option<Revision>>) + Send>;

/// What a waiting decision is given: the state and the clock's now to decide on, or the error
/// that keeps it from being decided.
type Turn<'a> = Result<(&'a State, DateTime<Utc>), AppError>;

/// A caller's decision, waiting: given its turn, it decides (or answers the error) and hands
/// back its decision with the way to answer its caller.
type Job = Box<dyn for<'a> FnOnce(Turn<'a>) -> Option<(Decision, Answer)> + Send>;

/// The queue to this node's committer task.
#[derive(Debug)]
pub(crate) struct GroupCommitter {
    queue: mpsc::UnboundedSender<Job>,
}

impl GroupCommitter {
    /// Starts the committer task on the current runtime. It ends when the queue is dropped.
    pub fn start(engine: &Engine) -> GroupCommitter {
        let (queue, jobs) = mpsc::unbounded_channel();
        tokio::spawn(lead(engine.clone(), jobs));
        GroupCommitter { queue }
    }

    /// Queues `decide` and answers once its decision is committed and applied.
    pub async fn write<T: Send + 'static>(
        &self,
        decide: impl FnOnce(&State, DateTime<Utc>) -> (Decision, T) + Send + 'static,
    ) -> AppResult<(T, Option<Revision>)> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |turn: Turn<'_>| {
            let (state, now) = match turn {
                Ok(turn) => turn,
                Err(error) => {
                    let _ = answer.send(Err(error));
                    return None;
                }
            };
            let (decision, value) = decide(state, now);
            let answer: Answer = Box::new(move |outcome| {
                // The caller may have gone; what was committed stays committed.
                let _ = answer.send(outcome.map(|revision| (value, revision)));
            });
            Some((decision, answer))
        });
        self.queue.send(job).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

/// A committer that is gone, or a decision that panicked (its answer was never made).
fn stopped() -> AppError {
    AppError::Store(StoreError::Backend(
        "the write was not decided: the group committer stopped or the decision panicked".into(),
    ))
}

/// The committer's loop: waits for a decision, then commits it with all that wait behind it.
async fn lead(engine: Engine, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let mut waiting = VecDeque::new();
    loop {
        if waiting.is_empty() {
            match jobs.recv().await {
                Some(job) => waiting.push_back(job),
                None => return,
            }
        }
        engine.commit_batch(&mut waiting, &mut jobs).await;
    }
}

/// A decision of the batch and its caller.
struct Member {
    decision: Decision,
    answer: Answer,
}

impl Engine {
    /// Decides and commits the decisions waiting, up to [`MAX_BATCH`]; those it leaves wait for
    /// the next batch.
    async fn commit_batch(
        &self,
        waiting: &mut VecDeque<Job>,
        jobs: &mut mpsc::UnboundedReceiver<Job>,
    ) {
        let _writer = self.writer.lock().await;
        let locking = Instant::now();
        let mut lock = match self.store.lock_for_write().await {
            Ok(lock) => lock,
            Err(error) => return fail_all(waiting, &error),
        };
        if let Err(error) = self.ledger.catch_up_under(lock.as_mut()).await {
            return fail_all(waiting, &into_store_error(error));
        }
        while waiting.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => waiting.push_back(job),
                Err(_) => break,
            }
        }
        let now = self.now();
        let base = lock.revision();
        let deciding = Instant::now();
        let members = self.decide_batch(waiting, base, now);
        let batch: Vec<(&Decision, DateTime<Utc>)> = (members.iter())
            .filter(|member| !is_empty(&member.decision))
            .map(|member| (&member.decision, now))
            .collect();
        if batch.is_empty() {
            return answer_all(members, Vec::new());
        }
        let started = Instant::now();
        let outcome = lock.commit_all(&batch).await;
        if let Ok(revisions) = &outcome {
            let decisions = batch.iter().map(|(decision, _)| *decision);
            let commits: Vec<_> = revisions.iter().copied().zip(decisions).collect();
            self.committed(started, &commits);
        }
        let decisions = batch.len();
        drop(batch);
        match outcome {
            Ok(revisions) => {
                let committing = started.elapsed();
                self.apply_and_answer(members, revisions);
                tracing::debug!(
                    decisions,
                    lock_ms = ms(deciding - locking),
                    decide_ms = ms(started - deciding),
                    commit_ms = ms(committing),
                    apply_ms = ms(started.elapsed() - committing),
                    "group commit"
                );
            }
            Err(error) => {
                tracing::warn!(%error, decisions, "a group commit failed; committing its decisions one at a time");
                self.commit_one_at_a_time(members, base, now, error).await;
            }
        }
    }

    /// Decides the waiting decisions in turn under the state's write guard, each on the state with
    /// the ones before it applied; takes them all back before the guard goes. Stops after a
    /// decision that cannot be taken back exactly (a new group), leaving the rest waiting.
    fn decide_batch(
        &self,
        waiting: &mut VecDeque<Job>,
        base: Revision,
        now: DateTime<Utc>,
    ) -> Vec<Member> {
        let mut state = self.ledger.write();
        let mut undo = Undo::new();
        let mut members = Vec::new();
        let mut next = base + 1;
        while let Some(job) = waiting.pop_front() {
            // A panicking rule drops its answer, which its caller reads as an error.
            let decided = catch_unwind(AssertUnwindSafe(|| job(Ok((&*state, now)))));
            let Ok(Some((mut decision, answer))) = decided else {
                continue;
            };
            if !is_empty(&decision) {
                self.complete(&state, &mut decision, next, now);
                next += 1;
                let last = waiting.is_empty() || !state.can_take_back(&decision.changes);
                if last {
                    members.push(Member { decision, answer });
                    break;
                }
                state.apply_ahead(&decision.changes, &mut undo);
            }
            members.push(Member { decision, answer });
            if members.len() >= MAX_BATCH {
                break;
            }
        }
        state.take_back(undo);
        members
    }

    /// Applies the committed batch to the state, then answers its callers.
    fn apply_and_answer(&self, members: Vec<Member>, revisions: Vec<Revision>) {
        let mut revisions = revisions.into_iter();
        let mut commits = Vec::with_capacity(members.len());
        let mut answers = Vec::with_capacity(members.len());
        for member in members {
            let revision = (!is_empty(&member.decision))
                .then(|| revisions.next())
                .flatten();
            if let Some(revision) = revision {
                commits.push((revision, member.decision));
            }
            answers.push((member.answer, revision));
        }
        self.ledger.apply_own(commits);
        for (answer, revision) in answers {
            answer(Ok(revision));
        }
    }

    /// After the batch's transaction failed: commits its decisions one at a time in their planned
    /// revisions, until one fails (see the module documentation).
    async fn commit_one_at_a_time(
        &self,
        members: Vec<Member>,
        base: Revision,
        now: DateTime<Utc>,
        batch_error: StoreError,
    ) {
        if members.len() == 1 {
            return answer_all(members, vec![Err(AppError::Store(batch_error))]);
        }
        let mut expected = base;
        let mut failed = false;
        for member in members {
            if failed {
                (member.answer)(Err(AppError::Busy));
                continue;
            }
            if is_empty(&member.decision) {
                (member.answer)(Ok(None));
                continue;
            }
            match self.commit_alone(&member.decision, expected, now).await {
                Ok(revision) => {
                    expected = revision;
                    self.ledger.apply_own([(revision, member.decision)]);
                    (member.answer)(Ok(Some(revision)));
                }
                Err(error) => {
                    failed = true;
                    (member.answer)(Err(AppError::Store(error)));
                }
            }
        }
    }

    /// Commits one decision of a failed batch, if the store is still at `expected` (the batch
    /// might have committed after all, its answer lost: then nothing is written again).
    async fn commit_alone(
        &self,
        decision: &Decision,
        expected: Revision,
        now: DateTime<Utc>,
    ) -> Result<Revision, StoreError> {
        let lock = self.store.lock_for_write().await?;
        let current = lock.revision();
        if current != expected {
            return Err(StoreError::Conflict { expected, current });
        }
        let started = std::time::Instant::now();
        let revision = lock.commit(decision, now).await?;
        self.committed(started, &[(revision, decision)]);
        Ok(revision)
    }
}

/// Answers every member: with the outcomes given in order, and `Ok(None)` past them.
fn answer_all(members: Vec<Member>, outcomes: Vec<AppResult<Option<Revision>>>) {
    let mut outcomes = outcomes.into_iter();
    for member in members {
        (member.answer)(outcomes.next().unwrap_or(Ok(None)));
    }
}

/// Fails every waiting decision, undecided, with the store's error.
fn fail_all(waiting: &mut VecDeque<Job>, error: &StoreError) {
    tracing::warn!(%error, decisions = waiting.len(), "no write lock: failing the waiting writes");
    for job in waiting.drain(..) {
        job(Err(AppError::Store(error.clone())));
    }
}

/// The store's error behind a failed catch-up.
fn into_store_error(error: AppError) -> StoreError {
    match error {
        AppError::Store(error) => error,
        other => StoreError::Backend(other.to_string()),
    }
}

/// A duration in milliseconds, for the log.
fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
