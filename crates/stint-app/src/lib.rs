//! `stint-app` owns the use cases of Stint that every driver (HTTP API, web UI, CLI, scheduler)
//! calls: it loads what a rule needs from the in-memory state, asks `stint-core` to decide,
//! commits the decision through the store port, and applies it to the in-memory state.
//!
//! No rule lives here; only orchestration, authentication and the clock.

pub mod audit;
pub mod audit_trail;
pub mod auth;
pub mod clock;
pub mod config;
pub mod connector_worker;
pub mod connectors;
pub mod delivery;
pub mod directory;
mod engine;
pub mod error;
pub mod feed;
pub mod follower;
pub mod identities;
pub mod mfa;
pub mod oidc;
pub mod password;
pub mod pim;
pub mod policies;
pub mod profile;
pub mod recover;
pub mod roles;
pub mod scheduler;
pub mod scim;
pub mod telemetry;
pub mod throttle;
pub mod token_exchange;
mod use_cases;
pub mod view;
pub mod webhooks;

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use stint_core::rules::bootstrap::bootstrap;
use stint_core::State;
use stint_store::{Revision, Store};

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::AppConfig;
pub use error::{AppError, AppResult};
pub use password::Password;
pub use view::View;

/// Who is calling, established by authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: stint_core::ids::UserId,
    /// The last TOTP check of this token or session.
    pub mfa_at: Option<DateTime<Utc>>,
}

/// Facts about the call that go into audit events.
#[derive(Clone, Debug, Default)]
pub struct CallMeta {
    pub request_id: Option<String>,
    pub client: Option<String>,
}

/// A use case's result together with the revision it was committed at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committed<T> {
    pub value: T,
    pub revision: Revision,
}

#[derive(Debug)]
pub struct App {
    store: Arc<dyn Store>,
    /// The in-memory state and the write path (ADR 0006, 0017).
    engine: engine::Engine,
    /// ADR 0017: this node's group committer, started by the first write when group commit is on.
    committer: OnceLock<engine::GroupCommitter>,
    config: AppConfig,
    /// F3: this node's count of failed sign-ins, and its cap on concurrent password hashing.
    throttle: throttle::SignInThrottle,
    passwords: password::PasswordGate,
    /// O1: the organisation's OpenID Provider, when one is configured.
    oidc: Option<oidc::Oidc>,
    /// I2: this node's metrics.
    telemetry: Arc<telemetry::Telemetry>,
}

/// What the first start did.
#[derive(Debug)]
pub enum Bootstrap {
    /// The tenant existed already.
    Existing,
    /// The tenant was created; the password is `Some` when it was generated and must be shown once.
    Created {
        generated_password: Option<Password>,
    },
}

impl App {
    /// Loads the state from the store.
    pub async fn open(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: AppConfig,
    ) -> AppResult<App> {
        let mut state = store.load().await?;
        // What ended before now is of no use to a check: drop it, as the scheduler's prune would
        // within a minute, and pack the index so that what a check reads lies close together.
        state.prune_ended(clock.now() - scheduler::PRUNE_MARGIN);
        state.shrink_index();
        let limits = &config.sign_in;
        let passwords = password::PasswordGate::new(
            limits.concurrent_password_checks,
            limits.password_check_wait,
        );
        let oidc = config.oidc.clone().and_then(|settings| {
            oidc::Oidc::new(settings, &config.public_url)
                .inspect_err(|error| tracing::error!(%error, "OpenID Connect sign-in is off"))
                .ok()
        });
        let telemetry = Arc::new(telemetry::Telemetry::new());
        let engine = engine::Engine::new(
            store.clone(),
            state,
            clock,
            telemetry.clone(),
            config.mail_enabled,
        );
        Ok(App {
            oidc,
            throttle: throttle::SignInThrottle::new(limits.clone()),
            passwords,
            store,
            engine,
            committer: OnceLock::new(),
            config,
            telemetry,
        })
    }

    /// Creates the tenant and the first Global Administrator unless they exist.
    pub async fn bootstrap(&self, admin_password: Option<Password>) -> AppResult<Bootstrap> {
        if self.read(|state| state.tenant.is_some()) {
            return Ok(Bootstrap::Existing);
        }
        let generated = admin_password.is_none();
        let password = admin_password.unwrap_or_else(password::generate);
        let hash = password::hash(password.clone()).await?;
        let limit = self.config.role_assignable_group_limit;
        let (created, _) = self
            .write(move |state, now| {
                if state.tenant.is_some() {
                    // Another node bootstrapped first.
                    return (stint_core::Decision::new(), false);
                }
                (bootstrap(now, uuid::Uuid::new_v4, hash, limit), true)
            })
            .await?;
        if !created {
            return Ok(Bootstrap::Existing);
        }
        Ok(Bootstrap::Created {
            generated_password: generated.then_some(password),
        })
    }

    /// The clock's time, to Stint's precision (`stint_core::schedule::TIME_PRECISION`): what
    /// every decision and every answer is made at.
    pub fn now(&self) -> DateTime<Utc> {
        self.engine.now()
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// Runs `f` on the current state. Keep it short: writers wait for it.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.engine.ledger.read())
    }

    /// Runs `f` on the current state, for tests and the benchmark. Drivers read through
    /// [`App::view`], which applies the permission rules.
    #[cfg(feature = "inspect")]
    pub fn inspect_state<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        self.read(f)
    }

    pub fn revision(&self) -> Revision {
        self.engine.ledger.revision()
    }

    /// Changes whenever this node applies a commit, its own or another node's.
    pub fn applied_revisions(&self) -> tokio::sync::watch::Receiver<Revision> {
        self.engine.ledger.subscribe()
    }
}
