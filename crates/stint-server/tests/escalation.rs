//! Escalation chains (SPEC D4, D7, D8 and what Stint adds to Entra there): for each lesser
//! administrator, every chain of individually allowed calls that could end with the caller, or a
//! user they control, holding a role-assignable group's membership or a directory role is tried
//! over HTTP, and none gets through. Each chain is named after the finding it closes (F1, F2) or
//! the new path it guards.
#![allow(clippy::unwrap_used)]

mod common;
mod policy_helpers;
mod ui_kit;

use chrono::TimeDelta;
use serde_json::{json, Value};
use stint_core::directory::BuiltInRole::{self, *};

use common::{reference, Client, Reply, TestServer, PASSWORD};
use policy_helpers::{approval_rule, policy_id, POLICIES};
use ui_kit::Browser;

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";
const ROLES: &str = "/v1.0/roleManagement/directory";

/// A PIM schedule request for 30 days (an administrator's `adminAssign`, or an end user's).
fn pim_request(action: &str, access: &str, principal: &str, group: &str) -> Value {
    json!({
        "accessId": access,
        "principalId": principal,
        "groupId": group,
        "action": action,
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P30D" } },
        "justification": "Escalation test",
    })
}

fn self_activate(principal: &str, group: &str) -> Value {
    let mut body = pim_request("selfActivate", "member", principal, group);
    body["scheduleInfo"]["expiration"]["duration"] = json!("PT1H");
    body
}

fn eligible_role(principal: &str, role: BuiltInRole) -> Value {
    json!({
        "action": "adminAssign",
        "principalId": principal,
        "roleDefinitionId": role.id().to_string(),
        "directoryScopeId": "/",
        "justification": "Escalation test",
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "P90D" } },
    })
}

fn approvers_rule(approver: Value) -> Value {
    approval_rule(true, json!([approver]))
}

/// A tenant set up by a Global Administrator the way the security review found it: `Tier 0`
/// (role-assignable, holding Global Administrator, under PIM, activations approved by the members
/// of `Approvers`), plain `Nest` eligible for membership of it, plain `Deeper` eligible for
/// membership of `Nest`, and users who may each reach Tier 0 or a role without holding anything
/// yet.
struct World {
    server: TestServer,
    admin: Client,
    tier0: String,
    nest: String,
    deeper: String,
    approvers: String,
    /// Eligible for Tier 0 directly; eligible for Nest; eligible for a directory role; a member
    /// of Approvers; a disabled user eligible for Tier 0.
    victims: Vec<(&'static str, String)>,
}

impl World {
    async fn new() -> World {
        let server = TestServer::start().await;
        let admin = server.admin().await;
        let tier0 = admin.create_group("Tier 0", true).await;
        admin.assign_role(&tier0, GlobalAdministrator, "/").await;
        let nest = admin.create_group("Nest", false).await;
        let deeper = admin.create_group("Deeper", false).await;
        let approvers = admin.create_group("Approvers", false).await;
        let assign =
            |principal: &str, group: &str| pim_request("adminAssign", "member", principal, group);
        let eligibility = format!("{PIM}/eligibilityScheduleRequests");
        admin
            .post(&eligibility, assign(&nest, &tier0))
            .await
            .expect(201);
        admin
            .post(&eligibility, assign(&deeper, &nest))
            .await
            .expect(201);

        let direct = admin.create_user("eligible-direct").await;
        admin
            .post(&eligibility, assign(&direct, &tier0))
            .await
            .expect(201);
        let nested = admin.create_user("eligible-nested").await;
        admin
            .post(&eligibility, assign(&nested, &nest))
            .await
            .expect(201);
        let role = admin.create_user("eligible-role").await;
        admin
            .post(
                &format!("{ROLES}/roleEligibilityScheduleRequests"),
                eligible_role(&role, ExchangeAdministrator),
            )
            .await
            .expect(201);
        let approver = admin.create_user("approver").await;
        admin.add_member(&approvers, &approver).await;
        let policy = policy_id(&admin, &tier0, "member").await;
        admin
            .patch(
                &format!("{POLICIES}/{policy}/rules/Approval_EndUser_Assignment"),
                approvers_rule(
                    json!({ "@odata.type": "#microsoft.graph.groupMembers", "groupId": approvers }),
                ),
            )
            .await
            .expect(204);
        let disabled = admin.create_user("eligible-disabled").await;
        admin
            .post(&eligibility, assign(&disabled, &tier0))
            .await
            .expect(201);
        admin
            .patch(
                &format!("/v1.0/users/{disabled}"),
                json!({ "accountEnabled": false }),
            )
            .await
            .expect(204);

        World {
            server,
            admin,
            tier0,
            nest,
            deeper,
            approvers,
            victims: vec![
                ("eligible for Tier 0", direct),
                ("eligible for Nest", nested),
                ("eligible for a role", role),
                ("an approver of Tier 0", approver),
                ("disabled and eligible for Tier 0", disabled),
            ],
        }
    }

    /// A user holding `role` (or, for `None`, the owner of an ordinary group), signed in.
    async fn attacker(&self, role: Option<BuiltInRole>) -> Attacker {
        let name = match role {
            Some(role) => format!("attacker-{}", role.display_name().replace(' ', "-")),
            None => "attacker-owner".to_string(),
        };
        let id = self.admin.create_user(&name).await;
        match role {
            Some(role) => {
                self.admin.assign_role(&id, role, "/").await;
            }
            None => {
                let own = self
                    .admin
                    .create_group("Owned by the attacker", false)
                    .await;
                self.admin.add_owner(&own, &id).await;
            }
        }
        let client = self.server.client_as(&name, PASSWORD).await;
        Attacker {
            id,
            role,
            client,
            name,
        }
    }
}

struct Attacker {
    id: String,
    role: Option<BuiltInRole>,
    client: Client,
    name: String,
}

/// The calls that got through where they must not have, named by chain.
#[derive(Default)]
struct Breaches(Vec<String>);

impl Breaches {
    /// A call that must be refused for lack of authority.
    fn refused(&mut self, chain: &str, reply: Reply) {
        if reply.status != 403 {
            self.0.push(format!(
                "{chain}: {} {} answered {} {}",
                reply.method, reply.path, reply.status, reply.body
            ));
        }
    }

    /// A call that must fail, for lack of authority or because nothing makes it possible.
    fn failed(&mut self, chain: &str, reply: Reply) {
        if reply.status < 400 {
            self.0.push(format!(
                "{chain}: {} {} answered {} {}",
                reply.method, reply.path, reply.status, reply.body
            ));
        }
    }
}

/// Every chain of two or three calls open to `attacker`, each attempted to its end.
async fn attempt_every_chain(world: &World, attacker: &Attacker) -> Vec<String> {
    let me = &attacker.id;
    let client = &attacker.client;
    let mut breaches = Breaches::default();
    let eligibility = format!("{PIM}/eligibilityScheduleRequests");
    let assignment = format!("{PIM}/assignmentScheduleRequests");

    // F1: into the nested group, then activate Tier 0 through it.
    for (chain, group) in [
        ("f1 nest", &world.nest),
        ("f1 deeper nesting", &world.deeper),
        ("approvers of Tier 0", &world.approvers),
    ] {
        for access in ["members", "owners"] {
            breaches.refused(
                chain,
                client
                    .post(
                        &format!("/v1.0/groups/{group}/{access}/$ref"),
                        reference(me),
                    )
                    .await,
            );
        }
        for (family, access) in [
            (&eligibility, "member"),
            (&assignment, "member"),
            (&eligibility, "owner"),
        ] {
            breaches.refused(
                chain,
                client
                    .post(family, pim_request("adminAssign", access, me, group))
                    .await,
            );
        }
        breaches.refused(
            chain,
            client
                .patch(
                    &format!("/v1.0/groups/{group}"),
                    json!({ "displayName": "Renamed" }),
                )
                .await,
        );
        breaches.refused(
            chain,
            client
                .post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
                .await,
        );
        breaches.refused(chain, client.delete(&format!("/v1.0/groups/{group}")).await);
    }
    breaches.failed(
        "f1 activate",
        client
            .post(&assignment, self_activate(me, &world.tier0))
            .await,
    );

    // F1, both orders: an ordinary group of the attacker's, made eligible before or after they
    // put themselves into it.
    let created = client
        .post(
            "/v1.0/groups",
            json!({ "displayName": format!("{} group", attacker.name), "mailEnabled": false,
                    "mailNickname": "own", "securityEnabled": true, "isAssignableToRole": false }),
        )
        .await;
    assert!([201, 403].contains(&created.status), "{created:?}");
    if created.status == 201 {
        let own = created.body["id"].as_str().unwrap().to_string();
        for target in [&world.tier0, &world.nest] {
            breaches.refused(
                "f1 own group made eligible first",
                client
                    .post(
                        &eligibility,
                        pim_request("adminAssign", "member", &own, target),
                    )
                    .await,
            );
        }
        client
            .post(&format!("/v1.0/groups/{own}/members/$ref"), reference(me))
            .await
            .expect(204);
        for target in [&world.tier0, &world.nest, &world.deeper] {
            breaches.refused(
                "f1 own group filled first",
                client
                    .post(
                        &eligibility,
                        pim_request("adminAssign", "member", &own, target),
                    )
                    .await,
            );
            breaches.refused(
                "f1 own group nested directly",
                client
                    .post(
                        &format!("/v1.0/groups/{target}/members/$ref"),
                        reference(&own),
                    )
                    .await,
            );
        }
    }

    // A user the attacker controls (created with a password they chose), put where the attacker
    // may not go themselves.
    let puppet = client
        .post(
            "/v1.0/users",
            json!({ "accountEnabled": true, "displayName": "Puppet",
                    "userPrincipalName": format!("puppet-of-{}", attacker.name),
                    "passwordProfile": { "password": PASSWORD } }),
        )
        .await;
    assert!([201, 403].contains(&puppet.status), "{puppet:?}");
    if puppet.status == 201 {
        let puppet = puppet.body["id"].as_str().unwrap().to_string();
        for group in [&world.tier0, &world.nest, &world.deeper, &world.approvers] {
            breaches.refused(
                "puppet",
                client
                    .post(
                        &format!("/v1.0/groups/{group}/members/$ref"),
                        reference(&puppet),
                    )
                    .await,
            );
            breaches.refused(
                "puppet",
                client
                    .post(
                        &eligibility,
                        pim_request("adminAssign", "member", &puppet, group),
                    )
                    .await,
            );
        }
    }

    // Tier 0 itself and its policy, and the role directly.
    breaches.refused(
        "tier 0 directly",
        client
            .post(
                &format!("/v1.0/groups/{}/members/$ref", world.tier0),
                reference(me),
            )
            .await,
    );
    breaches.refused(
        "tier 0 in PIM",
        client
            .post(
                &eligibility,
                pim_request("adminAssign", "member", me, &world.tier0),
            )
            .await,
    );
    let policy = policy_id(&world.admin, &world.tier0, "member").await;
    breaches.refused(
        "tier 0 approvers replaced",
        client
            .patch(
                &format!("{POLICIES}/{policy}/rules/Approval_EndUser_Assignment"),
                approvers_rule(
                    json!({ "@odata.type": "#microsoft.graph.singleUser", "userId": me }),
                ),
            )
            .await,
    );
    let role_assignment = json!({
        "principalId": me, "roleDefinitionId": GlobalAdministrator.id().to_string(), "directoryScopeId": "/",
    });
    breaches.refused(
        "role directly",
        client
            .post(&format!("{ROLES}/roleAssignments"), role_assignment)
            .await,
    );

    // F2: take over someone who may reach Tier 0 or a role, then activate as them.
    for (who, victim) in &world.victims {
        let chain = format!("f2 take over a user {who}");
        breaches.refused(
            &chain,
            client
                .patch(
                    &format!("/v1.0/users/{victim}"),
                    json!({ "passwordProfile": { "password": "taken-over-1", "forceChangePasswordNextSignIn": false } }),
                )
                .await,
        );
        breaches.refused(
            &chain,
            client
                .post(
                    &format!("/stint/v1/users/{victim}/resetCredentials"),
                    json!({ "removeAuthenticator": true }),
                )
                .await,
        );
        breaches.refused(
            &chain,
            client
                .patch(
                    &format!("/v1.0/users/{victim}"),
                    json!({ "accountEnabled": true, "displayName": "Taken over" }),
                )
                .await,
        );
    }
    breaches.0
}

/// Whether `attacker` is still outside Tier 0 and holds no role beyond the one they started with.
async fn holds_nothing_more(world: &World, attacker: &Attacker) -> bool {
    let check = world
        .admin
        .get(&format!(
            "/stint/v1/check?principalId={}&groupId={}&access=member",
            attacker.id, world.tier0
        ))
        .await
        .expect(200);
    let roles = world
        .admin
        .get(&format!("/stint/v1/principals/{}/roles", attacker.id))
        .await
        .expect(200);
    let held: Vec<&str> = roles["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|role| role["displayName"].as_str().unwrap())
        .collect();
    let started_with: Vec<&str> = attacker
        .role
        .iter()
        .map(|role| role.display_name())
        .collect();
    check["allowed"] == json!(false) && held == started_with
}

async fn no_chain_escalates(role: Option<BuiltInRole>) {
    let world = World::new().await;
    let attacker = world.attacker(role).await;
    let breaches = attempt_every_chain(&world, &attacker).await;
    assert!(
        breaches.is_empty(),
        "{role:?} got through:\n{}",
        breaches.join("\n")
    );
    assert!(holds_nothing_more(&world, &attacker).await);
    for (who, victim) in &world.victims {
        if *who != "disabled and eligible for Tier 0" {
            let name = world
                .admin
                .get(&format!("/v1.0/users/{victim}"))
                .await
                .expect(200)["userPrincipalName"]
                .as_str()
                .unwrap()
                .to_string();
            world.server.client_as(&name, PASSWORD).await;
        }
    }
}

#[common::both_backends]
async fn escalation_a_groups_administrator_reaches_no_privilege_by_any_chain() {
    no_chain_escalates(Some(GroupsAdministrator)).await;
}

#[common::both_backends]
async fn escalation_a_user_administrator_reaches_no_privilege_by_any_chain() {
    no_chain_escalates(Some(UserAdministrator)).await;
}

#[common::both_backends]
async fn escalation_a_helpdesk_administrator_reaches_no_privilege_by_any_chain() {
    no_chain_escalates(Some(HelpdeskAdministrator)).await;
}

#[common::both_backends]
async fn escalation_an_authentication_administrator_reaches_no_privilege_by_any_chain() {
    no_chain_escalates(Some(AuthenticationAdministrator)).await;
}

#[common::both_backends]
async fn escalation_a_directory_writer_reaches_no_privilege_by_any_chain() {
    no_chain_escalates(Some(DirectoryWriters)).await;
}

#[common::both_backends]
async fn escalation_an_identity_governance_or_exchange_administrator_reaches_no_privilege() {
    no_chain_escalates(Some(IdentityGovernanceAdministrator)).await;
    no_chain_escalates(Some(ExchangeAdministrator)).await;
}

#[common::both_backends]
async fn escalation_the_owner_of_an_ordinary_group_reaches_no_privilege_by_any_chain() {
    no_chain_escalates(None).await;
}

/// The chain as the review found it, call for call.
#[common::both_backends]
async fn f1_a_groups_administrator_cannot_reach_global_administrator_through_a_nested_group() {
    let world = World::new().await;
    let attacker = world.attacker(Some(GroupsAdministrator)).await;
    let message = attacker
        .client
        .post(
            &format!("/v1.0/groups/{}/members/$ref", world.nest),
            reference(&attacker.id),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert!(message.contains("role-assignable"), "{message}");
    let activation = attacker
        .client
        .post(
            &format!("{PIM}/assignmentScheduleRequests"),
            self_activate(&attacker.id, &world.tier0),
        )
        .await;
    assert!(activation.status >= 400, "{activation:?}");
    assert!(holds_nothing_more(&world, &attacker).await);
}

/// The protection is the privileged people's to use: Global Administrators and the nested
/// group's owners still manage it, and it ends with the eligibility.
#[common::both_backends]
async fn f1_the_privileged_and_owners_manage_a_nested_group_and_protection_ends_with_the_eligibility(
) {
    let world = World::new().await;
    let attacker = world.attacker(Some(GroupsAdministrator)).await;
    let owner = world.admin.create_user("nest-owner").await;
    world.admin.add_owner(&world.nest, &owner).await;
    let owner_client = world.server.client_as("nest-owner", PASSWORD).await;
    let helper = world.admin.create_user("helper").await;
    owner_client.add_member(&world.nest, &helper).await;
    world.admin.add_member(&world.nest, &attacker.id).await;
    world
        .admin
        .delete(&format!(
            "/v1.0/groups/{}/members/{}/$ref",
            world.nest, attacker.id
        ))
        .await
        .expect(204);

    world.server.advance(TimeDelta::minutes(10));
    world
        .admin
        .post(
            &format!("{PIM}/eligibilityScheduleRequests"),
            json!({ "accessId": "member", "principalId": world.nest, "groupId": world.tier0, "action": "adminRemove" }),
        )
        .await
        .expect(201);
    attacker
        .client
        .post(
            &format!("/v1.0/groups/{}/members/$ref", world.deeper),
            reference(&attacker.id),
        )
        .await
        .expect(204);
    attacker.client.add_member(&world.nest, &attacker.id).await;
}

/// The takeover as the review found it: Helpdesk resets an only-eligible user and removes their
/// authenticator.
#[common::both_backends]
async fn f2_helpdesk_cannot_take_over_a_user_who_is_only_eligible() {
    let world = World::new().await;
    let attacker = world.attacker(Some(HelpdeskAdministrator)).await;
    let (_, victim) = &world.victims[0];
    let message = attacker
        .client
        .patch(
            &format!("/v1.0/users/{victim}"),
            json!({ "passwordProfile": { "password": "taken-over-1", "forceChangePasswordNextSignIn": false } }),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert!(!message.contains("taken-over-1"));
    attacker
        .client
        .post(
            &format!("/stint/v1/users/{victim}/resetCredentials"),
            json!({ "removeAuthenticator": true }),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    world
        .server
        .sign_in("eligible-direct", "taken-over-1")
        .await
        .expect_error(401, "InvalidCredentials");
    world.server.client_as("eligible-direct", PASSWORD).await;

    // An ordinary user is still Helpdesk's to reset.
    let ordinary = world.admin.create_user("ordinary").await;
    attacker
        .client
        .patch(
            &format!("/v1.0/users/{ordinary}"),
            json!({ "passwordProfile": { "password": "new-password-2", "forceChangePasswordNextSignIn": false } }),
        )
        .await
        .expect(204);
}

/// The console goes through the same rules: its PIM assignment form and its password reset.
#[common::both_backends]
async fn f1_f2_the_console_refuses_the_same_chains() {
    let world = World::new().await;
    let groups_admin = world.attacker(Some(GroupsAdministrator)).await;
    let helpdesk = world.attacker(Some(HelpdeskAdministrator)).await;

    let assign = |principal: &str| -> Vec<(String, String)> {
        [
            ("access", "member"),
            ("kind", "eligible"),
            ("end", "2026-01-20T17:00"),
            ("justification", "Escalation test"),
            ("principal", principal),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let post = |browser: Browser, fields: Vec<(String, String)>| {
        let nest = world.nest.clone();
        async move {
            let csrf = browser.csrf().await;
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            browser
                .post(&format!("/ui/groups/{nest}/assignments"), &csrf, &fields)
                .await
        }
    };
    let global = Browser::new(&world.server.base_url);
    global.sign_in("admin", common::ADMIN_PASSWORD, None).await;
    let colleague = world.admin.create_user("colleague").await;
    let allowed = post(global, assign(&colleague)).await;
    assert_eq!(
        allowed.status, 303,
        "the form itself is valid: {}",
        allowed.body
    );

    let browser = Browser::new(&world.server.base_url);
    browser.sign_in(&groups_admin.name, PASSWORD, None).await;
    let refused = post(browser, assign(&groups_admin.id)).await;
    assert_ne!(refused.status, 303);
    assert!(
        refused.contains("You do not administer Nest"),
        "{}",
        refused.body
    );
    let schedules = world
        .admin
        .get(&format!(
            "{PIM}/eligibilitySchedules?$filter=principalId eq '{}'",
            groups_admin.id
        ))
        .await
        .expect(200);
    assert_eq!(schedules["value"], json!([]), "{schedules}");

    let browser = Browser::new(&world.server.base_url);
    browser.sign_in(&helpdesk.name, PASSWORD, None).await;
    let csrf = browser.csrf().await;
    let (_, victim) = &world.victims[1];
    browser
        .post(
            &format!("/ui/directory/users/{victim}/reset"),
            &csrf,
            &[("new_password", "taken-over-1")],
        )
        .await;
    world
        .server
        .sign_in("eligible-nested", "taken-over-1")
        .await
        .expect_error(401, "InvalidCredentials");
    world.server.client_as("eligible-nested", PASSWORD).await;
}
