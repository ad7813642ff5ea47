//! Debian's OpenLDAP `slapd` in a temporary directory on a free port, with a base of users and
//! groups, optionally speaking TLS with a certificate of a CA of its own; killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use stint_testkit::{free_port, wait_until_accepting};

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
             sortvals member uniqueMember memberUid\n\
             database mdb\n\
             maxsize 1073741824\n\
             dbnosync\n\
             index objectClass,uid,mail eq\n\
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
