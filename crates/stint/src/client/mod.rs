//! The HTTP client of the CLI: which server and token to use, requests with Graph's error bodies
//! turned into [`CliError`]s (and so exit codes), and `@odata.nextLink` paging.
//!
//! The token comes from `STINT_TOKEN` or the saved credentials; a saved token is only ever sent to
//! the server it was issued by.

pub mod credentials;
pub mod error;

use std::time::Duration;

use chrono::Utc;
use reqwest::blocking::{Client as Http, RequestBuilder};
use reqwest::Method;
use serde_json::Value;
use stint_core::text::percent_encode;

pub use error::{CliError, CliResult};

use crate::output::format_time;

/// The server used when neither `--server`, `STINT_SERVER` nor a saved sign-in names one.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";
/// The most pages a list follows through `@odata.nextLink`.
const MAX_PAGES: usize = 200;
/// How long a download (an audit export) may take in all.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(3600);

/// Where a token came from, for the advice given when it is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenSource {
    None,
    Environment,
    Saved,
}

/// A client bound to one server, with or without a token.
pub struct Client {
    http: Http,
    server: String,
    token: Option<String>,
    source: TokenSource,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.server)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// An answer of the server, before its status is judged.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// Graph's `error.code`, if the body has one.
    pub fn error_code(&self) -> Option<&str> {
        self.body.pointer("/error/code").and_then(Value::as_str)
    }

    pub fn error_message(&self) -> String {
        self.body
            .pointer("/error/message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("The server answered HTTP {}.", self.status))
    }
}

/// `URL` without its trailing slashes, checked to be http or https.
pub fn normalize_server(url: &str) -> CliResult<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(trimmed).map_err(|_| {
        CliError::Usage(format!(
            "'{trimmed}' is not a server URL; give one like http://127.0.0.1:8080 or https://stint.example.com."
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(CliError::Usage(format!(
            "'{trimmed}' is not an http or https URL of a server."
        )));
    }
    Ok(trimmed.to_string())
}

impl Client {
    /// A client with no token, for signing in.
    pub fn anonymous(server: &str) -> CliResult<Client> {
        Client::new(normalize_server(server)?, None, TokenSource::None)
    }

    /// A client with a token just issued by `server`.
    pub fn with_token(server: &str, token: &str) -> CliResult<Client> {
        Client::new(
            normalize_server(server)?,
            Some(token.to_string()),
            TokenSource::None,
        )
    }

    /// A client with a token: `STINT_TOKEN` (for `server_override`, else the saved server), or the
    /// saved credentials when they are for the same server and not expired.
    pub fn authenticated(server_override: Option<&str>) -> CliResult<Client> {
        let server_override = server_override.map(normalize_server).transpose()?;
        let saved = credentials::load()?;
        if let Some(token) = std::env::var("STINT_TOKEN").ok().filter(|t| !t.is_empty()) {
            let server = server_override
                .or_else(|| saved.map(|saved| saved.server))
                .ok_or_else(|| CliError::Auth {
                    message: "STINT_TOKEN is set but no server is named.".into(),
                    hint: "Set STINT_SERVER (or --server) to the server's URL.".into(),
                })?;
            return Client::new(server, Some(token), TokenSource::Environment);
        }
        let saved = saved.ok_or_else(|| CliError::Auth {
            message: "You are not signed in.".into(),
            hint: "Run `stint login --server URL` to sign in (or set STINT_TOKEN).".into(),
        })?;
        if let Some(server) = server_override.filter(|server| *server != saved.server) {
            return Err(CliError::Auth {
                message: format!("You are signed in to {}, not to {server}.", saved.server),
                hint: format!(
                    "Run `stint login --server {server}` to sign in there (or set STINT_TOKEN)."
                ),
            });
        }
        if saved.expires_at <= Utc::now() {
            return Err(CliError::Auth {
                message: format!(
                    "Your sign-in to {} as {} expired at {}.",
                    saved.server,
                    saved.username,
                    format_time(&saved.expires_at.to_rfc3339())
                ),
                hint: "Run `stint login` to sign in again.".into(),
            });
        }
        Client::new(saved.server, Some(saved.token), TokenSource::Saved)
    }

    fn new(server: String, token: Option<String>, source: TokenSource) -> CliResult<Client> {
        let http = Http::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("stint-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| CliError::Other(format!("Cannot set up the HTTP client: {error}")))?;
        Ok(Client {
            http,
            server,
            token,
            source,
        })
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// Sends a request and returns the answer whatever its status; only a transport failure is
    /// an error. `path` is absolute from the server's root, or a full URL (`@odata.nextLink`).
    pub fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> CliResult<Reply> {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.server)
        };
        let mut request: RequestBuilder = self.http.request(method, &url);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .map_err(|error| self.transport_error(&error))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .map_err(|error| self.transport_error(&error))?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|_| CliError::Unreachable {
                message: format!(
                    "The server at {} answered HTTP {status} with something that is not JSON.",
                    self.server
                ),
                hint: "Check that the URL is a Stint server's (--server, STINT_SERVER).".into(),
            })?
        };
        Ok(Reply { status, body })
    }

    /// Sends a request; a 2xx answer's body (`null` for 204), or the error it stands for.
    pub fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> CliResult<Value> {
        let reply = self.call(method, path, query, body)?;
        self.judge(reply)
    }

    pub fn get(&self, path: &str, query: &[(&str, String)]) -> CliResult<Value> {
        self.send(Method::GET, path, query, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> CliResult<Value> {
        self.send(Method::POST, path, &[], Some(body))
    }

    /// A POST without a body (`/manage`, `/cancel`, `/auth/signout`).
    pub fn post_empty(&self, path: &str) -> CliResult<Value> {
        self.send(Method::POST, path, &[], None)
    }

    pub fn patch(&self, path: &str, body: &Value) -> CliResult<Value> {
        self.send(Method::PATCH, path, &[], Some(body))
    }

    /// GETs `path` and copies a successful body to `to` as it arrives (an export of JSON lines,
    /// however long it takes); an error answer becomes its [`CliError`].
    pub fn download(
        &self,
        path: &str,
        query: &[(&str, String)],
        to: &mut dyn std::io::Write,
    ) -> CliResult<u64> {
        let mut request = self
            .http
            .get(format!("{}{path}", self.server))
            .query(query)
            .timeout(DOWNLOAD_TIMEOUT);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let mut response = request
            .send()
            .map_err(|error| self.transport_error(&error))?;
        let status = response.status().as_u16();
        if !response.status().is_success() {
            let text = response.text().unwrap_or_default();
            let body = serde_json::from_str(&text).unwrap_or(Value::Null);
            return self.judge(Reply { status, body }).map(|_| 0);
        }
        response
            .copy_to(to)
            .map_err(|error| self.transport_error(&error))
    }

    /// Every item of a collection, following `@odata.nextLink`.
    pub fn get_all(&self, path: &str, query: &[(&str, String)]) -> CliResult<Vec<Value>> {
        let mut items = Vec::new();
        let mut page = self.get(path, query)?;
        for _ in 0..MAX_PAGES {
            if let Some(Value::Array(values)) = page.get_mut("value").map(Value::take) {
                items.extend(values);
            }
            match page.get("@odata.nextLink").and_then(Value::as_str) {
                Some(next) if next.starts_with(&self.server) => {
                    page = self.get(next, &[])?;
                }
                Some(next) => {
                    // The server names itself by its Host header; keep to the URL we were given.
                    let rest = next
                        .find("/v1.0/")
                        .or_else(|| next.find("/stint/v1/"))
                        .map(|at| next[at..].to_string())
                        .ok_or_else(|| {
                            CliError::Other(format!("Cannot follow the next page link {next}"))
                        })?;
                    page = self.get(&rest, &[])?;
                }
                None => return Ok(items),
            }
        }
        Ok(items)
    }

    /// A successful body, or the [`CliError`] for the status.
    pub fn judge(&self, reply: Reply) -> CliResult<Value> {
        match reply.status {
            200..=299 => Ok(reply.body),
            401 => Err(self.unauthenticated(&reply)),
            500..=599 => Err(CliError::Unreachable {
                message: format!(
                    "The server at {} is unavailable: {}",
                    self.server,
                    reply.error_message()
                ),
                hint: "Retry shortly; if it persists, the server's log says why.".into(),
            }),
            _ => {
                let code = reply
                    .error_code()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("HTTP{}", reply.status));
                let message = reply.error_message();
                let hint = hint_for(&code, &message);
                Err(CliError::Refused {
                    code: Some(code),
                    message,
                    hint,
                })
            }
        }
    }

    fn unauthenticated(&self, reply: &Reply) -> CliError {
        let hint = match self.source {
            TokenSource::Environment => {
                "The token in STINT_TOKEN was refused; get a new one, or unset it and run `stint login`."
            }
            TokenSource::Saved => "Your saved sign-in is no longer valid; run `stint login` to sign in again.",
            TokenSource::None => "Run `stint login` to sign in.",
        };
        let message = match reply.error_code() {
            Some(code) => error::server_message_in_words(code, &reply.error_message()),
            None => reply.error_message(),
        };
        CliError::Auth {
            message,
            hint: hint.into(),
        }
    }

    fn transport_error(&self, error: &reqwest::Error) -> CliError {
        // The innermost cause says it best ("Connection refused (os error 111)").
        let mut cause: &dyn std::error::Error = error;
        while let Some(source) = cause.source() {
            cause = source;
        }
        let detail = cause.to_string();
        let what = if error.is_timeout() {
            "did not answer in time"
        } else {
            "cannot be reached"
        };
        CliError::Unreachable {
            message: format!("The Stint server at {} {what} ({detail}).", self.server),
            hint: "Check that the server is running and that the URL is right (--server, STINT_SERVER, or `stint login --server URL`).".into(),
        }
    }
}

/// What to do next after a refusal with this code.
fn hint_for(code: &str, message: &str) -> Option<String> {
    let hint = match code {
        "RoleAssignmentRequestPolicyValidationFailed" => {
            let mut steps = Vec::new();
            if message.contains("JustificationRule") {
                steps.push("give a justification with --reason");
            }
            if message.contains("TicketingRule") {
                steps.push("give a ticket with --ticket SYSTEM:NUMBER");
            }
            if message.contains("MfaRule") {
                steps.push("give a TOTP code with --totp CODE (or run in a terminal to be asked)");
            }
            if message.contains("ExpirationRule") {
                steps.push("ask for less time with --for (`stint policy show GROUP` shows the maximum)");
            }
            if message.contains("EligibilityRule") {
                steps.push("check `stint eligible` for what you may activate");
            }
            if steps.is_empty() {
                return None;
            }
            let mut text = steps.join("; ");
            text[..1].make_ascii_uppercase();
            format!("{text}.")
        }
        "PendingRoleAssignmentRequest" => {
            "`stint requests --pending` shows the pending request; `stint cancel REQUEST` withdraws it.".into()
        }
        "RoleAssignmentExists" => {
            "`stint active`, `stint eligible` or `stint assignments GROUP` show what is in force.".into()
        }
        "RoleAssignmentDoesNotExist" => {
            "`stint active`, `stint eligible` or `stint assignments GROUP` show what there is.".into()
        }
        "ActiveDurationTooShort" => {
            "Nothing can end within 5 minutes of its start: wait as the message says, then run the command again.".into()
        }
        "Authorization_RequestDenied" => {
            "Ask an administrator of the group (or a Privileged Role Administrator) to do it.".into()
        }
        "Request_ResourceNotFound" => {
            "Check the id or name: `stint groups list`, `stint requests` and `stint approvals` show what exists.".into()
        }
        "RequestNotCancelable" => "Only a pending request can be canceled.".into(),
        "Conflict" => "Someone decided it already; `stint requests` shows its status.".into(),
        "TooManyRequests" => "Wait as the message says, then try again.".into(),
        "InvalidTotpCode" => "Use the current code of your authenticator app (each code works once).".into(),
        "GroupNotManageable" => "`stint groups discover` says which groups can be managed and why not.".into(),
        _ => return None,
    };
    Some(hint)
}

/// `text` as one URL path segment.
pub fn segment(text: &str) -> String {
    percent_encode(text)
}

/// `text` as an OData string literal, quotes doubled.
pub fn odata_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_normalized_and_checked() {
        assert_eq!(
            normalize_server("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_server(" https://stint.example.com ").unwrap(),
            "https://stint.example.com"
        );
        assert!(matches!(
            normalize_server("127.0.0.1:8080"),
            Err(CliError::Usage(_))
        ));
        assert!(matches!(
            normalize_server("ftp://host"),
            Err(CliError::Usage(_))
        ));
    }

    #[test]
    fn policy_refusals_say_which_option_fixes_them() {
        let hint = hint_for(
            "RoleAssignmentRequestPolicyValidationFailed",
            "The following policy rules failed: [\"JustificationRule\",\"MfaRule\"].",
        )
        .unwrap();
        assert!(hint.starts_with("Give a justification"), "{hint}");
        assert!(hint.contains("--totp"), "{hint}");
        assert_eq!(hint_for("SomethingElse", ""), None);
    }

    #[test]
    fn segments_and_literals_are_escaped() {
        assert_eq!(segment("alice@contoso.com"), "alice@contoso.com");
        assert_eq!(segment("a b/c"), "a%20b%2Fc");
        assert_eq!(odata_string("O'Brien"), "'O''Brien'");
    }
}
