//! `stint-bench check`: the in-process check alone, on a data set generated once and kept, for
//! profiling and for trying a change to the index without the whole run.
//!
//! ```sh
//! cargo run --release -p stint-bench -- check --scale full [--cedar] [--rounds N]
//! ```
//!
//! The first run generates `target/stint-bench/quick-<scale>/stint.db`; later runs load it and
//! rebuild what the questions need from the loaded state.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use stint_app::{App, AppConfig, Password, SystemClock};
use stint_core::ids::{GroupId, UserId};
use stint_core::schedule::{Access, ScheduleKind};
use stint_core::State;
use stint_store::Store;
use stint_store_sqlite::SqliteStore;

use crate::generate::{self, Dataset, Scale, ACTIVATOR_PASSWORD};
use crate::report::nanos;
use crate::server::{Server, ADMIN_PASSWORD};
use crate::{http, inproc, CEDAR_QUERIES};

/// What `stint-bench check` runs.
#[derive(Clone, Debug)]
pub struct Quick {
    pub rounds: usize,
    pub cedar: bool,
    /// Also `stint serve` under `wrk` for this many seconds (`--http N`), with this binary.
    pub http: Option<(u32, PathBuf)>,
    /// `--workers` of that server (`None`: one per CPU).
    pub server_workers: Option<u16>,
}

/// Runs the in-process check `rounds` times on the kept data set of `scale` under `work`.
pub async fn run(scale: Scale, work: &Path, quick: &Quick) -> anyhow::Result<()> {
    let Quick {
        rounds,
        cedar,
        ref http,
        server_workers,
    } = *quick;
    let Kept { app, dataset, dir } = kept(scale, work).await?;
    let file = dir.join("stint.db");
    let now = Utc::now();
    let queries = app.inspect_state(|state| inproc::queries(state, &dataset, now, 1_000_000));
    let setup = if cedar {
        Some(app.inspect_state(|state| inproc::cedar_setup(state, &dataset, now))?)
    } else {
        None
    };
    for round in 1..=rounds {
        let comparison = app.inspect_state(|state| {
            let cedar = setup.as_ref().map(|setup| (setup, CEDAR_QUERIES));
            inproc::compare(state, &queries, now, 1, cedar)
        })?;
        let stint = &comparison.stint;
        println!(
            "round {round}: Stint p50 {} p99 {} p99.9 {}, {:.0} checks/s; \
             p50 direct {} nested {} non-member {}",
            nanos(stint.latency.p50),
            nanos(stint.latency.p99),
            nanos(stint.latency.p999),
            stint.per_second,
            nanos(stint.p50_by_kind[0]),
            nanos(stint.p50_by_kind[1]),
            nanos(stint.p50_by_kind[2]),
        );
        if let Some(cedar) = &comparison.cedar {
            println!(
                "         Cedar p50 {} p99 {}, {:.0} checks/s; {:.1}× at p50; {} disagreements",
                nanos(cedar.latency.p50),
                nanos(cedar.latency.p99),
                cedar.per_second,
                cedar.latency.p50 as f64 / stint.latency.p50.max(1) as f64,
                comparison.disagreements
            );
        }
    }
    drop(app);
    if let Some((seconds, binary)) = http {
        let database = format!("sqlite://{}", file.display());
        let log = dir.join("serve.log");
        let (server, startup) =
            Server::start(binary, &database, 18_090, 1, server_workers, &log, &[]).await?;
        println!(
            "stint serve ({}) ready in {:.2} s",
            crate::workers_label(server_workers),
            startup.as_secs_f64()
        );
        let token = server.token("admin", ADMIN_PASSWORD).await?;
        http::prepare(&dir, &queries)?;
        http::run(&dir, &server.base, &token, 1, 16, 2)?;
        for connections in [16, 64] {
            let r = http::run(&dir, &server.base, &token, 1, connections, *seconds)?;
            println!(
                "wrk -c{connections}: {:.0} checks/s, p50 {} p99 {} ({} errors)",
                r.requests_per_second,
                nanos(r.p50),
                nanos(r.p99),
                r.errors
            );
        }
        server.stop()?;
    }
    Ok(())
}

/// The data set of `scale` kept under `work` (generated on first use), opened in an app whose
/// administrator is `admin` with [`ADMIN_PASSWORD`].
pub struct Kept {
    pub app: App,
    pub dataset: Dataset,
    /// The directory holding `stint.db`.
    pub dir: PathBuf,
}

pub async fn kept(scale: Scale, work: &Path) -> anyhow::Result<Kept> {
    let dir = std::path::absolute(work.join(format!("quick-{}", scale.name)))?;
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("stint.db");
    let existed = file.exists();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&format!("sqlite://{}", file.display())).await?);
    let generated = if existed {
        None
    } else {
        println!("generating {} into {} ...", scale.name, file.display());
        let hash = stint_app::password::hash(Password::new(ACTIVATOR_PASSWORD))
            .await?
            .0;
        Some(generate::generate(&*store, scale, crate::SEED, Utc::now(), &hash).await?)
    };
    let opened = Instant::now();
    let app = App::open(store, Arc::new(SystemClock), AppConfig::default()).await?;
    println!("App::open: {:.2} s", opened.elapsed().as_secs_f64());
    app.bootstrap(Some(Password::new(ADMIN_PASSWORD))).await?;
    let dataset = match generated {
        Some(dataset) => dataset,
        None => app.inspect_state(dataset_of),
    };
    Ok(Kept { app, dataset, dir })
}

/// The ids of a hash map's keys, in order (so the questions do not depend on the hash order).
fn sorted<'a, T: Ord + Copy + 'a>(keys: impl Iterator<Item = &'a T>) -> Vec<T> {
    let mut ids: Vec<T> = keys.copied().collect();
    ids.sort_unstable();
    ids
}

/// What the questions need of a data set, read back from a loaded state.
fn dataset_of(state: &State) -> Dataset {
    let users: Vec<UserId> = sorted(state.users.keys());
    let groups: Vec<GroupId> = sorted(state.groups.keys());
    let group_set: BTreeSet<GroupId> = groups.iter().copied().collect();
    let nesting = state
        .schedules
        .values()
        .filter(|s| s.kind == ScheduleKind::Active && s.access() == Access::Member)
        .map(|s| (GroupId(s.principal_id.0), s.group_id()))
        .filter(|(child, _)| group_set.contains(child))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Dataset::derived(users, groups, nesting)
}
