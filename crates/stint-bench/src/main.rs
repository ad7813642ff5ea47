//! `stint-bench`: the benchmarks of issue 7, in one run at two scales.
//!
//! ```sh
//! cargo run --release -p stint-bench -- all
//! ```
//!
//! builds `target/release/stint`, then for each scale (a tenth, then full: 100,000 users, 10,000
//! groups, 1,000,000 schedules) generates the data, measures checks in-process against Cedar,
//! starts `stint serve` on it (start-up, memory), drives it with `wrk` (HTTP), makes 10,000
//! memberships end within a minute (expiry), and runs two nodes on PostgreSQL (cross-node),
//! then prints the Markdown report and writes it to `target/stint-bench/report.md`.
//! See BENCHMARKS.md. `stint-bench check` runs the in-process check alone (module `quick`);
//! `stint-bench notify` the notification benchmarks (module `notify`); `stint-bench connectors`
//! the connector benchmarks of issue 18 (module `connectors`); `stint-bench writes` the write
//! path before and after group commit (issue 20, module `writes`); `stint-bench pages` what a
//! page of each console and API list costs (issue 19 item 12, module `pages`).

/// jemalloc: the in-memory state's many small vectors stay packed by size class, so a check
/// touches fewer pages than with glibc's allocator.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod connectors;
mod expiry;
mod generate;
mod http;
mod inproc;
mod load;
mod mail_sink;
mod nodes;
mod notify;
mod pages;
mod quick;
mod report;
mod server;
mod writes;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::Utc;
use stint_app::{App, AppConfig, Password, SystemClock};
use stint_store::Store;
use stint_store_postgres::PostgresStore;
use stint_store_sqlite::SqliteStore;

use crate::generate::{Dataset, Scale, ACTIVATOR_PASSWORD};
use crate::report::{mib, nanos, per_second, rss_of, Report};
use crate::server::{Server, ADMIN_PASSWORD};

pub(crate) const SEED: u64 = 2026;
/// The scheduler interval of the server in the expiry benchmark (its smallest value), seconds.
const SCHEDULER_INTERVAL: u64 = 1;
/// Passes over the questions in the in-process comparison.
const PASSES: usize = 3;
/// How many of the questions Cedar is asked (it is ten times slower).
pub(crate) const CEDAR_QUERIES: usize = 200_000;
pub(crate) const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug)]
struct Options {
    /// `check`: the in-process check alone, this many rounds (module `quick`).
    check_rounds: Option<usize>,
    /// `notify`: the notification benchmarks alone (module `notify`).
    notify: bool,
    /// `notify --only PART`: one of its parts (`burst`, `reminders`, `writes`).
    notify_only: Option<notify::Part>,
    /// `check --http N`: also the HTTP check for N seconds.
    check_http: Option<u32>,
    scales: Vec<Scale>,
    build: bool,
    cedar: bool,
    nodes: bool,
    http_seconds: u32,
    /// `--workers` of the `stint serve` that HTTP and expiry run against (`None`: one per CPU).
    server_workers: Option<u16>,
    work: PathBuf,
}

fn usage() -> ! {
    eprintln!(
        "usage: stint-bench all [--scale tenth|full] [--no-build] [--no-cedar] [--no-nodes] \
         [--http-seconds N] [--server-workers N] [--work DIR]\n       \
         stint-bench check [--scale tenth|full] [--rounds N] [--cedar] [--http SECONDS] \
         [--server-workers N] [--work DIR]\n       \
         stint-bench notify [--only burst|reminders|writes] [--no-build] [--write-seconds N] [--work DIR]\n       \
         stint-bench writes [--seconds N] [--no-build] [--no-postgres] [--work DIR]\n       \
         stint-bench pages [--scale tenth|full] [--runs N] [--work DIR]\n       \
         stint-bench connectors [--removals N] [--activations N] [--reconcile N] [--no-postgres] [--work DIR]\n\
         --server-workers 0: one per CPU (default 1: one core for stint serve, one for wrk)"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let (check_rounds, notify) = match args.next().as_deref() {
        Some("all") => (None, false),
        Some("check") => (Some(3), false),
        Some("notify") => (None, true),
        _ => usage(),
    };
    let mut options = Options {
        check_rounds,
        notify,
        notify_only: None,
        check_http: None,
        scales: vec![Scale::TENTH, Scale::FULL],
        build: true,
        // `check` compares with Cedar only when asked.
        cedar: check_rounds.is_none(),
        nodes: true,
        http_seconds: 10,
        server_workers: Some(1),
        work: PathBuf::from("target/stint-bench"),
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--scale" => {
                options.scales = match args.next().as_deref() {
                    Some("tenth") => vec![Scale::TENTH],
                    Some("full") => vec![Scale::FULL],
                    _ => usage(),
                }
            }
            "--no-build" => options.build = false,
            "--no-cedar" => options.cedar = false,
            "--cedar" => options.cedar = true,
            "--http" if options.check_rounds.is_some() => {
                options.check_http = args.next().and_then(|n| n.parse().ok()).or_else(|| usage())
            }
            "--rounds" if options.check_rounds.is_some() => {
                options.check_rounds = args.next().and_then(|n| n.parse().ok()).or_else(|| usage())
            }
            "--no-nodes" => options.nodes = false,
            "--only" if options.notify => {
                options.notify_only = Some(
                    args.next()
                        .and_then(|part| notify::Part::named(&part))
                        .unwrap_or_else(|| usage()),
                )
            }
            "--http-seconds" | "--write-seconds" => {
                options.http_seconds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--server-workers" => {
                let workers: u16 = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| usage());
                options.server_workers = (workers > 0).then_some(workers);
            }
            "--work" => options.work = args.next().map(PathBuf::from).unwrap_or_else(|| usage()),
            _ => usage(),
        }
    }
    options
}

/// How the HTTP rows name the server's worker threads.
fn workers_label(workers: Option<u16>) -> String {
    match workers {
        Some(n) => format!("stint serve --workers {n}"),
        None => "stint serve, one worker per CPU".to_string(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("connectors") {
        return connectors::main(std::env::args().skip(2)).await;
    }
    if std::env::args().nth(1).as_deref() == Some("pages") {
        let options = pages::Options::parse(std::env::args().skip(2))?;
        let markdown = pages::run(&options).await?;
        println!("\n{markdown}");
        return Ok(());
    }
    if std::env::args().nth(1).as_deref() == Some("writes") {
        let options = writes::Options::parse(std::env::args().skip(2))?;
        let binary = stint_binary(options.build)?;
        let markdown = writes::run(&binary, &options).await?;
        println!("\n{markdown}");
        return Ok(());
    }
    let options = options();
    if let Some(rounds) = options.check_rounds {
        let http = match options.check_http {
            Some(seconds) => Some((seconds, stint_binary(options.build)?)),
            None => None,
        };
        let quick = quick::Quick {
            rounds,
            cedar: options.cedar,
            http,
            server_workers: options.server_workers,
        };
        for scale in &options.scales {
            quick::run(*scale, &options.work, &quick).await?;
        }
        return Ok(());
    }
    let binary = stint_binary(options.build)?;
    std::fs::create_dir_all(&options.work)?;
    if options.notify {
        let markdown = notify::run(
            &binary,
            &options.work,
            options.http_seconds.into(),
            options.notify_only,
        )
        .await?;
        println!("\n{markdown}");
        return Ok(());
    }
    let mut report = Report {
        scales: options
            .scales
            .iter()
            .map(|s| {
                format!(
                    "{} ({} users, {} groups, {} schedules)",
                    s.name,
                    per_second(s.users as f64),
                    per_second(s.groups as f64),
                    per_second(s.schedules as f64)
                )
            })
            .collect(),
        ..Report::default()
    };
    let started = Instant::now();
    let load_before = loadavg();
    for (index, scale) in options.scales.iter().enumerate() {
        println!("== scale {} ==", scale.name);
        run_scale(&options, &binary, *scale, index, &mut report).await?;
    }
    report.note(format!(
        "Whole run: {:.0} s; load average before {load_before}, after {}.",
        started.elapsed().as_secs_f64(),
        loadavg()
    ));
    let header = format!(
        "## Results\n\nMachine: {} cores, {}, {}; run at {}.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model(),
        rustc_version(),
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    let markdown = report.markdown(&header);
    std::fs::write(options.work.join("report.md"), &markdown)?;
    println!("\n{markdown}");
    Ok(())
}

/// `target/release/stint`, built first when run through `cargo run` (unless `--no-build`).
fn stint_binary(build: bool) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("no directory")?;
    let binary = dir.join("stint");
    if build {
        if let Ok(cargo) = std::env::var("CARGO") {
            println!("building the stint binary (release)...");
            let status = std::process::Command::new(cargo)
                .args(["build", "--release", "-p", "stint"])
                .status()?;
            if !status.success() {
                bail!("cargo build --release -p stint failed");
            }
        }
    }
    if !binary.exists() {
        bail!(
            "{} is missing: cargo build --release -p stint",
            binary.display()
        );
    }
    Ok(binary)
}

async fn run_scale(
    options: &Options,
    binary: &Path,
    scale: Scale,
    at: usize,
    report: &mut Report,
) -> anyhow::Result<()> {
    let dir = std::path::absolute(options.work.join(scale.name))?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let database = format!("sqlite://{}", dir.join("stint.db").display());
    let hash = stint_app::password::hash(Password::new(ACTIVATOR_PASSWORD))
        .await?
        .0;

    // 1. Generate.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&database).await?);
    let generated = Instant::now();
    let dataset = generate::generate(&*store, scale, SEED, Utc::now(), &hash).await?;
    let generate_seconds = generated.elapsed().as_secs_f64();
    println!("generated in {generate_seconds:.1} s: {:?}", dataset.mix);
    let m = dataset.mix;
    anyhow::ensure!(
        m.total() == scale.schedules,
        "the mix adds up to {}",
        m.total()
    );
    report.set(at, "data", "schedules: nested / active now (of them permanent) / owners / eligible / expired / future / expiry cohort", "", format!(
        "{} / {} ({}) / {} / {} / {} / {} / {}",
        m.nested, m.active_now + m.permanent + m.expiring, m.permanent, m.owners, m.eligible + m.activator_eligibilities, m.expired, m.future, m.expiring
    ));
    report.set(
        at,
        "data",
        "generate and commit to SQLite (50,000 changes a commit)",
        "",
        format!("{generate_seconds:.1} s"),
    );

    // 2. In-process.
    let rss_before_open = report::rss_bytes();
    let opened = Instant::now();
    let app = App::open(store.clone(), Arc::new(SystemClock), AppConfig::default()).await?;
    let open_seconds = opened.elapsed().as_secs_f64();
    let state_rss = report::rss_bytes() - rss_before_open;
    app.bootstrap(Some(Password::new(ADMIN_PASSWORD))).await?;
    let now = Utc::now();
    let (index_bytes, indexed, schedules) = app.inspect_state(|state| {
        (
            state.index().approximate_bytes(),
            state.index().assignment_count(),
            state.schedules.len(),
        )
    });
    report.set(
        at,
        "start-up",
        "App::open in-process (load state and index)",
        "",
        format!("{open_seconds:.2} s"),
    );
    report.set(
        at,
        "start-up",
        "index memory (approximate_bytes) per indexed active assignment",
        "< 100 B",
        format!(
            "{:.0} B ({} B / {} indexed)",
            index_bytes as f64 / indexed.max(1) as f64,
            index_bytes,
            indexed
        ),
    );
    report.set(
        at,
        "start-up",
        "index memory per schedule (all kinds)",
        "",
        format!(
            "{:.0} B ({schedules} schedules)",
            index_bytes as f64 / schedules.max(1) as f64
        ),
    );
    report.set(
        at,
        "start-up",
        "whole in-memory state (RSS growth of App::open)",
        "",
        format!(
            "{} ({:.0} B per schedule)",
            mib(state_rss),
            state_rss as f64 / schedules.max(1) as f64
        ),
    );

    let queries = app.inspect_state(|state| inproc::queries(state, &dataset, now, 1_000_000));
    let setup = if options.cedar {
        Some(app.inspect_state(|state| inproc::cedar_setup(state, &dataset, now))?)
    } else {
        None
    };
    let comparison = app.inspect_state(|state| {
        let cedar = setup.as_ref().map(|setup| (setup, CEDAR_QUERIES));
        inproc::compare(state, &queries, now, PASSES, cedar)
    })?;
    let stint = &comparison.stint;
    println!("stint: {stint:?}");
    report.set(
        at,
        "in-process",
        "Stint check p50 / p99 / p99.9",
        "",
        stint.latency.percentiles_to_p999(),
    );
    report.set(
        at,
        "in-process",
        "Stint checks/s (1 thread)",
        "",
        per_second(stint.per_second),
    );
    report.set(
        at,
        "in-process",
        "questions allowed: direct members / nested members / non-members",
        "",
        format!(
            "{} of {} / {} of {} / {} of {}",
            per_second(stint.by_kind[0].0 as f64),
            per_second(stint.by_kind[0].1 as f64),
            per_second(stint.by_kind[1].0 as f64),
            per_second(stint.by_kind[1].1 as f64),
            per_second(stint.by_kind[2].0 as f64),
            per_second(stint.by_kind[2].1 as f64),
        ),
    );
    report.set(
        at,
        "in-process",
        "Stint check p50: direct members / nested members / non-members",
        "",
        format!(
            "{} / {} / {}",
            nanos(stint.p50_by_kind[0]),
            nanos(stint.p50_by_kind[1]),
            nanos(stint.p50_by_kind[2]),
        ),
    );
    if let (Some(setup), Some(cedar)) = (&setup, &comparison.cedar) {
        println!(
            "cedar: {cedar:?}, disagreements {}",
            comparison.disagreements
        );
        report.set(
            at,
            "in-process",
            "Cedar is_authorized p50 / p99 / p99.9",
            "",
            cedar.latency.percentiles_to_p999(),
        );
        report.set(
            at,
            "in-process",
            "Cedar checks/s (1 thread)",
            "",
            format!(
                "{} (allowed {} of {})",
                per_second(cedar.per_second),
                per_second(cedar.allowed as f64),
                per_second(cedar.queries as f64)
            ),
        );
        report.set(
            at,
            "in-process",
            "Stint faster than Cedar at p50",
            "≥ 10×",
            format!(
                "{:.1}×",
                cedar.latency.p50 as f64 / stint.latency.p50.max(1) as f64
            ),
        );
        report.set(
            at,
            "in-process",
            "Cedar entity set: entities / parent edges / build time / RSS",
            "",
            format!(
                "{} / {} / {:.1} s / {}",
                per_second(setup.entity_count as f64),
                per_second(setup.parent_edges as f64),
                setup.build_seconds,
                mib(setup.rss_bytes)
            ),
        );
        report.set(
            at,
            "in-process",
            "answers where Cedar and Stint differ",
            "0",
            format!(
                "{} of {}",
                comparison.disagreements,
                per_second(CEDAR_QUERIES as f64)
            ),
        );
    }
    drop(app);

    // 3. Start-up of the server, then HTTP, then expiry, on the same server.
    let port = 18_080 + at as u16 * 10;
    let (server, startup) = Server::start(
        binary,
        &database,
        port,
        SCHEDULER_INTERVAL,
        options.server_workers,
        &dir.join("serve.log"),
        &[],
    )
    .await?;
    let rss = rss_of(&server.pid().to_string());
    report.set(
        at,
        "start-up",
        "stint serve: spawn to first 200 from /stint/v1/health",
        "< 5 s at full",
        format!("{:.2} s", startup.as_secs_f64()),
    );
    report.set(
        at,
        "start-up",
        "stint serve RSS once ready",
        "",
        format!(
            "{} ({:.0} B per schedule)",
            mib(rss),
            rss as f64 / schedules as f64
        ),
    );
    let token = server.token("admin", ADMIN_PASSWORD).await?;
    http::prepare(&dir, &queries)?;
    // Warm up, then the measured runs.
    http::run(&dir, &server.base, &token, 1, 16, 2)?;
    for connections in [16, 64] {
        let r = http::run(
            &dir,
            &server.base,
            &token,
            1,
            connections,
            options.http_seconds,
        )?;
        println!("wrk: {r:?}");
        report.set(
            at,
            "HTTP",
            &format!(
                "GET /stint/v1/check, wrk -t1 -c{connections} {}s, {}: checks/s",
                options.http_seconds,
                workers_label(options.server_workers)
            ),
            "≥ 50,000",
            per_second(r.requests_per_second),
        );
        report.set(
            at,
            "HTTP",
            &format!("GET /stint/v1/check, wrk -t1 -c{connections}: p50 / p90 / p99 (errors)"),
            "p99 < 2 ms",
            format!(
                "{} / {} / {} ({})",
                nanos(r.p50),
                nanos(r.p90),
                nanos(r.p99),
                r.errors
            ),
        );
    }
    let rss_after = rss_of(&server.pid().to_string());
    report.set(
        at,
        "start-up",
        "stint serve RSS after the HTTP runs",
        "",
        mib(rss_after),
    );

    let e = expiry::run(&server, &token, &*store, &dataset.expiring).await?;
    println!("expiry: {e:?}");
    report.set(
        at,
        "expiry",
        "schedules ending within one minute / checks sent across their ends",
        "",
        format!(
            "{} / {}",
            per_second(e.schedules as f64),
            per_second(e.checks as f64)
        ),
    );
    report.set(
        at,
        "expiry",
        "checks after an end that said allowed (violations)",
        "0",
        e.violations.to_string(),
    );
    report.set(
        at,
        "expiry",
        "first check after the end said not allowed / not checked after the end",
        "all / 0",
        format!("{} / {}", e.denied_after_end, e.unverified),
    );
    report.set(
        at,
        "expiry",
        "seen allowed before the end / denied before the end",
        "all / 0",
        format!("{} / {}", e.allowed_before_end, e.early_denials),
    );
    report.set(at, "expiry", &format!("tidy-up commit after the end, p50 / p99 / max (scheduler interval {SCHEDULER_INTERVAL} s)"), "p99 < 1 s", format!(
        "{} ({} tidied)", e.lag.percentiles_and_max(), e.tidied
    ));
    report.set(
        at,
        "expiry",
        "the cohort's commit applied by the server after",
        "",
        nanos(e.applied_after.as_nanos() as u64),
    );
    server.stop()?;
    drop(store);
    let _ = std::fs::remove_file(dir.join("stint.db-shm"));

    // 4. Cross-node.
    if options.nodes {
        cross_node(binary, &dir, &hash, scale, at, report).await?;
    }
    Ok(())
}

async fn cross_node(
    binary: &Path,
    dir: &Path,
    hash: &str,
    scale: Scale,
    at: usize,
    report: &mut Report,
) -> anyhow::Result<()> {
    let admin_url = postgres_admin_url();
    let name = format!("stint_bench_{}", scale.name);
    let (database, backend) = match fresh_postgres(&admin_url, &name).await {
        Ok(url) => (url, "PostgreSQL (LISTEN/NOTIFY)"),
        Err(error) => {
            report.note(format!("cross-node: no PostgreSQL at {admin_url} ({error}); both nodes on one SQLite file, following by polling"));
            (
                format!("sqlite://{}", dir.join("nodes.db").display()),
                "SQLite (polling)",
            )
        }
    };
    let store: Arc<dyn Store> = if database.starts_with("postgres") {
        Arc::new(PostgresStore::open(&database).await?)
    } else {
        Arc::new(SqliteStore::open(&database).await?)
    };
    let generated = Instant::now();
    let dataset: Dataset = generate::generate(&*store, scale, SEED, Utc::now(), hash).await?;
    let generate_seconds = generated.elapsed().as_secs_f64();
    drop(store);
    let port = 18_081 + at as u16 * 10;
    let (a, a_startup) = Server::start(
        binary,
        &database,
        port,
        5,
        None,
        &dir.join("node-a.log"),
        &[],
    )
    .await?;
    let (b, b_startup) = Server::start(
        binary,
        &database,
        port + 1,
        5,
        None,
        &dir.join("node-b.log"),
        &[],
    )
    .await?;
    let result = nodes::run(&a, &b, &dataset).await;
    a.stop()?;
    b.stop()?;
    let result = result?;
    println!("nodes: {result:?}");
    report.set(
        at,
        "cross-node",
        "database / generate and commit / start-up of node A, B",
        "",
        format!(
            "{backend} / {generate_seconds:.1} s / {:.2} s, {:.2} s",
            a_startup.as_secs_f64(),
            b_startup.as_secs_f64()
        ),
    );
    report.set(
        at,
        "cross-node",
        "activation on A (selfActivate answered) to allowed on B: p50 / p99 / max",
        "p99 < 50 ms",
        format!(
            "{} ({} rounds, {} checks on B)",
            result.after_commit.percentiles_and_max(),
            result.rounds,
            result.polls
        ),
    );
    report.set(
        at,
        "cross-node",
        "request sent to A to allowed on B: p50 / p99",
        "",
        result.end_to_end.percentiles(),
    );
    report.set(
        at,
        "cross-node",
        "selfActivate on A itself: p50 / p99",
        "",
        result.activation.percentiles(),
    );
    if database.starts_with("postgres") {
        let _ = drop_postgres(&admin_url, &name).await;
    }
    Ok(())
}

/// The PostgreSQL server to make benchmark databases on: `STINT_TEST_POSTGRES_URL`, or the local one.
pub(crate) fn postgres_admin_url() -> String {
    std::env::var("STINT_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES.to_owned())
}

/// Creates (or re-creates) database `name` on the server; returns its URL.
pub(crate) async fn fresh_postgres(admin_url: &str, name: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    let (base, _) = admin_url
        .split('?')
        .next()
        .and_then(|u| u.rsplit_once('/'))
        .context("a PostgreSQL URL ends with /DATABASE")?;
    Ok(format!("{base}/{name}"))
}

pub(crate) async fn drop_postgres(admin_url: &str, name: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    Ok(())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn rustc_version() -> String {
    std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "rustc (unknown)".to_owned())
}

pub(crate) fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
