use chrono::DateTime;

use super::ast::{CompareOp, Expr, Literal};
use super::lexer::{tokenize, Token, TokenKind};
use super::{syntax_error, MAX_DEPTH, MAX_LENGTH, MAX_TERMS};
use crate::error::{excerpt, ODataError};

/// Parses `$filter` text. Grammar, lowest precedence first:
///
/// ```text
/// or      = and ("or" and)*
/// and     = unary ("and" unary)*
/// unary   = "not" unary | primary
/// primary = "(" or ")" | path op literal | path "in" "(" literal ("," literal)* ")"
/// path    = name ("/" name)*
/// ```
pub(crate) fn parse(text: &str) -> Result<Expr, ODataError> {
    let length = text.chars().count();
    if length > MAX_LENGTH {
        return Err(ODataError::new(
            "$filter",
            format!("Invalid $filter: the expression is longer than {MAX_LENGTH} characters."),
        ));
    }
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(ODataError::new(
            "$filter",
            "Invalid $filter: the expression is empty.",
        ));
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        end: length,
        depth: 0,
        terms: 0,
    };
    let expr = parser.parse_or()?;
    match parser.bump() {
        None => Ok(expr),
        Some(token) => Err(unexpected(&token)),
    }
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// Character length of the text, the position reported when input ends too early.
    end: usize,
    depth: usize,
    terms: usize,
}

impl Parser {
    fn peek(&self) -> Option<&TokenKind> {
        self.tokens.get(self.next).map(|token| &token.kind)
    }

    fn bump(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        if token.is_some() {
            self.next += 1;
        }
        token
    }

    fn position(&self) -> usize {
        self.tokens
            .get(self.next)
            .map_or(self.end, |token| token.pos)
    }

    fn eat(&mut self, kind: &TokenKind) -> bool {
        let found = self.peek() == Some(kind);
        if found {
            self.next += 1;
        }
        found
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = matches!(self.peek(), Some(TokenKind::Word(word)) if word.eq_ignore_ascii_case(keyword));
        if found {
            self.next += 1;
        }
        found
    }

    /// "expected X but found Y" at the next token, or "expected X" at the end of the input.
    fn expected(&self, what: &str) -> ODataError {
        match self.tokens.get(self.next) {
            Some(token) => syntax_error(
                format!("expected {what} but found {}", token.kind.describe()),
                token.pos,
            ),
            None => syntax_error(format!("expected {what}"), self.end),
        }
    }

    /// Describes the last consumed token for "expected ... after X" messages.
    fn previous(&self) -> String {
        self.next
            .checked_sub(1)
            .and_then(|index| self.tokens.get(index))
            .map_or_else(|| "the start".to_owned(), |token| token.kind.describe())
    }

    fn parse_or(&mut self) -> Result<Expr, ODataError> {
        let mut items = vec![self.parse_and()?];
        while self.eat_keyword("or") {
            items.push(self.parse_and()?);
        }
        Ok(chain(items, Expr::Or))
    }

    fn parse_and(&mut self) -> Result<Expr, ODataError> {
        let mut items = vec![self.parse_unary()?];
        while self.eat_keyword("and") {
            items.push(self.parse_unary()?);
        }
        Ok(chain(items, Expr::And))
    }

    fn parse_unary(&mut self) -> Result<Expr, ODataError> {
        let pos = self.position();
        if !self.eat_keyword("not") {
            return self.parse_primary();
        }
        self.enter(pos)?;
        let inner = self.parse_unary()?;
        self.depth -= 1;
        Ok(Expr::Not(Box::new(inner)))
    }

    fn parse_primary(&mut self) -> Result<Expr, ODataError> {
        let Some(token) = self.bump() else {
            return Err(syntax_error(
                format!("expected a comparison after {}", self.previous()),
                self.end,
            ));
        };
        match token.kind {
            TokenKind::LParen => {
                self.enter(token.pos)?;
                let inner = self.parse_or()?;
                if !self.eat(&TokenKind::RParen) {
                    return Err(match self.tokens.get(self.next) {
                        Some(other) => unexpected(other),
                        None => syntax_error("the '(' here is never closed with ')'", token.pos),
                    });
                }
                self.depth -= 1;
                Ok(inner)
            }
            TokenKind::Word(word) if is_identifier(&word) => self.parse_comparison(word, token.pos),
            other => Err(syntax_error(
                format!("expected a property name but found {}", other.describe()),
                token.pos,
            )),
        }
    }

    fn parse_comparison(&mut self, first: String, pos: usize) -> Result<Expr, ODataError> {
        let mut path = vec![first];
        while self.eat(&TokenKind::Slash) {
            match self.peek() {
                Some(TokenKind::Word(name)) if is_identifier(name) => {
                    path.push(name.clone());
                    self.next += 1;
                }
                _ => return Err(self.expected("a property name after '/'")),
            }
        }
        if self.peek() == Some(&TokenKind::LParen) {
            return Err(call_not_supported(&path, pos));
        }
        self.count_term(pos)?;

        let operator = format!("a comparison operator after '{}'", excerpt(&path.join("/")));
        let Some(TokenKind::Word(keyword)) = self.peek() else {
            return Err(self.expected(&operator));
        };
        if keyword.eq_ignore_ascii_case("in") {
            self.next += 1;
            let values = self.parse_list()?;
            return Ok(Expr::In { path, values });
        }
        let Some(op) = CompareOp::from_keyword(keyword) else {
            let pos = self.position();
            return Err(
                operator_not_supported(keyword, pos).unwrap_or_else(|| self.expected(&operator))
            );
        };
        self.next += 1;
        let value = self.parse_literal()?;
        Ok(Expr::Compare { path, op, value })
    }

    fn parse_list(&mut self) -> Result<Vec<Literal>, ODataError> {
        if !self.eat(&TokenKind::LParen) {
            return Err(self.expected("'(' after 'in'"));
        }
        let mut values = vec![self.parse_literal()?];
        while self.eat(&TokenKind::Comma) {
            values.push(self.parse_literal()?);
        }
        if !self.eat(&TokenKind::RParen) {
            return Err(self.expected("',' or ')' in the 'in' list"));
        }
        Ok(values)
    }

    fn parse_literal(&mut self) -> Result<Literal, ODataError> {
        let literal = match self.peek() {
            Some(TokenKind::Str(text)) => Literal::String(text.clone()),
            Some(TokenKind::Word(word)) => {
                unquoted_literal(word).ok_or_else(|| self.invalid_value(word))?
            }
            _ => return Err(self.expected(&format!("a value after {}", self.previous()))),
        };
        self.next += 1;
        Ok(literal)
    }

    /// Explains why the next token, `word`, is not a value.
    fn invalid_value(&self, word: &str) -> ODataError {
        let pos = self.position();
        let shown = excerpt(word);
        if is_identifier(word) {
            let called = self
                .tokens
                .get(self.next + 1)
                .is_some_and(|token| token.kind == TokenKind::LParen);
            if called {
                return syntax_error(format!("the function '{shown}' is not supported"), pos);
            }
            return syntax_error(
                format!("'{shown}' is not a value; comparing two properties is not supported"),
                pos,
            );
        }
        if word.starts_with('"') {
            return syntax_error(
                format!("{shown} is not a value; strings take single quotes"),
                pos,
            );
        }
        syntax_error(format!("'{shown}' is not a valid value"), pos)
    }

    fn enter(&mut self, pos: usize) -> Result<(), ODataError> {
        let too_deep = || format!("the expression is nested more than {MAX_DEPTH} levels deep");
        count_one(&mut self.depth, MAX_DEPTH, pos, too_deep)
    }

    fn count_term(&mut self, pos: usize) -> Result<(), ODataError> {
        let too_many = || format!("the expression has more than {MAX_TERMS} comparisons");
        count_one(&mut self.terms, MAX_TERMS, pos, too_many)
    }
}

/// Adds one to `count`; past `max`, the expression is refused at `pos` with `why`.
fn count_one(
    count: &mut usize,
    max: usize,
    pos: usize,
    why: impl FnOnce() -> String,
) -> Result<(), ODataError> {
    *count += 1;
    if *count > max {
        return Err(syntax_error(why(), pos));
    }
    Ok(())
}

fn chain(mut items: Vec<Expr>, combine: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1 {
        if let Some(only) = items.pop() {
            return only;
        }
    }
    combine(items)
}

fn unexpected(token: &Token) -> ODataError {
    if let TokenKind::Word(word) = &token.kind {
        if let Some(error) = operator_not_supported(word, token.pos) {
            return error;
        }
    }
    syntax_error(format!("unexpected {}", token.kind.describe()), token.pos)
}

/// Names the OData operators Stint knows but does not evaluate.
fn operator_not_supported(word: &str, pos: usize) -> Option<ODataError> {
    let lower = word.to_ascii_lowercase();
    let kind = match lower.as_str() {
        "add" | "sub" | "mul" | "div" | "divby" | "mod" | "+" | "-" | "*" => "arithmetic operator",
        "has" => "operator",
        _ => return None,
    };
    Some(syntax_error(
        format!("the {kind} '{lower}' is not supported"),
        pos,
    ))
}

fn call_not_supported(path: &[String], pos: usize) -> ODataError {
    let name = path.last().map_or("", String::as_str);
    let lower = name.to_ascii_lowercase();
    if path.len() > 1 && (lower == "any" || lower == "all") {
        syntax_error(
            format!("the lambda operator '{lower}' is not supported"),
            pos,
        )
    } else {
        syntax_error(
            format!("the function '{}' is not supported", excerpt(name)),
            pos,
        )
    }
}

pub(crate) fn is_identifier(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Classifies an unquoted word: `true`/`false`/`null`, a number, a GUID or a datetime.
fn unquoted_literal(word: &str) -> Option<Literal> {
    match word.to_ascii_lowercase().as_str() {
        "true" => return Some(Literal::Bool(true)),
        "false" => return Some(Literal::Bool(false)),
        "null" => return Some(Literal::Null),
        _ => {}
    }
    if let Some(is_integer) = number_shape(word) {
        if is_integer {
            if let Ok(number) = word.parse::<i64>() {
                return Some(Literal::Int(number));
            }
        }
        return word
            .parse::<f64>()
            .ok()
            .filter(|number| number.is_finite())
            .map(Literal::Float);
    }
    if is_guid(word) {
        return Some(Literal::String(word.to_owned()));
    }
    if looks_like_datetime(word) {
        return DateTime::parse_from_rfc3339(word)
            .ok()
            .map(Literal::DateTime);
    }
    None
}

/// `Some(true)` for `-?digits`, `Some(false)` for a decimal with a fraction or exponent,
/// `None` for anything else.
fn number_shape(word: &str) -> Option<bool> {
    fn digits(text: &str) -> usize {
        text.bytes().take_while(u8::is_ascii_digit).count()
    }
    let rest = word.strip_prefix('-').unwrap_or(word);
    let whole = digits(rest);
    if whole == 0 {
        return None;
    }
    let mut rest = &rest[whole..];
    let mut is_integer = true;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = digits(fraction);
        if len == 0 {
            return None;
        }
        rest = &fraction[len..];
        is_integer = false;
    }
    if let Some(exponent) = rest.strip_prefix(['e', 'E']) {
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        let len = digits(exponent);
        if len == 0 {
            return None;
        }
        rest = &exponent[len..];
        is_integer = false;
    }
    rest.is_empty().then_some(is_integer)
}

fn is_guid(word: &str) -> bool {
    let groups: Vec<&str> = word.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Cheap pre-check (`dddd-`) before attempting a full RFC 3339 parse.
pub(crate) fn looks_like_datetime(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 20 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-'
}
