//! `stint serve`: open the store, create the tenant on first start, serve until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use stint_app::delivery::Courier;
#[cfg(not(feature = "test-clock"))]
use stint_app::SystemClock;
use stint_app::{App, AppConfig, Bootstrap, Password};
use stint_core::advisor::AdvisorSettings;
use stint_notify::{Mailer, SmtpSettings};
use stint_store::Store;
use stint_store_postgres::PostgresStore;
use stint_store_sqlite::{ProcessLock, ProcessLockError, SqliteStore};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "STINT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    database: Database,
    /// Seconds between scheduler ticks (auto-denial, expiry records).
    #[arg(long, env = "STINT_SCHEDULER_INTERVAL", default_value_t = 5)]
    scheduler_interval: u64,
    /// How long a bearer token from `POST /stint/v1/auth/token` lives (ISO 8601, e.g. PT1H).
    #[arg(long, env = "STINT_TOKEN_LIFETIME", default_value = "PT1H")]
    token_lifetime: stint_core::duration::IsoDuration,
    /// How many role-assignable groups the tenant may have (used when the tenant is created).
    #[arg(long, env = "STINT_ROLE_ASSIGNABLE_GROUP_LIMIT", default_value_t = 500)]
    role_assignable_group_limit: u32,
    /// Do not migrate the database at start: refuse one that `stint migrate` has not brought to
    /// this version.
    #[arg(long, env = "STINT_NO_MIGRATE")]
    no_migrate: bool,
    /// How long a read that names a revision (`Stint-At-Least-Revision`, `atLeast`) waits for this
    /// node to reach it before answering 503, in milliseconds.
    #[arg(long, env = "STINT_REVISION_WAIT_MS", default_value_t = 2000)]
    revision_wait_ms: u64,
    /// Threads that answer requests (default: one per CPU). Fewer leaves cores to whatever
    /// shares the machine, such as a load generator.
    #[arg(long, env = "STINT_WORKERS", value_parser = clap::value_parser!(u16).range(1..))]
    workers: Option<u16>,
    /// Failed sign-ins from one address, for any user names, before the address is throttled
    /// (429). Behind a reverse proxy every client has the proxy's address: raise it, or 0 for none.
    #[arg(long, env = "STINT_SIGN_IN_SOURCE_FAILURES", default_value_t = 50)]
    sign_in_source_failures: u32,
    /// Password checks (Argon2id, 19 MiB each) computed at once (default: one per CPU); more wait
    /// up to 2 s, then answer 503.
    #[arg(long, env = "STINT_PASSWORD_CHECKS", value_parser = clap::value_parser!(u16).range(1..))]
    password_checks: Option<u16>,
    /// X1: the advisor warns when more people than this are Global Administrators.
    #[arg(long, env = "STINT_ADVISOR_MAX_GLOBAL_ADMINS", default_value_t = 4)]
    advisor_max_global_admins: usize,
    /// X1: the advisor calls an eligibility stale when it was not activated for this many days.
    #[arg(long, env = "STINT_ADVISOR_STALE_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u16).range(1..))]
    advisor_stale_days: u16,
    /// The SMTP server notifications are mailed through: `smtp://host:port` (no TLS, for a local
    /// relay), `smtp://user:pass@host:587?tls=starttls` or `smtps://user:pass@host:465`. Without
    /// it, e-mail is off.
    #[arg(long, env = "STINT_SMTP_URL", value_parser = parse_smtp_url)]
    smtp_url: Option<SmtpSettings>,
    /// The sender of notification mails: an address, or `Name <address>`.
    #[arg(
        long,
        env = "STINT_MAIL_FROM",
        default_value = "Stint <stint@localhost>"
    )]
    mail_from: String,
    /// The console's address as people reach it, for the links in notifications (default: the
    /// listening address over http).
    #[arg(long, env = "STINT_PUBLIC_URL")]
    public_url: Option<String>,
    #[command(flatten)]
    oidc: crate::serve_oidc::OidcArgs,
    /// Serve `/metrics` on this address of its own, without authentication (for a scrape
    /// network); the main address then has none. Without it, `/metrics` is on the main address
    /// for administrators' tokens and the scrape token.
    #[arg(long, env = "STINT_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// A file holding a token (16 characters or more) that scrapers may send as
    /// `Authorization: Bearer ...` to `/metrics` on the main address.
    #[arg(
        long,
        env = "STINT_METRICS_TOKEN_FILE",
        conflicts_with = "metrics_listen"
    )]
    metrics_token_file: Option<std::path::PathBuf>,
    /// Commit the decisions that arrive together in one transaction, one fsync for many (`on`),
    /// or each decision in a transaction of its own (`off`). See ADR 0017.
    #[arg(long, env = "STINT_GROUP_COMMIT", value_enum, default_value_t = OnOff::On)]
    group_commit: OnOff,
}

/// A switch given as `on` or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum OnOff {
    On,
    Off,
}

fn parse_smtp_url(text: &str) -> Result<SmtpSettings, String> {
    SmtpSettings::from_url(text).map_err(|error| error.to_string())
}

impl ServeArgs {
    /// The async runtime `serve` runs on: `--workers` threads, or one per CPU.
    pub fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if let Some(workers) = self.workers {
            builder.worker_threads(usize::from(workers));
        }
        builder.enable_all().build()
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("STINT_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        // Colour only on a terminal: a log file or a journal gets no escape codes.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();

    // Held until the server stops: `stint recover-admin` refuses to run on a database in use.
    let _database_in_use = hold_database(&args.database.url)?;
    let store = open_store(&args.database.url, !args.no_migrate)
        .await
        .with_context(|| format!("opening the database {}", redacted(&args.database.url)))?;
    let config = AppConfig {
        role_assignable_group_limit: args.role_assignable_group_limit,
        token_lifetime: args.token_lifetime.as_delta(),
        revision_wait: std::time::Duration::from_millis(args.revision_wait_ms),
        sign_in: sign_in_limits(&args),
        mail_enabled: args.smtp_url.is_some(),
        public_url: args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", args.listen)),
        oidc: args
            .oidc
            .settings()
            .context("setting up sign-in through the identity provider")?,
        local_sign_in: args.oidc.local_sign_in(),
        advisor: AdvisorSettings {
            max_global_administrators: args.advisor_max_global_admins,
            stale_after: chrono::TimeDelta::days(args.advisor_stale_days.into()),
        },
        metrics: metrics_settings(&args)?,
        group_commit: args.group_commit == OnOff::On,
        ..AppConfig::default()
    };
    if let Some(settings) = &config.oidc {
        stint_app::oidc::Oidc::new(settings.clone(), &config.public_url)
            .map_err(anyhow::Error::msg)
            .context("setting up sign-in through the identity provider (--oidc-issuer)")?;
    }
    let mailer = args
        .smtp_url
        .clone()
        .map(|smtp| Mailer::new(smtp, &args.mail_from))
        .transpose()
        .context("setting up e-mail (--smtp-url, --mail-from)")?;
    let courier = Courier::new(mailer).context("setting up webhook delivery")?;
    #[cfg(feature = "test-clock")]
    let clock = stint_app::ManualClock::starting_at(chrono::Utc::now());
    #[cfg(feature = "test-clock")]
    let app = {
        tracing::warn!("built with test-clock: time moves only through POST /stint/v1/test/clock");
        Arc::new(App::open(store, Arc::new(clock.clone()), config).await?)
    };
    #[cfg(not(feature = "test-clock"))]
    let app = Arc::new(App::open(store, Arc::new(SystemClock), config).await?);

    let admin_password = std::env::var("STINT_ADMIN_PASSWORD")
        .ok()
        .map(Password::new);
    match app.bootstrap(admin_password).await? {
        Bootstrap::Created {
            generated_password: Some(password),
        } => {
            println!("Created the tenant. Sign in as 'admin' with this one-time password (it is not shown again):\n\n    {}\n", password.expose());
        }
        Bootstrap::Created {
            generated_password: None,
        } => {
            println!("Created the tenant. Sign in as 'admin' with the password from STINT_ADMIN_PASSWORD.");
        }
        Bootstrap::Existing => {}
    }

    // The provider is discovered now if it is up; if not, at the first sign-in: Stint starts anyway.
    tokio::spawn(stint_app::oidc::discover_in_background(app.clone()));

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, database = %redacted(&args.database.url), "Stint is serving");
    let scheduler = stint_app::scheduler::spawn(
        app.clone(),
        std::time::Duration::from_secs(args.scheduler_interval.max(1)),
    );
    // Other nodes' writes reach this node's memory within a second, at once on PostgreSQL.
    let follower = stint_app::follower::spawn(app.clone(), stint_app::follower::DEFAULT_POLL);
    // N3: what the decisions wrote to the outbox leaves from here, never on a request's path.
    let delivery = stint_app::delivery::spawn_delivery(app.clone(), courier);
    // Issue 18: linked groups' effective members reach their targets from here, one node per
    // connector under a lease.
    let connectors = stint_app::connector_worker::spawn_connectors(
        app.clone(),
        stint_app::connector_worker::ConnectorDriver::new(),
    );
    let metrics = match args.metrics_listen {
        Some(address) => Some(serve_metrics(address, app.clone()).await?),
        None => None,
    };
    #[cfg(feature = "test-clock")]
    let router = stint_server::test_clock::router_with_test_clock(app, clock);
    #[cfg(not(feature = "test-clock"))]
    let router = stint_server::router(app);
    stint_server::serve_router(listener, router, shutdown_signal()).await?;
    scheduler.abort();
    follower.abort();
    delivery.abort();
    connectors.abort();
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    tracing::info!("Stint stopped cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// `--database`, which `serve`, `migrate` and `recover-admin` all open.
#[derive(Debug, Args)]
pub struct Database {
    /// Database: a SQLite file path or `sqlite://PATH`, or `postgres://USER@HOST/DB`.
    #[arg(
        long = "database",
        env = "STINT_DATABASE_URL",
        default_value = "sqlite://stint.db"
    )]
    pub url: String,
}

pub(crate) fn is_postgres(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

/// A SQLite file's shared process lock (see `stint_store_sqlite::ProcessLock`); none on PostgreSQL.
fn hold_database(database: &str) -> anyhow::Result<Option<ProcessLock>> {
    if is_postgres(database) {
        return Ok(None);
    }
    ProcessLock::shared(database).map_err(|error| match error {
        ProcessLockError::Held(_) => anyhow::anyhow!(
            "`stint recover-admin` is running on {}; start the server when it has finished",
            redacted(database)
        ),
        other => anyhow::Error::new(other),
    })
}

/// Picks the adapter once, from the URL: `postgres://` or `postgresql://`, else a SQLite file.
/// Migrates the database unless `migrate` is false.
pub(crate) async fn open_store(
    database: &str,
    migrate: bool,
) -> Result<Arc<dyn Store>, stint_store::StoreError> {
    if is_postgres(database) {
        Ok(Arc::new(PostgresStore::open_with(database, migrate).await?))
    } else {
        Ok(Arc::new(SqliteStore::open_with(database, migrate).await?))
    }
}

/// A database URL without its password, for messages and logs.
pub(crate) fn redacted(database: &str) -> String {
    match (database.find("://"), database.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &database[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => {
                    format!("{}{user}:***{}", &database[..scheme + 3], &database[at..])
                }
                None => database.to_string(),
            }
        }
        _ => database.to_string(),
    }
}

/// I2: where `/metrics` is served, and the scrape token read from its file.
fn metrics_settings(args: &ServeArgs) -> anyhow::Result<stint_app::config::MetricsSettings> {
    let scrape_token = match &args.metrics_token_file {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading --metrics-token-file {}", path.display()))?;
            let token = stint_app::config::ScrapeToken::new(text.trim()).map_err(|error| {
                anyhow::anyhow!("--metrics-token-file {}: {error}", path.display())
            })?;
            Some(token)
        }
    };
    Ok(stint_app::config::MetricsSettings {
        on_main_address: args.metrics_listen.is_none(),
        scrape_token,
    })
}

/// I2: `/metrics` alone on `address`, without authentication, until the returned task is aborted.
async fn serve_metrics(
    address: SocketAddr,
    app: Arc<App>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on --metrics-listen {address}"))?;
    tracing::info!(address = %listener.local_addr()?, "serving /metrics");
    let router = stint_server::metrics_router(app);
    Ok(tokio::spawn(async move {
        let forever = std::future::pending();
        if let Err(error) = stint_server::serve_router(listener, router, forever).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    }))
}

fn sign_in_limits(args: &ServeArgs) -> stint_app::config::SignInLimits {
    let defaults = stint_app::config::SignInLimits::default();
    stint_app::config::SignInLimits {
        source_failures: args.sign_in_source_failures,
        concurrent_password_checks: args
            .password_checks
            .map_or(defaults.concurrent_password_checks, usize::from),
        ..defaults
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::ServeArgs;

    #[derive(Debug, Parser)]
    struct Serve {
        #[command(flatten)]
        args: ServeArgs,
    }

    #[test]
    fn workers_sets_the_runtime_threads_and_refuses_zero() {
        let serve = Serve::try_parse_from(["serve", "--workers", "3"]).unwrap();
        let runtime = serve.args.runtime().unwrap();
        assert_eq!(runtime.metrics().num_workers(), 3);
        let error = Serve::try_parse_from(["serve", "--workers", "0"]).unwrap_err();
        assert!(error.to_string().contains("--workers"), "{error}");
    }

    #[test]
    fn i2_a_scrape_token_file_is_read_trimmed_and_a_short_one_refused_naming_the_flag() {
        let directory = tempfile::tempdir().unwrap();
        let good = directory.path().join("good");
        std::fs::write(&good, "scrape-token-0123456789abcdef\n").unwrap();
        let serve =
            Serve::try_parse_from(["serve", "--metrics-token-file", good.to_str().unwrap()])
                .unwrap();
        let settings = super::metrics_settings(&serve.args).unwrap();
        assert!(settings.on_main_address);
        let token = settings.scrape_token.unwrap();
        assert!(token.matches("scrape-token-0123456789abcdef"));
        assert!(!format!("{token:?}").contains("scrape-token"));

        let short = directory.path().join("short");
        std::fs::write(&short, "short-secret").unwrap();
        let serve =
            Serve::try_parse_from(["serve", "--metrics-token-file", short.to_str().unwrap()])
                .unwrap();
        let error = super::metrics_settings(&serve.args)
            .unwrap_err()
            .to_string();
        assert!(error.contains("--metrics-token-file"), "{error}");
        assert!(!error.contains("short-secret"), "{error}");
    }

    #[test]
    fn i2_a_metrics_listener_takes_metrics_off_the_main_address_and_refuses_a_scrape_token() {
        let serve = Serve::try_parse_from(["serve", "--metrics-listen", "127.0.0.1:9464"]).unwrap();
        let settings = super::metrics_settings(&serve.args).unwrap();
        assert!(!settings.on_main_address);
        let both = [
            "serve",
            "--metrics-listen",
            "127.0.0.1:9464",
            "--metrics-token-file",
            "t",
        ];
        let error = Serve::try_parse_from(both).unwrap_err().to_string();
        assert!(error.contains("--metrics-token-file"), "{error}");
    }
}
