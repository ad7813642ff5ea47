//! SCIM filters (RFC 7644 §3.4.2.2): `eq ne co sw ew pr gt ge lt le`, `and or not`, grouping
//! with parentheses and value paths (`emails[type eq "work"]`), parsed into a [`Filter`] and
//! evaluated against a resource as answered. Attribute names and operators are read
//! case-insensitively; a schema URN before an attribute is dropped.

use std::cmp::Ordering;

use serde_json::Value;

use super::error::ScimError;

/// The deepest nesting of parentheses and `not` a filter may have.
const MAX_DEPTH: usize = 32;

/// An attribute, with its sub-attribute: `name.givenName`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrPath {
    pub attr: String,
    pub sub: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Present(AttrPath),
    Compare(AttrPath, Op, Value),
    /// `attr[filter]`: some value of the multi-valued `attr` matches the filter.
    ValuePath(String, Box<Filter>),
}

pub fn invalid_filter(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidFilter", detail)
}

/// Parses a whole filter.
pub fn parse(text: &str) -> Result<Filter, ScimError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
    };
    let filter = parser.or(0)?;
    match parser.peek() {
        None => Ok(filter),
        Some(token) => Err(invalid_filter(format!(
            "Unexpected '{}' in the filter.",
            token.text()
        ))),
    }
}

/// Strips a schema URN (`urn:…:User:`) from an attribute path.
pub fn without_urn(path: &str) -> &str {
    if path.to_ascii_lowercase().starts_with("urn:") {
        path.rsplit_once(':').map_or(path, |(_, attr)| attr)
    } else {
        path
    }
}

/// `attr` or `attr.sub`, after the URN.
pub fn attr_path(text: &str) -> Result<AttrPath, ScimError> {
    let bare = without_urn(text);
    let (attr, sub) = match bare.split_once('.') {
        Some((attr, sub)) => (attr, Some(sub.to_owned())),
        None => (bare, None),
    };
    let valid = |name: &str| {
        name.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$'))
    };
    if !valid(attr) || sub.as_deref().is_some_and(|sub| !valid(sub)) {
        return Err(invalid_filter(format!(
            "'{text}' is not an attribute path."
        )));
    }
    Ok(AttrPath {
        attr: attr.to_owned(),
        sub,
    })
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Word(String),
    Literal(Value),
}

impl Token {
    fn text(&self) -> String {
        match self {
            Token::Open => "(".into(),
            Token::Close => ")".into(),
            Token::OpenBracket => "[".into(),
            Token::CloseBracket => "]".into(),
            Token::Word(word) => word.clone(),
            Token::Literal(value) => value.to_string(),
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(word))
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, ScimError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | '[' | ']' => {
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
                i += 1;
            }
            '"' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                if i >= chars.len() {
                    return Err(invalid_filter("A string in the filter is not closed."));
                }
                i += 1;
                let quoted: String = chars[start..i].iter().collect();
                let value: String = serde_json::from_str(&quoted)
                    .map_err(|_| invalid_filter(format!("{quoted} is not a valid string.")))?;
                tokens.push(Token::Literal(Value::String(value)));
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !"()[]\"".contains(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                tokens.push(match word.to_ascii_lowercase().as_str() {
                    "true" => Token::Literal(Value::Bool(true)),
                    "false" => Token::Literal(Value::Bool(false)),
                    "null" => Token::Literal(Value::Null),
                    _ => match word.parse::<serde_json::Number>() {
                        Ok(number)
                            if word.starts_with(|c: char| c.is_ascii_digit() || c == '-') =>
                        {
                            Token::Literal(Value::Number(number))
                        }
                        _ => Token::Word(word),
                    },
                });
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn expect(&mut self, wanted: Token) -> Result<(), ScimError> {
        match self.next() {
            Some(token) if token == wanted => Ok(()),
            Some(token) => Err(invalid_filter(format!(
                "Expected '{}' but found '{}'.",
                wanted.text(),
                token.text()
            ))),
            None => Err(invalid_filter(format!(
                "Expected '{}' but the filter ended.",
                wanted.text()
            ))),
        }
    }

    fn or(&mut self, depth: usize) -> Result<Filter, ScimError> {
        self.joined(depth, "or", Self::and, Filter::Or)
    }

    fn and(&mut self, depth: usize) -> Result<Filter, ScimError> {
        self.joined(depth, "and", Self::unary, Filter::And)
    }

    /// `operand (word operand)*`, grouped from the left.
    fn joined(
        &mut self,
        depth: usize,
        word: &str,
        operand: fn(&mut Self, usize) -> Result<Filter, ScimError>,
        join: fn(Box<Filter>, Box<Filter>) -> Filter,
    ) -> Result<Filter, ScimError> {
        let mut left = operand(self, depth)?;
        while self.peek().is_some_and(|t| t.is_word(word)) {
            self.at += 1;
            left = join(Box::new(left), Box::new(operand(self, depth)?));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Filter, ScimError> {
        if depth > MAX_DEPTH {
            return Err(invalid_filter(format!(
                "The filter nests deeper than {MAX_DEPTH} levels."
            )));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or(depth + 1)?;
                self.expect(Token::Close)?;
                Ok(inner)
            }
            Some(token) if token.is_word("not") => {
                self.expect(Token::Open)?;
                let inner = self.or(depth + 1)?;
                self.expect(Token::Close)?;
                Ok(Filter::Not(Box::new(inner)))
            }
            Some(Token::Word(word)) => self.attribute(&word, depth),
            Some(token) => Err(invalid_filter(format!(
                "Expected an attribute but found '{}'.",
                token.text()
            ))),
            None => Err(invalid_filter("The filter is empty or ends too early.")),
        }
    }

    fn attribute(&mut self, word: &str, depth: usize) -> Result<Filter, ScimError> {
        if self.peek() == Some(&Token::OpenBracket) {
            self.at += 1;
            let path = attr_path(word)?;
            if path.sub.is_some() {
                return Err(invalid_filter(format!("'{word}[' names a sub-attribute.")));
            }
            let inner = self.or(depth + 1)?;
            self.expect(Token::CloseBracket)?;
            return Ok(Filter::ValuePath(path.attr, Box::new(inner)));
        }
        let path = attr_path(word)?;
        let op = match self.next() {
            Some(Token::Word(op)) => op,
            _ => {
                return Err(invalid_filter(format!(
                    "'{word}' must be followed by an operator: eq, ne, co, sw, ew, pr, gt, ge, lt or le."
                )))
            }
        };
        let op = match op.to_ascii_lowercase().as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => {
                return Err(invalid_filter(format!(
                    "'{other}' is not an operator: use eq, ne, co, sw, ew, pr, gt, ge, lt or le."
                )))
            }
        };
        match self.next() {
            Some(Token::Literal(value)) => Ok(Filter::Compare(path, op, value)),
            _ => Err(invalid_filter(format!(
                "'{word} {}' must be followed by a value: a \"string\", a number, true, false or null.",
                op_name(op)
            ))),
        }
    }
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Eq => "eq",
        Op::Ne => "ne",
        Op::Co => "co",
        Op::Sw => "sw",
        Op::Ew => "ew",
        Op::Gt => "gt",
        Op::Ge => "ge",
        Op::Lt => "lt",
        Op::Le => "le",
    }
}

/// The value of `name` in `object`, its name compared case-insensitively.
pub fn get_ci<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// Every value `path` reaches in `resource`: each element of a multi-valued attribute (its
/// `value` where the elements are complex and no sub-attribute is named).
fn values_at<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let Some(top) = get_ci(resource, &path.attr) else {
        return Vec::new();
    };
    let elements: Vec<&Value> = match top {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    elements
        .into_iter()
        .filter_map(|element| match (&path.sub, element) {
            (Some(sub), element) => get_ci(element, sub),
            (None, Value::Object(_)) if top.is_array() => get_ci(element, "value"),
            (None, element) => Some(element),
        })
        .collect()
}

/// Attributes whose strings compare exactly (RFC 7643 `caseExact`); the rest ignore case.
fn case_exact(path: &AttrPath) -> bool {
    path.sub.is_none()
        && ["id", "externalId"]
            .iter()
            .any(|a| path.attr.eq_ignore_ascii_case(a))
}

impl Filter {
    /// Whether `resource` (or a complex value, inside a value path) matches.
    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(resource) && b.matches(resource),
            Filter::Or(a, b) => a.matches(resource) || b.matches(resource),
            Filter::Not(inner) => !inner.matches(resource),
            Filter::Present(path) => {
                values_at(resource, path)
                    .into_iter()
                    .any(|value| match value {
                        Value::Null => false,
                        Value::String(text) => !text.is_empty(),
                        Value::Array(items) => !items.is_empty(),
                        _ => true,
                    })
            }
            Filter::Compare(path, op, wanted) => {
                let found = values_at(resource, path);
                if wanted.is_null() {
                    let present = found.iter().any(|value| !value.is_null());
                    return match op {
                        Op::Eq => !present,
                        Op::Ne => present,
                        _ => false,
                    };
                }
                let exact = case_exact(path);
                match op {
                    Op::Ne => !found
                        .iter()
                        .any(|value| compare(value, Op::Eq, wanted, exact)),
                    _ => found.iter().any(|value| compare(value, *op, wanted, exact)),
                }
            }
            Filter::ValuePath(attr, inner) => match get_ci(resource, attr) {
                Some(Value::Array(items)) => items.iter().any(|item| inner.matches(item)),
                Some(single @ Value::Object(_)) => inner.matches(single),
                _ => false,
            },
        }
    }
}

fn compare(found: &Value, op: Op, wanted: &Value, exact: bool) -> bool {
    match (found, wanted) {
        (Value::String(found), Value::String(wanted)) => {
            let (found, wanted) = if exact {
                (found.clone(), wanted.clone())
            } else {
                (found.to_lowercase(), wanted.to_lowercase())
            };
            match op {
                Op::Eq => found == wanted,
                Op::Ne => found != wanted,
                Op::Co => found.contains(&wanted),
                Op::Sw => found.starts_with(&wanted),
                Op::Ew => found.ends_with(&wanted),
                _ => ordered(found.cmp(&wanted), op),
            }
        }
        (Value::Number(found), Value::Number(wanted)) => match (found.as_f64(), wanted.as_f64()) {
            (Some(found), Some(wanted)) => found
                .partial_cmp(&wanted)
                .is_some_and(|ordering| ordered(ordering, op)),
            _ => false,
        },
        (Value::Bool(found), Value::Bool(wanted)) => match op {
            Op::Eq => found == wanted,
            Op::Ne => found != wanted,
            _ => false,
        },
        _ => false,
    }
}

fn ordered(ordering: Ordering, op: Op) -> bool {
    match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Co | Op::Sw | Op::Ew => false,
    }
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
