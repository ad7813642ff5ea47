//! I2: the metrics behind `/metrics`, in Prometheus's text format (ADR 0016). Counters and
//! histograms are recorded where things happen; gauges are read from the state and the store
//! when scraped. Each [`App`] has a registry of its own, so apps in one process (tests) never
//! share series. Labels are route templates, methods, statuses and connector ids: never a user.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use metrics::{Counter, Gauge, Histogram, Key, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use stint_core::connector::ConnectorId;

use crate::error::AppResult;
use crate::App;

/// The series, their kinds and their help texts.
const SERIES: &[(&str, Kind, &str)] = &[
    (
        BUILD_INFO,
        Kind::Gauge,
        "Always 1; the version of Stint in its label.",
    ),
    (
        START_TIME,
        Kind::Gauge,
        "When the server started, in seconds since the Unix epoch.",
    ),
    (
        HTTP_REQUESTS,
        Kind::Counter,
        "HTTP requests answered, by route template, method and status.",
    ),
    (
        HTTP_SECONDS,
        Kind::Histogram,
        "Time to answer an HTTP request, by route template and method.",
    ),
    (
        CHECKS,
        Kind::Counter,
        "Questions the check API answered (a batch counts each), by call.",
    ),
    (
        CHECK_SECONDS,
        Kind::Histogram,
        "Time to answer one call of the check API, by call.",
    ),
    (COMMITS, Kind::Counter, "Decisions committed to the store."),
    (
        COMMIT_SECONDS,
        Kind::Histogram,
        "Time the store took to commit a decision.",
    ),
    (
        STORE_ERRORS,
        Kind::Counter,
        "Store operations that failed, by operation.",
    ),
    (
        SCHEDULER_TICKS,
        Kind::Counter,
        "Scheduler ticks run (each job of a tick is its own commit).",
    ),
    (
        SCHEDULER_LAG,
        Kind::Gauge,
        "How long the longest-waiting due scheduler job has been due.",
    ),
    (
        SIGN_IN_FAILURES,
        Kind::Counter,
        "Password sign-ins refused for a wrong name or password.",
    ),
    (
        SIGN_IN_THROTTLED,
        Kind::Counter,
        "Password sign-ins refused unchecked by the throttle (F3).",
    ),
    (
        OUTBOX_PENDING,
        Kind::Gauge,
        "Notifications waiting in the outbox to be sent.",
    ),
    (
        OUTBOX_OLDEST,
        Kind::Gauge,
        "Age of the oldest notification waiting in the outbox.",
    ),
    (
        OUTBOX_DEAD,
        Kind::Gauge,
        "Notifications given up on (dead), waiting for a re-drive.",
    ),
    (
        CONNECTOR_LAG,
        Kind::Gauge,
        "Revisions this node applied that a connector's targets lack.",
    ),
    (
        CONNECTOR_DRIFT,
        Kind::Counter,
        "Drifting values a connector found in its targets (C3).",
    ),
    (
        CONNECTOR_ERRORS,
        Kind::Counter,
        "Connector rounds that failed on this node.",
    ),
    (
        REMOVAL_SECONDS,
        Kind::Histogram,
        "Time from a membership's end to its confirmed removal (C2).",
    ),
];

const BUILD_INFO: &str = "stint_build_info";
const START_TIME: &str = "stint_process_start_time_seconds";
const HTTP_REQUESTS: &str = "stint_http_requests_total";
const HTTP_SECONDS: &str = "stint_http_request_duration_seconds";
const CHECKS: &str = "stint_checks_total";
const CHECK_SECONDS: &str = "stint_check_duration_seconds";
const COMMITS: &str = "stint_commits_total";
const COMMIT_SECONDS: &str = "stint_commit_duration_seconds";
const STORE_ERRORS: &str = "stint_store_errors_total";
const SCHEDULER_TICKS: &str = "stint_scheduler_ticks_total";
const SCHEDULER_LAG: &str = "stint_scheduler_lag_seconds";
const SIGN_IN_FAILURES: &str = "stint_sign_in_failures_total";
const SIGN_IN_THROTTLED: &str = "stint_sign_in_throttled_total";
const OUTBOX_PENDING: &str = "stint_outbox_pending_messages";
const OUTBOX_OLDEST: &str = "stint_outbox_oldest_pending_age_seconds";
const OUTBOX_DEAD: &str = "stint_outbox_dead_messages";
const CONNECTOR_LAG: &str = "stint_connector_lag_revisions";
const CONNECTOR_DRIFT: &str = "stint_connector_drift_found_total";
const CONNECTOR_ERRORS: &str = "stint_connector_errors_total";
const REMOVAL_SECONDS: &str = "stint_connector_removal_confirmed_seconds";

/// Upper bounds of the buckets of request, check and commit latencies.
const FAST_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Upper bounds of the buckets of confirmed-removal latencies, which follow connector rounds.
const REMOVAL_BUCKETS: &[f64] = &[
    0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0,
];

/// What a store error was met doing.
const STORE_OPERATIONS: &[&str] = &["write", "catch_up", "scrape"];

/// The two calls of the check API, as `stint_checks_total` labels them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckCall {
    /// `GET /stint/v1/check`: one question.
    One,
    /// `POST /stint/v1/check`: a batch.
    Batch,
}

impl CheckCall {
    fn label(self) -> &'static str {
        match self {
            CheckCall::One => "one",
            CheckCall::Batch => "batch",
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

static METADATA: Metadata<'static> = Metadata::new("stint", Level::INFO, Some(module_path!()));

/// This node's metrics registry.
#[derive(Debug)]
pub struct Telemetry {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new()
    }
}

impl Telemetry {
    /// A registry with every series that has no labels, or known ones, present at zero.
    pub fn new() -> Telemetry {
        let histograms = [HTTP_SECONDS, CHECK_SECONDS, COMMIT_SECONDS];
        let builder = histograms
            .into_iter()
            .try_fold(PrometheusBuilder::new(), |builder, name| {
                builder.set_buckets_for_metric(Matcher::Full(name.into()), FAST_BUCKETS)
            })
            .and_then(|builder| {
                builder
                    .set_buckets_for_metric(Matcher::Full(REMOVAL_SECONDS.into()), REMOVAL_BUCKETS)
            });
        // The bucket lists are constants and not empty, the one thing the builder refuses.
        let recorder = builder.unwrap_or_default().build_recorder();
        for (name, kind, help) in SERIES {
            let (name, help) = ((*name).into(), (*help).into());
            match kind {
                Kind::Counter => recorder.describe_counter(name, None, help),
                Kind::Gauge => recorder.describe_gauge(name, None, help),
                Kind::Histogram => recorder.describe_histogram(name, None, help),
            }
        }
        let telemetry = Telemetry {
            handle: recorder.handle(),
            recorder,
        };
        let version = Label::new("version", env!("CARGO_PKG_VERSION"));
        telemetry.gauge(BUILD_INFO, vec![version]).set(1.0);
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        telemetry
            .gauge(START_TIME, vec![])
            .set(started.as_secs_f64());
        for name in [
            COMMITS,
            SCHEDULER_TICKS,
            SIGN_IN_FAILURES,
            SIGN_IN_THROTTLED,
        ] {
            telemetry.counter(name, vec![]).absolute(0);
        }
        for operation in STORE_OPERATIONS {
            let label = Label::new("operation", *operation);
            telemetry.counter(STORE_ERRORS, vec![label]).absolute(0);
        }
        for call in [CheckCall::One, CheckCall::Batch] {
            let label = Label::new("call", call.label());
            telemetry.counter(CHECKS, vec![label]).absolute(0);
        }
        telemetry.gauge(SCHEDULER_LAG, vec![]).set(0.0);
        telemetry
    }

    /// One HTTP request answered: `route` is the template the router matched (or `unmatched`),
    /// never the path itself.
    pub fn http_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let route = Label::new("route", route.to_owned());
        let method = Label::new("method", method_label(method));
        let labels = vec![route, method, Label::new("status", status.to_string())];
        self.counter(HTTP_REQUESTS, labels.clone()).increment(1);
        self.histogram(HTTP_SECONDS, labels[..2].to_vec())
            .record(elapsed.as_secs_f64());
    }

    /// One call of the check API answered `questions` questions in `elapsed`.
    pub fn checks_answered(&self, call: CheckCall, questions: usize, elapsed: Duration) {
        let labels = vec![Label::new("call", call.label())];
        let questions = u64::try_from(questions).unwrap_or(u64::MAX);
        self.counter(CHECKS, labels.clone()).increment(questions);
        self.histogram(CHECK_SECONDS, labels)
            .record(elapsed.as_secs_f64());
    }

    pub(crate) fn committed(&self, elapsed: Duration) {
        self.counter(COMMITS, vec![]).increment(1);
        self.histogram(COMMIT_SECONDS, vec![])
            .record(elapsed.as_secs_f64());
    }

    /// A store operation failed; `operation` is one of [`STORE_OPERATIONS`].
    pub(crate) fn store_failed(&self, operation: &'static str) {
        let label = Label::new("operation", operation);
        self.counter(STORE_ERRORS, vec![label]).increment(1);
    }

    pub(crate) fn scheduler_ticked(&self) {
        self.counter(SCHEDULER_TICKS, vec![]).increment(1);
    }

    pub(crate) fn sign_in_failed(&self) {
        self.counter(SIGN_IN_FAILURES, vec![]).increment(1);
    }

    pub(crate) fn sign_in_throttled(&self) {
        self.counter(SIGN_IN_THROTTLED, vec![]).increment(1);
    }

    pub(crate) fn connector_failed(&self, connector: ConnectorId) {
        self.counter(CONNECTOR_ERRORS, connector_label(connector))
            .increment(1);
    }

    pub(crate) fn removal_confirmed(&self, connector: ConnectorId, millis: u64) {
        // Precision to the millisecond is all a latency in seconds needs.
        #[allow(clippy::cast_precision_loss)]
        let seconds = millis as f64 / 1000.0;
        self.histogram(REMOVAL_SECONDS, connector_label(connector))
            .record(seconds);
    }

    /// Folds the histograms' samples into their buckets: without a scrape they would pile up.
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    fn counter(&self, name: &'static str, labels: Vec<Label>) -> Counter {
        self.recorder
            .register_counter(&Key::from_parts(name, labels), &METADATA)
    }

    fn gauge(&self, name: &'static str, labels: Vec<Label>) -> Gauge {
        self.recorder
            .register_gauge(&Key::from_parts(name, labels), &METADATA)
    }

    fn histogram(&self, name: &'static str, labels: Vec<Label>) -> Histogram {
        self.recorder
            .register_histogram(&Key::from_parts(name, labels), &METADATA)
    }
}

fn connector_label(connector: ConnectorId) -> Vec<Label> {
    vec![Label::new("connector", connector.to_string())]
}

/// The method as a label: the ones HTTP defines, else `other`, so that a client cannot make
/// series up.
fn method_label(method: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    KNOWN
        .iter()
        .find(|known| **known == method)
        .copied()
        .unwrap_or("other")
}

/// The content type of [`App::metrics_exposition`].
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

impl App {
    /// This node's metrics registry, for the drivers' own series (HTTP requests, checks).
    pub fn telemetry(&self) -> &Telemetry {
        &self.telemetry
    }

    /// I2: `/metrics` on the main address for a bearer token: the configured scrape token, or the
    /// token of a Global or Privileged Role Administrator.
    pub async fn metrics_for_token(&self, token: &str) -> AppResult<String> {
        let scrape_token = self.config.metrics.scrape_token.as_ref();
        if !scrape_token.is_some_and(|expected| expected.matches(token)) {
            let session = self.authenticate_fresh(token).await?;
            self.view(&session).authority().metrics_reader()?;
        }
        Ok(self.metrics_exposition().await)
    }

    /// I2: every series, the gauges read now. No authentication: for a listener of its own on a
    /// scrape network ([`crate::config::MetricsSettings`]), or after [`Self::metrics_for_token`].
    pub async fn metrics_exposition(&self) -> String {
        let now = self.now();
        let (lag, connectors) = self.read(|state| {
            let lag = state.due().oldest_due(now).map(|due| now - due);
            let live = (state.connectors.values())
                .filter(|connector| connector.is_live())
                .map(|connector| connector.id)
                .collect::<Vec<_>>();
            (lag, live)
        });
        let lag = lag.and_then(|lag| lag.to_std().ok()).unwrap_or_default();
        self.telemetry
            .gauge(SCHEDULER_LAG, vec![])
            .set(lag.as_secs_f64());
        self.read_outbox(now).await;
        for connector in connectors {
            self.read_connector(connector).await;
        }
        self.telemetry.handle.render()
    }

    async fn read_outbox(&self, now: chrono::DateTime<chrono::Utc>) {
        let telemetry = &self.telemetry;
        match self.store.outbox_stats().await {
            Ok(stats) => {
                let age = (stats.oldest_pending)
                    .and_then(|oldest| (now - oldest).to_std().ok())
                    .unwrap_or_default();
                #[allow(clippy::cast_precision_loss)]
                let (pending, dead) = (stats.pending as f64, stats.dead as f64);
                telemetry.gauge(OUTBOX_PENDING, vec![]).set(pending);
                telemetry.gauge(OUTBOX_DEAD, vec![]).set(dead);
                telemetry
                    .gauge(OUTBOX_OLDEST, vec![])
                    .set(age.as_secs_f64());
            }
            Err(error) => {
                tracing::warn!(%error, "metrics: reading the outbox failed");
                telemetry.store_failed("scrape");
            }
        }
    }

    async fn read_connector(&self, connector: ConnectorId) {
        let telemetry = &self.telemetry;
        let labels = connector_label(connector);
        match self.store.connector_progress(connector).await {
            Ok(progress) => {
                let progress = progress.unwrap_or_default();
                let lag = self.revision().saturating_sub(progress.revision);
                #[allow(clippy::cast_precision_loss)]
                let lag = lag as f64;
                telemetry.gauge(CONNECTOR_LAG, labels.clone()).set(lag);
                (telemetry.counter(CONNECTOR_DRIFT, labels.clone()))
                    .absolute(progress.status.drift);
                telemetry.counter(CONNECTOR_ERRORS, labels).increment(0);
            }
            Err(error) => {
                tracing::warn!(%error, %connector, "metrics: reading a connector's progress failed");
                telemetry.store_failed("scrape");
            }
        }
    }
}
