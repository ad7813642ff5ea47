use std::fmt;

use chrono::{DateTime, FixedOffset, SecondsFormat};

/// A boolean `$filter` expression. `And`/`Or` are n-ary so long chains stay shallow.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Compare {
        path: Vec<String>,
        op: CompareOp,
        value: Literal,
    },
    In {
        path: Vec<String>,
        values: Vec<Literal>,
    },
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A literal on the right-hand side of a comparison. Unquoted GUIDs become `String`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    DateTime(DateTime<FixedOffset>),
}

impl CompareOp {
    pub(crate) fn from_keyword(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }

    fn keyword(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Compare { path, op, value } => {
                write!(f, "{} {} {value}", path.join("/"), op.keyword())
            }
            Self::In { path, values } => {
                write!(f, "{} in (", path.join("/"))?;
                for (index, value) in values.iter().enumerate() {
                    if index > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{value}")?;
                }
                f.write_str(")")
            }
            Self::Not(inner) => write!(f, "not ({inner})"),
            Self::And(items) => write_chain(f, items, "and", |item| {
                matches!(item, Self::And(_) | Self::Or(_))
            }),
            Self::Or(items) => write_chain(f, items, "or", |item| matches!(item, Self::Or(_))),
        }
    }
}

/// Writes `a and b and c`, parenthesizing the items for which `needs_parens` holds so that
/// parsing the output gives back the same tree.
fn write_chain(
    f: &mut fmt::Formatter<'_>,
    items: &[Expr],
    keyword: &str,
    needs_parens: impl Fn(&Expr) -> bool,
) -> fmt::Result {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            write!(f, " {keyword} ")?;
        }
        if needs_parens(item) {
            write!(f, "({item})")?;
        } else {
            write!(f, "{item}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(text) => write!(f, "'{}'", text.replace('\'', "''")),
            Self::Int(number) => write!(f, "{number}"),
            // Debug always keeps a `.` or an exponent, so the literal reads back as a decimal.
            Self::Float(number) => write!(f, "{number:?}"),
            Self::Bool(value) => write!(f, "{value}"),
            Self::Null => f.write_str("null"),
            Self::DateTime(instant) => {
                f.write_str(&instant.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            }
        }
    }
}
