use thiserror::Error;

/// Longest fragment of caller input that is echoed back in an error message.
const MAX_ECHO_CHARS: usize = 80;

/// A refused query option. The message is a complete sentence meant for the API caller.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct ODataError {
    option: String,
    message: String,
}

impl ODataError {
    pub(crate) fn new(option: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            option: option.into(),
            message: message.into(),
        }
    }

    /// The user-facing sentence, e.g. "Invalid $filter: expected a value after 'eq' at position 11."
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The query option that was refused, e.g. `"$filter"` or `"$orderby"`.
    pub fn option(&self) -> &str {
        &self.option
    }
}

/// Shortens caller input to at most [`MAX_ECHO_CHARS`] characters before it goes into a message.
pub(crate) fn excerpt(text: &str) -> String {
    if text.chars().count() <= MAX_ECHO_CHARS {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX_ECHO_CHARS - 3).collect();
    short.push_str("...");
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_fragments_are_echoed_whole() {
        assert_eq!(excerpt("groupId"), "groupId");
    }

    #[test]
    fn long_fragments_are_cut_to_eighty_characters() {
        let long = "x".repeat(500);
        let short = excerpt(&long);
        assert_eq!(short.chars().count(), MAX_ECHO_CHARS);
        assert!(short.ends_with("..."));
    }

    #[test]
    fn display_is_the_message() {
        let error = ODataError::new("$top", "Invalid value for $top: '0'.");
        assert_eq!(error.to_string(), error.message());
        assert_eq!(error.option(), "$top");
    }
}
