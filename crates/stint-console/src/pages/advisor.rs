//! The advisor (SPEC X1) for Global and Privileged Role Administrators: each risky configuration
//! found now, why it matters, the fix, and a link to the page where it is made.

use axum::response::Response;
use maud::{html, Markup};
use stint_app::AppError;
use stint_core::advisor::{Finding, Severity};

use crate::error::UiError;
use crate::layout::{page, Head, Nav};
use crate::session::Console;
use crate::table::list_card;

/// `GET /ui/advisor`
pub async fn show(console: Console) -> Result<Response, UiError> {
    let findings =
        (console.view().advisor_findings()).map_err(|v| UiError::from(AppError::Rule(v)))?;
    Ok(console.finish(advisor_page(&console, &findings)))
}

fn advisor_page(console: &Console, findings: &[Finding]) -> Markup {
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let head = Head::new("Advisor").subtitle(
        "Configurations that PIM allows but that make privilege easier to reach or keep than it should be. Each finding says why it matters and how to fix it.",
    );
    let body = html! {
        p.summary {
            (count(Severity::High)) " high, " (count(Severity::Medium)) " medium and "
            (count(Severity::Low)) " low-severity findings."
        }
        (list_card(findings.is_empty(), ("Nothing to warn about", "The advisor finds none of the risky configurations it looks for."), html! {
            ul.findings {
                @for finding in findings {
                    li.finding {
                        p.finding-title {
                            span class=(format!("badge {}", tone(finding.severity))) { (label(finding.severity)) }
                            " " (finding.title)
                        }
                        p.small { strong { "Why it matters: " } (finding.why) }
                        p.small { strong { "Fix: " } (finding.fix) }
                        p.small { a href=(finding.link) { "Go to the page where it is fixed" } }
                    }
                }
            }
        }))
    };
    page(console, Nav::Advisor, head, body)
}

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

fn tone(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "bad",
        Severity::Medium => "pending",
        Severity::Low => "neutral",
    }
}
