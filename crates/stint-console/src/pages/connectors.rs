//! Connectors (issue 18, C1–C3) for Global and Privileged Role Administrators: each connector's
//! type, state, last error, lag behind the feed, last reconcile, drift found, the time from an end
//! to its confirmed removal (p50, p99), its links, and a button that asks for a reconcile now.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use stint_app::connector_worker::ConnectorReport;
use stint_core::connector::{Connector, ConnectorId, DriftMode};
use stint_core::rules::connectors::target_host;

use crate::error::UiError;
use crate::forms::{done_or_again, Errors, Posted};
use crate::layout::{badge, csrf_field, notice, page, Head, Nav, Tone};
use crate::session::Console;
use crate::table::{list_card, Table};
use crate::wording;

/// `GET /ui/connectors`
pub async fn show(
    console: Console,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, UiError> {
    let message = (query.get("notice").map(String::as_str) == Some("reconcile")).then(|| {
        notice(
            Tone::Success,
            "A reconcile was asked for",
            Some("The node driving the connector reads every linked group and corrects drift within seconds."),
        )
    });
    let reports = reports(&console).await?;
    Ok(console.finish(connectors_page(
        &console,
        &reports,
        message,
        &Errors::default(),
    )))
}

/// `POST /ui/connectors/{id}/reconcile`
pub async fn reconcile(Path(id): Path<String>, Posted { console, .. }: Posted) -> Response {
    let Ok(id) = id.parse::<ConnectorId>() else {
        return UiError::not_found("That connector").into_response();
    };
    // Only those who may see the page may ask: anybody else gets the 403 page, not the form.
    if let Err(violation) = console.view().connector_manager() {
        return UiError::from(stint_app::AppError::Rule(violation)).into_response();
    }
    let asked = console
        .app
        .request_reconcile(&console.session, &console.meta, id)
        .await;
    let reports = match &asked {
        Ok(_) => Vec::new(),
        Err(_) => reports(&console).await.unwrap_or_default(),
    };
    let again = |errors: &Errors| connectors_page(&console, &reports, None, errors);
    done_or_again(&console, asked, "/ui/connectors?notice=reconcile", again)
}

/// Each live connector with its status, oldest first.
async fn reports(console: &Console) -> Result<Vec<(Connector, ConnectorReport)>, UiError> {
    let connectors: Vec<Connector> = (console.view().connectors())
        .map_err(|violation| UiError::from(stint_app::AppError::Rule(violation)))?
        .into_iter()
        .cloned()
        .collect();
    let mut reports = Vec::with_capacity(connectors.len());
    for connector in connectors {
        let report = (console.app)
            .connector_status(&console.session, connector.id)
            .await?;
        reports.push((connector, report));
    }
    Ok(reports)
}

fn connectors_page(
    console: &Console,
    reports: &[(Connector, ConnectorReport)],
    message: Option<Markup>,
    errors: &Errors,
) -> Markup {
    let head = Head::new("Connectors")
        .subtitle("The directories, applications and databases that enforce access: Stint writes each linked group's effective members into them, reads every removal back, and corrects what was changed by hand.")
        .notice(message)
        .errors(errors);
    let body = html! {
        @if reports.is_empty() {
            (list_card(true, ("No connectors", "Create one with the API or `stint connectors create`; it shows here with its health."), html! {}))
        }
        @for (connector, report) in reports {
            (connector_card(console, connector, report))
        }
    };
    page(console, Nav::Connectors, head, body)
}

fn connector_card(console: &Console, connector: &Connector, report: &ConnectorReport) -> Markup {
    let status = &report.status;
    let heading = format!("connector-{}", connector.id);
    let millis = |value: Option<u64>| value.map_or_else(|| "—".to_owned(), |ms| format!("{ms} ms"));
    let view = console.view();
    let columns = ["Stint group", "Access", "Target", "Attribute"];
    let links = Table::new(&columns).rows(&connector.links, |link| {
        html! {
            td data-label="Stint group" { (wording::group_name(&view, link.group)) }
            td data-label="Access" { (wording::access(link.access)) }
            td data-label="Target" { code { (link.target) } }
            td data-label="Attribute" { (link.member_attribute.map_or("—", |attribute| attribute.as_str())) }
        }
    });
    html! {
        section.card aria-labelledby=(heading) {
            div.card-head {
                h2 #(heading) { (connector.display_name) }
                form method="post" action=(format!("/ui/connectors/{}/reconcile", connector.id)) {
                    (csrf_field(console))
                    button.button.secondary.small type="submit" aria-label=(format!("Reconcile {} now", connector.display_name)) { "Reconcile now" }
                }
            }
            p.subtitle {
                (badge(state_label(report.state))) " "
                (connector.endpoint.kind().as_str().to_uppercase()) " · " (target_host(&connector.endpoint))
                " · drift is " (match connector.drift { DriftMode::Enforce => "removed", DriftMode::Report => "only reported" })
            }
            dl.facts {
                dt { "Last error" }
                dd {
                    @match &status.last_error {
                        Some(error) => { (error) @if let Some(at) = status.last_error_at { br; span.muted.small { (wording::time(at, console.zone())) } } }
                        None => "None",
                    }
                }
                dt { "Behind the feed" }
                dd { (report.lag_revisions) " revisions, " (report.lag_seconds) " s" }
                dt { "Last sync" }
                dd { @if let Some(at) = status.last_sync { (wording::time(at, console.zone())) } @else { "Not yet" } }
                dt { "Last reconcile" }
                dd { @if let Some(at) = status.last_reconcile { (wording::time(at, console.zone())) } @else { "Not yet" } }
                dt { "Drift found" }
                dd { (status.drift) }
                dt { "End to confirmed removal" }
                dd { "p50 " (millis(status.removal_latency_p50_ms())) ", p99 " (millis(status.removal_latency_p99_ms())) }
                dt { "Users missing in the target" }
                dd { (status.unresolved.len()) }
            }
            h3 { "Links" }
            @if connector.links.is_empty() {
                p.muted { "No group is linked yet." }
            } @else {
                (links)
            }
        }
    }
}

/// The status's state in the console's words, coloured by [`badge`].
fn state_label(state: &str) -> &'static str {
    match state {
        "ok" => "Healthy",
        "error" => "Failing",
        _ => "Pending",
    }
}
