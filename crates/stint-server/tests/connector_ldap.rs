//! Issue 18 end to end against a real OpenLDAP `slapd` (C2, C3, V7), through the shared scenario
//! of `connector_kit`: a Stint group linked to a `groupOfNames` gets its effective members —
//! nested groups flattened — on activation, loses them on deactivation and at the end instant
//! with the confirmed removal audited, has members added by hand removed and audited, and catches
//! up after the directory was down; and one node at a time drives it. `STINT_TEST_LDAP=1` makes
//! it mandatory; `.ci/run` installs slapd and sets it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod connector_kit;
// The slapd harness of stint-connectors' suites, shared rather than copied.
#[path = "../../stint-connectors/tests/support/slapd.rs"]
#[allow(dead_code)]
mod slapd;

use std::sync::Arc;

use chrono::TimeDelta;
use serde_json::{json, Value};
use stint_app::connector_worker::{ConnectorDriver, Round};

use common::TestServer;
use connector_kit::{eventually, link, names, round, scenario, Probe};
use slapd::{group_dn, user_dn, Slapd};

fn ldap_enabled(test: &str) -> bool {
    connector_kit::enabled("STINT_TEST_LDAP", test, "slapd and ldap-utils")
}

/// `cn=ops` of a test's slapd, linked through its `member` attribute.
struct LdapProbe(Slapd);

impl Probe for LdapProbe {
    fn connector(&self) -> Value {
        json!({
            "displayName": "Test slapd", "type": "ldap", "url": self.0.url(),
            "bindDn": slapd::ROOT_DN, "bindPassword": slapd::ROOT_PASSWORD,
            "baseDn": slapd::SUFFIX, "userFilter": "(uid={userPrincipalName})",
        })
    }

    fn link(&self, group: &str) -> Value {
        json!({ "groupId": group, "target": group_dn("ops"), "memberAttribute": "member" })
    }

    fn secret(&self) -> Option<String> {
        Some(slapd::ROOT_PASSWORD.to_owned())
    }

    /// The users' uids, without the placeholders.
    async fn people(&self) -> Vec<String> {
        let prefix = "uid=";
        let suffix = format!(",ou=people,{}", slapd::SUFFIX);
        let mut values: Vec<String> = (self.0.values(&group_dn("ops"), "member").into_iter())
            .filter_map(|dn| Some(dn.strip_prefix(prefix)?.strip_suffix(&suffix)?.to_owned()))
            .collect();
        values.sort();
        values
    }

    async fn add_by_hand(&self, name: &str) -> String {
        self.0.modify(&format!(
            "dn: {}\nchangetype: modify\nadd: member\nmember: {}\n",
            group_dn("ops"),
            user_dn(name)
        ));
        user_dn(name)
    }

    async fn stop(&mut self) {
        self.0.stop();
    }

    async fn resume(&mut self) {
        self.0.resume();
    }
}

#[common::both_backends]
async fn c2_c3_v7_a_linked_ldap_group_follows_effective_membership_and_proves_removals() {
    if !ldap_enabled("connector_ldap") {
        return;
    }
    let mut probe = LdapProbe(Slapd::start());
    let server = TestServer::start().await;
    let linked = scenario(&server, &mut probe).await;
    // The placeholder slapd's group was made with is drift, removed and audited (C3).
    assert_eq!(linked.first_drift, 1);
    let (driver, id) = (linked.driver, linked.id);

    // One node drives a connector: another waits for the lease to lapse, then takes over.
    let other_node = ConnectorDriver::new();
    assert_eq!(round(&server, &other_node, id).await, Round::NotHeld);
    server.advance(TimeDelta::seconds(30));
    assert!(matches!(
        round(&server, &other_node, id).await,
        Round::Synced { .. }
    ));
    assert_eq!(round(&server, &driver, id).await, Round::NotHeld);
    assert_eq!(probe.people().await, names(&["alice", "carol"]));
}

#[common::both_backends(flavor = "multi_thread")]
async fn c2_the_spawned_worker_pushes_each_commit_and_ends_with_its_supervisor() {
    if !ldap_enabled("connector_ldap spawned worker") {
        return;
    }
    let probe = LdapProbe(Slapd::start());
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let bob = admin.create_user("bob").await;
    let ops = admin.create_group("Ops", false).await;
    link(&admin, &probe, &ops).await;
    let driver = Arc::new(ConnectorDriver::new());
    let worker = stint_app::connector_worker::spawn_connectors(server.app.clone(), driver.clone());
    admin.add_member(&ops, &bob).await;
    assert_eq!(eventually(&probe, &names(&["bob"])).await, names(&["bob"]));
    let path = format!("/v1.0/groups/{ops}/members/{bob}/$ref");
    admin.delete(&path).await.expect(204);
    assert_eq!(eventually(&probe, &[]).await, Vec::<String>::new());

    // Aborting the supervisor ends the per-connector tasks: none holds the driver any more.
    worker.abort();
    assert!(worker.await.unwrap_err().is_cancelled());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while Arc::strong_count(&driver) > 1 && std::time::Instant::now() < deadline {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        Arc::strong_count(&driver),
        1,
        "a connector task outlived its supervisor"
    );
}
