//! Settings of the application layer.

use chrono::TimeDelta;

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
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            role_assignable_group_limit: 500,
            token_lifetime: TimeDelta::hours(1),
            mfa_freshness: TimeDelta::minutes(10),
            revision_wait: std::time::Duration::from_secs(2),
        }
    }
}
