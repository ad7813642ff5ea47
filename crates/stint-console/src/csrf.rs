//! Cross-site request forgery protection for the console's forms.
//!
//! Signed in, every form carries a hidden `csrf` field whose value is derived from the session
//! token: `hex(sha256("stint-csrf:" + token))`. The token is secret (an `HttpOnly` cookie), so no
//! other site can compute the value, and it works on every node and across restarts with no
//! server-side secret. A session rotated at step-up gets a new value.
//!
//! Before sign-in there is no session: the sign-in forms use a double-submit cookie instead, a
//! random value in the `stint_presession` cookie that the form must repeat.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The name of the hidden field every state-changing form carries.
pub const FIELD: &str = "csrf";

/// The CSRF value of the session whose token is `token`.
pub fn token_for(session_token: &str) -> String {
    hex::encode(Sha256::digest(
        format!("stint-csrf:{session_token}").as_bytes(),
    ))
}

/// A fresh random value for the pre-session double-submit cookie.
pub fn random_value() -> String {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares two values in time that does not depend on where they differ.
pub fn same(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_session_has_its_own_value() {
        assert_ne!(token_for("stint_a"), token_for("stint_b"));
        assert_eq!(token_for("stint_a"), token_for("stint_a"));
        assert_eq!(token_for("stint_a").len(), 64);
    }

    #[test]
    fn comparison_needs_an_exact_non_empty_match() {
        assert!(same("abc", "abc"));
        assert!(!same("abd", "abc"));
        assert!(!same("ab", "abc"));
        assert!(!same("", ""));
    }
}
