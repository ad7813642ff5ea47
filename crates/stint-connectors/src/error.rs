//! What went wrong in a target, sorted into what a worker retries with backoff (transient) and
//! what needs a person to change something (permanent). Messages name the cause and never carry
//! a secret: each target builds them from its own words, not from raw client errors that might
//! echo a URL or a password.

use std::fmt;

/// Whether retrying can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Connection refused or lost, a timeout, a busy or unavailable server, HTTP 429 or 5xx:
    /// retry with backoff.
    Transient,
    /// Bad credentials, no such group, an invalid configuration, a value the target refuses:
    /// retrying the same thing fails the same way.
    Permanent,
}

/// An error from a target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TargetError {
    kind: ErrorKind,
    message: String,
}

impl TargetError {
    /// A transient error: retry with backoff.
    pub fn transient(message: impl Into<String>) -> TargetError {
        TargetError {
            kind: ErrorKind::Transient,
            message: message.into(),
        }
    }

    /// A permanent error: retrying does not help.
    pub fn permanent(message: impl Into<String>) -> TargetError {
        TargetError {
            kind: ErrorKind::Permanent,
            message: message.into(),
        }
    }

    /// Whether the error is transient or permanent.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Whether retrying (with backoff) can help.
    pub fn is_transient(&self) -> bool {
        self.kind == ErrorKind::Transient
    }

    /// What went wrong, for people.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TargetError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ErrorKind::Transient => "transient",
            ErrorKind::Permanent => "permanent",
        };
        write!(formatter, "{} ({kind})", self.message)
    }
}
