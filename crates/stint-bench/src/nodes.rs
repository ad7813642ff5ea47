//! Cross-node visibility: two `stint serve` nodes on one database; an activation (`selfActivate`)
//! on node A, then checks on node B (without `atLeast`) until B says allowed.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::generate::{Dataset, ACTIVATOR_PASSWORD};
use crate::report::Latency;
use crate::server::{Server, ADMIN_PASSWORD};

#[derive(Clone, Debug)]
pub struct NodesResult {
    pub rounds: usize,
    /// From A's answer (committed) to B's first `allowed`.
    pub after_commit: Latency,
    /// From sending the activation to A to B's first `allowed`.
    pub end_to_end: Latency,
    /// The activation request itself on A.
    pub activation: Latency,
    pub polls: usize,
}

pub async fn run(a: &Server, b: &Server, dataset: &Dataset) -> anyhow::Result<NodesResult> {
    let admin_b = b.token("admin", ADMIN_PASSWORD).await?;
    // Sign the activators in on A (not timed: password hashing is deliberately slow).
    let mut tokens = Vec::new();
    for (_, name) in &dataset.activators {
        tokens.push(a.token(name, ACTIVATOR_PASSWORD).await?);
    }
    let group = dataset.activation_group.to_string();
    let mut after_commit = Vec::new();
    let mut end_to_end = Vec::new();
    let mut activation = Vec::new();
    let mut polls = 0;
    let requests = format!(
        "{}/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
        a.base
    );
    for ((user, _), token) in dataset.activators.iter().zip(&tokens) {
        let check = format!(
            "{}/stint/v1/check?principalId={user}&groupId={group}",
            b.base
        );
        let started = Instant::now();
        let response = a
            .client
            .post(&requests)
            .bearer_auth(token)
            .json(&json!({
                "accessId": "member",
                "principalId": user.to_string(),
                "groupId": group,
                "action": "selfActivate",
                "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } },
                "justification": "Benchmark: cross-node visibility",
            }))
            .send()
            .await?;
        let acknowledged = Instant::now();
        let status = response.status();
        if !status.is_success() {
            let body: Value = response.json().await.unwrap_or_default();
            bail!("selfActivate on A answered {status}: {body}");
        }
        loop {
            let answer: Value = b
                .client
                .get(&check)
                .bearer_auth(&admin_b)
                .send()
                .await?
                .json()
                .await?;
            polls += 1;
            if answer["allowed"]
                .as_bool()
                .with_context(|| format!("B answered {answer}"))?
            {
                break;
            }
            if acknowledged.elapsed() > Duration::from_secs(10) {
                bail!("B did not see the activation within 10 s");
            }
        }
        let seen = Instant::now();
        after_commit.push(seen - acknowledged);
        end_to_end.push(seen - started);
        activation.push(acknowledged - started);
    }
    Ok(NodesResult {
        rounds: after_commit.len(),
        after_commit: Latency::from_durations(&after_commit),
        end_to_end: Latency::from_durations(&end_to_end),
        activation: Latency::from_durations(&activation),
        polls,
    })
}
