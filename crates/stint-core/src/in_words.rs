//! A refusal as a person reads it in the console or at the command line: sentences about the
//! field on the page, without Graph's error codes, JSON paths or SPEC rule ids. The API's error
//! bodies keep Graph's code and message; only people are told it this way.

mod audit_words;

use std::str::FromStr;

use crate::duration::IsoDuration;
use crate::policy_rules::PolicyRuleId;
use crate::violation::{ErrorCode, PolicyRule, Violation};

pub use audit_words::{audit_action, audit_actions, audit_details};

/// How Graph starts every five-minute refusal; people are told what happened instead.
const GRAPH_TOO_SHORT: &str = "The Active duration is too short. Minimum required is 5 minutes. ";

impl Violation {
    /// This refusal in a person's words.
    pub fn in_words(&self) -> String {
        in_words(self.code, self.field, &self.message)
    }
}

/// A refusal with `code`, about `field`, that Graph words as `message`, in a person's words.
/// `message` may carry the API's `Invalid value for 'field': ` in front.
pub fn in_words(code: ErrorCode, field: Option<&str>, message: &str) -> String {
    let (named, message) = split_invalid_value(message);
    let field = field.or(named).or_else(|| leading_api_name(message));
    if let Some(sentence) = field.and_then(|f| about_field(f, message)) {
        return sentence.to_string();
    }
    match code {
        ErrorCode::RoleAssignmentRequestPolicyValidationFailed => {
            let rules = failed_policy_rules(message);
            if rules.is_empty() {
                return plain(message);
            }
            let detail = message.split_once("]. ").map_or("", |(_, detail)| detail);
            let sentences: Vec<String> = rules
                .into_iter()
                .map(|rule| policy_rule_in_words(rule, detail))
                .collect();
            sentences.join(" ")
        }
        ErrorCode::ActiveDurationTooShort => {
            plain(message.strip_prefix(GRAPH_TOO_SHORT).unwrap_or(message))
        }
        _ => plain(message),
    }
}

/// What to do about one failed policy rule; `detail` is the rest of Graph's message, which says
/// how long is allowed or why the caller is not eligible.
pub fn policy_rule_in_words(rule: PolicyRule, detail: &str) -> String {
    let from_detail = |words: &[&str], otherwise: &str| {
        sentences(detail)
            .find(|sentence| words.iter().any(|word| sentence.contains(word)))
            .map_or_else(|| otherwise.to_string(), plain)
    };
    match rule {
        PolicyRule::JustificationRule => "Give a reason.".into(),
        PolicyRule::TicketingRule => "Give the ticket system and the ticket number.".into(),
        PolicyRule::MfaRule => "Confirm with a current code from your authenticator app.".into(),
        PolicyRule::ExpirationRule => {
            from_detail(&["at most", "permanent"], "Ask for a shorter time.")
        }
        PolicyRule::EligibilityRule => from_detail(&["eligible"], "You are not eligible for this."),
    }
}

/// The policy rules a `RoleAssignmentRequestPolicyValidationFailed` message names, in its order.
pub fn failed_policy_rules(message: &str) -> Vec<PolicyRule> {
    let Some((list, _)) = message
        .strip_prefix("The following policy rules failed: [")
        .and_then(|rest| rest.split_once(']'))
    else {
        return Vec::new();
    };
    list.split(',')
        .filter_map(|name| PolicyRule::from_name(name.trim().trim_matches('"')))
        .collect()
}

/// Refusals whose field says it all, in the words of the page that asks for the field.
fn about_field(field: &str, message: &str) -> Option<&'static str> {
    if field.ends_with("primaryApprovers") && message.contains("at least one approver") {
        return Some("Choose at least one approver.");
    }
    if field.ends_with("endDateTime") && message.contains("must be after") {
        return Some("End must be after start.");
    }
    None
}

/// `Invalid value for 'field': message` as `(Some(field), message)`.
fn split_invalid_value(message: &str) -> (Option<&str>, &str) {
    message
        .strip_prefix("Invalid value for '")
        .and_then(|rest| rest.split_once("': "))
        .map_or((None, message), |(field, rest)| (Some(field), rest))
}

/// The API name a message starts with, after the policy rule it is about: how a refusal reads
/// when only its message is known (at the command line).
fn leading_api_name(message: &str) -> Option<&str> {
    let message = without_policy_rule_id(message);
    let first = split_punctuation(message.split_whitespace().next()?).1;
    is_api_name(first).then_some(first)
}

/// `message` without the `Approval_EndUser_Assignment.` in front of a policy refusal.
fn without_policy_rule_id(message: &str) -> &str {
    PolicyRuleId::ALL
        .into_iter()
        .find_map(|id| message.strip_prefix(id.as_str())?.strip_prefix('.'))
        .unwrap_or(message)
}

fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(". ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// An audit event's message as people read it: a refusal (`Refused (V2): Code message`, as the
/// engine records it) says what was refused in words; any other message loses its API words.
pub fn audit_message(message: &str) -> String {
    let refusal = message.strip_prefix("Refused").and_then(|rest| {
        let rest = without_api_asides(rest);
        let (code, said) = rest.strip_prefix(": ")?.split_once(' ')?;
        let code = ErrorCode::from_wire(code)?;
        Some(format!("Refused: {}", in_words(code, None, said)))
    });
    refusal.unwrap_or_else(|| plain(message))
}

/// `message` with its API names, ISO 8601 durations, SPEC rule ids and API addresses turned into
/// words or left out.
pub fn plain(message: &str) -> String {
    let message = without_api_asides(without_policy_rule_id(message));
    let mut words: Vec<String> = Vec::new();
    for token in message.split_whitespace() {
        let starts_sentence = words.last().is_none_or(|last| last.ends_with('.'));
        let (before, core, after) = split_punctuation(token);
        let core = if is_quoted(before, after) {
            core.to_string()
        } else if let Some(length) = duration_in_words(core) {
            length
        } else if is_api_name(core) {
            let label = label(core);
            if starts_sentence {
                crate::text::capitalised(&label)
            } else {
                label
            }
        } else {
            core.to_string()
        };
        words.push(format!("{before}{core}{after}"));
    }
    words.join(" ")
}

/// `text` without asides in brackets that name SPEC rules (`(E1, E2)`) or API calls
/// (`(POST /stint/v1/auth/step-up)`).
fn without_api_asides(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|at| open + at) else {
            break;
        };
        let inside = &rest[open + 1..close];
        let api = inside.contains("/stint/") || inside.contains("/v1.0/");
        let rule_ids = inside.split(',').all(|part| is_rule_id(part.trim()));
        if api || rule_ids {
            kept.push_str(rest[..open].trim_end());
        } else {
            kept.push_str(&rest[..=close]);
        }
        rest = &rest[close + 1..];
    }
    kept.push_str(rest);
    kept
}

/// Whether a word with these edges is quoted: someone's name or value, never rewritten.
fn is_quoted(before: &str, after: &str) -> bool {
    [before, after]
        .iter()
        .any(|edge| edge.contains(['\'', '"']))
}

/// `token` as (leading punctuation, the word, trailing punctuation).
fn split_punctuation(token: &str) -> (&str, &str, &str) {
    let is_edge = |c: char| "\"'`(),;:.!?".contains(c);
    let core_start = token.len() - token.trim_start_matches(is_edge).len();
    let core = token[core_start..].trim_end_matches(is_edge);
    let after = &token[core_start + core.len()..];
    (&token[..core_start], core, after)
}

/// An ISO 8601 duration (`PT8H`) as words (`8 hours`).
fn duration_in_words(word: &str) -> Option<String> {
    if !word.starts_with('P') || word.len() < 3 {
        return None;
    }
    let delta = IsoDuration::from_str(word).ok()?.as_delta();
    let minutes = delta.num_minutes();
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let parts: Vec<String> = [(days, "day"), (hours, "hour"), (mins, "minute")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if n == 1 { "" } else { "s" }))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Whether `word` is a name from the API rather than English: a JSON path
/// (`scheduleInfo.expiration.endDateTime`, `approvalStages[0]`, `@odata.type`) or a property in
/// lowerCamelCase (`ticketNumber`).
pub fn is_api_name(word: &str) -> bool {
    let Some(first) = word.chars().next() else {
        return false;
    };
    if !(first.is_ascii_lowercase() || first == '@') {
        return false;
    }
    if !word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._[]@".contains(c))
    {
        return false;
    }
    let camel = word.chars().any(|c| c.is_ascii_uppercase());
    let indexed = word.contains('[');
    let odata = word.starts_with('@');
    camel || indexed || odata
}

/// A SPEC rule id such as `V2` or `A3`.
pub fn is_rule_id(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && (2..=3).contains(&word.len())
        && chars.all(|c| c.is_ascii_digit())
}

/// The words for the property an API name ends in.
fn label(name: &str) -> String {
    let last = name.rsplit('.').next().unwrap_or(name);
    let last = last.split('[').next().unwrap_or(last);
    let known = match last {
        "endDateTime" => "end",
        "startDateTime" => "start",
        "justification" => "reason",
        "ticketInfo" => "ticket",
        "primaryApprovers" => "approvers",
        "maximumDuration" => "maximum length",
        "claimValue" => "authentication context",
        "notificationRecipients" => "recipients",
        "principalId" => "person or group",
        "groupId" => "group",
        "userPrincipalName" | "userName" => "user name",
        "displayName" => "name",
        "scheduleInfo" => "schedule",
        "type" => "type",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    let mut words = String::new();
    for c in last.chars() {
        if c.is_ascii_uppercase() {
            words.push(' ');
            words.push(c.to_ascii_lowercase());
        } else {
            words.push(c);
        }
    }
    match words.strip_prefix("is ") {
        Some(rest) => rest.to_string(),
        None => words,
    }
}

/// The parts of `text` a person should not be shown: API names, SPEC rule ids, and Graph's error
/// codes or policy rule names standing as words. Empty when `text` is fit for people.
pub fn api_speak(text: &str) -> Vec<String> {
    let graph_names: Vec<&str> = ErrorCode::ALL
        .iter()
        .map(|code| code.as_str())
        .chain(PolicyRule::ALL.iter().map(|rule| rule.as_str()))
        .chain(PolicyRuleId::ALL.iter().map(|id| id.as_str()))
        .filter(|name| {
            name.chars()
                .skip(1)
                .any(|c| c.is_ascii_uppercase() || c == '_')
        })
        .collect();
    text.split_whitespace()
        .map(split_punctuation)
        .filter(|(before, _, after)| !is_quoted(before, after))
        .map(|(_, word, _)| word)
        .filter(|word| {
            is_api_name(word)
                || is_rule_id(word)
                || graph_names.contains(word)
                || word.starts_with("HTTP4")
        })
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests;
