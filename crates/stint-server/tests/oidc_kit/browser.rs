//! A browser without a person: a cookie jar that follows the redirects between Stint and the
//! provider one by one, for the OIDC tests of the server and of the `stint` binary.
#![allow(dead_code, clippy::unwrap_used)]

use reqwest::header::{HeaderMap, LOCATION};

/// A browser without a person: cookies kept, redirects followed one by one.
pub struct Person {
    http: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    base_url: String,
}

/// An answer of Stint or the provider.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Person {
    pub fn new(base_url: &str) -> Person {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Person {
            http: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar,
            base_url: base_url.to_string(),
        }
    }

    /// `path` on Stint, or an absolute URL.
    pub async fn get(&self, path: &str) -> Answer {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base_url)
        };
        answer(self.http.get(url).send().await.unwrap()).await
    }

    /// Follows the provider's redirects from `url` until they lead back to Stint's callback;
    /// returns the callback URL, not yet visited.
    pub async fn through_provider(&self, url: &str) -> String {
        let base_url = self.base_url.clone();
        self.follow(url, |next| next.starts_with(&base_url))
            .await
            .unwrap_or_else(|answer| {
                panic!(
                    "the provider answered {} without a redirect: {}",
                    answer.status, answer.body
                )
            })
    }

    /// Follows redirects from `url` until one leads to a URL for which `stop` holds (`Ok`, not
    /// visited) or an answer is no redirect (`Err`).
    pub async fn follow(&self, url: &str, stop: impl Fn(&str) -> bool) -> Result<String, Answer> {
        let mut url = url.to_string();
        for _ in 0..20 {
            if stop(&url) {
                return Ok(url);
            }
            let answer = self.get(&url).await;
            let Some(next) = answer.location.clone() else {
                return Err(answer);
            };
            url = absolute(&url, &next);
        }
        panic!("too many redirects");
    }

    /// Posts `form` to the absolute `url`, as a browser submits a form.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Answer {
        answer(self.http.post(url).form(form).send().await.unwrap()).await
    }

    /// The person's part of a device sign-in at the provider: enter `user_code` at
    /// `verification_uri` and sign in (the scripted interaction signs in the account added last).
    pub async fn enter_user_code(&self, verification_uri: &str, user_code: &str) {
        let form = self.get(verification_uri).await;
        assert_eq!(form.status, 200, "{}", form.body);
        let xsrf = hidden_field(&form.body, "xsrf").unwrap();
        let fields = [
            ("xsrf", xsrf.as_str()),
            ("user_code", user_code),
            ("confirm", "yes"),
        ];
        let posted = self.post_form(verification_uri, &fields).await;
        let next = posted
            .location
            .unwrap_or_else(|| panic!("{}: {}", posted.status, posted.body));
        let next = absolute(verification_uri, &next);
        let done = self.follow(&next, |_| false).await.unwrap_err();
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(done.body.contains("Sign-in Success"), "{}", done.body);
    }

    /// The console's session token (its cookie), if signed in.
    pub fn session(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let cookies = self.jar.cookies(&self.base_url.parse().ok()?)?;
        cookies
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("stint_session="))
            .map(str::to_owned)
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let location = location(response.headers());
    let body = response.text().await.unwrap_or_default();
    Answer {
        status,
        location,
        body,
    }
}

fn location(headers: &HeaderMap) -> Option<String> {
    headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `next` (a `Location`) as an absolute URL, where `url` answered it.
pub fn absolute(url: &str, next: &str) -> String {
    if next.starts_with('/') {
        let origin: String = url.split('/').take(3).collect::<Vec<_>>().join("/");
        format!("{origin}{next}")
    } else {
        next.to_string()
    }
}

/// The `value` of the hidden form field `name` in `html`.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let field = format!("name=\"{name}\" value=\"");
    let at = html.find(&field)?;
    let rest = &html[at + field.len()..];
    rest.split('"').next().map(str::to_owned)
}
