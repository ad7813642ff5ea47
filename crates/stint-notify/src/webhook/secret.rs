//! A webhook's signing secret, written `whsec_` + base64 as the Standard Webhooks specification does.

use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};
use rand::RngCore;

use crate::SettingsError;

const PREFIX: &str = "whsec_";
/// Bytes of a generated key.
const GENERATED: usize = 32;
/// Key lengths the specification allows, in bytes.
const ALLOWED: std::ops::RangeInclusive<usize> = 24..=64;

/// Standard base64, padded when written, padding optional when read.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The key a webhook's messages are signed with. There is no `Display`: the text form comes only
/// from [`WebhookSecret::expose`], to be shown once or stored, and `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// A new random secret of 32 bytes from the operating system's generator.
    pub fn generate() -> WebhookSecret {
        let mut key = vec![0; GENERATED];
        rand::rngs::OsRng.fill_bytes(&mut key);
        WebhookSecret(key)
    }

    /// Reads `whsec_` + base64 (the prefix may be left out) of 24 to 64 bytes.
    pub fn parse(text: &str) -> Result<WebhookSecret, SettingsError> {
        let text = text.trim();
        let encoded = text.strip_prefix(PREFIX).unwrap_or(text);
        let key = BASE64.decode(encoded).map_err(|_| {
            SettingsError::new("the webhook secret is not whsec_ followed by base64")
        })?;
        if !ALLOWED.contains(&key.len()) {
            return Err(SettingsError::new(format!(
                "the webhook secret has {} bytes; it must have 24 to 64",
                key.len()
            )));
        }
        Ok(WebhookSecret(key))
    }

    /// The secret as `whsec_` + base64: for showing it once to whoever registers the webhook,
    /// and for storing it.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", BASE64.encode(&self.0))
    }

    pub(crate) fn key(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_round_trip_and_differ() {
        let secret = WebhookSecret::generate();
        let text = secret.expose();
        assert!(text.starts_with("whsec_"), "{text}");
        assert_eq!(WebhookSecret::parse(&text).unwrap(), secret);
        assert_eq!(secret.key().len(), 32);
        assert_ne!(WebhookSecret::generate(), secret);
    }

    #[test]
    fn parse_takes_the_specifications_examples() {
        let with = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let without = WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(with, without);
        assert_eq!(with.key().len(), 24);
        assert_eq!(with.expose(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }

    #[test]
    fn parse_refuses_bad_text_and_lengths() {
        assert!(WebhookSecret::parse("whsec_not base64!").is_err());
        let short = WebhookSecret::parse("whsec_c2hvcnQ=").unwrap_err();
        assert!(short.to_string().contains("5 bytes"), "{short}");
        assert!(WebhookSecret::parse(&format!("whsec_{}", BASE64.encode([7u8; 65]))).is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let debug = format!("{secret:?}");
        assert_eq!(debug, "WebhookSecret(<redacted>)");
    }
}
