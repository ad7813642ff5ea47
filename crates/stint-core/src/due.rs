//! What the scheduler looks at, ordered by when it falls due, so that a tick reads only what is due
//! instead of scanning every schedule and request (V3, V7, A11). Kept by
//! [`State::apply`](crate::State::apply) next to the objects themselves.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::ids::{RequestId, ScheduleId};
use crate::notify::next_reminder;
use crate::request::ScheduleRequest;
use crate::rules::approval::APPROVAL_TIMEOUT;
use crate::schedule::{Access, EndReason, Schedule, ScheduleKind};

/// Instants paired with the object they concern, oldest first.
#[derive(Clone, Debug, Default)]
pub struct DueQueues {
    /// V7: schedules with a planned end whose end is not recorded yet, by planned end.
    ends: BTreeSet<(DateTime<Utc>, ScheduleId)>,
    /// A11: active ownerships that ended on their own (or will), by effective end: the candidates
    /// for "the last owner stays".
    owner_ends: BTreeSet<(DateTime<Utc>, ScheduleId)>,
    /// V3: requests awaiting approval, by creation.
    pending: BTreeSet<(DateTime<Utc>, RequestId)>,
    /// E5: schedules with a reminder left to send, by when it falls due.
    reminders: BTreeSet<(DateTime<Utc>, ScheduleId)>,
}

impl DueQueues {
    pub(crate) fn replace_schedule(&mut self, previous: Option<&Schedule>, schedule: &Schedule) {
        if let Some(previous) = previous {
            self.remove_schedule(previous);
        }
        if let Some(due) = next_reminder(schedule) {
            self.reminders.insert((due, schedule.id));
        }
        if let Some(key) = end_key(schedule) {
            self.ends.insert(key);
        }
        if let Some(key) = owner_end_key(schedule) {
            self.owner_ends.insert(key);
        }
    }

    /// Forgets what `schedule` (as it is queued) falls due for.
    pub(crate) fn remove_schedule(&mut self, schedule: &Schedule) {
        if let Some(key) = end_key(schedule) {
            self.ends.remove(&key);
        }
        if let Some(key) = owner_end_key(schedule) {
            self.owner_ends.remove(&key);
        }
        if let Some(due) = next_reminder(schedule) {
            self.reminders.remove(&(due, schedule.id));
        }
    }

    pub(crate) fn replace_request(
        &mut self,
        previous: Option<&ScheduleRequest>,
        request: &ScheduleRequest,
    ) {
        if let Some(previous) = previous {
            self.remove_request(previous);
        }
        if request.status.is_pending() {
            self.pending.insert((request.created_at, request.id));
        }
    }

    /// Forgets that `request` may be pending.
    pub(crate) fn remove_request(&mut self, request: &ScheduleRequest) {
        self.pending.remove(&(request.created_at, request.id));
    }

    /// Schedules whose planned end is at or before `at` and not recorded, earliest first.
    pub fn ends_by(&self, at: DateTime<Utc>) -> impl Iterator<Item = ScheduleId> + '_ {
        up_to(&self.ends, at)
    }

    /// Active ownerships that end (or ended) by themselves at or before `at`, earliest first.
    pub fn owner_ends_by(&self, at: DateTime<Utc>) -> impl Iterator<Item = ScheduleId> + '_ {
        up_to(&self.owner_ends, at)
    }

    /// Schedules with a reminder due at or before `at`, earliest first (E5).
    pub fn reminders_by(&self, at: DateTime<Utc>) -> impl Iterator<Item = ScheduleId> + '_ {
        up_to(&self.reminders, at)
    }

    /// When the longest-waiting job fell due, of those the scheduler runs as soon as they are due
    /// (V3 timeouts, V7 ends, E5 reminders); `None` when none is due at `now`. Its distance to
    /// `now` is how late the scheduler runs.
    pub fn oldest_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let timeouts = first_instant(&self.pending).map(|created| created + APPROVAL_TIMEOUT);
        [
            first_instant(&self.ends),
            first_instant(&self.reminders),
            timeouts,
        ]
        .into_iter()
        .flatten()
        .filter(|due| *due <= now)
        .min()
    }

    /// Requests still awaiting approval that were created at or before `at`, oldest first.
    pub fn pending_since(&self, at: DateTime<Utc>) -> impl Iterator<Item = RequestId> + '_ {
        up_to(&self.pending, at)
    }
}

fn first_instant<K: Ord>(set: &BTreeSet<(DateTime<Utc>, K)>) -> Option<DateTime<Utc>> {
    set.first().map(|(when, _)| *when)
}

fn up_to<K: Ord + Copy>(
    set: &BTreeSet<(DateTime<Utc>, K)>,
    at: DateTime<Utc>,
) -> impl Iterator<Item = K> + '_ {
    set.iter()
        .take_while(move |(when, _)| *when <= at)
        .map(|(_, key)| *key)
}

fn end_key(schedule: &Schedule) -> Option<(DateTime<Utc>, ScheduleId)> {
    match (schedule.ended, schedule.window.end) {
        (None, Some(end)) => Some((end, schedule.id)),
        _ => None,
    }
}

fn owner_end_key(schedule: &Schedule) -> Option<(DateTime<Utc>, ScheduleId)> {
    let ended_by_itself = matches!(
        schedule.ended.map(|ended| ended.reason),
        None | Some(EndReason::Expired)
    );
    if schedule.access() != Access::Owner
        || schedule.kind != ScheduleKind::Active
        || !ended_by_itself
    {
        return None;
    }
    Some((schedule.effective_window().end?, schedule.id))
}
