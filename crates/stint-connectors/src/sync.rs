//! The one sync of a link, over any [`Target`]: resolve, read, plan, change, read back, report.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use futures::future::join_all;
use uuid::Uuid;

use crate::{Link, Member, Mode, Target, TargetError, TargetValue};

/// How many members are resolved at once.
const RESOLVE_CONCURRENCY: usize = 16;

/// A wanted member who has no value in the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The member's Stint id.
    pub member: Uuid,
    /// `None` when the user does not exist in the target; otherwise why it could not be
    /// resolved (e.g. a user filter matching several entries).
    pub error: Option<TargetError>,
}

/// Why a value left the target group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemovalCause {
    /// Stint had pushed it and no longer wants it: a membership ended.
    NoLongerWanted,
    /// Stint never pushed nor wanted it: drift, removed in [`Mode::Enforce`].
    Drift,
    /// Stint had pushed it and no longer wants it, and found it already gone (removed by
    /// someone else): nothing was done, the absence is confirmed all the same.
    FoundGone,
}

/// A value confirmed gone from the target group by reading it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// The value removed.
    pub value: TargetValue,
    /// Why it was removed.
    pub cause: RemovalCause,
    /// The instant a read of the target showed it gone.
    pub confirmed_at: DateTime<Utc>,
}

/// Which change failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Adding the value.
    Add,
    /// Removing the value.
    Remove,
}

/// A change the target refused, or that the read-back did not show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The value.
    pub value: TargetValue,
    /// The change.
    pub operation: Operation,
    /// Why it failed.
    pub error: TargetError,
}

/// What one sync of a link found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// When the sync started.
    pub started_at: DateTime<Utc>,
    /// When the read-back ended (the instant of every confirmation).
    pub finished_at: DateTime<Utc>,
    /// Each wanted member's value, for those resolved.
    pub resolved: BTreeMap<Uuid, TargetValue>,
    /// Wanted members without a value in the target (reported; not retried with backoff).
    pub unresolved: Vec<Unresolved>,
    /// Values added and confirmed present by the read-back.
    pub added: Vec<TargetValue>,
    /// Values confirmed gone by a read of the target, with the instant.
    pub removed: Vec<Removal>,
    /// Values found in the target that Stint neither wants nor pushed. In [`Mode::Enforce`] they
    /// are also in `removed` (or `failed`); in [`Mode::Report`] they are left in place.
    pub drift: Vec<TargetValue>,
    /// Changes refused by the target or not seen by the read-back; the next sync retries them.
    pub failed: Vec<Failure>,
    /// The values Stint is now responsible for in the target: persist it and pass it as
    /// `pushed_before` next time. It keeps values whose removal failed, so that they are removed
    /// (and not mistaken for drift) next time.
    pub pushed: BTreeSet<TargetValue>,
}

/// What a sync is to change, from what Stint wants, what the target holds and what Stint had
/// pushed before. Pure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Plan {
    to_add: Vec<TargetValue>,
    no_longer_wanted: Vec<TargetValue>,
    drift: Vec<TargetValue>,
    found_gone: Vec<TargetValue>,
}

fn plan(
    wanted: &BTreeSet<TargetValue>,
    present: &BTreeSet<TargetValue>,
    pushed_before: &BTreeSet<TargetValue>,
) -> Plan {
    let unwanted_pushed = pushed_before.difference(wanted);
    let (no_longer_wanted, found_gone) = unwanted_pushed
        .cloned()
        .partition(|value| present.contains(value));
    Plan {
        to_add: wanted.difference(present).cloned().collect(),
        no_longer_wanted,
        drift: present
            .iter()
            .filter(|value| !wanted.contains(*value) && !pushed_before.contains(*value))
            .cloned()
            .collect(),
        found_gone,
    }
}

/// Makes `link`'s group in `target` hold the `wanted` members, then reads it back.
///
/// `pushed_before` is the `pushed` of the previous report (empty the first time); `clock` gives
/// the instants of the report. An `Err` means the target could not be read or changed as a
/// whole (see [`TargetError::is_transient`]); the sync is idempotent, so the caller retries it.
pub async fn sync_link<T: Target + Sync>(
    target: &T,
    link: &Link,
    wanted: &[Member],
    pushed_before: &BTreeSet<TargetValue>,
    mode: Mode,
    clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
) -> Result<SyncReport, TargetError> {
    let started_at = clock();
    // Chunks joined in turn rather than a buffered stream: a stream of closures returning
    // futures makes the whole sync a future that is not `Send`, which a worker cannot spawn.
    let mut resolutions = Vec::with_capacity(wanted.len());
    for chunk in wanted.chunks(RESOLVE_CONCURRENCY) {
        let results = join_all(chunk.iter().map(|member| target.resolve(link, member))).await;
        resolutions.extend(chunk.iter().map(|member| member.id).zip(results));
    }
    let mut resolved = BTreeMap::new();
    let mut unresolved = Vec::new();
    for (member, resolution) in resolutions {
        match resolution {
            Ok(Some(value)) => {
                resolved.insert(member, value);
            }
            Ok(None) => unresolved.push(Unresolved {
                member,
                error: None,
            }),
            Err(error) if error.is_transient() => return Err(error),
            Err(error) => unresolved.push(Unresolved {
                member,
                error: Some(error),
            }),
        }
    }
    let wanted_values: BTreeSet<TargetValue> = resolved.values().cloned().collect();

    let present = target.read_members(link).await?;
    let first_read_at = clock();
    let plan = plan(&wanted_values, &present, pushed_before);
    let mut to_remove: Vec<(TargetValue, RemovalCause)> = plan
        .no_longer_wanted
        .iter()
        .map(|value| (value.clone(), RemovalCause::NoLongerWanted))
        .collect();
    if mode == Mode::Enforce {
        to_remove.extend(
            plan.drift
                .iter()
                .map(|value| (value.clone(), RemovalCause::Drift)),
        );
    }
    let causes: BTreeMap<TargetValue, RemovalCause> = to_remove.iter().cloned().collect();
    let removal_values: Vec<TargetValue> = to_remove.into_iter().map(|(value, _)| value).collect();

    let added = if plan.to_add.is_empty() {
        Default::default()
    } else {
        target.add(link, &plan.to_add).await?
    };
    let removed = if removal_values.is_empty() {
        Default::default()
    } else {
        target.remove(link, &removal_values).await?
    };

    let read_back = target.read_members(link).await?;
    let finished_at = clock();

    let mut failed: Vec<Failure> = Vec::new();
    let failure = |value: TargetValue, operation, error| Failure {
        value,
        operation,
        error,
    };
    let mut confirmed_added = Vec::new();
    for value in added.done {
        if read_back.contains(&value) {
            confirmed_added.push(value);
        } else {
            let error = TargetError::permanent("accepted, but not present when read back");
            failed.push(failure(value, Operation::Add, error));
        }
    }
    failed.extend(
        added
            .failed
            .into_iter()
            .map(|(value, error)| failure(value, Operation::Add, error)),
    );
    let mut confirmed_removed: Vec<Removal> = plan
        .found_gone
        .into_iter()
        .map(|value| Removal {
            value,
            cause: RemovalCause::FoundGone,
            confirmed_at: first_read_at,
        })
        .collect();
    for value in removed.done {
        if read_back.contains(&value) {
            let error = TargetError::permanent("accepted, but still present when read back");
            failed.push(failure(value, Operation::Remove, error));
        } else {
            let cause = causes
                .get(&value)
                .copied()
                .unwrap_or(RemovalCause::NoLongerWanted);
            confirmed_removed.push(Removal {
                value,
                cause,
                confirmed_at: finished_at,
            });
        }
    }
    failed.extend(
        removed
            .failed
            .into_iter()
            .map(|(value, error)| failure(value, Operation::Remove, error)),
    );
    let pushed = read_back
        .into_iter()
        .filter(|value| wanted_values.contains(value) || pushed_before.contains(value))
        .collect();

    Ok(SyncReport {
        started_at,
        finished_at,
        resolved,
        unresolved,
        added: confirmed_added,
        removed: confirmed_removed,
        drift: plan.drift,
        failed,
        pushed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(values: &[&str]) -> BTreeSet<TargetValue> {
        values
            .iter()
            .map(|value| TargetValue::from(*value))
            .collect()
    }

    fn list(values: &[&str]) -> Vec<TargetValue> {
        values
            .iter()
            .map(|value| TargetValue::from(*value))
            .collect()
    }

    #[test]
    fn the_plan_adds_the_missing_removes_the_ended_and_calls_the_rest_drift() {
        let wanted = set(&["alice", "bob"]);
        let present = set(&["bob", "carol", "mallory"]);
        let pushed_before = set(&["bob", "carol", "dave"]);
        let plan = plan(&wanted, &present, &pushed_before);
        assert_eq!(plan.to_add, list(&["alice"]));
        assert_eq!(plan.no_longer_wanted, list(&["carol"]));
        assert_eq!(plan.drift, list(&["mallory"]));
        assert_eq!(plan.found_gone, list(&["dave"]));
    }

    #[test]
    fn a_sync_over_any_target_is_a_future_a_worker_can_spawn() {
        fn is_send<F: Send>(_: &F) {}
        let config = crate::scim::ScimConfig::new("https://app.example.com/scim/v2", "t");
        let target = crate::AnyTarget::Scim(crate::scim::ScimTarget::new(config).unwrap());
        let link = Link::new("ops");
        let clock = Utc::now;
        let pushed = BTreeSet::new();
        let sync = sync_link(&target, &link, &[], &pushed, Mode::Enforce, &clock);
        is_send(&sync);
    }

    #[test]
    fn a_wanted_value_already_present_is_neither_added_nor_drift() {
        let plan = plan(&set(&["alice"]), &set(&["alice"]), &set(&[]));
        assert_eq!(plan, Plan::default());
    }
}
