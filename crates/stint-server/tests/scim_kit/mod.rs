//! What the SCIM tests share: a provisioning token made by the Global Administrator, and a
//! client that speaks `application/scim+json` with the headers SCIM clients send.
#![allow(dead_code)]

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{Client, TestServer};

pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The admin, and a SCIM client holding a fresh provisioning token.
pub async fn provisioning(server: &TestServer) -> (Client, Scim) {
    let admin = server.admin().await;
    let made = admin
        .post(
            "/stint/v1/scim/tokens",
            json!({ "displayName": "Identity provider" }),
        )
        .await
        .expect(201);
    let scim = Scim::new(server, made["token"].as_str().unwrap());
    (admin, scim)
}

/// A SCIM client of the test server.
#[derive(Clone, Debug)]
pub struct Scim {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// What `/scim/v2` answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub etag: Option<String>,
    pub body: Value,
}

impl Answer {
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "answered {}: {}",
            self.status, self.body
        );
        self.body
    }

    /// A SCIM error body with `status` as a string and `scimType` (`None`: none), and its detail.
    #[track_caller]
    pub fn expect_scim_error(self, status: u16, scim_type: Option<&str>) -> String {
        assert!(
            self.content_type.starts_with("application/scim+json"),
            "content type {}",
            self.content_type
        );
        let body = self.expect(status);
        assert_eq!(body["schemas"], json!([ERROR]), "{body}");
        assert_eq!(body["status"], status.to_string(), "{body}");
        assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
        body["detail"].as_str().unwrap().to_string()
    }
}

impl Scim {
    pub fn new(server: &TestServer, token: &str) -> Scim {
        Scim {
            http: reqwest::Client::new(),
            base: format!("{}/scim/v2", server.base_url),
            token: token.to_string(),
        }
    }

    pub fn with_token(&self, token: &str) -> Scim {
        Scim {
            token: token.to_string(),
            ..self.clone()
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type").unwrap_or_default();
        let etag = header("etag");
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            content_type,
            etag,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, operations: Value) -> Answer {
        let body = json!({ "schemas": [PATCH_OP], "Operations": operations });
        self.send(Method::PATCH, path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Creates a user `user_name`; returns its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let body = json!({
            "schemas": [USER],
            "userName": user_name,
            "emails": [{ "value": user_name, "type": "work", "primary": true }],
            "active": true,
        });
        self.post("/Users", body).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Creates a group with `members`; returns its id.
    pub async fn create_group(&self, display_name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|id| json!({ "value": id })).collect();
        let body = json!({ "schemas": [GROUP], "displayName": display_name, "members": members });
        self.post("/Groups", body).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The ids of a group's members, as SCIM lists them.
    pub async fn member_ids(&self, group: &str) -> Vec<String> {
        let group = self.get(&format!("/Groups/{group}")).await.expect(200);
        group["members"]
            .as_array()
            .map(|members| {
                members
                    .iter()
                    .map(|m| m["value"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Whether `/stint/v1/check` says `principal` is an effective member of `group` now.
pub async fn is_member(admin: &Client, principal: &str, group: &str) -> bool {
    let answer = admin
        .get(&format!(
            "/stint/v1/check?principalId={principal}&groupId={group}"
        ))
        .await
        .expect(200);
    answer["allowed"].as_bool().unwrap()
}
