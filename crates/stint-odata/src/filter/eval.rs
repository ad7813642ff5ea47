use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::ast::{CompareOp, Expr, Literal};
use super::parser::looks_like_datetime;

pub(crate) fn matches(expr: &Expr, entity: &Value) -> bool {
    match expr {
        Expr::Compare { path, op, value } => compare(resolve(entity, path), *op, value),
        Expr::In { path, values } => {
            let property = resolve(entity, path);
            values.iter().any(|value| equals(property, value))
        }
        Expr::Not(inner) => !matches(inner, entity),
        Expr::And(items) => items.iter().all(|item| matches(item, entity)),
        Expr::Or(items) => items.iter().any(|item| matches(item, entity)),
    }
}

/// Follows `path` through nested objects; `None` when any step is missing.
fn resolve<'a>(entity: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter()
        .try_fold(entity, |value, name| get_ignoring_case(value, name))
}

fn get_ignoring_case<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

fn compare(property: Option<&Value>, op: CompareOp, literal: &Literal) -> bool {
    match op {
        CompareOp::Eq => equals(property, literal),
        CompareOp::Ne => !equals(property, literal),
        CompareOp::Gt => order(property, literal) == Some(Ordering::Greater),
        CompareOp::Ge => matches!(
            order(property, literal),
            Some(Ordering::Greater | Ordering::Equal)
        ),
        CompareOp::Lt => order(property, literal) == Some(Ordering::Less),
        CompareOp::Le => matches!(
            order(property, literal),
            Some(Ordering::Less | Ordering::Equal)
        ),
    }
}

fn equals(property: Option<&Value>, literal: &Literal) -> bool {
    match (property, literal) {
        (None | Some(Value::Null), Literal::Null) => true,
        (Some(Value::Bool(actual)), Literal::Bool(expected)) => actual == expected,
        _ => order(property, literal) == Some(Ordering::Equal),
    }
}

/// How the property's value orders against the literal; `None` when they are not comparable
/// (missing or null values, arrays, objects, or mismatched types).
fn order(property: Option<&Value>, literal: &Literal) -> Option<Ordering> {
    match (property?, literal) {
        (Value::String(actual), Literal::String(expected)) => {
            Some(match (parse_datetime(actual), parse_datetime(expected)) {
                (Some(actual), Some(expected)) => actual.cmp(&expected),
                _ => compare_ignoring_case(actual, expected),
            })
        }
        (Value::String(actual), Literal::DateTime(expected)) => {
            parse_datetime(actual).map(|actual| actual.cmp(expected))
        }
        (Value::Number(actual), Literal::Int(expected)) => match actual.as_i64() {
            Some(actual) => Some(actual.cmp(expected)),
            None => actual.as_f64()?.partial_cmp(&(*expected as f64)),
        },
        (Value::Number(actual), Literal::Float(expected)) => actual.as_f64()?.partial_cmp(expected),
        _ => None,
    }
}

fn compare_ignoring_case(left: &str, right: &str) -> Ordering {
    left.chars()
        .flat_map(char::to_lowercase)
        .cmp(right.chars().flat_map(char::to_lowercase))
}

fn parse_datetime(text: &str) -> Option<DateTime<FixedOffset>> {
    if !looks_like_datetime(text) {
        return None;
    }
    DateTime::parse_from_rfc3339(text).ok()
}
