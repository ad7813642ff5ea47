//! Helpers for the web console's tests: a browser-like HTTP client that keeps cookies and does not
//! follow redirects (so tests see every `Set-Cookie` and `Location`), form posting with the page's
//! CSRF value, and an authenticator app made with `totp-rs` at the server's manual clock.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use totp_rs::{Algorithm, Secret, TOTP};

/// A person's authenticator app.
#[derive(Clone)]
pub struct Authenticator(TOTP);

impl Authenticator {
    pub fn from_secret(secret: &str) -> Authenticator {
        let bytes = Secret::Encoded(secret.trim().to_string())
            .to_bytes()
            .unwrap();
        Authenticator(TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes))
    }

    pub fn code(&self, at: DateTime<Utc>) -> String {
        self.0.generate(at.timestamp() as u64)
    }
}

/// What the console answered.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    }

    /// The value of the first hidden `name` input of the page.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_string())
    }

    pub fn csrf(&self) -> String {
        self.hidden("csrf").expect("the page has a CSRF field")
    }

    #[track_caller]
    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// Whether `message` is shown as the error of the field `f-{field}` (its label or fieldset
    /// comes just before the message; the summary at the top links with `#f-…` and says no
    /// "Error:").
    pub fn shows_error_under(&self, field: &str, message: &str) -> bool {
        let body = &self.body;
        let shown = format!("Error: </span>{message}");
        let owner = format!("\"f-{field}\"");
        body.match_indices(&shown).any(|(at, _)| {
            let mut from = at.saturating_sub(400);
            while !body.is_char_boundary(from) {
                from -= 1;
            }
            body[from..at].contains(&owner)
        })
    }

    /// Every error message the page shows: under its fields, in its summary, or as the whole
    /// page of a refusal.
    pub fn error_messages(&self) -> Vec<String> {
        let mut messages = between(&self.body, "Error: </span>", "</p>");
        let summary_open = "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\">";
        for summary in raw_between(&self.body, summary_open, "</div>") {
            messages.extend(between(summary, "<li>", "</li>"));
        }
        if self.status >= 400 {
            messages.extend(between(&self.body, "</h1><p>", "</p>"));
        }
        messages
    }

    /// Asserts that no error message of the page has a JSON path, a SPEC rule id or a bare
    /// Graph code in it (issue 19); `what` names the page in the failure.
    #[track_caller]
    pub fn assert_errors_in_words(&self, what: &str) {
        for message in self.error_messages() {
            let api_words = stint_core::in_words::api_speak(&message);
            assert!(api_words.is_empty(), "{what}: {api_words:?} in {message:?}");
        }
    }
}

/// A browser: a cookie jar and no redirect following.
#[derive(Clone)]
pub struct Browser {
    http: reqwest::Client,
    base_url: String,
    cookies: Arc<Mutex<BTreeMap<String, String>>>,
    pub forwarded_https: bool,
}

impl Browser {
    pub fn new(base_url: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base_url: base_url.to_string(),
            cookies: Arc::new(Mutex::new(BTreeMap::new())),
            forwarded_https: false,
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_string(), value.to_string());
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn remember(&self, headers: &HeaderMap) {
        for value in headers.get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let mut jar = self.cookies.lock().unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_string(), value.to_string());
            }
        }
    }

    async fn finish(&self, request: reqwest::RequestBuilder) -> Page {
        let mut request = request.header(COOKIE, self.cookie_header());
        if self.forwarded_https {
            request = request.header("x-forwarded-proto", "https");
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.remember(&headers);
        let body = response.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let url = format!("{}{path}", self.base_url);
        self.finish(self.http.get(url)).await
    }

    /// Posts `fields` as a form, exactly as given (no CSRF value added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let url = format!("{}{path}", self.base_url);
        let body: String = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.finish(
            self.http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await
    }

    /// Posts `fields` with `csrf`.
    pub async fn post(&self, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf", csrf)];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Signs in with a password (and a code, for an account with an authenticator); panics
    /// unless the console starts a session.
    pub async fn sign_in(&self, user: &str, password: &str, code: Option<&str>) {
        let form = self.get("/ui/sign-in").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        let answer = self
            .post(
                "/ui/sign-in",
                &csrf,
                &[
                    ("username", user),
                    ("password", password),
                    ("next", "/ui/my-roles"),
                ],
            )
            .await;
        let answer = match code {
            None => answer,
            Some(code) => {
                assert_eq!(answer.status, 200, "the TOTP step: {}", answer.body);
                assert!(answer.contains("Enter your code"));
                self.post(
                    "/ui/sign-in/totp",
                    &answer.csrf(),
                    &[("code", code), ("next", "/ui/my-roles")],
                )
                .await
            }
        };
        assert_eq!(answer.status, 303, "sign-in failed: {}", answer.body);
        assert!(self.cookie("stint_session").is_some());
    }

    /// The CSRF value of the signed-in session, read from a page.
    pub async fn csrf(&self) -> String {
        self.get("/ui/profile").await.csrf()
    }
}

/// Percent-encodes `text` for a query parameter.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `html` as text: tags dropped, entities read.
pub fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// Every piece of `html` between `open` and the next `close`.
fn raw_between<'a>(html: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    html.match_indices(open)
        .filter_map(|(at, _)| {
            let rest = &html[at + open.len()..];
            rest.find(close).map(|end| &rest[..end])
        })
        .collect()
}

/// Every piece of `html` between `open` and the next `close`, as text.
pub fn between(html: &str, open: &str, close: &str) -> Vec<String> {
    raw_between(html, open, close)
        .into_iter()
        .map(text)
        .collect()
}
