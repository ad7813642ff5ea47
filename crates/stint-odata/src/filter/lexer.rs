use super::syntax_error;
use crate::error::ODataError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// A run of characters up to whitespace or punctuation: a name, keyword or unquoted literal.
    Word(String),
    /// A single-quoted string, with `''` already unescaped.
    Str(String),
    LParen,
    RParen,
    Comma,
    Slash,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    /// Zero-based character offset in the filter text.
    pub(crate) pos: usize,
}

impl TokenKind {
    /// How the token is named in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Word(word) => format!("'{}'", crate::error::excerpt(word)),
            Self::Str(text) => format!("the string '{}'", crate::error::excerpt(text)),
            Self::LParen => "'('".to_owned(),
            Self::RParen => "')'".to_owned(),
            Self::Comma => "','".to_owned(),
            Self::Slash => "'/'".to_owned(),
        }
    }
}

pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, ODataError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut next = 0;
    while let Some(&c) = chars.get(next) {
        let pos = next;
        let (kind, end) = match c {
            c if c.is_whitespace() => {
                next += 1;
                continue;
            }
            '(' => (TokenKind::LParen, pos + 1),
            ')' => (TokenKind::RParen, pos + 1),
            ',' => (TokenKind::Comma, pos + 1),
            '/' => (TokenKind::Slash, pos + 1),
            '\'' => {
                let (text, end) = read_string(&chars, pos)?;
                (TokenKind::Str(text), end)
            }
            _ => {
                let end = chars[pos..]
                    .iter()
                    .position(|&c| !is_word_char(c))
                    .map_or(chars.len(), |len| pos + len);
                (TokenKind::Word(chars[pos..end].iter().collect()), end)
            }
        };
        tokens.push(Token { kind, pos });
        next = end;
    }
    Ok(tokens)
}

fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '(' | ')' | ',' | '/' | '\'')
}

/// Reads the string starting at the quote at `start`; returns its text and the offset after it.
fn read_string(chars: &[char], start: usize) -> Result<(String, usize), ODataError> {
    let mut text = String::new();
    let mut next = start + 1;
    loop {
        match chars.get(next) {
            None => {
                return Err(syntax_error(
                    "the string that starts here is missing its closing quote",
                    start,
                ))
            }
            Some('\'') if chars.get(next + 1) == Some(&'\'') => {
                text.push('\'');
                next += 2;
            }
            Some('\'') => return Ok((text, next + 1)),
            Some(&c) => {
                text.push(c);
                next += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        tokenize(text)
            .unwrap()
            .into_iter()
            .map(|token| token.kind)
            .collect()
    }

    fn word(text: &str) -> TokenKind {
        TokenKind::Word(text.to_owned())
    }

    #[test]
    fn comparison_splits_into_words_and_a_string() {
        assert_eq!(
            kinds("status eq 'PendingApproval'"),
            vec![
                word("status"),
                word("eq"),
                TokenKind::Str("PendingApproval".to_owned())
            ]
        );
    }

    #[test]
    fn doubled_quotes_are_an_escaped_quote() {
        assert_eq!(
            kinds("'O''Brien'"),
            vec![TokenKind::Str("O'Brien".to_owned())]
        );
    }

    #[test]
    fn datetimes_and_guids_stay_one_word() {
        assert_eq!(
            kinds("2023-02-06T19:25:00.123+01:00 2b5ed229-4072-478d-9504-a047ebd4b07d"),
            vec![
                word("2023-02-06T19:25:00.123+01:00"),
                word("2b5ed229-4072-478d-9504-a047ebd4b07d")
            ]
        );
    }

    #[test]
    fn punctuation_separates_words_without_spaces() {
        assert_eq!(
            kinds("not(a/b in('x',1))"),
            vec![
                word("not"),
                TokenKind::LParen,
                word("a"),
                TokenKind::Slash,
                word("b"),
                word("in"),
                TokenKind::LParen,
                TokenKind::Str("x".to_owned()),
                TokenKind::Comma,
                word("1"),
                TokenKind::RParen,
                TokenKind::RParen,
            ]
        );
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let tokens = tokenize("'é' eq x").unwrap();
        assert_eq!(tokens[1].pos, 4);
    }

    #[test]
    fn unterminated_string_is_reported_where_it_starts() {
        let error = tokenize("name eq 'abc").unwrap_err();
        assert_eq!(
            error.message(),
            "Invalid $filter: the string that starts here is missing its closing quote at position 8."
        );
    }
}
