//! Bearer tokens (SPEC I5): stored only as hashes, each with its expiry and MFA freshness.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::UserId;

/// The SHA-256 of a bearer token, hex-encoded. The token itself is never stored.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenHash(pub String);

impl TokenHash {
    pub fn of(token: &str) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(token.as_bytes())))
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix: String = self.0.chars().take(8).collect();
        write!(f, "TokenHash({prefix}…)")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    pub hash: TokenHash,
    pub user_id: UserId,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The last successful TOTP check on this token (V2, A5 freshness).
    pub mfa_at: Option<DateTime<Utc>>,
}

impl AccessToken {
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.issued_at <= now && now < self.expires_at
    }
}
