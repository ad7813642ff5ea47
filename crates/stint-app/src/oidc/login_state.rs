//! What a sign-in through the provider must remember between leaving for the provider and coming
//! back (`state`, `nonce`, PKCE verifier, where to return), sealed for a short-lived cookie of the
//! browser that left: encrypted and authenticated (ChaCha20-Poly1305) with a key every node
//! derives alike, so that any node can finish the sign-in and no table is needed.
//!
//! The key is derived from the client secret, which every node of a deployment shares, as the
//! console's CSRF values are derived from the session token. A public client (no secret) gets a
//! random key per process: then a sign-in must come back to the node it started on.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a sign-in may stay at the provider.
pub const LOGIN_STATE_LIFETIME: TimeDelta = TimeDelta::minutes(10);
/// Bound to what is sealed, so that a sealed value is good for this purpose only.
const PURPOSE: &[u8] = b"stint-oidc-login-state-v1";

/// A sign-in on its way through the provider.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoginState {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The console path to return to.
    pub return_to: String,
    /// A step-up of a signed-in session, rather than a sign-in.
    pub step_up: Option<StepUp>,
    /// A sign-in of the command line (O4): where the browser goes back to instead of the console.
    #[serde(default)]
    pub cli: Option<super::cli::CliReturn>,
    pub started_at: DateTime<Utc>,
}

impl std::fmt::Debug for LoginState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginState")
            .field("return_to", &self.return_to)
            .field("step_up", &self.step_up.as_ref().map(|s| s.user))
            .field("cli", &self.cli)
            .field("started_at", &self.started_at)
            .finish_non_exhaustive()
    }
}

/// A session that authenticates again at the provider: the provider must sign in the same user,
/// and the new session replaces this one.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct StepUp {
    pub user: stint_core::ids::UserId,
    pub session: stint_core::auth::TokenHash,
}

/// Seals and opens [`LoginState`]s.
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<key redacted>)")
    }
}

impl Sealer {
    /// A sealer whose key is derived from `secret` (the same on every node), or random.
    pub fn new(secret: Option<&str>) -> Sealer {
        let key: [u8; 32] = match secret {
            Some(secret) => {
                let mut hash = Sha256::new();
                hash.update(PURPOSE);
                hash.update([0]);
                hash.update(secret.as_bytes());
                hash.finalize().into()
            }
            None => {
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                key
            }
        };
        Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    /// `state` as cookie text: base64url of nonce ‖ ciphertext.
    pub fn seal(&self, state: &LoginState) -> String {
        self.seal_for(PURPOSE, state)
    }

    /// The state sealed in `text`, if it was sealed with this key and has not expired at `now`.
    pub fn open(&self, text: &str, now: DateTime<Utc>) -> Option<LoginState> {
        let state: LoginState = self.open_for(PURPOSE, text)?;
        let age = now - state.started_at;
        (age >= TimeDelta::zero() && age <= LOGIN_STATE_LIFETIME).then_some(state)
    }

    /// `value` sealed for `purpose` only: a value sealed for one purpose does not open for another.
    pub fn seal_for<T: Serialize>(&self, purpose: &[u8], value: &T) -> String {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let plain = serde_json::to_vec(value).unwrap_or_default();
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: purpose,
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The value sealed in `text` for `purpose` with this key, if it was.
    pub fn open_for<T: DeserializeOwned>(&self, purpose: &[u8], text: &str) -> Option<T> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: purpose,
                },
            )
            .ok()?;
        serde_json::from_slice(&plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: DateTime<Utc>) -> LoginState {
        LoginState {
            state: "s".into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            return_to: "/ui/my-roles".into(),
            step_up: None,
            cli: None,
            started_at: at,
        }
    }

    #[test]
    fn a_sealed_state_opens_on_any_node_with_the_same_secret_until_it_expires() {
        let at = DateTime::UNIX_EPOCH;
        let sealed = Sealer::new(Some("secret")).seal(&sample(at));
        let other_node = Sealer::new(Some("secret"));
        assert_eq!(other_node.open(&sealed, at), Some(sample(at)));
        assert_eq!(other_node.open(&sealed, at + TimeDelta::minutes(11)), None);
        assert!(!sealed.contains("/ui/my-roles"), "the state is encrypted");
    }

    #[test]
    fn a_state_sealed_with_another_key_or_changed_does_not_open() {
        let at = DateTime::UNIX_EPOCH;
        let sealed = Sealer::new(Some("secret")).seal(&sample(at));
        assert_eq!(Sealer::new(Some("other")).open(&sealed, at), None);
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap_or_default();
        if let Some(last) = bytes.last_mut() {
            *last ^= 1;
        }
        let tampered = URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(Sealer::new(Some("secret")).open(&tampered, at), None);
    }
}
