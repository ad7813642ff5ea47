//! Issue 18 end to end against a real SCIM 2.0 service provider, `scim2-server` from PyPI (C2,
//! C3, V7), through the shared scenario of `connector_kit`: activation appears, deactivation and
//! expiry disappear with the removal confirmed, nested membership is flattened, drift is removed
//! and audited, and a frozen server loses nothing. `STINT_TEST_SCIM_SERVER=1` makes it mandatory;
//! `.ci/run` installs scim2-server and sets it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod connector_kit;
// The scim2-server harness of stint-connectors' suites, shared rather than copied.
#[path = "../../stint-connectors/tests/support/scim_server.rs"]
#[allow(dead_code)]
mod scim_server;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use common::TestServer;
use connector_kit::{scenario, Probe};
use scim_server::ScimServer;

/// The users of the scenario in the SCIM server, and its group `ops`.
struct ScimProbe {
    server: ScimServer,
    /// User name → SCIM id.
    users: BTreeMap<String, String>,
    ops: String,
}

impl ScimProbe {
    async fn start() -> ScimProbe {
        let server = ScimServer::start();
        let mut users = BTreeMap::new();
        for name in ["alice", "bob", "carol", "mallory"] {
            users.insert(name.to_owned(), server.create_user(name).await);
        }
        let ops = server.create_group("ops").await;
        ScimProbe { server, users, ops }
    }
}

impl Probe for ScimProbe {
    fn connector(&self) -> Value {
        json!({
            "displayName": "Test SCIM app", "type": "scim", "url": self.server.url(),
            "token": self.server.token,
        })
    }

    fn link(&self, group: &str) -> Value {
        json!({ "groupId": group, "target": "ops" })
    }

    fn secret(&self) -> Option<String> {
        Some(self.server.token.clone())
    }

    async fn people(&self) -> Vec<String> {
        let members = self.server.members(&self.ops).await;
        let mut names: Vec<String> = (self.users.iter())
            .filter(|(_, id)| members.contains(id))
            .map(|(name, _)| name.clone())
            .collect();
        names.sort();
        assert_eq!(names.len(), members.len(), "members unknown: {members:?}");
        names
    }

    async fn add_by_hand(&self, name: &str) -> String {
        let id = &self.users[name];
        self.server.add_member(&self.ops, id).await;
        id.clone()
    }

    /// Frozen (SIGSTOP): it accepts connections and answers nothing; in memory, it would forget
    /// everything if killed.
    async fn stop(&mut self) {
        self.server.freeze();
    }

    async fn resume(&mut self) {
        self.server.thaw();
    }
}

#[common::both_backends]
async fn c2_c3_v7_a_linked_scim_group_follows_effective_membership_and_proves_removals() {
    if !connector_kit::enabled(
        "STINT_TEST_SCIM_SERVER",
        "connector_scim",
        "scim2-server (pip install scim2-server==0.8.3)",
    ) {
        return;
    }
    let mut probe = ScimProbe::start().await;
    let server = TestServer::start().await;
    let linked = scenario(&server, &mut probe).await;
    assert_eq!(linked.first_drift, 0, "the group was made empty");
}
