//! A real Stint server for integration tests: a fresh store, a manual clock, the tenant
//! bootstrapped with `admin` / [`ADMIN_PASSWORD`], served on `127.0.0.1:0`, and a `reqwest`
//! client that speaks to it as a given user.
//!
//! The store is an in-memory SQLite database, or, inside a test marked `#[both_backends]`, also
//! a fresh PostgreSQL database of the test's own ([`Backend`]).
//!
//! ```ignore
//! mod common;
//! #[common::both_backends]
//! async fn a1_example() {
//! let server = common::TestServer::start().await;
//! let admin = server.admin().await;
//! let alice = admin.create_user("alice@contoso.com").await;
//! let reply = admin.get(&format!("/v1.0/users/{alice}")).await;
//! let user = reply.expect(200);
//! }
//! ```
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use stint_app::{App, AppConfig, ManualClock, Password};
use stint_core::directory::BuiltInRole;
use stint_store::Store;
use stint_store_postgres::testing::{self, TestDatabase};
use stint_store_sqlite::SqliteStore;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The first administrator, created by the bootstrap with the Global Administrator role.
pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
/// The password the helpers give every user they create.
pub const PASSWORD: &str = "user-password-1";

/// Where the manual clock starts: a Monday morning.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

/// Graph's text for a time, as the server writes it.
pub fn graph_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The defaults, except that tokens live for ten years, so that tests can move the clock on by
/// days or months and keep their signed-in clients.
pub fn test_config() -> AppConfig {
    AppConfig {
        token_lifetime: TimeDelta::days(3650),
        ..AppConfig::default()
    }
}

#[allow(unused_imports)] // a test file with no test on both backends
pub use stint_test_macros::both_backends;

/// The store a test's servers run on; chosen by `#[both_backends]`, SQLite elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

tokio::task_local! {
    static BACKEND: Backend;
}

impl Backend {
    /// The backend of the test running on this task.
    pub fn current() -> Backend {
        BACKEND
            .try_with(|backend| *backend)
            .unwrap_or(Backend::Sqlite)
    }

    /// Runs a test's body with this backend. Where PostgreSQL is not configured, its run says
    /// `SKIPPED` and passes; `.ci/run` configures it, so nothing is skipped there.
    pub async fn run<T: Default>(self, body: impl std::future::Future<Output = T>) -> T {
        if self == Backend::Postgres && !testing::available_or_say_skipped() {
            return T::default();
        }
        BACKEND.scope(self, body).await
    }

    /// A fresh store, and what must live as long as it (the PostgreSQL test database).
    pub async fn fresh_store(self) -> (Arc<dyn Store>, Option<TestDatabase>) {
        match self {
            Backend::Sqlite => (
                Arc::new(SqliteStore::open("sqlite::memory:").await.unwrap()),
                None,
            ),
            Backend::Postgres => {
                let database = TestDatabase::create()
                    .await
                    .expect("PostgreSQL is configured for a postgres test");
                (Arc::new(database.open().await), Some(database))
            }
        }
    }
}

/// One database that several nodes open, each with a store of its own (its own connections), as
/// several `stint serve` processes would: a SQLite file in a temporary directory, or a fresh
/// PostgreSQL database.
#[derive(Debug)]
pub enum SharedDatabase {
    Sqlite {
        url: String,
        _directory: tempfile::TempDir,
    },
    Postgres(TestDatabase),
}

impl SharedDatabase {
    /// A fresh database on the current test's [`Backend`].
    pub async fn fresh() -> SharedDatabase {
        match Backend::current() {
            Backend::Sqlite => {
                let directory = tempfile::tempdir().unwrap();
                let path = directory.path().join("stint.db");
                SharedDatabase::Sqlite {
                    url: format!("sqlite://{}", path.display()),
                    _directory: directory,
                }
            }
            Backend::Postgres => SharedDatabase::Postgres(
                TestDatabase::create()
                    .await
                    .expect("PostgreSQL is configured for a postgres test"),
            ),
        }
    }

    /// What `stint serve --database` takes.
    pub fn url(&self) -> &str {
        match self {
            SharedDatabase::Sqlite { url, .. } => url,
            SharedDatabase::Postgres(database) => database.url(),
        }
    }

    /// A new store on the database, with connections of its own.
    pub async fn open(&self) -> Arc<dyn Store> {
        match self {
            SharedDatabase::Sqlite { url, .. } => Arc::new(SqliteStore::open(url).await.unwrap()),
            SharedDatabase::Postgres(database) => Arc::new(database.open().await),
        }
    }
}

/// A running server. Dropping it stops the server.
pub struct TestServer {
    pub base_url: String,
    pub app: Arc<App>,
    clock: ManualClock,
    http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    /// Declared last: the database is dropped after the server has stopped using it.
    database: Option<TestDatabase>,
}

impl TestServer {
    /// A server with [`test_config`].
    pub async fn start() -> TestServer {
        TestServer::start_with(test_config()).await
    }

    pub async fn start_with(config: AppConfig) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        TestServer::start_on(listener, config).await
    }

    /// [`TestServer::start_with`] on `listener`, whose address the configuration may need to
    /// know beforehand (its public URL).
    pub async fn start_on(listener: tokio::net::TcpListener, config: AppConfig) -> TestServer {
        let (store, database) = Backend::current().fresh_store().await;
        let clock = ManualClock::starting_at(start_time());
        let mut server = TestServer::serve_on(listener, store, clock, config).await;
        server
            .app
            .bootstrap(Some(Password::new(ADMIN_PASSWORD)))
            .await
            .unwrap();
        server.database = database;
        server
    }

    /// A node serving `store` with `clock`, without bootstrapping: several of them on one store
    /// stand for several nodes on one database.
    pub async fn serve(store: Arc<dyn Store>, clock: ManualClock, config: AppConfig) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        TestServer::serve_on(listener, store, clock, config).await
    }

    async fn serve_on(
        listener: tokio::net::TcpListener,
        store: Arc<dyn Store>,
        clock: ManualClock,
        config: AppConfig,
    ) -> TestServer {
        let app = Arc::new(
            App::open(store, Arc::new(clock.clone()), config)
                .await
                .unwrap(),
        );
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let serving = Arc::clone(&app);
        let task = tokio::spawn(async move {
            let until = async {
                let _ = stopped.await;
            };
            stint_server::serve(listener, serving, until).await.unwrap();
        });
        TestServer {
            base_url,
            app,
            clock,
            http: reqwest::Client::new(),
            shutdown: Some(shutdown),
            task: Some(task),
            database: None,
        }
    }

    pub fn clock(&self) -> &ManualClock {
        &self.clock
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.app.now()
    }

    pub fn advance(&self, by: TimeDelta) {
        self.clock.advance(by);
    }

    /// A client with no token.
    pub fn anonymous(&self) -> Client {
        Client {
            http: self.http.clone(),
            base_url: self.base_url.clone(),
            token: None,
        }
    }

    /// Signs in as `admin` (Global Administrator).
    pub async fn admin(&self) -> Client {
        self.client_as(ADMIN, ADMIN_PASSWORD).await
    }

    /// Signs in and panics if that fails.
    pub async fn client_as(&self, user: &str, password: &str) -> Client {
        let reply = self.sign_in(user, password).await;
        let body = reply.expect(200);
        let token = body["access_token"].as_str().unwrap().to_string();
        Client {
            token: Some(token),
            ..self.anonymous()
        }
    }

    /// `POST /stint/v1/auth/token`, whatever the outcome.
    pub async fn sign_in(&self, user: &str, password: &str) -> Reply {
        self.anonymous()
            .post(
                "/stint/v1/auth/token",
                json!({ "username": user, "password": password }),
            )
            .await
    }

    /// Creates a user (as `admin`) holding `role` for the whole directory, and signs in as them.
    pub async fn user_with_role(
        &self,
        user_principal_name: &str,
        role: BuiltInRole,
    ) -> (String, Client) {
        let admin = self.admin().await;
        let id = admin.create_user(user_principal_name).await;
        admin.assign_role(&id, role, "/").await;
        (id, self.client_as(user_principal_name, PASSWORD).await)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// An HTTP client of the test server, signed in or not.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    token: Option<String>,
}

impl Client {
    /// The same server, as the holder of `token`.
    pub fn with_token(&self, token: &str) -> Client {
        Client {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body.to_string())).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body.to_string())).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    /// Sends `body` as it is, as `application/json`: for malformed bodies.
    pub async fn send_raw(&self, method: Method, path: &str, body: &str) -> Reply {
        self.send(method, path, Some(body.to_string())).await
    }

    /// `path` is relative to the server (`/v1.0/...`) or an absolute URL such as an `@odata.nextLink`.
    pub async fn send(&self, method: Method, path: &str, body: Option<String>) -> Reply {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base_url)
        };
        let mut request = self.http.request(method.clone(), &url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("request-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            method,
            path: path.to_string(),
            status,
            body,
            request_id,
        }
    }

    // Directory helpers, as the caller: each panics unless the call succeeds.

    /// Creates an enabled user with [`PASSWORD`]; the display name is the part before `@`.
    pub async fn create_user(&self, user_principal_name: &str) -> String {
        let display_name = user_principal_name
            .split('@')
            .next()
            .unwrap_or(user_principal_name);
        let body = json!({
            "accountEnabled": true,
            "displayName": display_name,
            "userPrincipalName": user_principal_name,
            "mailNickname": display_name,
            "passwordProfile": { "password": PASSWORD, "forceChangePasswordNextSignIn": false },
        });
        id_of(self.post("/v1.0/users", body).await.expect(201))
    }

    /// Creates a cloud security group.
    pub async fn create_group(&self, display_name: &str, role_assignable: bool) -> String {
        self.create_group_with(json!({
            "displayName": display_name,
            "mailEnabled": false,
            "mailNickname": display_name.replace(' ', ""),
            "securityEnabled": true,
            "isAssignableToRole": role_assignable,
        }))
        .await
    }

    /// Creates a group from a Graph body.
    pub async fn create_group_with(&self, body: Value) -> String {
        id_of(self.post("/v1.0/groups", body).await.expect(201))
    }

    /// `POST /v1.0/groups/{group}/members/$ref`.
    pub async fn add_member(&self, group: &str, principal: &str) {
        self.post(
            &format!("/v1.0/groups/{group}/members/$ref"),
            reference(principal),
        )
        .await
        .expect(204);
    }

    /// `POST /v1.0/groups/{group}/owners/$ref`.
    pub async fn add_owner(&self, group: &str, user: &str) {
        self.post(
            &format!("/v1.0/groups/{group}/owners/$ref"),
            reference(user),
        )
        .await
        .expect(204);
    }

    /// Assigns `role` at `scope` (`/` or `/administrativeUnits/{id}`); returns the assignment id.
    pub async fn assign_role(&self, principal: &str, role: BuiltInRole, scope: &str) -> String {
        let body = json!({
            "@odata.type": "#microsoft.graph.unifiedRoleAssignment",
            "principalId": principal,
            "roleDefinitionId": role.id().to_string(),
            "directoryScopeId": scope,
        });
        id_of(
            self.post("/v1.0/roleManagement/directory/roleAssignments", body)
                .await
                .expect(201),
        )
    }

    /// Creates an administrative unit; returns its id.
    pub async fn create_unit(&self, display_name: &str) -> String {
        id_of(
            self.post(
                "/v1.0/directory/administrativeUnits",
                json!({ "displayName": display_name }),
            )
            .await
            .expect(201),
        )
    }

    /// The ids in a collection at `path`, in the order the server lists them.
    pub async fn ids(&self, path: &str) -> Vec<String> {
        let body = self.get(path).await.expect(200);
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_string())
            .collect()
    }
}

/// The body of a `$ref` call, as Graph's documentation writes it.
pub fn reference(id: &str) -> Value {
    json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}") })
}

fn id_of(body: Value) -> String {
    body["id"].as_str().unwrap().to_string()
}

/// What the server answered.
#[derive(Debug)]
pub struct Reply {
    pub method: Method,
    pub path: String,
    pub status: u16,
    /// The JSON body; `Null` when empty.
    pub body: Value,
    /// The `request-id` response header.
    pub request_id: Option<String>,
}

impl Reply {
    /// The body, if the status is `status`; otherwise panics showing the call and the body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "{} {} answered {}: {}",
            self.method, self.path, self.status, self.body
        );
        self.body
    }

    /// Checks a Graph error body (`error.code`, `error.message`, `error.innerError` with the
    /// request id of the response and a date) and returns the message.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> String {
        let request_id = self.request_id.clone();
        let body = self.expect(status);
        let error = &body["error"];
        assert_eq!(error["code"], code, "error code in {body}");
        let message = error["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no message in {body}"));
        assert!(!message.is_empty(), "empty message in {body}");
        let inner = &error["innerError"];
        assert!(
            inner["request-id"].is_string(),
            "no innerError.request-id in {body}"
        );
        assert_eq!(
            inner["request-id"].as_str(),
            request_id.as_deref(),
            "request-id header and body differ"
        );
        assert!(inner["date"].is_string(), "no innerError.date in {body}");
        message.to_string()
    }
}
