//! The fixture world the permission matrix is asserted in: one server, a cast of callers each
//! signed in to the API and to the console, and the objects the routes are called on.

use serde_json::{json, Value};
use stint_core::directory::BuiltInRole::{self, *};

use crate::common::{reference, Client, TestServer, PASSWORD};
use crate::policy_helpers::{approval_rule, policy_id};
use crate::ui_kit::Browser;

pub const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";
pub const ROLES: &str = "/v1.0/roleManagement/directory";

/// The columns of docs/permissions.md: who calls, and the directory role they hold for the whole
/// directory (or, for `unit-user-admin`, scoped to the unit that holds Team and Target).
pub const CAST: &[(&str, Option<BuiltInRole>)] = &[
    ("anonymous", None),
    ("user", None),
    ("owner", None),
    ("member", None),
    ("groups-admin", Some(GroupsAdministrator)),
    ("user-admin", Some(UserAdministrator)),
    ("helpdesk-admin", Some(HelpdeskAdministrator)),
    ("auth-admin", Some(AuthenticationAdministrator)),
    ("priv-role-admin", Some(PrivilegedRoleAdministrator)),
    ("global-admin", Some(GlobalAdministrator)),
    ("id-gov-admin", Some(IdentityGovernanceAdministrator)),
    ("dir-writers", Some(DirectoryWriters)),
    ("exchange-admin", Some(ExchangeAdministrator)),
    ("unit-user-admin", Some(UserAdministrator)),
];

/// One caller: their user id (none for `anonymous`), API client and console browser.
pub struct Caller {
    pub name: &'static str,
    pub id: Option<String>,
    pub api: Client,
    pub browser: Browser,
}

pub struct World {
    pub server: TestServer,
    pub admin: Client,
    /// The bootstrap Global Administrator's id.
    pub admin_id: String,
    pub callers: Vec<Caller>,
    /// `Team`: a plain security group under PIM, owned by `owner`, with `member` as a direct member.
    pub team: String,
    /// `Gated`: a plain group under PIM, owned by `owner`, whose activations `owner` approves;
    /// `member` and `requester` are eligible for its membership.
    pub gated: String,
    /// The administrative unit that holds Team, Gated and Target.
    pub unit: String,
    /// A plain user that nobody protects.
    pub target: String,
    /// Eligible for Gated; signs in to make fresh requests.
    pub requester: Client,
    requester_id: String,
    /// `member`'s pending activation of Gated.
    pub pending_request: String,
    /// The request that made `member` eligible for Gated.
    pub eligibility_request: String,
    /// The request that made `exchange-admin` an Exchange Administrator.
    pub role_request: String,
    /// The request that made the role-assignable group `Holder` eligible for Helpdesk Administrator.
    pub role_eligibility_request: String,
    /// `groups-admin`'s role assignment.
    pub role_assignment: String,
    next: std::sync::atomic::AtomicUsize,
}

/// A PIM schedule request body.
pub fn pim_request(action: &str, principal: &str, group: &str, duration: &str) -> Value {
    json!({
        "accessId": "member",
        "principalId": principal,
        "groupId": group,
        "action": action,
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": duration } },
        "justification": "Permission matrix",
    })
}

/// A directory-role schedule request body for the whole directory.
pub fn role_request(principal: &str, role: BuiltInRole) -> Value {
    json!({
        "action": "adminAssign",
        "principalId": principal,
        "roleDefinitionId": role.id().to_string(),
        "directoryScopeId": "/",
        "justification": "Permission matrix",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
    })
}

fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap().to_string()
}

impl World {
    pub async fn new() -> World {
        let server = TestServer::start().await;
        let admin = server.admin().await;
        let unit = admin.create_unit("Unit").await;
        let team = admin.create_group("Team", false).await;
        let gated = admin.create_group("Gated", false).await;
        let target = admin.create_user("target").await;
        let requester_id = admin.create_user("requester").await;
        let mut ids = Vec::new();
        for (name, role) in CAST.iter().skip(1) {
            let id = admin.create_user(name).await;
            match (*name, role) {
                ("unit-user-admin", Some(role)) => {
                    admin
                        .assign_role(&id, *role, &format!("/administrativeUnits/{unit}"))
                        .await;
                }
                ("exchange-admin", Some(_)) => {}
                (_, Some(role)) => {
                    admin.assign_role(&id, *role, "/").await;
                }
                (_, None) => {}
            }
            ids.push(id);
        }
        let id = |name: &str| ids[CAST.iter().position(|(n, _)| *n == name).unwrap() - 1].clone();
        let role_request_body = role_request(&id("exchange-admin"), ExchangeAdministrator);
        let exchange_request = id_of(
            &admin
                .post(
                    &format!("{ROLES}/roleAssignmentScheduleRequests"),
                    role_request_body,
                )
                .await
                .expect(201),
        );
        let holder = admin.create_group("Holder", true).await;
        let role_eligibility_request = id_of(
            &admin
                .post(
                    &format!("{ROLES}/roleEligibilityScheduleRequests"),
                    role_request(&holder, HelpdeskAdministrator),
                )
                .await
                .expect(201),
        );
        let role_assignment = admin
            .ids(&format!(
                "{ROLES}/roleAssignments?$filter=principalId eq '{}'",
                id("groups-admin")
            ))
            .await
            .remove(0);
        for group in [&team, &gated] {
            admin.add_owner(group, &id("owner")).await;
            admin
                .post(
                    &format!("/v1.0/directory/administrativeUnits/{unit}/members/$ref"),
                    reference(group),
                )
                .await
                .expect(204);
            admin
                .post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
                .await
                .expect(200);
        }
        admin
            .post(
                &format!("/v1.0/directory/administrativeUnits/{unit}/members/$ref"),
                reference(&target),
            )
            .await
            .expect(204);
        admin.add_member(&team, &id("member")).await;
        let eligibility = format!("{PIM}/eligibilityScheduleRequests");
        let eligibility_request = id_of(
            &admin
                .post(
                    &eligibility,
                    pim_request("adminAssign", &id("member"), &gated, "P30D"),
                )
                .await
                .expect(201),
        );
        admin
            .post(
                &eligibility,
                pim_request("adminAssign", &requester_id, &gated, "P30D"),
            )
            .await
            .expect(201);
        let policy = policy_id(&admin, &gated, "member").await;
        admin
            .patch(
                &format!(
                    "/v1.0/policies/roleManagementPolicies/{policy}/rules/Approval_EndUser_Assignment"
                ),
                approval_rule(
                    true,
                    json!([{ "@odata.type": "#microsoft.graph.singleUser", "userId": id("owner") }]),
                ),
            )
            .await
            .expect(204);

        let mut callers = Vec::new();
        for (index, (name, _)) in CAST.iter().enumerate() {
            let browser = Browser::new(&server.base_url);
            let (id, api) = if index == 0 {
                (None, server.anonymous())
            } else {
                browser.sign_in(name, PASSWORD, None).await;
                (Some(id(name)), server.client_as(name, PASSWORD).await)
            };
            callers.push(Caller {
                name,
                id,
                api,
                browser,
            });
        }
        let member = &callers[3].api;
        let pending_request = id_of(
            &member
                .post(
                    &format!("{PIM}/assignmentScheduleRequests"),
                    pim_request("selfActivate", &id("member"), &gated, "PT1H"),
                )
                .await
                .expect(201),
        );
        let requester = server.client_as("requester", PASSWORD).await;
        let admin_id = id_of(&admin.get("/v1.0/me").await.expect(200));
        World {
            server,
            admin,
            admin_id,
            callers,
            team,
            gated,
            unit,
            target,
            requester,
            requester_id,
            pending_request,
            eligibility_request,
            role_request: exchange_request,
            role_eligibility_request,
            role_assignment,
            next: Default::default(),
        }
    }

    /// A name no other call used.
    pub fn fresh_name(&self, stem: &str) -> String {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{stem}{n}")
    }

    pub fn caller_id(&self, name: &str) -> String {
        let caller = self.callers.iter().find(|c| c.name == name).unwrap();
        caller.id.clone().unwrap()
    }

    /// A plain group like Team, made for one call: owned by `owner`, `member` in it, in the unit.
    pub async fn fresh_group(&self) -> String {
        let group = self
            .admin
            .create_group(&self.fresh_name("Fresh"), false)
            .await;
        self.admin.add_owner(&group, &self.caller_id("owner")).await;
        self.admin
            .add_member(&group, &self.caller_id("member"))
            .await;
        self.admin
            .post(
                &format!(
                    "/v1.0/directory/administrativeUnits/{}/members/$ref",
                    self.unit
                ),
                reference(&group),
            )
            .await
            .expect(204);
        group
    }

    /// A webhook subscription made for one call, to an address where nothing listens, for an
    /// event the matrix never causes.
    pub async fn fresh_webhook(&self) -> String {
        self.subscribe("reminder.expiringSoon").await
    }

    /// A SCIM provisioning token made for one call (M1).
    pub async fn fresh_scim_token(&self) -> String {
        let body = json!({ "displayName": self.fresh_name("Provisioning") });
        let created = self.admin.post("/stint/v1/scim/tokens", body).await;
        id_of(&created.expect(201))
    }

    /// The id of a dead outbox message made for one call: an adminAssign told to a subscription
    /// that was deleted before the worker's round, which gives the message up at once.
    pub async fn dead_message(&self) -> String {
        let webhook = self.subscribe("assignment.assigned").await;
        let principal = self.fresh_principal(false).await;
        self.admin
            .post(
                &format!("{PIM}/assignmentScheduleRequests"),
                pim_request("adminAssign", &principal, &self.team, "P30D"),
            )
            .await
            .expect(201);
        let path = format!("/stint/v1/webhooks/{webhook}");
        self.admin.delete(&path).await.expect(204);
        let courier = stint_app::delivery::Courier::new(None).unwrap();
        self.server.app.deliver_due(&courier).await.unwrap();
        let deliveries = self.admin.get(&format!("{path}/deliveries")).await;
        let message = &deliveries.expect(200)["value"][0];
        assert_eq!(message["state"], "dead", "{message}");
        message["id"].as_str().unwrap().to_string()
    }

    /// An LDAP connector's body: nothing listens at its address, and nothing is sent there.
    pub fn connector_body() -> serde_json::Value {
        json!({
            "displayName": "Matrix LDAP",
            "type": "ldap",
            "url": "ldap://127.0.0.1:9",
            "bindDn": "cn=stint,dc=example,dc=com",
            "bindPassword": "matrix-password",
            "baseDn": "dc=example,dc=com",
            "userFilter": "(uid={userPrincipalName})",
        })
    }

    /// A connector made for one call.
    pub async fn fresh_connector(&self) -> String {
        let created = self
            .admin
            .post("/stint/v1/connectors", Self::connector_body())
            .await;
        id_of(&created.expect(201))
    }

    /// A connector and a link of it to Team, made for one call.
    pub async fn fresh_link(&self) -> (String, String) {
        let connector = self.fresh_connector().await;
        let body = json!({ "groupId": self.team, "target": "cn=team,dc=example,dc=com" });
        let path = format!("/stint/v1/connectors/{connector}/links");
        let link = id_of(&self.admin.post(&path, body).await.expect(201));
        (connector, link)
    }

    async fn subscribe(&self, event: &str) -> String {
        let body = json!({ "url": "http://127.0.0.1:9/stint", "events": [event] });
        let created = self.admin.post("/stint/v1/webhooks", body).await;
        id_of(&created.expect(201))
    }

    /// A group with no relation to anyone, to be a principal of one call.
    pub async fn fresh_principal(&self, role_assignable: bool) -> String {
        self.admin
            .create_group(&self.fresh_name("Principal"), role_assignable)
            .await
    }

    /// `requester`'s fresh pending activation of Gated, and its approval stage.
    pub async fn fresh_pending(&self) -> (String, String) {
        let request = id_of(
            &self
                .requester
                .post(
                    &format!("{PIM}/assignmentScheduleRequests"),
                    pim_request("selfActivate", &self.requester_id, &self.gated, "PT1H"),
                )
                .await
                .expect(201),
        );
        let stage = self.stage_of(&request).await;
        (request, stage)
    }

    /// The id of the one approval stage of `request`, as the Global Administrator reads it.
    async fn stage_of(&self, request: &str) -> String {
        let approval = self
            .admin
            .get(&format!("{PIM}/assignmentApprovals/{request}"))
            .await
            .expect(200);
        approval["stages"][0]["id"].as_str().unwrap().to_string()
    }

    /// Cancels `requester`'s request if a refused call left it pending.
    pub async fn settle(&self, request: &str) {
        let _ = self
            .requester
            .post(
                &format!("{PIM}/assignmentScheduleRequests/{request}/cancel"),
                json!({}),
            )
            .await;
    }

    /// The approval stage of `member`'s pending request.
    pub async fn pending_stage(&self) -> (String, String) {
        let request = self.pending_request.clone();
        let stage = self.stage_of(&request).await;
        (request, stage)
    }

    /// The id of `principal`'s record in a PIM `collection` about Gated.
    pub async fn record(&self, collection: &str, principal: &str) -> String {
        self.first_id(&format!(
            "{PIM}/{collection}?$filter=groupId eq '{}' and principalId eq '{principal}'",
            self.gated
        ))
        .await
    }

    /// The first id of the collection at `path`, as the Global Administrator lists it.
    pub async fn first_id(&self, path: &str) -> String {
        let ids = self.admin.ids(path).await;
        ids.into_iter()
            .next()
            .unwrap_or_else(|| panic!("{path} lists nothing"))
    }

    /// The id of Team's member policy assignment.
    pub async fn team_policy_assignment(&self) -> String {
        self.first_id(&format!(
            "/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '{}' and scopeType eq 'Group' and roleDefinitionId eq 'member'",
            self.team
        ))
        .await
    }

    /// A policy id of Team.
    pub async fn team_policy(&self) -> String {
        policy_id(&self.admin, &self.team, "member").await
    }
}
