//! `scim2-server` from PyPI on a free port, in memory, with a bearer token; killed when dropped.
//! Also the requests a test makes to it directly, behind Stint's back.

use std::process::{Child, Command, Stdio};

use uuid::Uuid;

use stint_testkit::{free_port, wait_until_accepting};

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
