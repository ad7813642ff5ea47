//! Real servers for the connector tests, started by each test in a temporary directory on a free
//! port and killed (by the pid started) when dropped: Debian's OpenLDAP `slapd`, and
//! `scim2-server` from PyPI. Where the suite's variable is unset, a test prints one loud
//! `SKIPPED` line and passes; `.ci/run` installs both and sets the variables.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod scenarios;

use std::io::Write as _;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use stint_connectors::Member;
use uuid::Uuid;

/// Whether a test needing `variable` runs here; prints the `SKIPPED` line when not.
pub fn enabled(variable: &str, test: &str, needs: &str) -> bool {
    if std::env::var_os(variable).is_some_and(|value| !value.is_empty()) {
        return true;
    }
    // Written past the test harness's output capture, so that it shows in every run.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: set {variable}=1 (after installing {needs}) to run it against the real server"
    );
    false
}

/// A port nothing listens on (at the time of asking).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_until_accepting(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{what} exited before accepting connections: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} does not accept connections on port {port}");
}

/// A Stint user.
pub fn member(upn: &str) -> Member {
    Member {
        id: Uuid::new_v4(),
        user_principal_name: upn.into(),
        mail: Some(upn.into()),
    }
}

/// A clock the test sets; a sync reads it for its instants.
#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn new() -> TestClock {
        TestClock(Mutex::new(
            Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap(),
        ))
    }

    pub fn set(&self, instant: DateTime<Utc>) {
        *self.0.lock().unwrap() = instant;
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub const SUFFIX: &str = "dc=example,dc=org";
pub const ROOT_DN: &str = "cn=admin,dc=example,dc=org";
pub const ROOT_PASSWORD: &str = "slapd-root-secret";
/// In every groupOfNames/groupOfUniqueNames at creation, since they need one member.
pub const PLACEHOLDER: &str = "cn=nobody,dc=example,dc=org";

/// An OpenLDAP `slapd` in a temporary directory, with users alice, bob, carol, mallory (mail
/// `NAME@example.com`) and the groups `cn=ops` (groupOfNames), `cn=dev` (groupOfUniqueNames),
/// `cn=posix` (posixGroup).
pub struct Slapd {
    child: Option<Child>,
    dir: tempfile::TempDir,
    pub port: u16,
    /// With TLS: the `ldaps://` port (StartTLS works on `port`).
    pub tls_port: Option<u16>,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Slapd {
    pub fn start() -> Slapd {
        Slapd::start_with(false)
    }

    /// A server that also speaks TLS, with a certificate for 127.0.0.1 issued by a CA of its
    /// own, whose certificate is `ca_file()`.
    pub fn start_with_tls() -> Slapd {
        Slapd::start_with(true)
    }

    fn start_with(tls: bool) -> Slapd {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        let tls_config = if tls {
            make_certificates(dir.path());
            format!(
                "TLSCACertificateFile {dir}/ca.pem\nTLSCertificateFile {dir}/server.pem\nTLSCertificateKeyFile {dir}/server.key\n",
                dir = dir.path().display()
            )
        } else {
            String::new()
        };
        let config = format!(
            "{tls_config}include /etc/ldap/schema/core.schema\n\
             include /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\n\
             include /etc/ldap/schema/nis.schema\n\
             modulepath /usr/lib/ldap\n\
             moduleload back_mdb\n\
             pidfile {dir}/slapd.pid\n\
             database mdb\n\
             maxsize 67108864\n\
             suffix \"{SUFFIX}\"\n\
             rootdn \"{ROOT_DN}\"\n\
             rootpw {ROOT_PASSWORD}\n\
             directory {dir}/data\n",
            dir = dir.path().display()
        );
        std::fs::write(dir.path().join("slapd.conf"), config).unwrap();
        let mut slapd = Slapd {
            child: None,
            dir,
            port: free_port(),
            tls_port: tls.then(free_port),
        };
        slapd.resume();
        slapd.load(&base_ldif());
        slapd
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// Kills the server (its data stays); `resume` starts it again on the same port.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The values of `attribute` of `dn` but the placeholder.
    pub fn members(&self, dn: &str, attribute: &str) -> Vec<String> {
        let mut values = self.values(dn, attribute);
        values.retain(|value| value != PLACEHOLDER);
        values
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    pub fn resume(&mut self) {
        let mut urls = format!("ldap://127.0.0.1:{}/", self.port);
        if let Some(port) = self.tls_port {
            urls.push_str(&format!(" ldaps://127.0.0.1:{port}/"));
        }
        let mut child = Command::new("/usr/sbin/slapd")
            .arg("-f")
            .arg(self.dir.path().join("slapd.conf"))
            .args(["-h", &urls, "-d", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("slapd runs (apt-get install slapd ldap-utils)");
        wait_until_accepting(self.port, &mut child, "slapd");
        self.child = Some(child);
    }

    fn tool(&self, tool: &str, args: &[&str], input: &str) -> String {
        let file = self.dir.path().join("input.ldif");
        std::fs::write(&file, input).unwrap();
        let output = Command::new(tool)
            .args(["-x", "-H", &self.url(), "-D", ROOT_DN, "-w", ROOT_PASSWORD])
            .args(args)
            .arg("-f")
            .arg(&file)
            .output()
            .expect("the ldap-utils tools run");
        assert!(
            output.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// `ldapadd` of an LDIF.
    pub fn load(&self, ldif: &str) {
        self.tool("ldapadd", &[], ldif);
    }

    /// `ldapmodify` of an LDIF (changes made "by hand", behind Stint's back).
    pub fn modify(&self, ldif: &str) {
        self.tool("ldapmodify", &[], ldif);
    }

    /// The values of `attribute` of `dn`, as `ldapsearch` reads them, lower-cased.
    pub fn values(&self, dn: &str, attribute: &str) -> Vec<String> {
        let output = Command::new("ldapsearch")
            .args([
                "-x",
                "-LLL",
                "-o",
                "ldif-wrap=no",
                "-H",
                &self.url(),
                "-D",
                ROOT_DN,
            ])
            .args([
                "-w",
                ROOT_PASSWORD,
                "-s",
                "base",
                "-b",
                dn,
                "(objectClass=*)",
                attribute,
            ])
            .output()
            .expect("ldapsearch runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let prefix = format!("{}: ", attribute.to_lowercase());
        let mut values: Vec<String> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .filter(|line| line.to_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].to_lowercase())
            .collect();
        values.sort();
        values
    }
}

/// A CA and a server certificate for 127.0.0.1 it issued, made with `openssl` in `dir`.
fn make_certificates(dir: &Path) {
    let run = |args: &[&str]| {
        let output = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .output()
            .expect("openssl runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec[..],
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Stint test CA",
        ][..],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec[..],
        &[
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ][..],
    ]
    .concat());
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    // slapd may run as another user than the one that wrote the key.
    std::fs::set_permissions(
        dir.join("server.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
}

/// The DN of user `name`.
pub fn user_dn(name: &str) -> String {
    format!("uid={name},ou=people,{SUFFIX}")
}

/// The DN of group `name`.
pub fn group_dn(name: &str) -> String {
    format!("cn={name},ou=groups,{SUFFIX}")
}

fn base_ldif() -> String {
    let mut ldif = format!(
        "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n\
         dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n\n"
    );
    for name in ["alice", "bob", "carol", "mallory"] {
        ldif.push_str(&format!(
            "dn: {dn}\nobjectClass: inetOrgPerson\nuid: {name}\ncn: {name}\nsn: {name}\nmail: {name}@example.com\n\n",
            dn = user_dn(name)
        ));
    }
    ldif.push_str(&format!(
        "dn: {ops}\nobjectClass: groupOfNames\ncn: ops\nmember: {PLACEHOLDER}\n\n\
         dn: {dev}\nobjectClass: groupOfUniqueNames\ncn: dev\nuniqueMember: {PLACEHOLDER}\n\n\
         dn: {posix}\nobjectClass: posixGroup\ncn: posix\ngidNumber: 5000\n\n",
        ops = group_dn("ops"),
        dev = group_dn("dev"),
        posix = group_dn("posix"),
    ));
    ldif
}

/// `scim2-server` (PyPI), in memory, with a bearer token.
pub struct ScimServer {
    child: Option<Child>,
    pub port: u16,
    pub token: String,
}

impl Drop for ScimServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl ScimServer {
    pub fn start() -> ScimServer {
        let mut server = ScimServer {
            child: None,
            port: free_port(),
            token: format!("token-{}", Uuid::new_v4().simple()),
        };
        server.resume();
        server
    }

    /// Kills the server; being in memory, it forgets everything.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn resume(&mut self) {
        let mut child = Command::new("scim2-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bearer-token",
                &self.token,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("scim2-server runs (pip install scim2-server)");
        wait_until_accepting(self.port, &mut child, "scim2-server");
        self.child = Some(child);
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v2", self.port)
    }
}

/// Requests to the SCIM server made directly, behind Stint's back: seeding and inspecting.
impl ScimServer {
    /// `method` on `path` (below the base URL) with an optional body; the answer's JSON
    /// (`null` when there is none). Panics unless the status is 2xx.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}/{path}", self.url()))
            .bearer_auth(&self.token)
            .query(query);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.unwrap_or(serde_json::Value::Null)
    }

    async fn create(&self, kind: &str, schema: &str, attributes: serde_json::Value) -> String {
        let mut body = attributes;
        body["schemas"] =
            serde_json::json!([format!("urn:ietf:params:scim:schemas:core:2.0:{schema}")]);
        let created = self
            .call(reqwest::Method::POST, kind, &[], Some(body))
            .await;
        created["id"].as_str().unwrap().to_string()
    }

    /// Creates a user; its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let user = serde_json::json!({"userName": user_name});
        self.create("Users", "User", user).await
    }

    /// Creates an empty group; its id.
    pub async fn create_group(&self, display_name: &str) -> String {
        let group = serde_json::json!({"displayName": display_name});
        self.create("Groups", "Group", group).await
    }

    /// Adds a member by hand.
    pub async fn add_member(&self, group: &str, user: &str) {
        let body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": user}]}],
        });
        let path = format!("Groups/{group}");
        self.call(reqwest::Method::PATCH, &path, &[], Some(body))
            .await;
    }

    /// The group's member ids, sorted.
    pub async fn members(&self, group: &str) -> Vec<String> {
        let path = format!("Groups/{group}");
        let group = self.call(reqwest::Method::GET, &path, &[], None).await;
        let mut members = ids(&group["members"], "value");
        members.sort();
        members
    }

    /// The users with this userName: their ids.
    pub async fn users_named(&self, user_name: &str) -> Vec<String> {
        let filter = format!("userName eq \"{user_name}\"");
        let query = [("filter", filter.as_str())];
        let list = self.call(reqwest::Method::GET, "Users", &query, None).await;
        ids(&list["Resources"], "id")
    }

    /// Freezes the server (SIGSTOP): it accepts connections and answers nothing.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Lets a frozen server go on (SIGCONT).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(status.success());
    }
}

/// The `field` of each object in a JSON array (none if it is not an array).
fn ids(array: &serde_json::Value, field: &str) -> Vec<String> {
    array
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| item[field].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}
