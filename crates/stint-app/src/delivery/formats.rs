//! The bodies a message is sent as: a multipart e-mail, a Standard Webhooks event, or a Slack or
//! Teams card.

use serde_json::{json, Value};
use stint_core::notify::{Event, MailRecipient};
use stint_core::policy_rules::RecipientType;
use stint_notify::{Card, Mail};

use super::words::{words, Words};

/// The e-mail for `recipient`: the sentence, the facts and the link, as text and as simple HTML.
pub fn mail(event: &Event, recipient: &MailRecipient, public_url: &str) -> Mail {
    let Words {
        subject,
        sentence,
        facts,
        link: (label, url),
    } = words(event, recipient.audience, public_url);
    let greeting = recipient
        .name
        .as_deref()
        .map_or_else(|| "Hello,".to_owned(), |name| format!("Hello {name},"));
    let mut text = format!("{greeting}\n\n{sentence}\n\n");
    for (label, value) in &facts {
        text.push_str(&format!("{label}: {value}\n"));
    }
    text.push_str(&format!(
        "\n{label}: {url}\n\n— Stint, privileged access management\n"
    ));
    let rows: String = facts
        .iter()
        .map(|(label, value)| {
            format!(
                "<tr><th align=\"left\" style=\"padding:2px 12px 2px 0\">{}</th><td>{}</td></tr>",
                escape(label),
                escape(value)
            )
        })
        .collect();
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">\
         <p>{}</p><p>{}</p><table>{rows}</table>\
         <p><a href=\"{}\">{}</a></p>\
         <p style=\"color:#666\">Stint, privileged access management</p></body></html>",
        escape(&greeting),
        escape(&sentence),
        escape(&url),
        escape(&label),
    );
    Mail {
        to: recipient.address.clone(),
        to_name: recipient.name.clone(),
        subject,
        text,
        html,
    }
}

/// The Standard Webhooks body: `{"type", "timestamp", "data"}`, the event as data.
pub fn standard(event: &Event) -> Value {
    json!({
        "type": event.kind.as_str(),
        "timestamp": event.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": event,
    })
}

/// A chat card, told as to the approvers where someone must act, else to the administrators.
pub fn card(event: &Event, public_url: &str) -> Card {
    let audience = if event.kind.needs_action() {
        RecipientType::Approver
    } else {
        RecipientType::Admin
    };
    let told = words(event, audience, public_url);
    Card {
        title: told.subject.trim_start_matches("PIM: ").to_owned(),
        text: told.sentence,
        facts: told.facts,
        link: Some(told.link),
    }
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}
