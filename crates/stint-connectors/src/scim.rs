//! The SCIM 2.0 target (RFC 7643/7644): a group of an application's SCIM endpoint whose
//! `members` Stint keeps with `PATCH`, and optionally the users themselves.
//!
//! Users are found with `filter=userName eq "…"` (the user principal name); with
//! `create_users` a missing user is created (`userName`, `externalId` = Stint id, `emails`).
//! The linked group is named by its `id` or its `displayName`. Additions are one `PATCH` with one
//! `add` of many members; removals one `PATCH` with one `remove` per member, each with the value
//! path `members[value eq "…"]`. HTTP 429 and 5xx, timeouts and refused connections are
//! transient; 401/403 (the token), 404 (the group) and 400 (a refused value) are permanent.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::Mutex;
use url::Url;
use uuid::Uuid;

use crate::batch::{apply_in_pieces, PieceError};
use crate::cache::{ResolutionCache, DEFAULT_TTL};
use crate::{Applied, Link, Member, Secret, Target, TargetError, TargetValue};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const SCIM_JSON: &str = "application/scim+json";

/// A SCIM 2.0 service provider.
#[derive(Debug, Clone)]
pub struct ScimConfig {
    /// The base URL, e.g. `https://app.example.com/scim/v2`.
    pub url: String,
    /// The bearer token.
    pub token: Secret,
    /// Create a user that does not exist yet (otherwise it is unresolved).
    pub create_users: bool,
    /// How long one request may take.
    pub timeout: Duration,
    /// Members per `PATCH` at most.
    pub batch_size: usize,
}

impl ScimConfig {
    /// A configuration with the defaults: no user creation, 10 s, 100 members per `PATCH`.
    pub fn new(url: impl Into<String>, token: impl Into<Secret>) -> ScimConfig {
        ScimConfig {
            url: url.into(),
            token: token.into(),
            create_users: false,
            timeout: Duration::from_secs(10),
            batch_size: 100,
        }
    }
}

/// A SCIM service provider as a [`Target`].
#[derive(Debug)]
pub struct ScimTarget {
    config: ScimConfig,
    base: Url,
    client: reqwest::Client,
    cache: ResolutionCache,
    /// A link's `target` → the group's `id`.
    groups: Mutex<HashMap<String, String>>,
}

impl ScimTarget {
    /// A target for `config`, checked.
    pub fn new(config: ScimConfig) -> Result<ScimTarget, TargetError> {
        let mut base = Url::parse(&config.url)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
            .ok_or_else(|| TargetError::permanent("url: must be an http:// or https:// URL"))?;
        if !base.username().is_empty() || base.password().is_some() {
            return Err(TargetError::permanent(
                "url: must not hold credentials; the token is configured apart",
            ));
        }
        if config.token.expose().trim().is_empty() {
            return Err(TargetError::permanent("token: must not be empty"));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|_| TargetError::permanent("the HTTP client cannot be built"))?;
        Ok(ScimTarget {
            config,
            base,
            client,
            cache: ResolutionCache::new(DEFAULT_TTL),
            groups: Mutex::new(HashMap::new()),
        })
    }

    /// A request to `base/segments…`, authorised.
    fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        self.client
            .request(method, url)
            .bearer_auth(self.config.token.expose())
            .header(reqwest::header::ACCEPT, SCIM_JSON)
    }

    /// Sends `request`; any status other than 2xx becomes a failure naming `doing`.
    async fn send(&self, doing: &str, request: RequestBuilder) -> Result<Response, Failure> {
        let response = request.send().await.map_err(|error| {
            let error = error.without_url();
            let message = format!("{doing}: {error}");
            Failure::other(
                match error.is_timeout() || error.is_connect() || error.is_request() {
                    true => TargetError::transient(message),
                    false => TargetError::permanent(message),
                },
            )
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let detail = response
            .json::<Value>()
            .await
            .ok()
            .and_then(|body| {
                body.get("detail")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let error = status_error(doing, status, &detail);
        Err(Failure {
            status: Some(status),
            error,
        })
    }

    async fn json(&self, doing: &str, request: RequestBuilder) -> Result<Value, Failure> {
        self.send(doing, request).await?.json().await.map_err(|_| {
            Failure::other(TargetError::permanent(format!(
                "{doing}: the answer is not SCIM JSON"
            )))
        })
    }

    /// The ids of the resources of `kind` matching `attribute eq "value"`.
    async fn find(
        &self,
        kind: &str,
        attribute: &str,
        value: &str,
    ) -> Result<Vec<String>, TargetError> {
        let filter = format!("{attribute} eq {}", json!(value));
        let request = self
            .request(Method::GET, &[kind])
            .query(&[("filter", filter.as_str()), ("attributes", "id")]);
        let list = self.json(&format!("searching {kind}"), request).await?;
        Ok(list
            .get("Resources")
            .and_then(Value::as_array)
            .map(|resources| {
                resources
                    .iter()
                    .filter_map(|resource| resource.get("id").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn create_user(&self, member: &Member) -> Result<String, TargetError> {
        let mut user = json!({
            "schemas": [USER_SCHEMA],
            "userName": member.user_principal_name,
            "externalId": member.id.to_string(),
            "active": true,
        });
        if let Some(mail) = &member.mail {
            user["emails"] = json!([{"value": mail, "primary": true}]);
        }
        let request = self.request(Method::POST, &["Users"]).json(&user);
        let created = self.json("creating the user", request).await?;
        created
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| TargetError::permanent("creating the user: the answer has no id"))
    }

    /// The id of the linked group: `target` itself if a group has that id, else the one group
    /// whose `displayName` it is.
    async fn group_id(&self, link: &Link) -> Result<String, TargetError> {
        if let Some(id) = self.groups.lock().await.get(&link.target) {
            return Ok(id.clone());
        }
        let by_id = self
            .request(Method::GET, &["Groups", &link.target])
            .query(&[("attributes", "id")]);
        let id = match self.send("reading the group", by_id).await {
            Ok(_) => link.target.clone(),
            // Some servers answer 400 rather than 404 to an id they would never issue.
            Err(failure)
                if failure.error.is_transient()
                    || failure.is(StatusCode::UNAUTHORIZED)
                    || failure.is(StatusCode::FORBIDDEN) =>
            {
                return Err(failure.error)
            }
            Err(_) => {
                let ids = self.find("Groups", "displayName", &link.target).await?;
                match ids.as_slice() {
                    [id] => id.clone(),
                    [] => return Err(no_such_group(link)),
                    _ => {
                        return Err(TargetError::permanent(format!(
                            "several groups are named {}; link one by its id",
                            link.target
                        )))
                    }
                }
            }
        };
        self.groups
            .lock()
            .await
            .insert(link.target.clone(), id.clone());
        Ok(id)
    }

    /// Forgets a group id that the server no longer knows, and says so.
    async fn group_gone(&self, link: &Link, failure: Failure) -> TargetError {
        if failure.is(StatusCode::NOT_FOUND) {
            self.groups.lock().await.remove(&link.target);
            return no_such_group(link);
        }
        failure.error
    }

    async fn patch(&self, link: &Link, operations: Value) -> Result<(), PieceError> {
        let id = self.group_id(link).await.map_err(PieceError::Whole)?;
        let body = json!({"schemas": [PATCH_OP], "Operations": operations});
        let request = self
            .request(Method::PATCH, &["Groups", &id])
            .header(reqwest::header::CONTENT_TYPE, SCIM_JSON)
            .body(body.to_string());
        match self.send("changing the group's members", request).await {
            Ok(_) => Ok(()),
            Err(failure)
                if [
                    StatusCode::NOT_FOUND,
                    StatusCode::UNAUTHORIZED,
                    StatusCode::FORBIDDEN,
                ]
                .iter()
                .any(|status| failure.is(*status)) =>
            {
                Err(PieceError::Whole(self.group_gone(link, failure).await))
            }
            Err(failure) => Err(failure.error.into()),
        }
    }

    async fn apply(
        &self,
        link: &Link,
        adding: bool,
        values: &[TargetValue],
    ) -> Result<Applied, TargetError> {
        apply_in_pieces(values, self.config.batch_size, &self.cache, |piece| {
            let operations = match adding {
                true => {
                    let members: Vec<Value> = piece
                        .iter()
                        .map(|value| json!({"value": value.as_str()}))
                        .collect();
                    json!([{"op": "add", "path": "members", "value": members}])
                }
                false => Value::Array(
                    piece
                        .iter()
                        .map(|value| {
                            let path = format!("members[value eq {}]", json!(value.as_str()));
                            json!({"op": "remove", "path": path})
                        })
                        .collect(),
                ),
            };
            self.patch(link, operations)
        })
        .await
    }
}

impl Target for ScimTarget {
    async fn resolve(
        &self,
        _link: &Link,
        member: &Member,
    ) -> Result<Option<TargetValue>, TargetError> {
        if let Some(value) = self.cache.get("user", member) {
            return Ok(Some(value));
        }
        let ids = self
            .find("Users", "userName", &member.user_principal_name)
            .await?;
        let id = match ids.as_slice() {
            [id] => id.clone(),
            [] if self.config.create_users => self.create_user(member).await?,
            [] => return Ok(None),
            _ => return Err(TargetError::permanent("several users have this userName")),
        };
        let value = TargetValue::new(id);
        self.cache.put("user", member, &value);
        Ok(Some(value))
    }

    async fn read_members(&self, link: &Link) -> Result<BTreeSet<TargetValue>, TargetError> {
        let id = self.group_id(link).await?;
        let request = self
            .request(Method::GET, &["Groups", &id])
            .query(&[("attributes", "members")]);
        let group = match self.json("reading the group", request).await {
            Ok(group) => group,
            Err(error) => return Err(self.group_gone(link, error).await),
        };
        Ok(group
            .get("members")
            .and_then(Value::as_array)
            .map(|members| {
                members
                    .iter()
                    .filter_map(|member| member.get("value").and_then(Value::as_str))
                    .map(TargetValue::from)
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn add(&self, link: &Link, values: &[TargetValue]) -> Result<Applied, TargetError> {
        self.apply(link, true, values).await
    }

    async fn remove(&self, link: &Link, values: &[TargetValue]) -> Result<Applied, TargetError> {
        self.apply(link, false, values).await
    }

    async fn health(&self) -> Result<(), TargetError> {
        let request = self
            .request(Method::GET, &["Groups"])
            .query(&[("count", "1"), ("attributes", "id")]);
        self.send("listing groups", request).await?;
        Ok(())
    }

    fn forget(&self, member: Uuid) {
        self.cache.forget(member);
    }
}

/// What an answer with a status other than 2xx means: 429, 408 and 5xx are transient (the
/// server is busy or failing), 401 and 403 say the token is refused, the rest are permanent.
fn status_error(doing: &str, status: StatusCode, detail: &str) -> TargetError {
    let message = format!("{doing}: HTTP {}: {detail}", status.as_u16());
    match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT => {
            TargetError::transient(message)
        }
        status if status.is_server_error() => TargetError::transient(message),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => TargetError::permanent(format!(
            "{doing}: the token is refused (HTTP {})",
            status.as_u16()
        )),
        _ => TargetError::permanent(message),
    }
}

/// A request that failed, with the HTTP status when there was an answer.
#[derive(Debug)]
struct Failure {
    status: Option<StatusCode>,
    error: TargetError,
}

impl Failure {
    fn other(error: TargetError) -> Failure {
        Failure {
            status: None,
            error,
        }
    }

    fn is(&self, status: StatusCode) -> bool {
        self.status == Some(status)
    }
}

impl From<Failure> for TargetError {
    fn from(failure: Failure) -> TargetError {
        failure.error
    }
}

fn no_such_group(link: &Link) -> TargetError {
    TargetError::permanent(format!("no such group: {}", link.target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_never_shows_the_token() {
        let target = ScimTarget::new(ScimConfig::new(
            "https://app.example.com/scim/v2",
            "tok-3141592",
        ))
        .unwrap();
        assert!(!format!("{target:?}").contains("tok-3141592"));
    }

    #[test]
    fn busy_and_failing_servers_are_transient_and_refusals_permanent() {
        for status in [429, 408, 500, 502, 503] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(status_error("x", status, "").is_transient(), "{status}");
        }
        for status in [400, 401, 403, 404, 409] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(!status_error("x", status, "").is_transient(), "{status}");
        }
        let refused = status_error("listing groups", StatusCode::UNAUTHORIZED, "");
        assert_eq!(
            refused.message(),
            "listing groups: the token is refused (HTTP 401)"
        );
    }

    #[test]
    fn a_url_with_credentials_or_another_scheme_is_refused() {
        for url in ["ftp://x/scim", "https://u:p@x/scim", "not a url"] {
            let error = ScimTarget::new(ScimConfig::new(url, "t")).unwrap_err();
            assert!(error.message().starts_with("url:"), "{error}");
        }
    }
}
