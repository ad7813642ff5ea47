//! The two errors of the crate: a configuration that cannot work, and a delivery that failed.

use crate::text::cut;

/// Longest text a [`DeliveryError`] carries, in characters.
const MAX_TEXT: usize = 200;

/// A setting (an SMTP URL, a sender address, a webhook secret) that cannot be used. The text names
/// what is wrong and never repeats a password or a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(pub(crate) String);

impl SettingsError {
    pub(crate) fn new(text: impl Into<String>) -> SettingsError {
        SettingsError(text.into())
    }
}

/// A delivery that failed, and whether trying again later can help. The text is short (at most
/// 200 characters, on one line) and safe for logs and an administrator's page: no password, no
/// secret, no webhook URL, no more than the start of a response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {text}", if *.transient { "transient" } else { "permanent" })]
pub struct DeliveryError {
    /// The other side could not be reached or asked us to come back (a refused or timed-out
    /// connection, a TLS failure, HTTP 5xx, 408 or 429, an SMTP 4xx reply); otherwise sending the
    /// same message again fails the same way (another HTTP 4xx, an SMTP 5xx reply, an address
    /// that is not one).
    transient: bool,
    /// The HTTP status or SMTP reply code, where the other side answered.
    status: Option<u16>,
    text: String,
}

impl DeliveryError {
    pub fn transient(text: impl AsRef<str>) -> DeliveryError {
        DeliveryError {
            transient: true,
            status: None,
            text: clean(text.as_ref()),
        }
    }

    pub fn permanent(text: impl AsRef<str>) -> DeliveryError {
        DeliveryError {
            transient: false,
            ..DeliveryError::transient(text)
        }
    }

    /// The same error, answered with `status`.
    pub fn with_status(self, status: u16) -> DeliveryError {
        DeliveryError {
            status: Some(status),
            ..self
        }
    }

    /// Whether a later attempt can succeed.
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    /// The HTTP status or SMTP reply code, where the other side answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The short text, without the kind.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// One line of at most [`MAX_TEXT`] characters: control characters become spaces, runs of
/// whitespace one space, and a cut is marked with an ellipsis.
pub(crate) fn clean(text: &str) -> String {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    cut(&words.join(" "), MAX_TEXT)
}

/// The message of an error followed by those of its sources, `: `-separated, skipping a source
/// whose text its parent already ends with.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_one_short_line() {
        let long = format!("HTTP 500: {}\n\tline two", "x".repeat(500));
        let error = DeliveryError::transient(&long);
        assert!(error.is_transient());
        assert_eq!(error.text().chars().count(), MAX_TEXT);
        assert!(error.text().ends_with('…'));
        assert!(!error.text().contains('\n'));
        assert_eq!(DeliveryError::permanent("a\r\n  b").text(), "a b");
    }

    #[test]
    fn cut_respects_characters() {
        let error = DeliveryError::permanent("é".repeat(300));
        assert_eq!(error.text().chars().count(), MAX_TEXT);
    }
}
