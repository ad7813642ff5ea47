//! Settings of the application layer.

use chrono::TimeDelta;
use stint_core::advisor::AdvisorSettings;
use stint_core::rules::federation::{Enrolment, LocalSignIn};

#[derive(Clone, Debug)]
pub struct AppConfig {
    /// D3: the most role-assignable groups a tenant may have (used when the tenant is created).
    pub role_assignable_group_limit: u32,
    /// How long a bearer token lives.
    pub token_lifetime: TimeDelta,
    /// V2, A5: how recent a TOTP check must be to count as MFA.
    pub mfa_freshness: TimeDelta,
    /// How long a read that demands a newer revision waits for this node to reach it (X2).
    pub revision_wait: std::time::Duration,
    /// F3: how wrong passwords are throttled and how much password hashing may run at once.
    pub sign_in: SignInLimits,
    /// N3: whether e-mail is sent (an SMTP server is configured); without it, no mail is planned.
    pub mail_enabled: bool,
    /// The console's address as people reach it, for the links in messages and the OpenID
    /// Connect redirect URI.
    pub public_url: String,
    /// Sign-in through the organisation's OpenID Provider, when one is configured.
    pub oidc: Option<OidcSettings>,
    /// O3: who may still sign in with a password.
    pub local_sign_in: LocalSignIn,
    /// X1: the advisor's thresholds.
    pub advisor: AdvisorSettings,
    /// I2: who may read `/metrics` on the main address.
    pub metrics: MetricsSettings,
    /// ADR 0017: decisions that arrive together are committed in one transaction. Off, every
    /// decision waits for its own commit.
    pub group_commit: bool,
}

/// I2: where `/metrics` is served and to whom.
#[derive(Clone, Debug)]
pub struct MetricsSettings {
    /// Whether the main address serves `/metrics` (to Global and Privileged Role Administrators
    /// and the scrape token); `false` when a listener of its own serves it.
    pub on_main_address: bool,
    /// A token a scraper may send instead of an administrator's.
    pub scrape_token: Option<ScrapeToken>,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        MetricsSettings {
            on_main_address: true,
            scrape_token: None,
        }
    }
}

/// The scrape token for `/metrics`, kept only as its SHA-256 digest; its `Debug` never shows it.
#[derive(Clone)]
pub struct ScrapeToken([u8; 32]);

impl ScrapeToken {
    /// The fewest characters a scrape token may have.
    pub const MIN_LENGTH: usize = 16;

    /// A token of at least [`Self::MIN_LENGTH`] characters, none of them whitespace or control
    /// characters (it travels in an `Authorization` header).
    pub fn new(token: &str) -> Result<ScrapeToken, String> {
        if token.chars().count() < Self::MIN_LENGTH {
            return Err(format!(
                "the scrape token must have at least {} characters",
                Self::MIN_LENGTH
            ));
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("the scrape token must not contain spaces or control characters".into());
        }
        Ok(ScrapeToken(digest(token)))
    }

    /// Whether `candidate` is this token, in time that does not depend on where they differ.
    pub fn matches(&self, candidate: &str) -> bool {
        use subtle::ConstantTimeEq;
        digest(candidate).ct_eq(&self.0).into()
    }
}

fn digest(token: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).into()
}

stint_core::redacted_debug!(ScrapeToken);

/// The OpenID Provider people sign in through (O1, O2).
#[derive(Clone, Debug)]
pub struct OidcSettings {
    /// The issuer URL; its discovery document is at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Absent for a public client (PKCE only).
    pub client_secret: Option<ClientSecret>,
    /// The scopes asked for; `openid` is always among them.
    pub scopes: Vec<String>,
    /// O1: how a first sign-in of an unknown identity is treated.
    pub enrolment: Enrolment,
    /// O2: the `acr` value that counts as multi-factor authentication.
    pub mfa_acr: Option<String>,
    /// O6: the ID token claim (e.g. Entra's `oid`) whose value links a first sign-in to the
    /// SCIM-provisioned user with that `externalId`; `None`: off.
    pub link_claim: Option<String>,
    /// The label of the console's button: "Sign in with {display_name}".
    pub display_name: String,
}

/// An OAuth client secret. Its `Debug` never shows it.
#[derive(Clone)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(secret: impl Into<String>) -> ClientSecret {
        ClientSecret(secret.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

stint_core::redacted_debug!(ClientSecret);

/// F3: the limits on password sign-ins. The defaults are the numbers the README states.
#[derive(Clone, Debug)]
pub struct SignInLimits {
    /// Failed tries of one user name that are answered before further tries are refused.
    pub account_failures: u32,
    /// Failed tries from one source address (an IPv6 /64) before further tries are refused;
    /// 0: no limit by address.
    pub source_failures: u32,
    /// How long the failures are remembered after the last one (or after the last lock-out ends).
    pub window: TimeDelta,
    /// The first lock-out; each further failure after a lock-out doubles it, up to `max_lockout`.
    pub first_lockout: TimeDelta,
    pub max_lockout: TimeDelta,
    /// The most user names and the most source addresses tracked at once (memory bound).
    pub max_tracked: usize,
    /// How many password hashes (Argon2id, 19 MiB each) may be computed at once.
    pub concurrent_password_checks: usize,
    /// How long a password check waits for its turn before the answer is 503 with `Retry-After`.
    pub password_check_wait: std::time::Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            account_failures: 5,
            source_failures: 50,
            window: TimeDelta::minutes(15),
            first_lockout: TimeDelta::minutes(1),
            max_lockout: TimeDelta::minutes(15),
            max_tracked: 100_000,
            concurrent_password_checks: std::thread::available_parallelism()
                .map_or(2, std::num::NonZeroUsize::get),
            password_check_wait: std::time::Duration::from_secs(2),
        }
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            role_assignable_group_limit: 500,
            token_lifetime: TimeDelta::hours(1),
            mfa_freshness: TimeDelta::minutes(10),
            revision_wait: std::time::Duration::from_secs(2),
            sign_in: SignInLimits::default(),
            mail_enabled: false,
            public_url: "http://127.0.0.1:8080".to_owned(),
            oidc: None,
            local_sign_in: LocalSignIn::On,
            advisor: AdvisorSettings::default(),
            metrics: MetricsSettings::default(),
            group_commit: true,
        }
    }
}
