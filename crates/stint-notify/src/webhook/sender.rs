//! Posting webhooks over HTTP(S): signed Standard Webhooks messages and Slack or Teams JSON.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::{redirect, Client, RequestBuilder, StatusCode};
use serde_json::Value;

use super::{sign, WebhookSecret};
use crate::error::chain;
use crate::{DeliveryError, SettingsError};

const USER_AGENT: &str = concat!("Stint/", env!("CARGO_PKG_VERSION"), " (webhooks)");
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(15);
/// Bytes of an error response's body kept for the error's text.
const BODY_START: usize = 512;

/// Posts webhooks. Redirects are not followed (a receiver must give its final URL), every request
/// is bounded in time, and the URL, which for Slack and Teams is itself a secret, never appears in
/// an error. Cheap to clone.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    client: Client,
}

impl WebhookSender {
    /// A sender giving up on a connection after 5 s and on a request after 15 s.
    pub fn new() -> Result<WebhookSender, SettingsError> {
        WebhookSender::with_timeouts(CONNECT_TIMEOUT, TOTAL_TIMEOUT)
    }

    /// A sender with its own bounds on connecting and on a whole request.
    pub fn with_timeouts(
        connect: Duration,
        total: Duration,
    ) -> Result<WebhookSender, SettingsError> {
        let client = Client::builder()
            .redirect(redirect::Policy::none())
            .connect_timeout(connect)
            .timeout(total)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|error| {
                SettingsError::new(format!(
                    "the HTTP client cannot be set up: {}",
                    chain(&error)
                ))
            })?;
        Ok(WebhookSender { client })
    }

    /// Posts `body` (JSON) to `url` with the Standard Webhooks headers `webhook-id`,
    /// `webhook-timestamp` (Unix seconds) and `webhook-signature`. Answers the HTTP status on 2xx.
    pub async fn post_standard(
        &self,
        url: &str,
        secret: &WebhookSecret,
        msg_id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<u16, DeliveryError> {
        let request = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header("webhook-id", msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", sign(secret, msg_id, timestamp, body))
            .body(body.to_vec());
        deliver(request).await
    }

    /// Posts a JSON message, such as [`slack_body`](super::slack_body) or
    /// [`teams_body`](super::teams_body), to `url`. Answers the HTTP status on 2xx.
    pub async fn post_json(&self, url: &str, body: &Value) -> Result<u16, DeliveryError> {
        deliver(self.client.post(url).json(body)).await
    }
}

async fn deliver(request: RequestBuilder) -> Result<u16, DeliveryError> {
    let response = request.send().await.map_err(unsent)?;
    let status = response.status();
    if status.is_success() {
        return Ok(status.as_u16());
    }
    let start = body_start(response).await;
    let mut text = format!("HTTP {status}");
    if status.is_redirection() {
        text.push_str(" (redirects are not followed)");
    }
    if !start.trim().is_empty() {
        text.push_str(": ");
        text.push_str(&start);
    }
    let error = if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        DeliveryError::transient(text)
    } else {
        DeliveryError::permanent(text)
    };
    Err(error.with_status(status.as_u16()))
}

/// A request that got no answer: a URL that is not one will never work; anything else (no
/// connection, a timeout, a TLS failure, a broken answer) may next time.
fn unsent(error: reqwest::Error) -> DeliveryError {
    let error = error.without_url();
    let text = chain(&error);
    if error.is_builder() {
        DeliveryError::permanent(text)
    } else {
        DeliveryError::transient(text)
    }
}

/// The first [`BODY_START`] bytes of the body, or what arrived before an error.
async fn body_start(mut response: reqwest::Response) -> String {
    let mut start = Vec::new();
    while start.len() < BODY_START {
        match response.chunk().await {
            Ok(Some(chunk)) => start.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    start.truncate(BODY_START);
    String::from_utf8_lossy(&start).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_url_that_is_not_one_is_permanent() {
        let sender = WebhookSender::new().unwrap();
        let error = sender
            .post_json("not a url/secret-token", &Value::Null)
            .await
            .unwrap_err();
        assert!(!error.is_transient(), "{error}");
        assert!(!error.text().contains("secret-token"), "{error}");
    }

    #[tokio::test]
    async fn a_refused_connection_is_transient_and_hides_the_url() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let sender = WebhookSender::new().unwrap();
        let url = format!("http://127.0.0.1:{port}/services/T000/B000/secret-token");
        let error = sender
            .post_json(&url, &serde_json::json!({"text": "hi"}))
            .await
            .unwrap_err();
        assert!(error.is_transient(), "{error}");
        assert!(!error.text().contains("secret-token"), "{error}");
        let secret = WebhookSecret::generate();
        let error = sender
            .post_standard(&url, &secret, "msg_1", 1, b"{}")
            .await
            .unwrap_err();
        assert!(
            error.is_transient() && !error.text().contains("secret-token"),
            "{error}"
        );
    }
}
