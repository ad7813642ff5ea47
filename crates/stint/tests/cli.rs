//! The `stint` client commands as a person or a script runs them: the built binary against a
//! running `stint serve`, each user with their own config directory (issue 5, SPEC I4).
//!
//! Every `--output json` printed here must parse; exit codes are checked as documented: 0 success,
//! 1 refused by a rule, 2 usage error, 3 authentication needed, 4 server unreachable.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use stint_testkit::free_port;
use tempfile::TempDir;

const ADMIN_PASSWORD: &str = "admin-password-1";
const GROUP: &str = "Tier 0 Admins";

/// `stint serve` on a test's database and a free port; killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(database: &common::Database) -> Server {
        Server::start_logging_to(database, Stdio::null(), "warn")
    }

    /// Starts with the server's log (on its stdout) going to `log`, at `level`.
    fn start_logging_to(database: &common::Database, log: Stdio, level: &str) -> Server {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_stint"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database",
                database.url(),
            ])
            .env("STINT_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("STINT_LOG", level)
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::blocking::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if http
                .get(format!("{}/stint/v1/health", server.base))
                .send()
                .is_ok_and(|response| response.status().is_success())
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not become healthy");
    }

    /// A token for `username`, straight from the API (for setting up, not for the CLI).
    fn token(&self, username: &str, password: &str, totp: Option<&str>) -> String {
        let mut body = json!({ "username": username, "password": password });
        if let Some(code) = totp {
            body["totp"] = code.into();
        }
        let answer: Value = reqwest::blocking::Client::new()
            .post(format!("{}/stint/v1/auth/token", self.base))
            .json(&body)
            .send()
            .unwrap()
            .json()
            .unwrap();
        answer["access_token"].as_str().unwrap().to_string()
    }

    fn api(&self, token: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = reqwest::blocking::Client::new()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .unwrap();
        let status = response.status();
        let text = response.text().unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    fn create_user(&self, admin: &str, name: &str) -> String {
        let user = self.api(
            admin,
            reqwest::Method::POST,
            "/v1.0/users",
            json!({"accountEnabled": true, "displayName": capitalized(name), "userPrincipalName": name,
                   "passwordProfile": {"password": password_of(name)}}),
        );
        user["id"].as_str().unwrap().to_string()
    }

    fn create_group(&self, admin: &str, name: &str) -> String {
        let group = self.api(
            admin,
            reqwest::Method::POST,
            "/v1.0/groups",
            json!({"displayName": name, "securityEnabled": true, "mailEnabled": false,
                   "groupTypes": [], "isAssignableToRole": true}),
        );
        group["id"].as_str().unwrap().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn password_of(name: &str) -> String {
    format!("{name}-password-1")
}

/// One person's `stint`, with its own config directory.
struct Stint {
    config: TempDir,
}

impl Stint {
    fn new() -> Stint {
        Stint {
            config: tempfile::tempdir().unwrap(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_stint"));
        command
            .args(args)
            .env("STINT_CONFIG_DIR", self.config.path())
            .env_remove("STINT_SERVER")
            .env_remove("STINT_TOKEN")
            .env_remove("STINT_OUTPUT")
            .env_remove("STINT_USERNAME")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs and expects exit code 0; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "stint {args:?} failed with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs with `--output json`, expects exit code 0 and parses stdout.
    fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.extend(["--output", "json"]);
        let text = self.ok(&with_json);
        serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("stint {args:?}: {error}: {text}"))
    }

    /// Runs and expects exit code `code`; returns stderr, which says what went wrong in words:
    /// no JSON path, SPEC rule id or bare Graph code (issue 19).
    fn fails(&self, args: &[&str], code: i32) -> String {
        let output = self.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert_eq!(
            output.status.code(),
            Some(code),
            "stint {args:?}: stdout {} stderr {stderr}",
            String::from_utf8_lossy(&output.stdout)
        );
        let api_words = stint_core::in_words::api_speak(&stderr);
        assert!(
            api_words.is_empty(),
            "stint {args:?} printed {api_words:?}: {stderr}"
        );
        stderr
    }

    /// `stint login` with the password on stdin; returns stdout.
    fn login(&self, server: &str, username: &str, password: &str, extra: &[&str]) -> Output {
        let mut args = vec![
            "login",
            "--server",
            server,
            "--username",
            username,
            "--password-stdin",
        ];
        args.extend(extra);
        let mut child = self.command(&args).stdin(Stdio::piped()).spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn login_ok(&self, server: &Server, username: &str) {
        let output = self.login(&server.base, username, &password_of(username), &[]);
        assert!(
            output.status.success(),
            "login as {username}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn credentials(&self) -> std::path::PathBuf {
        self.config.path().join("credentials.json")
    }
}

fn array(value: &Value) -> &Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
}

/// As the administrator: `GROUP` managed, alice eligible for its membership for 7
/// days, and carol the approver of its activations, which also need what `policy` sets.
fn alice_eligible_carol_approves(server: &Server, policy: &[&str]) {
    let admin = Stint::new();
    admin.login_ok_admin(server);
    let token = server.token("admin", ADMIN_PASSWORD, None);
    server.create_user(&token, "alice");
    server.create_user(&token, "carol");
    server.create_group(&token, GROUP);
    admin.ok(&["groups", "manage", GROUP]);
    admin.ok(&[
        "assign",
        GROUP,
        "alice",
        "--member",
        "--eligible",
        "--for",
        "7d",
        "--reason",
        "x",
    ]);
    let mut set = vec![
        "policy",
        "set",
        GROUP,
        "--require-approval",
        "--approver",
        "carol",
    ];
    set.extend_from_slice(policy);
    admin.ok(&set);
}

fn find<'a>(rows: &'a Value, key: &str, wanted: &str) -> Option<&'a Value> {
    array(rows).iter().find(|row| row[key] == wanted)
}

#[common::both_backends]
async fn i4_the_whole_life_login_manage_assign_policy_activate_with_approval_deactivate_audit() {
    let database = common::Database::fresh().await;
    common::blocking(|| {
        let server = Server::start(&database);
        let admin = Stint::new();

        // Login: the password from stdin, the token saved with mode 0600 and never printed.
        let output = admin.login(&server.base, "admin", ADMIN_PASSWORD, &[]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let printed = String::from_utf8(output.stdout).unwrap();
        assert!(printed.contains("Signed in to"), "{printed}");
        let saved: Value =
            serde_json::from_str(&std::fs::read_to_string(admin.credentials()).unwrap()).unwrap();
        let token = saved["token"].as_str().unwrap().to_string();
        assert_eq!(saved["username"], "admin");
        assert_eq!(saved["server"], server.base.as_str());
        assert!(saved["expires_at"].is_string());
        assert!(!printed.contains(&token), "the token is never printed");
        assert!(!std::fs::read_to_string(admin.credentials())
            .unwrap()
            .contains(ADMIN_PASSWORD));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(admin.credentials())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "credentials are private");
        }
        let me = admin.json(&["whoami"]);
        assert_eq!(me["userPrincipalName"], "admin");
        assert!(array(&me["roles"])
            .iter()
            .any(|role| role["displayName"] == "Global Administrator"));
        assert!(admin.ok(&["whoami"]).contains("Global Administrator"));

        // Users and groups are made through the API; two groups share a name.
        let alice_id = server.create_user(&token, "alice");
        let carol_id = server.create_user(&token, "carol");
        let group_id = server.create_group(&token, GROUP);
        let twin_a = server.create_group(&token, "Ops");
        let twin_b = server.create_group(&token, "Ops");

        // Discover and manage.
        let discovered = admin.json(&["groups", "discover"]);
        let row = find(&discovered, "id", &group_id).expect("the new group is discoverable");
        assert_eq!(row["displayName"], GROUP);
        assert_eq!(row["manageable"], true);
        assert_eq!(row["managed"], false);
        assert!(admin.ok(&["groups", "discover"]).contains(GROUP));
        let ambiguous = admin.fails(&["groups", "manage", "Ops"], 1);
        assert!(
            ambiguous.contains("2 groups are named 'Ops'"),
            "{ambiguous}"
        );
        assert!(
            ambiguous.contains(&twin_a) && ambiguous.contains(&twin_b),
            "{ambiguous}"
        );
        let managed = admin.json(&["groups", "manage", GROUP]);
        assert_eq!(managed["managed"], true);
        assert_eq!(managed["id"], group_id.as_str());
        let listed = admin.json(&["groups", "list"]);
        assert!(find(&listed, "id", &group_id).is_some());
        let table = admin.ok(&["groups", "list"]);
        assert!(table.starts_with("NAME"), "{table}");
        assert!(table.contains(GROUP) && table.contains("UTC"), "{table}");

        // Assign alice eligible; the same again is refused by a rule (exit 1, the server's code).
        let assigned = admin.json(&[
            "assign",
            GROUP,
            "alice",
            "--member",
            "--eligible",
            "--for",
            "30d",
            "--reason",
            "On call",
        ]);
        assert_eq!(assigned["status"], "Provisioned");
        assert_eq!(assigned["action"], "adminAssign");
        assert_eq!(assigned["scheduleInfo"]["expiration"]["duration"], "P30D");
        let refused = admin.fails(
            &[
                "assign",
                GROUP,
                "alice",
                "--member",
                "--eligible",
                "--for",
                "30d",
                "--reason",
                "Again",
            ],
            1,
        );
        assert!(
            refused.starts_with("error: The Role assignment already exists"),
            "{refused}"
        );
        assert!(refused.contains("hint:"), "{refused}");
        // Removing it within 5 minutes says so in words, not as ActiveDurationTooShort.
        let too_soon = admin.fails(&["unassign", GROUP, "alice", "--member", "--eligible"], 1);
        assert!(
            too_soon.starts_with(
                "error: An assignment cannot be removed within 5 minutes of being made"
            ),
            "{too_soon}"
        );
        let assignments = admin.json(&["assignments", GROUP]);
        let row = find(&assignments, "principalId", &alice_id).expect("alice's eligibility");
        assert_eq!(row["kind"], "eligible");
        assert_eq!(row["principalName"], "alice");
        assert_eq!(row["groupName"], GROUP);
        assert!(admin.ok(&["assignments", GROUP]).contains("alice"));
        assert_eq!(admin.json(&["assignments", GROUP, "--expired"]), json!([]));

        // The policy: approval by carol, at most 4 hours.
        let rules = admin.json(&[
            "policy",
            "set",
            GROUP,
            "--require-approval",
            "--approver",
            "carol",
            "--max-activation",
            "4h",
        ]);
        assert_eq!(array(&rules).len(), 17);
        let approval = find(&rules, "id", "Approval_EndUser_Assignment").unwrap();
        assert_eq!(approval["setting"]["isApprovalRequired"], true);
        assert_eq!(
            approval["setting"]["approvalStages"][0]["primaryApprovers"][0]["userId"],
            carol_id.as_str()
        );
        let expiration = find(&rules, "id", "Expiration_EndUser_Assignment").unwrap();
        assert_eq!(expiration["maximumDuration"], "PT4H");
        let shown = admin.ok(&["policy", "show", GROUP]);
        assert!(shown.contains("approval by carol"), "{shown}");
        assert!(shown.contains("ends after at most 4h"), "{shown}");
        assert_eq!(
            array(&admin.json(&["policy", "show", GROUP, "--owner"])).len(),
            17
        );

        // Alice sees what she may activate and activates in the background, waiting for approval.
        let alice = Stint::new();
        alice.login_ok(&server, "alice");
        let eligible = alice.json(&["eligible"]);
        assert_eq!(array(&eligible).len(), 1);
        assert_eq!(eligible[0]["groupName"], GROUP);
        assert!(alice.ok(&["eligible"]).contains(GROUP));
        let too_long = alice.fails(&["activate", GROUP, "--for", "6h", "--reason", "INC-42"], 1);
        assert!(
            too_long.starts_with("error: An activation may last at most 4 hours"),
            "{too_long}"
        );
        let waiting = alice
            .command(&[
                "activate",
                GROUP,
                "--for",
                "2h",
                "--reason",
                "INC-42: restart the payments",
                "--ticket",
                "Jira:INC-42",
                "--wait",
                "--output",
                "json",
            ])
            .spawn()
            .unwrap();

        // Carol logs in elsewhere, finds the request and approves it.
        let carol = Stint::new();
        carol.login_ok(&server, "carol");
        let deadline = Instant::now() + Duration::from_secs(15);
        let pending = loop {
            let queue = carol.json(&["approvals"]);
            if let Some(first) = array(&queue).first() {
                break first.clone();
            }
            assert!(
                Instant::now() < deadline,
                "alice's request never reached carol"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(pending["principalName"], "alice");
        assert_eq!(pending["groupName"], GROUP);
        assert_eq!(pending["status"], "PendingApproval");
        assert_eq!(pending["ticketNumber"], "INC-42");
        let request_id = pending["id"].as_str().unwrap().to_string();
        let queue_table = carol.ok(&["approvals"]);
        assert!(
            queue_table.contains(&request_id) && queue_table.contains("INC-42"),
            "{queue_table}"
        );
        let mine = alice.json(&["requests", "--pending"]);
        assert_eq!(mine[0]["id"], request_id.as_str());
        let decided = carol.json(&["approve", &request_id, "--reason", "Checked the ticket"]);
        assert_eq!(decided["stages"][0]["reviewResult"], "Approved");

        // Alice's --wait ends with exit 0 and the provisioned request.
        let waited = waiting.wait_with_output().unwrap();
        assert!(
            waited.status.success(),
            "--wait: {}",
            String::from_utf8_lossy(&waited.stderr)
        );
        let provisioned: Value = serde_json::from_slice(&waited.stdout).unwrap();
        assert_eq!(provisioned["id"], request_id.as_str());
        assert_eq!(provisioned["status"], "Provisioned");
        let active = alice.json(&["active"]);
        let row = find(&active, "groupId", &group_id).expect("alice is active");
        assert_eq!(row["assignmentType"], "activated");
        assert_eq!(row["groupName"], GROUP);
        assert!(alice.ok(&["active"]).contains(GROUP));
        let requests_table = alice.ok(&["requests"]);
        assert!(
            requests_table.contains("Approved") && !requests_table.contains("Provisioned"),
            "{requests_table}"
        );

        // She is an effective member now; carol is not (exit 0 both ways).
        let check = admin.json(&["check", "alice", GROUP]);
        assert_eq!(check["member"], true);
        assert!(admin.ok(&["check", "alice", GROUP]).starts_with("yes"));
        assert_eq!(admin.json(&["check", "carol", GROUP])["member"], false);
        assert!(admin.ok(&["check", "carol", GROUP]).starts_with("no"));

        // Ending it within 5 minutes of its start is refused by A3 (the server's clock is real).
        let early = alice.fails(&["deactivate", GROUP], 1);
        assert!(
            early.starts_with("error: An activation cannot be ended within 5 minutes of its start"),
            "{early}"
        );
        assert!(early.contains("hint:"), "{early}");

        // Alice is not eligible for ownership.
        let owner_request = alice.fails(&["activate", GROUP, "--owner", "--reason", "x"], 1);
        assert!(
            owner_request.contains("You are not eligible for owner of this group"),
            "{owner_request}"
        );

        // The audit log, table and JSON.
        let audit = admin.json(&["audit", "--group", GROUP, "--since", "1h"]);
        let approve = find(&audit, "action", "approval.approve").expect("the approval is audited");
        assert_eq!(approve["actorName"], "carol");
        assert_eq!(approve["result"], "success");
        assert!(find(&audit, "action", "request.selfDeactivate")
            .is_some_and(|e| e["result"] == "failure"));
        let audit_table = admin.ok(&["audit", "--group", GROUP, "--since", "1h"]);
        assert!(audit_table.starts_with("TIME"), "{audit_table}");
        // Actions read as phrases in the table; the JSON keeps the codes.
        assert!(audit_table.contains("Approved a request"), "{audit_table}");
        assert!(
            audit_table.contains("Tried to deactivate early"),
            "{audit_table}"
        );
        assert!(!audit_table.contains("approval.approve"), "{audit_table}");
        // A refusal reads in words there too: no SPEC rule id, no Graph code.
        assert!(
            audit_table.contains("Refused: An activation cannot be ended within 5 minutes"),
            "{audit_table}"
        );
        assert!(
            !audit_table.contains("Refused (") && !audit_table.contains("ActiveDurationTooShort"),
            "{audit_table}"
        );

        // Logout ends the token; then authentication is needed (exit 3).
        let out = alice.json(&["logout"]);
        assert_eq!(out["signedOut"], true);
        assert!(!alice.credentials().exists());
        let again = alice.fails(&["active"], 3);
        assert!(again.contains("stint login"), "{again}");
        let with_env_token = Command::new(env!("CARGO_BIN_EXE_stint"))
            .args(["active"])
            .env("STINT_CONFIG_DIR", alice.config.path())
            .env("STINT_SERVER", &server.base)
            .env("STINT_TOKEN", &token)
            .output()
            .unwrap();
        assert!(
            with_env_token.status.success(),
            "STINT_TOKEN and STINT_SERVER stand in for a saved sign-in"
        );
    });
}

#[common::both_backends]
async fn i4_denial_fails_wait_and_cancel_withdraws_a_request() {
    let database = common::Database::fresh().await;
    common::blocking(|| {
        let server = Server::start(&database);
        alice_eligible_carol_approves(&server, &[]);
        let alice = Stint::new();
        alice.login_ok(&server, "alice");
        let carol = Stint::new();
        carol.login_ok(&server, "carol");

        // Pending, then canceled by alice.
        let pending = alice.json(&["activate", GROUP, "--for", "1h", "--reason", "first"]);
        assert_eq!(pending["status"], "PendingApproval");
        let id = pending["id"].as_str().unwrap();
        let duplicate = alice.fails(&["activate", GROUP, "--for", "1h", "--reason", "again"], 1);
        assert!(
            duplicate.contains("There already exists a pending request"),
            "{duplicate}"
        );
        let canceled = alice.json(&["cancel", id]);
        assert_eq!(canceled["status"], "Canceled");
        assert_eq!(alice.json(&["requests", "--pending"]), json!([]));

        // Pending, then denied by carol: --wait exits 1 with the approver's reason.
        let waiting = alice
            .command(&[
                "activate", GROUP, "--for", "1h", "--reason", "second", "--wait",
            ])
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        let id = loop {
            let queue = carol.json(&["approvals"]);
            if let Some(first) = array(&queue).first() {
                break first["id"].as_str().unwrap().to_string();
            }
            assert!(Instant::now() < deadline, "no request reached carol");
            std::thread::sleep(Duration::from_millis(100));
        };
        assert!(carol
            .ok(&["deny", &id, "--reason", "Not during the freeze"])
            .contains("Denied"));
        let waited = waiting.wait_with_output().unwrap();
        assert_eq!(waited.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&waited.stderr);
        assert!(
            stderr.contains("was denied: Not during the freeze"),
            "{stderr}"
        );
        let listed = alice.json(&["requests"]);
        assert_eq!(find(&listed, "id", &id).unwrap()["status"], "Denied");
        // A decided request cannot be decided again.
        let twice = carol.fails(&["approve", &id, "--reason", "changed my mind"], 1);
        assert!(twice.contains("already decided"), "{twice}");
    });
}

impl Stint {
    fn login_ok_admin(&self, server: &Server) {
        let output = self.login(&server.base, "admin", ADMIN_PASSWORD, &[]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// A TOTP authenticator app for a secret the server gave.
struct App(totp_rs::TOTP);

impl App {
    fn from_secret(secret: &str) -> App {
        let bytes = totp_rs::Secret::Encoded(secret.to_string())
            .to_bytes()
            .unwrap();
        App(totp_rs::TOTP::new_unchecked(
            totp_rs::Algorithm::SHA1,
            6,
            1,
            30,
            bytes,
        ))
    }

    /// The code `offset` seconds after the server's now (see [`Server::now`]).
    fn code_in(&self, server: &Server, token: &str, offset: i64) -> String {
        let at = server.now(token).timestamp() + offset;
        self.0.generate(u64::try_from(at).unwrap())
    }
}

impl Server {
    /// The server's time. Built with `test-clock`, its clock stands still unless a test moves it,
    /// so codes must follow it rather than the wall clock (a slow run would drift past the
    /// server's window of accepted codes); without the feature there is no such endpoint and the
    /// server reads the system clock.
    fn now(&self, token: &str) -> chrono::DateTime<chrono::Utc> {
        let response = reqwest::blocking::Client::new()
            .get(format!("{}/stint/v1/test/clock", self.base))
            .bearer_auth(token)
            .send()
            .unwrap();
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return chrono::Utc::now();
        }
        let clock: Value = response.json().unwrap();
        clock["now"].as_str().unwrap().parse().unwrap()
    }
}

/// Enrols and confirms a TOTP authenticator for `user` with the current code.
fn enrol(server: &Server, user: &str) -> App {
    let token = server.token(user, &password_of(user), None);
    let enrolled = server.api(
        &token,
        reqwest::Method::POST,
        "/stint/v1/me/authenticators/totp",
        Value::Null,
    );
    let app = App::from_secret(enrolled["secret"].as_str().unwrap());
    server.api(
        &token,
        reqwest::Method::POST,
        "/stint/v1/me/authenticators/totp/confirm",
        json!({ "code": app.code_in(server, &token, 0) }),
    );
    app
}

#[common::both_backends]
async fn i4_totp_at_login_and_a_step_up_when_the_policy_requires_mfa() {
    let database = common::Database::fresh().await;
    common::blocking(|| {
        let server = Server::start(&database);
        let admin = Stint::new();
        admin.login_ok_admin(&server);
        let token = server.token("admin", ADMIN_PASSWORD, None);
        server.create_user(&token, "dave");
        server.create_user(&token, "erin");
        server.create_group(&token, "Secure");
        admin.ok(&["groups", "manage", "Secure"]);
        admin.ok(&[
            "assign",
            "Secure",
            "dave",
            "--member",
            "--eligible",
            "--for",
            "7d",
            "--reason",
            "x",
        ]);
        let changed = admin.ok(&["policy", "set", "Secure", "--require-mfa"]);
        assert!(
            changed.starts_with("Changed 1 rule of the member policy of Secure."),
            "{changed}"
        );

        // Dave signs in with his password before he has an authenticator: his token has no MFA.
        let dave = Stint::new();
        dave.login_ok(&server, "dave");
        let dave_app = enrol(&server, "dave");

        // The activation needs MFA: without a terminal and --totp it says how (exit 1) ...
        let refused = dave.fails(&["activate", "Secure", "--for", "1h", "--reason", "x"], 1);
        assert!(
            refused.contains("Confirm with a current code from your authenticator app."),
            "{refused}"
        );
        assert!(refused.contains("--totp"), "{refused}");
        // ... and with --totp it steps up and retries once.
        let activated = dave.json(&[
            "activate",
            "Secure",
            "--for",
            "1h",
            "--reason",
            "x",
            "--totp",
            &dave_app.code_in(&server, &token, 30),
        ]);
        assert_eq!(activated["status"], "Provisioned");

        // Erin has an authenticator: a sign-in without a code needs one (exit 3), with one works.
        let erin_app = enrol(&server, "erin");
        let erin = Stint::new();
        let output = erin.login(&server.base, "erin", &password_of("erin"), &[]);
        assert_eq!(output.status.code(), Some(3));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("TOTP") && stderr.contains("--totp"),
            "{stderr}"
        );
        let output = erin.login(
            &server.base,
            "erin",
            &password_of("erin"),
            &[
                "--totp",
                &erin_app.code_in(&server, &token, 30),
                "--output",
                "json",
            ],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let signed_in: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(signed_in["username"], "erin");
        assert!(signed_in.get("token").is_none());
        assert_eq!(erin.json(&["whoami"])["userPrincipalName"], "erin");
    });
}

#[test]
fn i4_exit_codes_for_usage_missing_login_and_an_unreachable_server() {
    let stint = Stint::new();
    // 2: usage errors, from clap and from the command itself.
    stint.fails(
        &["assign", "G", "alice", "--member", "--owner", "--eligible"],
        2,
    );
    stint.fails(&["activate", "G"], 2);
    stint.fails(&["activate", "G", "--reason", "x", "--for", "banana"], 2);
    stint.fails(&["frobnicate"], 2);
    // 3: nobody signed in.
    let stderr = stint.fails(&["eligible"], 3);
    assert!(
        stderr.contains("not signed in") && stderr.contains("stint login"),
        "{stderr}"
    );
    // 4: nothing listens there.
    let closed = format!("http://127.0.0.1:{}", free_port());
    let output = stint
        .command(&["whoami"])
        .env("STINT_SERVER", &closed)
        .env("STINT_TOKEN", "some-token")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot be reached"), "{stderr}");
    assert!(!stderr.contains("some-token"), "the token is never printed");
    let output = stint.login(&closed, "admin", "whatever", &[]);
    assert_eq!(output.status.code(), Some(4));
    let stderr = stint.fails(&["policy", "show", "G"], 3);
    assert!(stderr.starts_with("error: "), "{stderr}");
}

#[test]
fn i4_help_has_examples_and_completions_are_generated() {
    let stint = Stint::new();
    for command in [
        vec!["--help"],
        vec!["activate", "--help"],
        vec!["policy", "set", "--help"],
        vec!["groups", "manage", "--help"],
    ] {
        let help = stint.ok(&command);
        assert!(help.contains("Examples:"), "{command:?}: {help}");
    }
    for shell in ["bash", "zsh", "fish"] {
        let script = stint.ok(&["completions", shell]);
        assert!(script.contains("activate"), "{shell}");
    }
    stint.fails(&["completions", "tcsh"], 2);
}

#[common::both_backends]
async fn c1_c2_connectors_are_added_linked_listed_and_reported_with_the_secret_from_the_environment(
) {
    let database = common::Database::fresh().await;
    common::blocking(|| {
        let server = Server::start(&database);
        let admin = Stint::new();
        admin.login_ok(&server, "admin");
        let token = server.token("admin", ADMIN_PASSWORD, None);
        server.create_group(&token, "Ops");
        const SECRET: &str = "bind-secret-in-the-environment";
        let add = [
            "connectors",
            "add",
            "--name",
            "Corporate LDAP",
            "--type",
            "ldap",
            "--url",
            "ldap://127.0.0.1:9",
            "--bind-dn",
            "cn=stint,dc=example,dc=org",
            "--base-dn",
            "dc=example,dc=org",
            "--user-filter",
            "(uid={userPrincipalName})",
            "--secret-env",
            "STINT_TEST_BIND_PASSWORD",
        ];
        let missing = admin.fails(&add, 1);
        assert!(missing.contains("STINT_TEST_BIND_PASSWORD"), "{missing}");
        let mut with_json = add.to_vec();
        with_json.extend(["--output", "json"]);
        let output = admin
            .command(&with_json)
            .env("STINT_TEST_BIND_PASSWORD", SECRET)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let created: Value = serde_json::from_slice(&output.stdout).unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        let linked = admin.ok(&[
            "connectors",
            "link",
            &id,
            "--group",
            "Ops",
            "--target",
            "cn=ops,dc=example,dc=org",
        ]);
        assert!(
            linked.contains("Linked Ops to cn=ops,dc=example,dc=org"),
            "{linked}"
        );
        let listed = admin.json(&["connectors", "list"]);
        let row = find(&listed, "id", &id).unwrap();
        assert_eq!(array(&row["links"]).len(), 1);
        let status = admin.json(&["connectors", "status", &id]);
        assert!(status["state"].is_string(), "{status}");
        assert!(status.get("removalLatencyP99Ms").is_some(), "{status}");
        let asked = admin.ok(&["connectors", "reconcile", &id]);
        assert!(asked.contains("Asked for a reconcile"), "{asked}");
        let text = admin.ok(&["connectors", "list"]) + &admin.ok(&["connectors", "status", &id]);
        assert!(!text.contains(SECRET) && !listed.to_string().contains(SECRET));
    });
}

#[common::both_backends]
async fn x1_stint_advisor_prints_each_finding_with_its_fix_and_json_for_scripts() {
    let database = common::Database::fresh().await;
    common::blocking(|| {
        let server = Server::start(&database);
        let admin = Stint::new();
        admin.login_ok(&server, "admin");
        let answer = admin.json(&["advisor"]);
        let findings = array(&answer["value"]);
        let permanent = find(&answer["value"], "kind", "permanentRoleAssignment")
            .expect("the bootstrap administrator holds Global Administrator outside PIM");
        assert_eq!(permanent["severity"], "medium");
        assert!(permanent["fix"].as_str().unwrap().contains("eligible"));
        let high = answer["counts"]["high"].as_u64().unwrap();
        let medium = answer["counts"]["medium"].as_u64().unwrap();
        let low = answer["counts"]["low"].as_u64().unwrap();
        assert_eq!((high + medium + low) as usize, findings.len());
        let text = admin.ok(&["advisor"]);
        assert!(
            text.contains("holds Global Administrator permanently, outside PIM"),
            "{text}"
        );
        assert!(text.contains("  Fix: "), "{text}");
        assert!(text.contains("/ui/directory/roles"), "{text}");
    });
}

#[common::both_backends]
async fn the_server_log_has_no_colour_codes_when_it_is_not_a_terminal() {
    let database = common::Database::fresh().await;
    common::blocking(|| {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("stint.log");
        let file = std::fs::File::create(&path).unwrap();
        let server = Server::start_logging_to(&database, Stdio::from(file), "info");
        drop(server);
        let log = std::fs::read_to_string(&path).unwrap();
        assert!(!log.trim().is_empty(), "the server logged nothing at info");
        assert!(!log.contains('\u{1b}'), "escape codes in the log: {log:?}");
    });
}

#[common::both_backends]
async fn an_eligible_person_reads_the_rules_of_their_activations_with_policy_show() {
    let database = common::Database::fresh().await;
    common::blocking(|| {
        let server = Server::start(&database);
        alice_eligible_carol_approves(
            &server,
            &[
                "--max-activation",
                "3h",
                "--require-ticket",
                "--require-mfa",
            ],
        );
        let token = server.token("admin", ADMIN_PASSWORD, None);
        server.create_user(&token, "dave");

        let alice = Stint::new();
        alice.login_ok(&server, "alice");
        let shown = alice.ok(&["policy", "show", GROUP]);
        for line in [
            "Activating your membership of Tier 0 Admins needs:",
            "Longest activation: 3h",
            "Approval: needed",
            "Multi-factor authentication (a recent TOTP code): needed",
            "A reason (justification): needed",
            "A ticket (system and number): needed",
        ] {
            assert!(shown.contains(line), "{line:?} missing from {shown}");
        }
        assert!(
            !shown.contains("carol"),
            "the approvers are not hers to read: {shown}"
        );
        let rules = alice.json(&["policy", "show", GROUP]);
        assert_eq!(rules["maximumDuration"], "PT3H");
        assert_eq!(rules["isApprovalRequired"], true);
        assert!(rules.get("approvers").is_none(), "{rules}");
        // Her ownership she is not eligible for; dave is eligible for nothing.
        let not_owner = alice.fails(&["policy", "show", GROUP, "--owner"], 1);
        assert!(
            not_owner.contains("Nor are you eligible for it"),
            "{not_owner}"
        );
        let dave = Stint::new();
        dave.login_ok(&server, "dave");
        let refused = dave.fails(&["policy", "show", GROUP], 1);
        assert!(refused.starts_with("error: "), "{refused}");
        assert!(refused.contains("Nor are you eligible for it"), "{refused}");
    });
}
