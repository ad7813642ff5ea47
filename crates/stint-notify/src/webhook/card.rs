//! One notification as a card, and the message shapes that Slack's and Teams' incoming webhooks take.

use serde_json::{json, Value};

use crate::text::cut;

/// A notification for people in a chat: a title, a sentence or two, facts as label and value,
/// and a link to act on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Card {
    pub title: String,
    pub text: String,
    /// Label and value, in order.
    pub facts: Vec<(String, String)>,
    /// Label and URL of the one button.
    pub link: Option<(String, String)>,
}

/// Slack's lengths: a header's text, a section's text, a field's text, a button's label.
const SLACK_HEADER: usize = 150;
const SLACK_TEXT: usize = 2900;
const SLACK_FIELD: usize = 1900;
const SLACK_BUTTON: usize = 75;
/// Fields in one Slack section.
const SLACK_FIELDS: usize = 10;

/// A Slack incoming-webhook message: `text` (what notifications and old clients show) and `blocks`
/// (a header, the text, the facts as fields, the link as a button). Text people wrote is escaped,
/// so it cannot mention `@channel` or dress up a link.
pub fn slack_body(card: &Card) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": cut(&card.title, SLACK_HEADER)},
    })];
    if !card.text.is_empty() {
        blocks.push(
            json!({"type": "section", "text": mrkdwn(&slack_escape(&cut(&card.text, SLACK_TEXT)))}),
        );
    }
    for facts in card.facts.chunks(SLACK_FIELDS) {
        let fields: Vec<Value> = facts
            .iter()
            .map(|(label, value)| {
                let label = slack_escape(&cut(label, SLACK_HEADER));
                mrkdwn(&format!(
                    "*{label}*\n{}",
                    slack_escape(&cut(value, SLACK_FIELD))
                ))
            })
            .collect();
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    if let Some((label, url)) = &card.link {
        blocks.push(json!({
            "type": "actions",
            "elements": [{
                "type": "button",
                "text": {"type": "plain_text", "text": cut(label, SLACK_BUTTON)},
                "url": url,
            }],
        }));
    }
    let fallback = if card.text.is_empty() {
        card.title.clone()
    } else {
        format!("{}: {}", card.title, card.text)
    };
    json!({"text": slack_escape(&cut(&fallback, SLACK_TEXT)), "blocks": blocks})
}

/// A Teams Workflows ("When a Teams webhook request is received") message: one Adaptive Card with
/// the title, the text, the facts as a fact set and the link as an action.
pub fn teams_body(card: &Card) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock",
        "text": card.title,
        "weight": "Bolder",
        "size": "Medium",
        "wrap": true,
    })];
    if !card.text.is_empty() {
        body.push(json!({"type": "TextBlock", "text": card.text, "wrap": true}));
    }
    if !card.facts.is_empty() {
        let facts: Vec<Value> = card
            .facts
            .iter()
            .map(|(label, value)| json!({"title": label, "value": value}))
            .collect();
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    let mut content = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if let Some((label, url)) = &card.link {
        content["actions"] = json!([{"type": "Action.OpenUrl", "title": label, "url": url}]);
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": content,
        }],
    })
}

fn mrkdwn(text: &str) -> Value {
    json!({"type": "mrkdwn", "text": text})
}

/// Slack's three control characters in `mrkdwn`: `&`, `<` and `>`.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> Card {
        Card {
            title: "PIM: Request to approve an activation".into(),
            text: "Alice asks to be a member of Payroll admins <!channel> & more.".into(),
            facts: vec![
                ("Group".into(), "Payroll admins".into()),
                ("Access".into(), "member".into()),
                (
                    "Justification".into(),
                    "<https://evil.example|click>".into(),
                ),
            ],
            link: Some((
                "Review".into(),
                "https://stint.example.com/console/approvals/42".into(),
            )),
        }
    }

    #[test]
    fn slack_message_has_text_and_blocks() {
        let body = slack_body(&card());
        assert_eq!(
            body["text"],
            "PIM: Request to approve an activation: Alice asks to be a member of Payroll admins &lt;!channel&gt; &amp; more."
        );
        let blocks = body["blocks"].as_array().unwrap();
        let kinds: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["header", "section", "section", "actions"]);
        assert_eq!(
            blocks[0]["text"]["text"],
            "PIM: Request to approve an activation"
        );
        assert_eq!(blocks[2]["fields"][0]["text"], "*Group*\nPayroll admins");
        assert_eq!(
            blocks[2]["fields"][2]["text"],
            "*Justification*\n&lt;https://evil.example|click&gt;"
        );
        assert_eq!(
            blocks[3]["elements"][0]["url"],
            "https://stint.example.com/console/approvals/42"
        );
        assert_eq!(blocks[3]["elements"][0]["text"]["text"], "Review");
    }

    #[test]
    fn slack_keeps_to_its_limits() {
        let big = Card {
            title: "t".repeat(500),
            text: String::new(),
            facts: (0..25)
                .map(|i| (format!("fact {i}"), "v".repeat(5000)))
                .collect(),
            link: None,
        };
        let body = slack_body(&big);
        let blocks = body["blocks"].as_array().unwrap();
        assert_eq!(
            blocks.len(),
            4,
            "a header and three sections of at most ten fields"
        );
        assert_eq!(
            blocks[0]["text"]["text"].as_str().unwrap().chars().count(),
            150
        );
        assert_eq!(blocks[3]["fields"].as_array().unwrap().len(), 5);
        assert!(
            blocks[1]["fields"][0]["text"]
                .as_str()
                .unwrap()
                .chars()
                .count()
                <= 2000
        );
        assert_eq!(body["text"].as_str().unwrap().chars().count(), 500);
    }

    #[test]
    fn teams_message_is_one_adaptive_card() {
        let body = teams_body(&card());
        assert_eq!(body["type"], "message");
        let attachments = body["attachments"].as_array().unwrap();
        assert_eq!(attachments.len(), 1);
        assert_eq!(
            attachments[0]["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        let content = &attachments[0]["content"];
        assert_eq!(content["type"], "AdaptiveCard");
        assert_eq!(
            content["body"][0]["text"],
            "PIM: Request to approve an activation"
        );
        assert_eq!(content["body"][2]["type"], "FactSet");
        assert_eq!(
            content["body"][2]["facts"][1],
            json!({"title": "Access", "value": "member"})
        );
        assert_eq!(content["actions"][0]["type"], "Action.OpenUrl");
        assert_eq!(
            content["actions"][0]["url"],
            "https://stint.example.com/console/approvals/42"
        );
    }

    #[test]
    fn empty_parts_are_left_out() {
        let bare = Card {
            title: "Assignment ends tomorrow".into(),
            ..Card::default()
        };
        assert_eq!(slack_body(&bare)["blocks"].as_array().unwrap().len(), 1);
        assert_eq!(slack_body(&bare)["text"], "Assignment ends tomorrow");
        let teams = teams_body(&bare);
        assert_eq!(
            teams["attachments"][0]["content"]["body"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert!(teams["attachments"][0]["content"].get("actions").is_none());
    }
}
