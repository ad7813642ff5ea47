//! What a message says: one sentence for the event as its audience reads it, the facts, and the
//! console page to act on. The same words make the e-mail (text and HTML) and the chat cards.

use chrono::{DateTime, Utc};
use stint_core::notify::{Event, EventType};
use stint_core::policy_rules::RecipientType;
use stint_core::request::RequestAction;
use stint_core::schedule::ScheduleKind;

/// An event told to one audience.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Words {
    pub subject: String,
    pub sentence: String,
    pub facts: Vec<(String, String)>,
    /// The button's label and the page's address.
    pub link: (String, String),
}

/// How `event` is told to `audience`, with links under `public_url`.
pub fn words(event: &Event, audience: RecipientType, public_url: &str) -> Words {
    let base = public_url.trim_end_matches('/');
    let who = &event.principal.name;
    let group = &event.group.name;
    let access = event.access.as_str();
    let what = format!("{access} of {group}");
    let you = audience == RecipientType::Requestor;
    let (subject, sentence) = match event.kind {
        EventType::RequestPendingApproval if audience == RecipientType::Approver => (
            format!("PIM: Request to approve {}", request_noun(event)),
            format!(
                "{who} asks to {} {what}. Any one approver decides.",
                request_verb(event)
            ),
        ),
        EventType::RequestPendingApproval => (
            format!("PIM: Your request for {what} waits for approval"),
            format!(
                "Your request to {} {what} waits for an approver.",
                request_verb(event)
            ),
        ),
        EventType::RequestApproved if you => (
            format!("PIM: Your request for {what} is approved"),
            format!(
                "Your request to {} {what} was approved.",
                request_verb(event)
            ),
        ),
        EventType::RequestDenied if you => (
            format!("PIM: Your request for {what} is denied"),
            format!("Your request to {} {what} was denied.", request_verb(event)),
        ),
        EventType::RequestTimedOut if you => (
            format!("PIM: Your request for {what} expired undecided"),
            format!(
                "Nobody decided your request to {} {what} within 24 hours, so it was denied.",
                request_verb(event)
            ),
        ),
        EventType::RequestApproved | EventType::RequestDenied | EventType::RequestTimedOut => {
            let outcome = match event.kind {
                EventType::RequestApproved => "approved",
                EventType::RequestDenied => "denied",
                _ => "denied: nobody decided within 24 hours",
            };
            (
                format!("PIM: {who}'s request for {what} is {outcome}"),
                format!(
                    "{who}'s request to {} {what} was {outcome}.",
                    request_verb(event)
                ),
            )
        }
        EventType::RequestCanceled => (
            format!("PIM: {who} canceled a request for {what}"),
            format!("{who} canceled their request for {what}; nothing waits for you."),
        ),
        EventType::EligibilityAssigned if you => (
            format!("PIM: You are eligible for {what}"),
            format!("You can now activate {what} when you need it."),
        ),
        EventType::EligibilityAssigned => (
            format!("PIM: {who} is eligible for {what}"),
            format!("{who} was made eligible for {what}."),
        ),
        EventType::AssignmentAssigned if you => (
            format!("PIM: You have {what}"),
            format!("You were given active {what}."),
        ),
        EventType::AssignmentAssigned => (
            format!("PIM: {who} was assigned {what}"),
            format!("{who} was given active {what}."),
        ),
        EventType::AssignmentActivated if you => (
            format!("PIM: You activated {what}"),
            format!("Your {what} is active."),
        ),
        EventType::AssignmentActivated => (
            format!("PIM: Activation alert: {who} activated {what}"),
            format!("{who} activated {what}."),
        ),
        EventType::AssignmentDeactivated => (
            format!("PIM: {who} ended {what}"),
            format!("{who} ended their activation of {what}."),
        ),
        EventType::EligibilityRemoved | EventType::AssignmentRemoved if you => (
            format!("PIM: Your {} {what} was removed", kind_word(event)),
            format!("Your {} {what} was removed.", kind_word(event)),
        ),
        EventType::EligibilityRemoved | EventType::AssignmentRemoved => (
            format!("PIM: {who}'s {} {what} was removed", kind_word(event)),
            format!("{who}'s {} {what} was removed.", kind_word(event)),
        ),
        EventType::AssignmentExpired if you => (
            format!("PIM: Your {} {what} has ended", kind_word(event)),
            format!("Your {} {what} reached its end.", kind_word(event)),
        ),
        EventType::AssignmentExpired => (
            format!("PIM: {who}'s {} {what} has ended", kind_word(event)),
            format!("{who}'s {} {what} reached its end.", kind_word(event)),
        ),
        EventType::ReminderExpiringSoon if you => (
            format!(
                "PIM: Your {} {what} ends {}",
                kind_word(event),
                end_words(event)
            ),
            format!(
                "Your {} {what} ends {}. Ask to extend it if you still need it.",
                kind_word(event),
                end_words(event)
            ),
        ),
        EventType::ReminderExpiringSoon => (
            format!(
                "PIM: {who}'s {} {what} ends {}",
                kind_word(event),
                end_words(event)
            ),
            format!(
                "{who}'s {} {what} ends {}.",
                kind_word(event),
                end_words(event)
            ),
        ),
    };
    Words {
        subject,
        sentence,
        facts: facts(event),
        link: link(event, audience, base),
    }
}

fn request_noun(event: &Event) -> &'static str {
    match event.action {
        Some(RequestAction::SelfExtend) => "an extension",
        Some(RequestAction::SelfRenew) => "a renewal",
        _ => "an activation",
    }
}

fn request_verb(event: &Event) -> &'static str {
    match event.action {
        Some(RequestAction::SelfExtend) => "extend",
        Some(RequestAction::SelfRenew) => "renew",
        _ => "activate",
    }
}

fn kind_word(event: &Event) -> &'static str {
    match event.assignment {
        ScheduleKind::Eligible => "eligible",
        ScheduleKind::Active => "active",
    }
}

fn end_words(event: &Event) -> String {
    event
        .end
        .map_or_else(|| "soon".to_owned(), |end| format!("on {}", when(end)))
}

/// A time as people read it in a mail: to the minute, in UTC.
pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn facts(event: &Event) -> Vec<(String, String)> {
    let mut facts = vec![
        ("Group".to_owned(), event.group.name.clone()),
        ("Access".to_owned(), event.access.as_str().to_owned()),
        ("Who".to_owned(), event.principal.name.clone()),
    ];
    if let Some(actor) = event
        .actor
        .as_ref()
        .filter(|actor| actor.id.0 != event.principal.id.0)
    {
        facts.push(("By".to_owned(), actor.name.clone()));
    }
    let schedule = match (event.start, event.end) {
        (Some(start), Some(end)) => Some(format!("{} to {}", when(start), when(end))),
        (Some(start), None) => Some(format!("from {}, no end", when(start))),
        (None, Some(end)) => Some(format!("until {}", when(end))),
        (None, None) => None,
    };
    let optional = [
        ("Schedule", schedule),
        ("Justification", event.justification.clone()),
        ("Ticket", event.ticket.clone()),
        ("Approver's reason", event.reason.clone()),
    ];
    for (label, value) in optional {
        if let Some(value) = value {
            facts.push((label.to_owned(), value));
        }
    }
    facts
}

/// The page the audience acts on: the approval to review, their requests, their roles, or the
/// group's assignments.
fn link(event: &Event, audience: RecipientType, base: &str) -> (String, String) {
    match (event.kind, audience, event.request_id) {
        (EventType::RequestPendingApproval, RecipientType::Approver, Some(request)) => (
            "Review the request".to_owned(),
            format!("{base}/ui/approvals/{request}"),
        ),
        (kind, RecipientType::Requestor, _) if kind.as_str().starts_with("request.") => (
            "See your requests".to_owned(),
            format!("{base}/ui/my-requests"),
        ),
        (_, RecipientType::Requestor, _) => {
            ("See your roles".to_owned(), format!("{base}/ui/my-roles"))
        }
        _ => (
            "See the group's assignments".to_owned(),
            format!("{base}/ui/groups/{}/assignments", event.group.id),
        ),
    }
}
