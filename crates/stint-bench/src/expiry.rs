//! Expiry: the cohort of memberships is made to end within one minute (a commit to the store, as
//! another node would make, that the server's follower applies), checked continuously across
//! each end over HTTP, and the scheduler's tidy-up (the `Expired` end it commits) timed against it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};
use stint_core::ids::ScheduleId;
use stint_core::schedule::{EndReason, Schedule};
use stint_core::{Change, Decision};
use stint_store::Store;

use crate::report::Latency;
use crate::server::Server;

#[derive(Clone, Debug)]
pub struct ExpiryResult {
    pub schedules: usize,
    /// Checks sent after a schedule's end that still said allowed.
    pub violations: usize,
    /// Schedules whose first check after the end said not allowed.
    pub denied_after_end: usize,
    /// Schedules with no check sent after their end (not verified).
    pub unverified: usize,
    /// Schedules seen allowed by a check answered before their end.
    pub allowed_before_end: usize,
    /// Checks answered before the end that said not allowed (wrong the other way).
    pub early_denials: usize,
    pub checks: usize,
    /// From each end to the commit of its `Expired` record.
    pub lag: Latency,
    pub tidied: usize,
    /// How long after the cohort's commit the server had applied it.
    pub applied_after: Duration,
}

/// How far ahead of now the first end is placed.
const LEAD: TimeDelta = TimeDelta::seconds(20);
/// The ends are spread over this.
const SPREAD: TimeDelta = TimeDelta::seconds(60);
/// Each schedule is checked from this long before its end to this long after it.
const AROUND: TimeDelta = TimeDelta::milliseconds(1500);

pub async fn run(
    server: &Server,
    token: &str,
    store: &dyn Store,
    cohort: &[Schedule],
) -> anyhow::Result<ExpiryResult> {
    let n = cohort.len();
    let now = Utc::now();
    let first_end = now + LEAD;
    let ends: Vec<DateTime<Utc>> = (0..n)
        .map(|i| {
            first_end
                + TimeDelta::microseconds(
                    SPREAD.num_microseconds().unwrap_or(0) * i as i64 / n as i64,
                )
        })
        .collect();
    let mut decision = Decision::new();
    for (schedule, end) in cohort.iter().zip(&ends) {
        let mut shortened = schedule.clone();
        shortened.window.end = Some(*end);
        shortened.modified_at = now;
        decision.push(Change::Schedule(shortened));
    }
    let committed = Instant::now();
    let revision = store.commit(None, &decision, now).await?;
    loop {
        if server.revision().await? >= revision {
            break;
        }
        if committed.elapsed() > Duration::from_secs(15) {
            bail!("the server did not apply the expiry cohort within 15 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let applied_after = committed.elapsed();

    let mut first_after: Vec<Option<bool>> = vec![None; n];
    let mut allowed_before = vec![false; n];
    let mut violations = 0;
    let mut early_denials = 0;
    let mut checks = 0;
    let stop = first_end + SPREAD + AROUND + TimeDelta::seconds(1);
    let url = format!("{}/stint/v1/check", server.base);
    // The window of schedules to check moves with the clock: ends are sorted.
    let mut low = 0;
    while Utc::now() < stop {
        let now = Utc::now();
        while low < n && ends[low] + AROUND < now {
            low += 1;
        }
        let mut high = low;
        while high < n && ends[high] - AROUND <= now && high - low < 1000 {
            high += 1;
        }
        if high == low {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        let body = json!({
            "checks": cohort[low..high].iter().map(|s| json!({
                "principalId": s.principal_id.to_string(),
                "groupId": s.group_id().to_string(),
            })).collect::<Vec<_>>()
        });
        let sent = Utc::now();
        let response = server
            .client
            .post(&url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        let answer: Value = response.json().await?;
        let received = Utc::now();
        let values = answer["value"]
            .as_array()
            .with_context(|| format!("a batch check answered {answer}"))?;
        for (offset, value) in values.iter().enumerate() {
            let i = low + offset;
            let allowed = value["allowed"]
                .as_bool()
                .with_context(|| format!("a check answered {value}"))?;
            checks += 1;
            if sent >= ends[i] {
                if allowed {
                    violations += 1;
                }
                first_after[i].get_or_insert(allowed);
            } else if received < ends[i] {
                if allowed {
                    allowed_before[i] = true;
                } else {
                    early_denials += 1;
                }
            }
        }
    }

    // The tidy-up: the scheduler commits each schedule again with an `Expired` end.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let index: HashMap<ScheduleId, usize> =
        cohort.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut lags = Vec::with_capacity(n);
    let mut after = revision;
    loop {
        let batch = store.changes_since(after, 200).await?;
        let Some(last) = batch.last() else { break };
        after = last.revision;
        for commit in &batch {
            for change in &commit.changes {
                if let Change::Schedule(s) = change {
                    let expired = s.ended.is_some_and(|e| e.reason == EndReason::Expired);
                    if let (true, Some(&i)) = (expired, index.get(&s.id)) {
                        let lag = (commit.committed_at - ends[i]).to_std().unwrap_or_default();
                        lags.push(lag);
                    }
                }
            }
        }
    }
    Ok(ExpiryResult {
        schedules: n,
        violations,
        denied_after_end: first_after.iter().filter(|a| **a == Some(false)).count(),
        unverified: first_after.iter().filter(|a| a.is_none()).count(),
        allowed_before_end: allowed_before.iter().filter(|a| **a).count(),
        early_denials,
        checks,
        tidied: lags.len(),
        lag: Latency::from_durations(&lags),
        applied_after,
    })
}
