//! What can go wrong in a client command, and the exit code each failure maps to.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | refused by a rule of the server (its message is printed in words), or another failure |
//! | 2 | usage error (clap's own code, also used for inconsistent options found later) |
//! | 3 | authentication needed: not signed in, the token expired or was refused, a TOTP code is needed |
//! | 4 | the server is unreachable (or unavailable: 5xx) |

use std::fmt;
use std::process::ExitCode;

use stint_core::in_words::in_words;
use stint_core::ErrorCode;

/// A failed client command.
#[derive(Debug)]
pub enum CliError {
    /// The server (or a check made on its data, like an ambiguous name) refused: exit 1.
    Refused {
        /// Graph's error code, e.g. `RoleAssignmentExists`; `None` for the client's own refusals.
        code: Option<String>,
        message: String,
        hint: Option<String>,
    },
    /// The command line is inconsistent in a way clap could not see: exit 2.
    Usage(String),
    /// Signing in is needed: exit 3.
    Auth { message: String, hint: String },
    /// The server cannot be reached or is unavailable: exit 4.
    Unreachable { message: String, hint: String },
    /// Anything else (a local file, a malformed answer): exit 1.
    Other(String),
}

impl CliError {
    /// A refusal with the server's code.
    #[cfg(test)]
    pub fn refused(code: impl Into<String>, message: impl Into<String>) -> Self {
        CliError::Refused {
            code: Some(code.into()),
            message: message.into(),
            hint: None,
        }
    }

    /// A refusal found by the client itself (no such group, an ambiguous name).
    pub fn local(message: impl Into<String>, hint: Option<String>) -> Self {
        CliError::Refused {
            code: None,
            message: message.into(),
            hint,
        }
    }

    /// Adds (or replaces) the hint of a refusal; other errors keep theirs.
    pub fn with_hint(self, new_hint: impl Into<String>) -> Self {
        match self {
            CliError::Refused { code, message, .. } => CliError::Refused {
                code,
                message,
                hint: Some(new_hint.into()),
            },
            other => other,
        }
    }

    /// The server's error code, if this is a refusal that has one.
    pub fn code(&self) -> Option<&str> {
        match self {
            CliError::Refused {
                code: Some(code), ..
            } => Some(code),
            _ => None,
        }
    }

    /// The server's message, if this is a refusal.
    pub fn message(&self) -> Option<&str> {
        match self {
            CliError::Refused { message, .. } => Some(message),
            _ => None,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            CliError::Refused { .. } | CliError::Other(_) => 1,
            CliError::Usage(_) => 2,
            CliError::Auth { .. } => 3,
            CliError::Unreachable { .. } => 4,
        })
    }

    /// What to do next, if there is something to say.
    pub fn hint(&self) -> Option<&str> {
        match self {
            CliError::Refused { hint, .. } => hint.as_deref(),
            CliError::Auth { hint, .. } | CliError::Unreachable { hint, .. } => Some(hint),
            CliError::Usage(_) => Some("Run the command with --help to see its options."),
            CliError::Other(_) => None,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Refused {
                code: Some(code),
                message,
                ..
            } => f.write_str(&server_message_in_words(code, message)),
            CliError::Refused {
                code: None,
                message,
                ..
            } => f.write_str(message),
            CliError::Usage(message) | CliError::Other(message) => f.write_str(message),
            CliError::Auth { message, .. } | CliError::Unreachable { message, .. } => {
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for CliError {}

/// A refusal of the server, with Graph's `code` and `message`, as a person reads it.
pub fn server_message_in_words(code: &str, message: &str) -> String {
    match ErrorCode::from_wire(code) {
        Some(code) => in_words(code, None, message),
        None => in_words(ErrorCode::BadRequest, None, message),
    }
}

/// The result of a client command.
pub type CliResult<T> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_documented_exit_code() {
        let cases = [
            (CliError::refused("RoleAssignmentExists", "exists"), 1),
            (CliError::local("ambiguous", None), 1),
            (CliError::Other("disk full".into()), 1),
            (CliError::Usage("nothing to change".into()), 2),
            (
                CliError::Auth {
                    message: "not signed in".into(),
                    hint: "stint login".into(),
                },
                3,
            ),
            (
                CliError::Unreachable {
                    message: "refused".into(),
                    hint: "start it".into(),
                },
                4,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.exit_code(), ExitCode::from(code), "{error}");
        }
    }

    #[test]
    fn a_refusal_prints_the_message_in_words_and_keeps_the_code_for_scripts() {
        let error = CliError::refused(
            "ActiveDurationTooShort",
            "The Active duration is too short. Minimum required is 5 minutes. An assignment cannot be removed within 5 minutes of being made; try again in 9 seconds.",
        );
        assert_eq!(
            error.to_string(),
            "An assignment cannot be removed within 5 minutes of being made; try again in 9 seconds."
        );
        assert_eq!(error.code(), Some("ActiveDurationTooShort"));
    }
}
