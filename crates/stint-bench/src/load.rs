//! Posting request bodies to `stint serve` from many connections at once, and what came back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the requests of a run got back.
pub struct Answered {
    pub latencies: Vec<Duration>,
    pub errors: usize,
}

/// Posts `bodies` (each with its bearer token), `concurrency` at a time, until all are sent or
/// `limit` has passed. Connection `k` posts to `targets[k % targets.len()]` (a client and a URL:
/// one node, or several).
pub async fn post_all(
    targets: &[(reqwest::Client, String)],
    bodies: Vec<(String, serde_json::Value)>,
    concurrency: usize,
    limit: Option<Duration>,
) -> anyhow::Result<Answered> {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = limit.map(|limit| Instant::now() + limit);
    let workers: Vec<_> = (0..concurrency)
        .map(|k| {
            let (client, url) = targets[k % targets.len()].clone();
            let (bodies, next) = (bodies.clone(), next.clone());
            tokio::spawn(async move {
                let mut answered = Answered {
                    latencies: Vec::new(),
                    errors: 0,
                };
                loop {
                    let at = next.fetch_add(1, Ordering::Relaxed);
                    let Some((token, body)) = bodies.get(at) else {
                        break;
                    };
                    if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                        break;
                    }
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .bearer_auth(token)
                        .json(body)
                        .send()
                        .await?;
                    if response.status().is_success() {
                        answered.latencies.push(sent.elapsed());
                    } else {
                        answered.errors += 1;
                        if answered.errors == 1 {
                            eprintln!(
                                "{} {}",
                                response.status(),
                                response.text().await.unwrap_or_default()
                            );
                        }
                    }
                }
                anyhow::Ok(answered)
            })
        })
        .collect();
    let mut all = Answered {
        latencies: Vec::new(),
        errors: 0,
    };
    for worker in workers {
        let answered = worker.await??;
        all.latencies.extend(answered.latencies);
        all.errors += answered.errors;
    }
    Ok(all)
}
