//! RFC 6238 time-based one-time passwords (SPEC I5): HMAC-SHA-1, 6 digits, 30-second steps.
//!
//! Pure: the secret and the time always come in as parameters. Nothing here generates a secret or
//! reads the clock. A code is matched against the current step and one step either side (clock
//! skew), and the step it matched is returned so that the caller can refuse a replay of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::text::percent_encode;

/// The length of a time step, in seconds (RFC 6238's default).
pub const STEP_SECONDS: u64 = 30;
/// The number of digits of a code.
pub const DIGITS: usize = 6;
/// How many steps before and after the current one are accepted.
pub const SKEW_STEPS: u64 = 1;
/// The issuer shown by authenticator apps.
pub const ISSUER: &str = "Stint";

/// A shared TOTP secret. Its `Debug` never shows it; it is stored as base32 (RFC 4648, no padding).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        TotpSecret(bytes)
    }

    /// Reads a base32 secret; `None` unless it is valid base32 and not empty.
    pub fn from_base32(text: &str) -> Option<Self> {
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = Secret::Encoded(cleaned).to_bytes().ok()?;
        (!bytes.is_empty()).then_some(TotpSecret(bytes))
    }

    pub fn to_base32(&self) -> String {
        match Secret::Raw(self.0.clone()).to_encoded() {
            Secret::Encoded(text) => text,
            Secret::Raw(_) => String::new(),
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn generator(&self) -> TOTP {
        TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 0, STEP_SECONDS, self.0.clone())
    }
}

crate::redacted_debug!(TotpSecret);

impl Serialize for TotpSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base32())
    }
}

impl<'de> Deserialize<'de> for TotpSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        TotpSecret::from_base32(&text)
            .ok_or_else(|| serde::de::Error::custom("a TOTP secret must be base32"))
    }
}

/// A code as typed by a person. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpCode(String);

impl TotpCode {
    pub fn new(text: impl Into<String>) -> Self {
        TotpCode(text.into())
    }

    /// The digits, with spaces people type between groups removed; `None` unless exactly 6 digits.
    fn digits(&self) -> Option<String> {
        let digits: String = self.0.chars().filter(|c| !c.is_whitespace()).collect();
        (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
    }
}

crate::redacted_debug!(TotpCode);

/// A user's TOTP authenticator. It counts as a second factor only once `confirmed` by a first code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpAuthenticator {
    pub secret: TotpSecret,
    pub confirmed: bool,
    pub created_at: DateTime<Utc>,
    /// The time step of the last accepted code: a code of this step or an earlier one is refused.
    #[serde(default)]
    pub last_used_step: Option<u64>,
}

/// The RFC 6238 time step of `at`; `None` before 1970.
pub fn step_at(at: DateTime<Utc>) -> Option<u64> {
    u64::try_from(at.timestamp()).ok().map(|s| s / STEP_SECONDS)
}

/// The code of `step`.
pub fn code_for_step(secret: &TotpSecret, step: u64) -> String {
    secret
        .generator()
        .generate(step.saturating_mul(STEP_SECONDS))
}

/// The code at `at` (the step that contains it); empty before 1970.
pub fn code_at(secret: &TotpSecret, at: DateTime<Utc>) -> String {
    step_at(at)
        .map(|step| code_for_step(secret, step))
        .unwrap_or_default()
}

/// The step, among the current one and one either side, whose code `code` is; `None` if none.
/// Every candidate is compared, in constant time, so the time taken says nothing about the code.
pub fn matching_step(secret: &TotpSecret, code: &TotpCode, at: DateTime<Utc>) -> Option<u64> {
    let current = step_at(at)?;
    let typed = code.digits()?;
    let first = current.saturating_sub(SKEW_STEPS);
    let mut found = None;
    for step in first..=current.saturating_add(SKEW_STEPS) {
        if constant_time_eq(code_for_step(secret, step).as_bytes(), typed.as_bytes())
            && found.is_none()
        {
            found = Some(step);
        }
    }
    found
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `otpauth://` URI authenticator apps read (Google Authenticator's key URI format).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &TotpSecret) -> String {
    let issuer_text = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer_text}:{account}?secret={secret}&issuer={issuer_text}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = percent_encode(account),
        secret = secret.to_base32(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec())
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).expect("a valid time")
    }

    /// RFC 6238 Appendix B, SHA-1, truncated to the last 6 of the 8 digits.
    #[test]
    fn i5_rfc6238_test_vectors_verify() {
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, eight_digits) in vectors {
            let expected = &eight_digits[2..];
            assert_eq!(code_at(&rfc_secret(), at(time)), expected, "at {time}");
            assert_eq!(
                matching_step(&rfc_secret(), &TotpCode::new(expected), at(time)),
                Some(time as u64 / 30),
                "at {time}"
            );
        }
    }

    #[test]
    fn i5_codes_from_the_neighbouring_step_are_accepted() {
        let now = at(1_234_567_890);
        let step = step_at(now).unwrap();
        for neighbour in [step - 1, step, step + 1] {
            let code = TotpCode::new(code_for_step(&rfc_secret(), neighbour));
            assert_eq!(matching_step(&rfc_secret(), &code, now), Some(neighbour));
        }
        for far in [step - 2, step + 2] {
            let code = TotpCode::new(code_for_step(&rfc_secret(), far));
            assert_eq!(matching_step(&rfc_secret(), &code, now), None);
        }
    }

    #[test]
    fn i5_malformed_codes_never_match() {
        let now = at(59);
        for text in ["", "28708", "2870822", "abcdef", "28708a"] {
            assert_eq!(
                matching_step(&rfc_secret(), &TotpCode::new(text), now),
                None
            );
        }
        assert!(matching_step(&rfc_secret(), &TotpCode::new("287 082"), now).is_some());
    }

    #[test]
    fn i5_secrets_are_base32_and_never_shown_in_debug() {
        let secret = rfc_secret();
        let text = secret.to_base32();
        assert_eq!(text, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            TotpSecret::from_base32(&text.to_lowercase()),
            Some(secret.clone())
        );
        let json = serde_json::to_string(&secret).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<TotpSecret>(&json).unwrap(), secret);
        assert!(!format!("{secret:?}").contains(&text));
        assert!(!format!("{:?}", TotpCode::new("123456")).contains("123456"));
        assert_eq!(TotpSecret::from_base32("not base32!"), None);
    }

    #[test]
    fn i5_the_otpauth_uri_names_issuer_account_and_parameters() {
        let uri = otpauth_uri(ISSUER, "alice@contoso.com", &rfc_secret());
        assert_eq!(
            uri,
            "otpauth://totp/Stint:alice@contoso.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Stint&algorithm=SHA1&digits=6&period=30"
        );
        assert!(otpauth_uri(ISSUER, "a b:c", &rfc_secret()).contains("Stint:a%20b%3Ac?"));
    }
}
