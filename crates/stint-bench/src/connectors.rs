//! `stint-bench connectors` (issue 18): the connector worker of an in-process App (SQLite store,
//! the system clock) against a real slapd (started like the tests start it) and the local
//! PostgreSQL server.
//!
//! 1. **Removals**: N active memberships of the linked group, ending spread over one minute; the
//!    time from each end to its confirmed removal is what each `connector.removalConfirmed`
//!    audit record says (the end instant, the read-back instant).
//! 2. **Activations**: M memberships committed one after the other; the time from each commit to
//!    the first read of the target group that shows the user (the group is read in a loop).
//! 3. **Reconcile**: R memberships pushed, then one round with a reconcile asked, timed; and the
//!    cost of computing the link's wanted set alone, which each round pays.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, TimeDelta, Utc};
use stint_app::connector_worker::{spawn_connectors, ConnectorDriver, Round};
use stint_app::{App, AppConfig, Password, SystemClock};
use stint_connectors::{AnyTarget, Link as TargetLink, Target};
use stint_core::connector::{self as core, Connector, ConnectorId, ConnectorSecret, Endpoint};
use stint_core::directory::{PasswordHash, User};
use stint_core::ids::{GroupId, LinkId, ScheduleId, UserId};
use stint_core::schedule::{Access, AssignmentType, MemberType, Schedule, ScheduleKind, Window};
use stint_core::{Change, Decision};
use stint_store::Store;
use stint_store_sqlite::SqliteStore;
use uuid::Uuid;

use crate::generate::managed_group;
use crate::report::Latency;

#[path = "../../stint-connectors/tests/support/slapd.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod slapd;

/// How far ahead of the pushed cohort the first end is placed.
const LEAD: TimeDelta = TimeDelta::seconds(20);
/// The ends are spread over this.
const SPREAD: TimeDelta = TimeDelta::seconds(60);

/// The sizes of one run.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub removals: usize,
    pub activations: usize,
    pub reconcile: usize,
}

/// The figures of one target.
#[derive(Debug)]
struct Figures {
    target: &'static str,
    removals: usize,
    removal: Latency,
    unconfirmed: usize,
    activations: usize,
    activation: Latency,
    reconcile: usize,
    initial_push: Duration,
    reconcile_round: Duration,
    wanted: Duration,
}

/// A target of the benchmark, with the users it knows.
enum Bench {
    Ldap(slapd::Slapd),
    Postgres { url: String, suffix: String },
}

impl Bench {
    fn name(&self) -> &'static str {
        match self {
            Bench::Ldap(_) => "OpenLDAP (slapd)",
            Bench::Postgres { .. } => "PostgreSQL roles",
        }
    }

    fn user(&self, n: usize) -> String {
        match self {
            Bench::Ldap(_) => format!("u{n:06}"),
            Bench::Postgres { suffix, .. } => format!("u{n:06}_{suffix}"),
        }
    }

    fn group(&self) -> String {
        match self {
            Bench::Ldap(_) => slapd::group_dn("ops"),
            Bench::Postgres { suffix, .. } => format!("ops_{suffix}"),
        }
    }

    fn endpoint(&self) -> Endpoint {
        match self {
            Bench::Ldap(server) => Endpoint::Ldap {
                url: server.url(),
                bind_dn: slapd::ROOT_DN.to_owned(),
                bind_password: ConnectorSecret(slapd::ROOT_PASSWORD.to_owned()),
                base_dn: slapd::SUFFIX.to_owned(),
                user_filter: "(uid={userPrincipalName})".to_owned(),
                start_tls: false,
                placeholder_dn: None,
            },
            Bench::Postgres { url, .. } => Endpoint::Postgres {
                url: ConnectorSecret(url.clone()),
                login_role: "{userPrincipalName}".to_owned(),
            },
        }
    }

    /// Makes `users` users known to the target.
    async fn prepare(&self, users: usize) -> anyhow::Result<()> {
        match self {
            Bench::Ldap(server) => {
                for chunk in (0..users).collect::<Vec<_>>().chunks(10_000) {
                    let mut ldif = String::new();
                    for n in chunk {
                        let uid = self.user(*n);
                        ldif.push_str(&format!(
                            "dn: {}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n\n",
                            slapd::user_dn(&uid)
                        ));
                    }
                    server.load(&ldif);
                }
            }
            Bench::Postgres { .. } => {
                let group = format!("CREATE ROLE \"{}\" NOLOGIN", self.group());
                let logins = (0..users).map(|n| format!("CREATE ROLE \"{}\" LOGIN", self.user(n)));
                self.execute([group].into_iter().chain(logins)).await?;
            }
        }
        Ok(())
    }

    /// Runs `statements` a thousand to a transaction: one transaction of 100,000 role changes
    /// runs out of PostgreSQL's lock table ("out of shared memory").
    async fn execute(&self, statements: impl Iterator<Item = String>) -> anyhow::Result<()> {
        if let Bench::Postgres { url, .. } = self {
            use sqlx::Connection as _;
            let mut connection = sqlx::PgConnection::connect(url).await?;
            let statements: Vec<String> = statements.collect();
            for chunk in statements.chunks(1000) {
                let sql = chunk.join(";");
                sqlx::raw_sql(&sql).execute(&mut connection).await?;
            }
            connection.close().await?;
        }
        Ok(())
    }

    /// Drops the roles of a PostgreSQL run.
    async fn clean(&self, users: usize) -> anyhow::Result<()> {
        if matches!(self, Bench::Postgres { .. }) {
            let group = format!("DROP ROLE IF EXISTS \"{}\"", self.group());
            let logins = (0..users).map(|n| format!("DROP ROLE IF EXISTS \"{}\"", self.user(n)));
            self.execute([group].into_iter().chain(logins)).await?;
        }
        Ok(())
    }

    /// The user number a target value stands for.
    fn number(&self, value: &str) -> Option<usize> {
        let uid = match self {
            Bench::Ldap(_) => value.strip_prefix("uid=")?.split(',').next()?,
            Bench::Postgres { .. } => value.split('_').next()?,
        };
        uid.strip_prefix('u')?.parse().ok()
    }
}

/// Runs the three measurements on each target; the Markdown section.
pub async fn run(work: &Path, sizes: Sizes, postgres: Option<&str>) -> anyhow::Result<String> {
    let mut figures = Vec::new();
    let load_before = crate::loadavg();
    figures.push(measure(work, sizes, Bench::Ldap(slapd::Slapd::start())).await?);
    if let Some(url) = postgres {
        let suffix = Uuid::new_v4().simple().to_string()[..8].to_owned();
        let bench = Bench::Postgres {
            url: url.to_owned(),
            suffix,
        };
        figures.push(measure(work, sizes, bench).await?);
    }
    Ok(markdown(&figures, &load_before))
}

async fn measure(work: &Path, sizes: Sizes, bench: Bench) -> anyhow::Result<Figures> {
    let users = sizes.removals.max(sizes.activations).max(sizes.reconcile);
    println!("== connectors: {} ({users} users) ==", bench.name());
    bench.prepare(users).await?;
    let result = measure_prepared(work, sizes, &bench, users).await;
    bench.clean(users).await?;
    result
}

/// The benchmark's App, connector and group.
struct Setup {
    app: Arc<App>,
    store: Arc<dyn Store>,
    group: GroupId,
    connector: ConnectorId,
    users: Vec<UserId>,
    target: AnyTarget,
    link: TargetLink,
}

async fn setup(work: &Path, bench: &Bench, users: usize) -> anyhow::Result<Setup> {
    let dir = std::path::absolute(work.join("connectors"))?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let database = format!("sqlite://{}", dir.join("stint.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&database).await?);
    let app =
        Arc::new(App::open(store.clone(), Arc::new(SystemClock), AppConfig::default()).await?);
    app.bootstrap(Some(Password::new("bench-admin-password-1")))
        .await?;
    let now = Utc::now();
    let long_ago = now - TimeDelta::days(1);
    let mut decision = Decision::new();
    let ids: Vec<UserId> = (0..users).map(|_| UserId(Uuid::new_v4())).collect();
    for (n, id) in ids.iter().enumerate() {
        decision.push(Change::User(User {
            id: *id,
            user_principal_name: bench.user(n),
            display_name: bench.user(n),
            account_enabled: true,
            password_hash: PasswordHash("!".to_owned()),
            created_at: long_ago,
            authenticator: None,
            recent_failed_codes: Vec::new(),
            identities: Vec::new(),
            time_zone: None,
            mail: None,
        }));
    }
    let group = GroupId(Uuid::new_v4());
    decision.push(Change::Group(managed_group(
        group,
        "Ops".to_owned(),
        long_ago,
    )));
    let connector = ConnectorId(Uuid::new_v4());
    let link = core::Link {
        id: LinkId(Uuid::new_v4()),
        group,
        access: Access::Member,
        target: bench.group(),
        member_attribute: matches!(bench, Bench::Ldap(_)).then_some(core::MemberAttribute::Member),
        created_at: now,
    };
    decision.push(Change::Connector(Connector {
        id: connector,
        display_name: bench.name().to_owned(),
        endpoint: bench.endpoint(),
        drift: core::DriftMode::Enforce,
        reconcile_seconds: 3600,
        links: vec![link.clone()],
        created_at: now,
        created_by: ids[0],
        deleted_at: None,
        reconciles_asked: 0,
    }));
    store.commit(None, &decision, now).await?;
    app.catch_up().await?;
    let endpoint = bench.endpoint();
    let target = match &endpoint {
        Endpoint::Ldap { url, base_dn, .. } => {
            let config = stint_connectors::ldap::LdapConfig::new(
                url.as_str(),
                slapd::ROOT_DN,
                slapd::ROOT_PASSWORD,
                base_dn.as_str(),
                "(uid={userPrincipalName})",
            );
            AnyTarget::Ldap(stint_connectors::ldap::LdapTarget::new(config)?)
        }
        Endpoint::Postgres { url, .. } => {
            AnyTarget::Postgres(stint_connectors::postgres::PostgresTarget::new(
                stint_connectors::postgres::PostgresConfig::new(url.expose()),
            )?)
        }
        Endpoint::Scim { .. } => bail!("no SCIM target in this benchmark"),
    };
    Ok(Setup {
        app,
        store,
        group,
        connector,
        users: ids,
        target,
        link: TargetLink {
            target: bench.group(),
            member_attribute: stint_connectors::MemberAttribute::Member,
        },
    })
}

fn membership(
    group: GroupId,
    user: UserId,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> Schedule {
    Schedule {
        id: ScheduleId {
            group,
            access: Access::Member,
            origin: Uuid::new_v4(),
        },
        kind: ScheduleKind::Active,
        principal_id: user.into(),
        member_type: MemberType::Direct,
        assignment_type: AssignmentType::Assigned,
        window: Window { start, end },
        created_using: None,
        created_at: start,
        modified_at: start,
        ended: None,
        reminders_sent: 0,
    }
}

impl Setup {
    /// The user numbers the target group holds now.
    async fn present(&self, bench: &Bench) -> anyhow::Result<Vec<usize>> {
        let values = (self.target.read_members(&self.link).await)
            .map_err(|error| anyhow::anyhow!("reading the target: {}", error.message()))?;
        Ok(values
            .iter()
            .filter_map(|v| bench.number(v.as_str()))
            .collect())
    }

    /// Waits until the target holds exactly `count` users, or `limit` passes.
    async fn until_count(
        &self,
        bench: &Bench,
        count: usize,
        limit: Duration,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            let present = self.present(bench).await?.len();
            if present == count {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the target holds {present} users, not {count}, after {limit:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn commit(&self, decision: &Decision) -> anyhow::Result<()> {
        self.store.commit(None, decision, Utc::now()).await?;
        self.app.catch_up().await?;
        Ok(())
    }
}

async fn measure_prepared(
    work: &Path,
    sizes: Sizes,
    bench: &Bench,
    users: usize,
) -> anyhow::Result<Figures> {
    let setup = setup(work, bench, users).await?;
    let driver = Arc::new(ConnectorDriver::new());
    let worker = spawn_connectors(setup.app.clone(), driver.clone());

    // 1. Removals: the cohort is pushed, then ends over one minute.
    let now = Utc::now();
    let first_end = now + LEAD;
    let n = sizes.removals;
    let mut decision = Decision::new();
    for (i, user) in setup.users[..n].iter().enumerate() {
        let spread = SPREAD.num_microseconds().unwrap_or(0) * i as i64 / n as i64;
        let end = first_end + TimeDelta::microseconds(spread);
        decision.push(Change::Schedule(membership(
            setup.group,
            *user,
            now - TimeDelta::hours(1),
            Some(end),
        )));
    }
    let sequence_before = last_sequence(setup.store.as_ref()).await?;
    setup.commit(&decision).await?;
    setup
        .until_count(bench, n, LEAD.to_std()?)
        .await
        .context("pushing the removal cohort before its first end")?;
    println!("  removal cohort of {n} pushed; waiting for the ends");
    setup
        .until_count(
            bench,
            0,
            (SPREAD + LEAD).to_std()? + Duration::from_secs(60),
        )
        .await?;
    let latencies = removal_latencies(setup.store.as_ref(), sequence_before).await?;
    let unconfirmed = n.saturating_sub(latencies.len());
    let removal = Latency::from_durations(&latencies);

    // 2. Activations, one commit each, while the target group is read in a loop.
    let m = sizes.activations;
    let cohort = &setup.users[n.min(users - m)..][..m];
    let base = n.min(users - m);
    let mut seen: HashMap<usize, Instant> = HashMap::new();
    let mut committed: HashMap<usize, Instant> = HashMap::new();
    let start = Instant::now();
    // One commit, then one read of the target, in turn: a read shows what the worker pushed
    // since the last one.
    while seen.len() < m {
        if committed.len() < m {
            let next = committed.len();
            let mut decision = Decision::new();
            decision.push(Change::Schedule(membership(
                setup.group,
                cohort[next],
                Utc::now(),
                None,
            )));
            let at = Instant::now();
            setup.commit(&decision).await?;
            committed.insert(base + next, at);
        }
        let present = setup.present(bench).await?;
        let at = Instant::now();
        for user in present {
            seen.entry(user).or_insert(at);
        }
        if start.elapsed() > Duration::from_secs(120) {
            bail!("the activations were not all present after 120 s");
        }
    }
    let activation_latencies: Vec<Duration> = (committed.iter())
        .filter_map(|(user, at)| Some(seen.get(user)?.saturating_duration_since(*at)))
        .collect();
    let activation = Latency::from_durations(&activation_latencies);

    // 3. Reconcile: the rest of R memberships pushed, then one round that reads everything.
    let r = sizes.reconcile;
    let mut decision = Decision::new();
    let held: std::collections::HashSet<usize> = (base..base + m).collect();
    for (i, user) in setup.users[..r].iter().enumerate() {
        if !held.contains(&i) {
            decision.push(Change::Schedule(membership(
                setup.group,
                *user,
                Utc::now(),
                None,
            )));
        }
    }
    let pushing = Instant::now();
    setup.commit(&decision).await?;
    setup
        .until_count(bench, r, Duration::from_secs(1800))
        .await?;
    let initial_push = pushing.elapsed();
    worker.abort();
    let _ = worker.await;
    let reconciling = Instant::now();
    let round = setup
        .app
        .drive_connector(&driver, setup.connector, true)
        .await?;
    let reconcile_round = reconciling.elapsed();
    if !matches!(round, Round::Synced { .. }) {
        bail!("the reconcile round ended {round:?}");
    }
    let wanted = setup.app.inspect_state(|state| {
        let connector = &state.connectors[&setup.connector];
        let started = Instant::now();
        let wanted = core::wanted(state, &connector.links[0], Utc::now());
        (started.elapsed(), wanted.users.len())
    });
    if wanted.1 != r {
        bail!("the wanted set has {} users, not {r}", wanted.1);
    }
    Ok(Figures {
        target: bench.name(),
        removals: n,
        removal,
        unconfirmed,
        activations: m,
        activation,
        reconcile: r,
        initial_push,
        reconcile_round,
        wanted: wanted.0,
    })
}

async fn last_sequence(store: &dyn Store) -> anyhow::Result<u64> {
    let mut after = 0;
    loop {
        let events = store.audit_chain(after, 10_000).await?;
        match events.last() {
            Some(last) => after = last.sequence,
            None => return Ok(after),
        }
    }
}

/// From each `connector.removalConfirmed` record after `after`: its "(N ms later)".
async fn removal_latencies(store: &dyn Store, mut after: u64) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::new();
    loop {
        let events = store.audit_chain(after, 10_000).await?;
        let Some(last) = events.last() else {
            return Ok(latencies);
        };
        after = last.sequence;
        for event in &events {
            if event.record.action != "connector.removalConfirmed" {
                continue;
            }
            let message = &event.record.message;
            let millis = (message.rfind('(')).and_then(|at| {
                let tail = &message[at + 1..];
                tail[..tail.find(" ms later")?].parse::<u64>().ok()
            });
            if let Some(millis) = millis {
                latencies.push(Duration::from_millis(millis));
            }
        }
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

fn markdown(figures: &[Figures], load_before: &str) -> String {
    let mut out = String::from(
        "| Target | Removals ending in one minute: end → confirmed removal p50 / p99 / max | Unconfirmed | Activations: commit → present p50 / p99 / max | Reconcile: memberships, initial push, one reconcile round, wanted set alone |\n|---|---|---|---|---|\n",
    );
    for f in figures {
        let latency = |l: &Latency| {
            format!(
                "{} / {} / {}",
                ms(Duration::from_nanos(l.p50)),
                ms(Duration::from_nanos(l.p99)),
                ms(Duration::from_nanos(l.max))
            )
        };
        out.push_str(&format!(
            "| {} | {}: {} | {} | {}: {} | {}: {:.1} s, {:.2} s, {} |\n",
            f.target,
            f.removals,
            latency(&f.removal),
            f.unconfirmed,
            f.activations,
            latency(&f.activation),
            f.reconcile,
            f.initial_push.as_secs_f64(),
            f.reconcile_round.as_secs_f64(),
            ms(f.wanted),
        ));
    }
    out.push_str(&format!(
        "\nLoad average before: {load_before}; after: {}.\n",
        crate::loadavg()
    ));
    out
}

/// `stint-bench connectors [--removals N] [--activations N] [--reconcile N] [--no-postgres]
/// [--work DIR]`: runs and prints the Markdown section.
pub async fn main(mut args: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let mut sizes = Sizes {
        removals: 10_000,
        activations: 1_000,
        reconcile: 100_000,
    };
    let mut postgres = Some(
        std::env::var("STINT_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| crate::DEFAULT_POSTGRES.to_owned()),
    );
    let mut work = std::path::PathBuf::from("target/stint-bench");
    while let Some(arg) = args.next() {
        let mut number = || -> anyhow::Result<usize> {
            (args.next().and_then(|n| n.parse().ok())).context("a number after the option")
        };
        match arg.as_str() {
            "--removals" => sizes.removals = number()?,
            "--activations" => sizes.activations = number()?,
            "--reconcile" => sizes.reconcile = number()?,
            "--no-postgres" => postgres = None,
            "--work" => {
                work = args
                    .next()
                    .map(Into::into)
                    .context("a directory after --work")?
            }
            other => bail!("unknown option {other}"),
        }
    }
    if sizes.reconcile < sizes.removals + sizes.activations {
        bail!("--reconcile must be at least --removals plus --activations");
    }
    std::fs::create_dir_all(&work)?;
    let markdown = run(&work, sizes, postgres.as_deref()).await?;
    std::fs::write(work.join("connectors.md"), &markdown)?;
    println!("\n{markdown}");
    Ok(())
}
