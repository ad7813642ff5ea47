//! The PIM-for-Groups endpoints of the Graph-shaped API (SPEC A1–A10, P1–P6, I1, I5, U2), driven
//! over HTTP against a real server with a manual clock.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};
use stint_core::directory::BuiltInRole;

use common::{graph_time, Client, TestServer, ADMIN, ADMIN_PASSWORD, PASSWORD};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";
/// The two families of Graph's PIM-for-Groups entity sets.
const ELIGIBILITY: &str = "eligibility";
const ASSIGNMENT: &str = "assignment";

/// `POST` target of a family's schedule requests.
fn requests(family: &str) -> String {
    format!("{PIM}/{family}ScheduleRequests")
}

/// A family's collection (`Schedules`, `ScheduleInstances`, `ScheduleRequests`) filtered by group.
fn of_group(family: &str, collection: &str, group: &str) -> String {
    format!("{PIM}/{family}{collection}?$filter=groupId eq '{group}'")
}

/// A schedule request body. `schedule_info` is left out when `None` (removals).
fn request(
    action: &str,
    access: &str,
    principal: &str,
    group: &str,
    schedule_info: Option<Value>,
) -> Value {
    let mut body = json!({
        "accessId": access,
        "principalId": principal,
        "groupId": group,
        "action": action,
        "justification": "Needed for the test",
    });
    if let Some(info) = schedule_info {
        body["scheduleInfo"] = info;
    }
    body
}

/// `scheduleInfo` starting now and lasting `duration`.
fn lasting(duration: &str) -> Option<Value> {
    Some(json!({ "expiration": { "type": "afterDuration", "duration": duration } }))
}

/// `scheduleInfo` from `start` to `end`.
fn between(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Value> {
    Some(json!({
        "startDateTime": graph_time(start),
        "expiration": { "type": "afterDateTime", "endDateTime": graph_time(end) },
    }))
}

fn assign(access: &str, principal: &str, group: &str, duration: &str) -> Value {
    request("adminAssign", access, principal, group, lasting(duration))
}

/// The values of `key` in a collection, in the order listed.
fn column(list: &Value, key: &str) -> Vec<String> {
    list["value"]
        .as_array()
        .unwrap_or_else(|| panic!("not a collection: {list}"))
        .iter()
        .map(|item| item[key].as_str().unwrap_or_default().to_string())
        .collect()
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_string()
}

/// A server, `admin`, two users and one group.
struct Tenant {
    server: TestServer,
    admin: Client,
    alice: String,
    bob: String,
    group: String,
}

async fn tenant(role_assignable: bool) -> Tenant {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    let bob = admin.create_user("bob").await;
    let group = admin.create_group("Tier 0 Admins", role_assignable).await;
    Tenant {
        server,
        admin,
        alice,
        bob,
        group,
    }
}

impl Tenant {
    /// Posts a schedule request as `admin` and expects 201.
    async fn submit(&self, family: &str, body: Value) -> Value {
        self.admin.post(&requests(family), body).await.expect(201)
    }

    async fn listed(&self, client: &Client, path: &str, key: &str) -> Vec<String> {
        column(&client.get(path).await.expect(200), key)
    }

    async fn schedule_principals(&self, family: &str) -> Vec<String> {
        let path = of_group(family, "Schedules", &self.group);
        sorted(self.listed(&self.admin, &path, "principalId").await)
    }

    async fn members(&self) -> Vec<String> {
        self.admin
            .ids(&format!("/v1.0/groups/{}/members", self.group))
            .await
    }

    async fn audit_actions(&self) -> Vec<(String, String)> {
        let audit = self
            .admin
            .get(&format!("/stint/v1/audit?groupId={}&$top=999", self.group))
            .await
            .expect(200);
        audit["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (text(&e["action"]), text(&e["result"])))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// A1 shape, D4 nesting

#[common::both_backends]
async fn a1_a_group_can_be_an_eligible_member_of_a_role_assignable_group_but_not_an_active_one() {
    let t = tenant(true).await;
    let team = t.admin.create_group("Helpdesk team", false).await;

    let eligible = t
        .submit(ELIGIBILITY, assign("member", &team, &t.group, "P30D"))
        .await;
    assert_eq!(eligible["status"], "Provisioned");
    assert_eq!(t.schedule_principals(ELIGIBILITY).await, [team.as_str()]);

    let message = t
        .admin
        .post(
            &requests(ASSIGNMENT),
            assign("member", &team, &t.group, "PT8H"),
        )
        .await
        .expect_error(400, "GroupNestingNotAllowed");
    assert!(message.contains("eligible"), "{message}");
    assert!(t.schedule_principals(ASSIGNMENT).await.is_empty());
    assert!(t.members().await.is_empty());

    // Owners are users only, eligible or active.
    for family in [ELIGIBILITY, ASSIGNMENT] {
        let message = t
            .admin
            .post(&requests(family), assign("owner", &team, &t.group, "P1D"))
            .await
            .expect_error(400, "BadRequest");
        assert!(message.contains("owner"), "{family}: {message}");
    }
    assert!(t
        .admin
        .ids(&format!("/v1.0/groups/{}/owners", t.group))
        .await
        .is_empty());
}

#[common::both_backends]
async fn a1_a_group_can_be_an_active_member_of_a_group_that_is_not_role_assignable() {
    let t = tenant(false).await;
    let team = t.admin.create_group("Helpdesk team", false).await;
    t.submit(ASSIGNMENT, assign("member", &team, &t.group, "PT8H"))
        .await;
    assert_eq!(t.members().await, [team.as_str()]);
}

// ---------------------------------------------------------------------------------------------
// A7 actions

#[common::both_backends]
async fn a7_admin_update_changes_the_end() {
    let t = tenant(true).await;
    let start = t.server.now();
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    t.server.advance(TimeDelta::hours(1));

    let new_end = start + TimeDelta::days(60);
    let info =
        json!({ "expiration": { "type": "afterDateTime", "endDateTime": graph_time(new_end) } });
    let updated = t
        .submit(
            ELIGIBILITY,
            request("adminUpdate", "member", &t.alice, &t.group, Some(info)),
        )
        .await;
    assert_eq!(updated["status"], "Provisioned");
    assert_eq!(updated["action"], "adminUpdate");

    let list = t
        .admin
        .get(&of_group(ELIGIBILITY, "Schedules", &t.group))
        .await
        .expect(200);
    assert_eq!(column(&list, "id"), [text(&updated["targetScheduleId"])]);
    let schedule = &list["value"][0];
    assert_eq!(schedule["scheduleInfo"]["startDateTime"], graph_time(start));
    assert_eq!(
        schedule["scheduleInfo"]["expiration"]["endDateTime"],
        graph_time(new_end)
    );
}

#[common::both_backends]
async fn a7_admin_extend_makes_a_new_schedule_named_after_the_new_request() {
    let t = tenant(true).await;
    let start = t.server.now();
    let first = t
        .submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    t.server.advance(TimeDelta::days(20));

    let extended = t
        .submit(
            ELIGIBILITY,
            request("adminExtend", "member", &t.alice, &t.group, lasting("P90D")),
        )
        .await;
    assert_eq!(extended["status"], "Provisioned");
    let request_id = text(&extended["id"]);
    let new_schedule = format!("{}_member_{request_id}", t.group);
    assert_eq!(extended["targetScheduleId"], new_schedule);
    assert_ne!(extended["targetScheduleId"], first["targetScheduleId"]);

    let list = t
        .admin
        .get(&of_group(ELIGIBILITY, "Schedules", &t.group))
        .await
        .expect(200);
    assert_eq!(column(&list, "id"), [new_schedule.as_str()]);
    assert_eq!(
        list["value"][0]["scheduleInfo"]["expiration"]["endDateTime"],
        graph_time(start + TimeDelta::days(90))
    );
    assert_eq!(list["value"][0]["createdUsing"], request_id);
    let fetched = t
        .admin
        .get(&format!("{PIM}/eligibilitySchedules/{new_schedule}"))
        .await
        .expect(200);
    assert_eq!(fetched["id"], new_schedule);
    // The superseded schedule is still there by id, no longer in force.
    let old = t
        .admin
        .get(&format!(
            "{PIM}/eligibilitySchedules/{}",
            text(&first["targetScheduleId"])
        ))
        .await
        .expect(200);
    assert_ne!(old["status"], "Provisioned", "{old}");
}

#[common::both_backends]
async fn a7_admin_extend_must_end_later() {
    let t = tenant(true).await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    for duration in ["P10D", "P30D"] {
        t.admin
            .post(
                &requests(ELIGIBILITY),
                request(
                    "adminExtend",
                    "member",
                    &t.alice,
                    &t.group,
                    lasting(duration),
                ),
            )
            .await
            .expect_error(400, "InvalidRoleAssignmentRequest");
    }
    let list = t
        .admin
        .get(&of_group(ELIGIBILITY, "Schedules", &t.group))
        .await
        .expect(200);
    assert_eq!(
        list["value"][0]["scheduleInfo"]["expiration"]["endDateTime"],
        graph_time(t.server.now() + TimeDelta::days(30))
    );
}

#[common::both_backends]
async fn a7_admin_remove_after_five_minutes_revokes_and_the_schedule_leaves_the_list() {
    let t = tenant(true).await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    t.submit(ASSIGNMENT, assign("member", &t.bob, &t.group, "PT8H"))
        .await;
    assert_eq!(t.members().await, [t.bob.as_str()]);
    t.server.advance(TimeDelta::minutes(5));

    for (family, principal) in [(ELIGIBILITY, &t.alice), (ASSIGNMENT, &t.bob)] {
        let removed = t
            .submit(
                family,
                request("adminRemove", "member", principal, &t.group, None),
            )
            .await;
        assert_eq!(removed["status"], "Revoked", "{family}");
        assert_eq!(removed["action"], "adminRemove", "{family}");
        assert!(
            t.schedule_principals(family).await.is_empty(),
            "{family} schedule still listed"
        );
    }
    assert!(t.members().await.is_empty());
}

#[common::both_backends]
async fn a7_admin_renew_of_an_assignment_that_expired_within_30_days_works() {
    let t = tenant(true).await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "PT1H"))
        .await;
    t.server.advance(TimeDelta::days(2));
    assert!(t.schedule_principals(ELIGIBILITY).await.is_empty());

    let renewed = t
        .submit(
            ELIGIBILITY,
            request("adminRenew", "member", &t.alice, &t.group, lasting("P30D")),
        )
        .await;
    assert_eq!(renewed["status"], "Provisioned");
    assert_eq!(renewed["action"], "adminRenew");
    let list = t
        .admin
        .get(&of_group(ELIGIBILITY, "Schedules", &t.group))
        .await
        .expect(200);
    assert_eq!(column(&list, "id"), [text(&renewed["targetScheduleId"])]);
    assert_eq!(
        list["value"][0]["scheduleInfo"]["startDateTime"],
        graph_time(t.server.now())
    );

    // Once the renewal too has been over for more than 30 days, there is nothing to renew.
    t.server.advance(TimeDelta::days(61));
    t.admin
        .post(
            &requests(ELIGIBILITY),
            request("adminRenew", "member", &t.alice, &t.group, lasting("P30D")),
        )
        .await
        .expect_error(400, "RoleAssignmentDoesNotExist");
}

#[common::both_backends]
async fn a7_update_extend_remove_and_renew_of_nothing_are_role_assignment_does_not_exist() {
    let t = tenant(true).await;
    // Bob has something else (an active owner), which must not count.
    t.submit(ASSIGNMENT, assign("owner", &t.bob, &t.group, "P1D"))
        .await;
    for family in [ELIGIBILITY, ASSIGNMENT] {
        for action in ["adminUpdate", "adminExtend", "adminRemove", "adminRenew"] {
            let info = (action != "adminRemove").then(|| lasting("P2D")).flatten();
            for principal in [&t.alice, &t.bob] {
                let message = t
                    .admin
                    .post(
                        &requests(family),
                        request(action, "member", principal, &t.group, info.clone()),
                    )
                    .await
                    .expect_error(400, "RoleAssignmentDoesNotExist");
                assert!(message.contains("member"), "{family} {action}: {message}");
            }
        }
    }
    let requests = t
        .admin
        .get(&of_group(ASSIGNMENT, "ScheduleRequests", &t.group))
        .await
        .expect(200);
    assert_eq!(column(&requests, "action"), ["adminAssign"]);
}

// ---------------------------------------------------------------------------------------------
// A8 duplicates

#[common::both_backends]
async fn a8_a_second_overlapping_assignment_is_role_assignment_exists() {
    let t = tenant(true).await;
    let now = t.server.now();
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;

    for (start, end) in [
        (now, now + TimeDelta::days(10)),
        (now + TimeDelta::days(10), now + TimeDelta::days(40)),
        (now + TimeDelta::days(29), now + TimeDelta::days(31)),
    ] {
        let message = t
            .admin
            .post(
                &requests(ELIGIBILITY),
                request(
                    "adminAssign",
                    "member",
                    &t.alice,
                    &t.group,
                    between(start, end),
                ),
            )
            .await
            .expect_error(400, "RoleAssignmentExists");
        assert!(message.contains("already exists"), "{message}");
    }
    assert_eq!(t.schedule_principals(ELIGIBILITY).await, [t.alice.as_str()]);

    // Other (principal, access, kind) combinations are not duplicates.
    t.submit(ELIGIBILITY, assign("owner", &t.alice, &t.group, "P30D"))
        .await;
    t.submit(ASSIGNMENT, assign("member", &t.alice, &t.group, "P1D"))
        .await;
    // One that starts when the first ends does not overlap it.
    t.submit(
        ELIGIBILITY,
        request(
            "adminAssign",
            "member",
            &t.alice,
            &t.group,
            between(now + TimeDelta::days(30), now + TimeDelta::days(60)),
        ),
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// A9 future start, A10 history

#[common::both_backends]
async fn a9_an_assignment_starting_tomorrow_takes_effect_at_its_start_and_ends_at_its_end() {
    let t = tenant(true).await;
    let start = t.server.now() + TimeDelta::days(1);
    let end = start + TimeDelta::hours(8);
    let created = t
        .submit(
            ASSIGNMENT,
            request(
                "adminAssign",
                "member",
                &t.bob,
                &t.group,
                between(start, end),
            ),
        )
        .await;
    assert_eq!(created["scheduleInfo"]["startDateTime"], graph_time(start));
    let instances = of_group(ASSIGNMENT, "ScheduleInstances", &t.group);

    // Not yet in force: a future schedule, but no instance and no membership.
    assert_eq!(t.schedule_principals(ASSIGNMENT).await, [t.bob.as_str()]);
    assert!(t
        .listed(&t.admin, &instances, "principalId")
        .await
        .is_empty());
    assert!(t.members().await.is_empty());

    t.server.advance(TimeDelta::days(1) + TimeDelta::minutes(1));
    let now_in_force = t.admin.get(&instances).await.expect(200);
    assert_eq!(column(&now_in_force, "principalId"), [t.bob.as_str()]);
    assert_eq!(now_in_force["value"][0]["startDateTime"], graph_time(start));
    assert_eq!(now_in_force["value"][0]["endDateTime"], graph_time(end));
    assert_eq!(t.members().await, [t.bob.as_str()]);

    t.server.advance(TimeDelta::hours(8));
    assert!(t
        .listed(&t.admin, &instances, "principalId")
        .await
        .is_empty());
    assert!(t.members().await.is_empty());
    assert!(t.schedule_principals(ASSIGNMENT).await.is_empty());

    // A10: the expired assignment is still readable.
    let expired = t
        .admin
        .get(&format!(
            "{PIM}/assignmentSchedules?$filter=groupId eq '{}' and status eq 'Expired'",
            t.group
        ))
        .await
        .expect(200);
    assert_eq!(column(&expired, "principalId"), [t.bob.as_str()]);
    assert_eq!(expired["value"][0]["status"], "Expired");
    assert_eq!(
        expired["value"][0]["scheduleInfo"]["expiration"]["endDateTime"],
        graph_time(end)
    );
}

#[common::both_backends]
async fn a10_expired_assignments_stay_listed_for_30_days() {
    let t = tenant(true).await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "PT1H"))
        .await;
    t.server.advance(TimeDelta::days(30));
    let expired = format!(
        "{PIM}/eligibilitySchedules?$filter=groupId eq '{}' and status eq 'Expired'",
        t.group
    );
    assert_eq!(
        t.listed(&t.admin, &expired, "principalId").await,
        [t.alice.as_str()]
    );
    let by_principal = format!(
        "{PIM}/eligibilitySchedules?$filter=principalId eq '{}' and status eq 'Expired'",
        t.alice
    );
    assert_eq!(
        t.listed(&t.admin, &by_principal, "groupId").await,
        [t.group.as_str()]
    );
}

#[common::both_backends]
async fn a10_requests_stay_readable_after_removal() {
    let t = tenant(true).await;
    let assigned = t
        .submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    let schedule_id = text(&assigned["targetScheduleId"]);
    t.server.advance(TimeDelta::minutes(10));
    let removed = t
        .submit(
            ELIGIBILITY,
            request("adminRemove", "member", &t.alice, &t.group, None),
        )
        .await;
    assert_eq!(removed["targetScheduleId"], schedule_id);

    for (request, status) in [(&assigned, "Provisioned"), (&removed, "Revoked")] {
        let id = text(&request["id"]);
        let read = t
            .admin
            .get(&format!("{PIM}/eligibilityScheduleRequests/{id}"))
            .await
            .expect(200);
        assert_eq!(read["id"], id);
        assert_eq!(read["status"], status);
        assert!(read["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("eligibilityScheduleRequests/$entity"));
    }
    let listed = t
        .admin
        .get(&of_group(ELIGIBILITY, "ScheduleRequests", &t.group))
        .await
        .expect(200);
    assert_eq!(
        sorted(column(&listed, "id")),
        sorted(vec![text(&assigned["id"]), text(&removed["id"])])
    );

    // The removed schedule itself stays readable, as Revoked, by id and in the history.
    t.server.advance(TimeDelta::days(29));
    let schedule = t
        .admin
        .get(&format!("{PIM}/eligibilitySchedules/{schedule_id}"))
        .await
        .expect(200);
    assert_eq!(schedule["status"], "Revoked");
    let revoked = format!(
        "{PIM}/eligibilitySchedules?$filter=groupId eq '{}' and status eq 'Revoked'",
        t.group
    );
    assert_eq!(t.listed(&t.admin, &revoked, "id").await, [schedule_id]);
}

// ---------------------------------------------------------------------------------------------
// P1 discover, P2 manage, P5 deleted groups, P6 implicit onboarding

fn by_id<'a>(list: &'a Value, id: &str) -> Option<&'a Value> {
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["id"] == id)
}

#[common::both_backends]
async fn p1_discover_lists_unmanaged_groups_with_whether_and_why_they_can_be_managed() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let plain = admin.create_group("Sales", false).await;
    let role_assignable = admin.create_group("Tier 0 Admins", true).await;
    let managed = admin.create_group("Already managed", false).await;
    admin
        .post(&format!("/stint/v1/pim/groups/{managed}/manage"), json!({}))
        .await
        .expect(200);
    let dynamic = admin
        .create_group_with(json!({
            "displayName": "All engineers", "securityEnabled": true, "mailEnabled": false,
            "groupTypes": ["DynamicMembership"], "membershipRule": "user.department -eq \"Engineering\"",
            "membershipRuleProcessingState": "On",
        }))
        .await;
    let synced = admin
        .create_group_with(json!({
            "displayName": "On-premises admins", "securityEnabled": true, "mailEnabled": false,
            "onPremisesSyncEnabled": true,
        }))
        .await;

    let discovered = admin.get("/stint/v1/pim/groups").await.expect(200);
    assert_eq!(
        discovered,
        admin
            .get("/stint/v1/pim/groups?managed=false")
            .await
            .expect(200),
        "managed=false is the default"
    );
    assert_eq!(
        sorted(column(&discovered, "id")),
        sorted(vec![
            plain.clone(),
            role_assignable.clone(),
            dynamic.clone(),
            synced.clone()
        ])
    );
    for id in [&plain, &role_assignable] {
        let group = by_id(&discovered, id).unwrap();
        assert_eq!(group["managed"], false, "{group}");
        assert_eq!(group["manageable"], true, "{group}");
        assert_eq!(group["notManageableReason"], Value::Null, "{group}");
    }
    for (id, why) in [(&dynamic, "dynamic"), (&synced, "synchronised")] {
        let group = by_id(&discovered, id).unwrap();
        assert_eq!(group["manageable"], false, "{group}");
        let reason = group["notManageableReason"].as_str().unwrap();
        assert!(reason.contains(why), "{reason}");
    }
    let managed_list = admin
        .get("/stint/v1/pim/groups?managed=true")
        .await
        .expect(200);
    assert_eq!(column(&managed_list, "id"), [managed.as_str()]);
    assert_eq!(managed_list["value"][0]["managed"], true);

    // A Groups Administrator may not administer role-assignable groups, so does not see them.
    let (_, groups_admin) = server
        .user_with_role("groups-admin", BuiltInRole::GroupsAdministrator)
        .await;
    let theirs = groups_admin.get("/stint/v1/pim/groups").await.expect(200);
    assert_eq!(
        sorted(column(&theirs, "id")),
        sorted(vec![plain, dynamic, synced])
    );

    // A user without a role administers nothing, unless they own the group.
    let alice_id = admin.create_user("alice").await;
    let alice = server.client_as("alice", PASSWORD).await;
    let nothing = alice.get("/stint/v1/pim/groups").await.expect(200);
    assert!(column(&nothing, "id").is_empty());
    admin.add_owner(&role_assignable, &alice_id).await;
    let owned = alice.get("/stint/v1/pim/groups").await.expect(200);
    assert_eq!(column(&owned, "id"), [role_assignable.as_str()]);
}

#[common::both_backends]
async fn p2_a_groups_administrator_cannot_manage_a_role_assignable_group_but_its_owner_can() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let role_assignable = admin.create_group("Tier 0 Admins", true).await;
    let plain = admin.create_group("Sales", false).await;
    let (_, groups_admin) = server
        .user_with_role("groups-admin", BuiltInRole::GroupsAdministrator)
        .await;

    let message = groups_admin
        .post(
            &format!("/stint/v1/pim/groups/{role_assignable}/manage"),
            json!({}),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    assert!(message.contains("Tier 0 Admins"), "{message}");
    // A6: nor assign in it, which would onboard it.
    let alice = admin.create_user("alice").await;
    groups_admin
        .post(
            &requests(ELIGIBILITY),
            assign("member", &alice, &role_assignable, "P1D"),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
    let managed = admin
        .get("/stint/v1/pim/groups?managed=true")
        .await
        .expect(200);
    assert!(column(&managed, "id").is_empty());

    // The Groups Administrator may manage a group that is not role-assignable.
    let done = groups_admin
        .post(&format!("/stint/v1/pim/groups/{plain}/manage"), json!({}))
        .await
        .expect(200);
    assert_eq!(done["managed"], true);

    // An owner of the role-assignable group may, without any role.
    let carol = admin.create_user("carol").await;
    admin.add_owner(&role_assignable, &carol).await;
    let carol = server.client_as("carol", PASSWORD).await;
    let done = carol
        .post(
            &format!("/stint/v1/pim/groups/{role_assignable}/manage"),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(done["id"], role_assignable);
    assert_eq!(done["managed"], true);
    assert!(done["managedSince"].is_string());
}

#[common::both_backends]
async fn p2_roles_scoped_to_an_administrative_unit_do_not_count() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Sales", false).await;
    let unit = admin.create_unit("Sales unit").await;
    admin
        .post(
            &format!("/v1.0/directory/administrativeUnits/{unit}/members/$ref"),
            common::reference(&group),
        )
        .await
        .expect(204);
    let scoped = admin.create_user("scoped").await;
    admin
        .assign_role(
            &scoped,
            BuiltInRole::GroupsAdministrator,
            &format!("/administrativeUnits/{unit}"),
        )
        .await;
    let scoped = server.client_as("scoped", PASSWORD).await;

    let discovered = scoped.get("/stint/v1/pim/groups").await.expect(200);
    assert!(column(&discovered, "id").is_empty(), "{discovered}");
    scoped
        .post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    let alice = admin.create_user("alice").await;
    scoped
        .post(
            &requests(ELIGIBILITY),
            assign("member", &alice, &group, "P1D"),
        )
        .await
        .expect_error(403, "Authorization_RequestDenied");
}

#[common::both_backends]
async fn p5_deleting_a_group_ends_its_schedules_and_audits_each() {
    let t = tenant(false).await;
    let eligible = t
        .submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    let active = t
        .submit(ASSIGNMENT, assign("owner", &t.bob, &t.group, "P1D"))
        .await;
    t.server.advance(TimeDelta::hours(1));

    t.admin
        .delete(&format!("/v1.0/groups/{}", t.group))
        .await
        .expect(204);

    for family in [ELIGIBILITY, ASSIGNMENT] {
        for collection in ["Schedules", "ScheduleInstances"] {
            let list = t
                .admin
                .get(&of_group(family, collection, &t.group))
                .await
                .expect(200);
            assert!(
                column(&list, "id").is_empty(),
                "{family}{collection}: {list}"
            );
        }
    }
    let audit = t
        .admin
        .get(&format!("/stint/v1/audit?groupId={}&$top=999", t.group))
        .await
        .expect(200);
    let ended: Vec<String> = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "schedule.end" && e["result"] == "success")
        .map(|e| text(&e["targetId"]))
        .collect();
    assert_eq!(
        sorted(ended),
        sorted(vec![
            text(&eligible["targetScheduleId"]),
            text(&active["targetScheduleId"])
        ])
    );
    assert!(t
        .audit_actions()
        .await
        .contains(&("group.delete".to_string(), "success".to_string())));
    let managed = t
        .admin
        .get("/stint/v1/pim/groups?managed=true")
        .await
        .expect(200);
    assert!(column(&managed, "id").is_empty(), "{managed}");
    let discovered = t.admin.get("/stint/v1/pim/groups").await.expect(200);
    assert!(column(&discovered, "id").is_empty(), "{discovered}");
}

#[common::both_backends]
async fn p5_deleting_a_group_ends_the_schedules_it_holds_in_other_groups() {
    let t = tenant(true).await;
    let team = t.admin.create_group("Helpdesk team", false).await;
    let held = t
        .submit(ELIGIBILITY, assign("member", &team, &t.group, "P30D"))
        .await;
    t.admin
        .delete(&format!("/v1.0/groups/{team}"))
        .await
        .expect(204);
    assert!(t.schedule_principals(ELIGIBILITY).await.is_empty());
    let revoked = t
        .admin
        .get(&format!(
            "{PIM}/eligibilitySchedules?$filter=groupId eq '{}' and status eq 'Revoked'",
            t.group
        ))
        .await
        .expect(200);
    assert_eq!(column(&revoked, "id"), [text(&held["targetScheduleId"])]);
    let audit = t
        .admin
        .get(&format!("/stint/v1/audit?groupId={}&$top=999", t.group))
        .await
        .expect(200);
    assert!(
        audit["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "schedule.end" && e["targetId"] == held["targetScheduleId"]),
        "{audit}"
    );
}

#[common::both_backends]
async fn p6_the_first_assignment_in_an_unmanaged_group_onboards_it() {
    let t = tenant(true).await;
    let managed = "/stint/v1/pim/groups?managed=true";
    assert!(t.listed(&t.admin, managed, "id").await.is_empty());
    assert_eq!(
        t.listed(&t.admin, "/stint/v1/pim/groups", "id").await,
        [t.group.as_str()]
    );

    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    assert_eq!(t.listed(&t.admin, managed, "id").await, [t.group.as_str()]);
    assert!(t
        .listed(&t.admin, "/stint/v1/pim/groups", "id")
        .await
        .is_empty());
    assert!(t
        .audit_actions()
        .await
        .contains(&("group.manage".to_string(), "success".to_string())));
}

// ---------------------------------------------------------------------------------------------
// I1 lists

const LISTS: [&str; 3] = ["ScheduleRequests", "Schedules", "ScheduleInstances"];

#[common::both_backends]
async fn i1_lists_without_a_filter_on_group_or_principal_are_refused() {
    let t = tenant(true).await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    for family in [ELIGIBILITY, ASSIGNMENT] {
        for collection in LISTS {
            for query in ["", "?$filter=accessId eq 'member'", "?$top=5"] {
                let message = t
                    .admin
                    .get(&format!("{PIM}/{family}{collection}{query}"))
                    .await
                    .expect_error(400, "BadRequest");
                assert!(
                    message.contains("$filter") && message.contains("groupId"),
                    "{family}{collection}{query}: {message}"
                );
            }
        }
    }
}

#[common::both_backends]
async fn i1_a_filter_on_principal_id_lists_that_principals_records_in_every_group() {
    let t = tenant(true).await;
    let other = t.admin.create_group("Sales", false).await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &other, "P30D"))
        .await;
    t.submit(ELIGIBILITY, assign("member", &t.bob, &t.group, "P30D"))
        .await;
    for collection in LISTS {
        let path = format!(
            "{PIM}/eligibility{collection}?$filter=principalId eq '{}'",
            t.alice
        );
        let list = t.admin.get(&path).await.expect(200);
        assert_eq!(
            column(&list, "principalId"),
            [t.alice.as_str(), t.alice.as_str()],
            "{collection}"
        );
        assert_eq!(
            sorted(column(&list, "groupId")),
            sorted(vec![t.group.clone(), other.clone()]),
            "{collection}"
        );
        // Both, combined with `and`.
        let both = format!("{path} and groupId eq '{other}'");
        assert_eq!(
            t.listed(&t.admin, &both, "groupId").await,
            [other.as_str()],
            "{collection}"
        );
    }
}

#[common::both_backends]
async fn i1_select_returns_only_the_named_properties_and_says_so_in_the_context() {
    let t = tenant(true).await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    let list = t
        .admin
        .get(&format!(
            "{}&$select=accessId,principalId,groupId",
            of_group(ELIGIBILITY, "Schedules", &t.group)
        ))
        .await
        .expect(200);
    assert!(
        list["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/$metadata#identityGovernance/privilegedAccess/group/eligibilitySchedules(accessId,principalId,groupId)"),
        "{list}"
    );
    assert_eq!(
        list["value"],
        json!([{ "accessId": "member", "principalId": t.alice, "groupId": t.group }])
    );

    let message = t
        .admin
        .get(&format!(
            "{}&$select=accessId,nonsense",
            of_group(ELIGIBILITY, "Schedules", &t.group)
        ))
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("nonsense"), "{message}");
}

#[common::both_backends]
async fn i1_top_pages_with_a_next_link_until_the_end() {
    let t = tenant(true).await;
    let carol = t.admin.create_user("carol").await;
    for principal in [&t.alice, &t.bob, &carol] {
        t.submit(ELIGIBILITY, assign("member", principal, &t.group, "P30D"))
            .await;
        t.server.advance(TimeDelta::seconds(1));
    }
    for collection in LISTS {
        let path = format!("{}&$top=2", of_group(ELIGIBILITY, collection, &t.group));
        let first = t.admin.get(&path).await.expect(200);
        assert_eq!(column(&first, "id").len(), 2, "{collection}: {first}");
        let next = first["@odata.nextLink"]
            .as_str()
            .unwrap_or_else(|| panic!("{collection}: no nextLink in {first}"));
        assert!(next.starts_with(&t.server.base_url), "{next}");
        let second = t.admin.get(next).await.expect(200);
        assert_eq!(column(&second, "id").len(), 1, "{collection}: {second}");
        assert!(
            second.get("@odata.nextLink").is_none(),
            "{collection}: {second}"
        );
        let mut all = column(&first, "principalId");
        all.extend(column(&second, "principalId"));
        assert_eq!(
            sorted(all),
            sorted(vec![t.alice.clone(), t.bob.clone(), carol.clone()]),
            "{collection}"
        );
    }
    // The next link keeps $select and $filter.
    let selected = t
        .admin
        .get(&format!(
            "{}&$top=2&$select=principalId",
            of_group(ELIGIBILITY, "Schedules", &t.group)
        ))
        .await
        .expect(200);
    let next = t
        .admin
        .get(selected["@odata.nextLink"].as_str().unwrap())
        .await
        .expect(200);
    assert_eq!(next["value"].as_array().unwrap().len(), 1, "{next}");
    assert_eq!(
        next["value"][0]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["principalId"]
    );
    // Exactly one page: no link.
    let whole = t
        .admin
        .get(&format!(
            "{}&$top=3",
            of_group(ELIGIBILITY, "Schedules", &t.group)
        ))
        .await
        .expect(200);
    assert_eq!(column(&whole, "id").len(), 3);
    assert!(whole.get("@odata.nextLink").is_none(), "{whole}");
}

#[common::both_backends]
async fn i1_expand_embeds_the_principal_and_the_group() {
    let t = tenant(true).await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    for collection in LISTS {
        let list = t
            .admin
            .get(&format!(
                "{}&$expand=principal,group",
                of_group(ELIGIBILITY, collection, &t.group)
            ))
            .await
            .expect(200);
        let item = &list["value"][0];
        assert_eq!(item["principal"]["id"], t.alice, "{collection}: {item}");
        assert_eq!(item["principal"]["displayName"], "alice", "{collection}");
        assert_eq!(item["group"]["id"], t.group, "{collection}: {item}");
        assert_eq!(
            item["group"]["displayName"], "Tier 0 Admins",
            "{collection}"
        );
    }
    // Without $expand, neither is there.
    let plain = t
        .admin
        .get(&of_group(ELIGIBILITY, "Schedules", &t.group))
        .await
        .expect(200);
    assert!(plain["value"][0].get("principal").is_none());
    assert!(plain["value"][0].get("group").is_none());
}

#[common::both_backends]
async fn i1_orderby_is_refused_naming_it() {
    let t = tenant(true).await;
    for family in [ELIGIBILITY, ASSIGNMENT] {
        for collection in LISTS {
            let message = t
                .admin
                .get(&format!(
                    "{}&$orderby=createdDateTime desc",
                    of_group(family, collection, &t.group)
                ))
                .await
                .expect_error(400, "BadRequest");
            assert!(
                message.contains("$orderby"),
                "{family}{collection}: {message}"
            );
        }
    }
}

#[common::both_backends]
async fn i1_filter_by_current_user_principal_lists_only_the_callers_records() {
    let t = tenant(true).await;
    let other = t.admin.create_group("Sales", false).await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &other, "P30D"))
        .await;
    t.submit(ELIGIBILITY, assign("member", &t.bob, &t.group, "P30D"))
        .await;
    t.submit(ASSIGNMENT, assign("member", &t.alice, &t.group, "PT8H"))
        .await;
    t.submit(ASSIGNMENT, assign("member", &t.bob, &t.group, "PT8H"))
        .await;
    let alice = t.server.client_as("alice", PASSWORD).await;

    for (family, count) in [(ELIGIBILITY, 2), (ASSIGNMENT, 1)] {
        for collection in LISTS {
            let path = format!("{PIM}/{family}{collection}/filterByCurrentUser(on='principal')");
            let list = alice.get(&path).await.expect(200);
            let principals = column(&list, "principalId");
            assert_eq!(principals.len(), count, "{family}{collection}: {list}");
            assert!(
                principals.iter().all(|p| *p == t.alice),
                "{family}{collection}: {list}"
            );
            assert!(
                list["@odata.context"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("group/{family}{collection}")),
                "{list}"
            );
            // $filter narrows it further.
            let narrowed = alice
                .get(&format!("{path}?$filter=groupId eq '{}'", t.group))
                .await
                .expect(200);
            assert_eq!(
                column(&narrowed, "groupId"),
                [t.group.as_str()],
                "{family}{collection}"
            );
        }
    }
    // Admin holds nothing himself.
    let mine = t
        .admin
        .get(&format!(
            "{PIM}/eligibilitySchedules/filterByCurrentUser(on='principal')"
        ))
        .await
        .expect(200);
    assert!(column(&mine, "id").is_empty());
}

#[common::both_backends]
async fn i1_filter_by_current_user_pages_with_a_next_link() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let alice = admin.create_user("alice").await;
    for n in 0..3 {
        let group = admin.create_group(&format!("Group {n}"), false).await;
        admin
            .post(
                &requests(ELIGIBILITY),
                assign("member", &alice, &group, "P30D"),
            )
            .await
            .expect(201);
    }
    let alice = server.client_as("alice", PASSWORD).await;
    for collection in LISTS {
        let path = format!("{PIM}/eligibility{collection}/filterByCurrentUser(on='principal')");
        let first = alice.get(&format!("{path}?$top=2")).await.expect(200);
        assert_eq!(column(&first, "id").len(), 2, "{collection}: {first}");
        let next = first["@odata.nextLink"].as_str().unwrap();
        assert!(next.contains("filterByCurrentUser"), "{next}");
        let second = alice.get(next).await.expect(200);
        assert_eq!(column(&second, "id").len(), 1, "{collection}: {second}");
        assert!(second.get("@odata.nextLink").is_none(), "{second}");
    }
}

#[common::both_backends]
async fn i1_filter_by_current_user_created_by_lists_the_requests_the_caller_made() {
    let t = tenant(true).await;
    let (_, privileged) = t
        .server
        .user_with_role("pra", BuiltInRole::PrivilegedRoleAdministrator)
        .await;
    let by_admin = t
        .submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    let by_pra = privileged
        .post(
            &requests(ELIGIBILITY),
            assign("member", &t.bob, &t.group, "P30D"),
        )
        .await
        .expect(201);
    let path = format!("{PIM}/eligibilityScheduleRequests/filterByCurrentUser(on='createdBy')");
    assert_eq!(
        t.listed(&t.admin, &path, "id").await,
        [text(&by_admin["id"])]
    );
    assert_eq!(
        t.listed(&privileged, &path, "id").await,
        [text(&by_pra["id"])]
    );
    let alice = t.server.client_as("alice", PASSWORD).await;
    assert!(t.listed(&alice, &path, "id").await.is_empty());
    // But alice sees the request made for her.
    assert_eq!(
        t.listed(
            &alice,
            &format!("{PIM}/eligibilityScheduleRequests/filterByCurrentUser(on='principal')"),
            "id"
        )
        .await,
        [text(&by_admin["id"])]
    );
}

#[common::both_backends]
async fn i1_filter_by_current_user_with_an_unknown_on_is_refused() {
    let t = tenant(true).await;
    for family in [ELIGIBILITY, ASSIGNMENT] {
        for collection in LISTS {
            let message = t
                .admin
                .get(&format!(
                    "{PIM}/{family}{collection}/filterByCurrentUser(on='bogus')"
                ))
                .await
                .expect_error(400, "BadRequest");
            assert!(
                message.contains("principal"),
                "{family}{collection}: {message}"
            );
        }
        // Schedules and instances accept only on='principal'.
        for collection in ["Schedules", "ScheduleInstances"] {
            t.admin
                .get(&format!(
                    "{PIM}/{family}{collection}/filterByCurrentUser(on='createdBy')"
                ))
                .await
                .expect_error(400, "BadRequest");
        }
    }
}

#[common::both_backends]
async fn i1_enum_values_are_read_case_insensitively_and_written_camel_case() {
    let t = tenant(true).await;
    let now = t.server.now();
    let end = now + TimeDelta::days(7);
    let body = json!({
        "accessId": "Member",
        "principalId": t.alice,
        "groupId": t.group,
        "action": "ADMINASSIGN",
        "scheduleInfo": {
            "startDateTime": graph_time(now),
            "expiration": { "type": "AFTERDATETIME", "endDateTime": graph_time(end) },
        },
        "justification": "Case does not matter",
    });
    for family in [ELIGIBILITY, ASSIGNMENT] {
        let created = t.submit(family, body.clone()).await;
        assert_eq!(created["action"], "adminAssign", "{family}");
        assert_eq!(created["accessId"], "member", "{family}");
        assert_eq!(
            created["scheduleInfo"]["expiration"]["type"], "afterDateTime",
            "{family}"
        );
        let read = t
            .admin
            .get(&format!("{}/{}", requests(family), text(&created["id"])))
            .await
            .expect(200);
        assert_eq!(read["action"], "adminAssign", "{family}");
        assert_eq!(read["accessId"], "member", "{family}");
        let schedules = t
            .admin
            .get(&of_group(family, "Schedules", &t.group))
            .await
            .expect(200);
        assert_eq!(schedules["value"][0]["accessId"], "member", "{family}");
        assert_eq!(schedules["value"][0]["memberType"], "direct", "{family}");
    }
    // An `afterDuration` with PascalCase too.
    let created = t
        .submit(
            ELIGIBILITY,
            request(
                "AdminAssign",
                "OWNER",
                &t.alice,
                &t.group,
                Some(json!({ "expiration": { "type": "AfterDuration", "duration": "p30d" } })),
            ),
        )
        .await;
    assert_eq!(created["accessId"], "owner");
    assert_eq!(
        created["scheduleInfo"]["expiration"]["type"],
        "afterDuration"
    );
    assert_eq!(created["scheduleInfo"]["expiration"]["duration"], "P30D");
}

#[common::both_backends]
async fn i1_a_validation_only_request_is_granted_and_creates_nothing() {
    let t = tenant(true).await;
    for family in [ELIGIBILITY, ASSIGNMENT] {
        let mut body = assign("member", &t.alice, &t.group, "P7D");
        body["isValidationOnly"] = json!(true);
        let answered = t.submit(family, body).await;
        assert_eq!(answered["status"], "Granted", "{family}");
        assert_eq!(answered["isValidationOnly"], true, "{family}");
        assert!(
            t.schedule_principals(family).await.is_empty(),
            "{family}: a schedule was created"
        );
        let requests = t
            .admin
            .get(&of_group(family, "ScheduleRequests", &t.group))
            .await
            .expect(200);
        assert!(column(&requests, "id").is_empty(), "{family}: {requests}");
        let id = text(&answered["id"]);
        t.admin
            .get(&format!("{}/{id}", self::requests(family)))
            .await
            .expect_error(404, "Request_ResourceNotFound");
    }
    assert!(t.members().await.is_empty());

    // A validation-only request is still checked: a permanent active assignment is refused.
    let mut permanent = request(
        "adminAssign",
        "member",
        &t.alice,
        &t.group,
        Some(json!({ "expiration": { "type": "noExpiration" } })),
    );
    permanent["isValidationOnly"] = json!(true);
    t.admin
        .post(&requests(ASSIGNMENT), permanent)
        .await
        .expect_error(400, "RoleAssignmentRequestPolicyValidationFailed");
}

#[common::both_backends]
async fn i1_a_start_in_the_past_is_normalised_to_now() {
    let t = tenant(true).await;
    let now = t.server.now();
    let created = t
        .submit(
            ELIGIBILITY,
            request(
                "adminAssign",
                "member",
                &t.alice,
                &t.group,
                between(now - TimeDelta::days(3), now + TimeDelta::days(10)),
            ),
        )
        .await;
    assert_eq!(created["scheduleInfo"]["startDateTime"], graph_time(now));
    let schedules = t
        .admin
        .get(&of_group(ELIGIBILITY, "Schedules", &t.group))
        .await
        .expect(200);
    let info = &schedules["value"][0]["scheduleInfo"];
    assert_eq!(info["startDateTime"], graph_time(now));
    assert_eq!(
        info["expiration"]["endDateTime"],
        graph_time(now + TimeDelta::days(10))
    );
}

// ---------------------------------------------------------------------------------------------
// V4 cancel

#[common::both_backends]
async fn v4_cancel_of_a_provisioned_request_is_request_not_cancelable() {
    let t = tenant(true).await;
    for (family, duration) in [(ELIGIBILITY, "P30D"), (ASSIGNMENT, "PT8H")] {
        let created = t
            .submit(family, assign("member", &t.alice, &t.group, duration))
            .await;
        let id = text(&created["id"]);
        let message = t
            .admin
            .post(&format!("{}/{id}/cancel", requests(family)), json!({}))
            .await
            .expect_error(400, "RequestNotCancelable");
        assert!(message.contains("Provisioned"), "{family}: {message}");
        let read = t
            .admin
            .get(&format!("{}/{id}", requests(family)))
            .await
            .expect(200);
        assert_eq!(read["status"], "Provisioned", "{family}");
    }
}

#[common::both_backends]
async fn v4_cancel_of_an_unknown_request_is_not_found() {
    let t = tenant(true).await;
    let eligible = t
        .submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    for family in [ELIGIBILITY, ASSIGNMENT] {
        t.admin
            .post(
                &format!(
                    "{}/f4b57a8c-da56-4ae0-8aef-65c3a043dab4/cancel",
                    requests(family)
                ),
                json!({}),
            )
            .await
            .expect_error(404, "Request_ResourceNotFound");
        let message = t
            .admin
            .post(&format!("{}/not-an-id/cancel", requests(family)), json!({}))
            .await
            .expect_error(400, "BadRequest");
        assert!(message.contains("not-an-id"), "{message}");
    }
    // An eligibility request is not an assignment request.
    t.admin
        .post(
            &format!("{}/{}/cancel", requests(ASSIGNMENT), text(&eligible["id"])),
            json!({}),
        )
        .await
        .expect_error(404, "Request_ResourceNotFound");
}

// ---------------------------------------------------------------------------------------------
// Who sees and does what (A6)

#[common::both_backends]
async fn i1_a_user_without_an_administrator_role_sees_only_their_own_records() {
    let t = tenant(false).await;
    let alices = t
        .submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    let bobs = t
        .submit(ELIGIBILITY, assign("member", &t.bob, &t.group, "P30D"))
        .await;
    let alice = t.server.client_as("alice", PASSWORD).await;

    for collection in LISTS {
        let path = of_group(ELIGIBILITY, collection, &t.group);
        assert_eq!(
            t.listed(&alice, &path, "principalId").await,
            [t.alice.as_str()],
            "{collection}"
        );
        assert_eq!(
            sorted(t.listed(&t.admin, &path, "principalId").await),
            sorted(vec![t.alice.clone(), t.bob.clone()]),
            "{collection}"
        );
    }
    let by_bob = format!(
        "{PIM}/eligibilitySchedules?$filter=principalId eq '{}'",
        t.bob
    );
    assert!(t.listed(&alice, &by_bob, "id").await.is_empty());
    alice
        .get(&format!(
            "{PIM}/eligibilityScheduleRequests/{}",
            text(&bobs["id"])
        ))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    alice
        .get(&format!(
            "{PIM}/eligibilitySchedules/{}",
            text(&bobs["targetScheduleId"])
        ))
        .await
        .expect_error(404, "Request_ResourceNotFound");
    alice
        .get(&format!(
            "{PIM}/eligibilityScheduleRequests/{}",
            text(&alices["id"])
        ))
        .await
        .expect(200);
}

#[common::both_backends]
async fn a6_a_user_without_an_administrator_role_cannot_assign_and_the_refusal_is_audited() {
    let t = tenant(false).await;
    let alice = t.server.client_as("alice", PASSWORD).await;
    for (family, duration) in [(ELIGIBILITY, "P30D"), (ASSIGNMENT, "PT8H")] {
        alice
            .post(
                &requests(family),
                assign("member", &t.alice, &t.group, duration),
            )
            .await
            .expect_error(403, "Authorization_RequestDenied");
        assert!(t.schedule_principals(family).await.is_empty(), "{family}");
    }
    // Nor did the refused request onboard the group.
    assert!(t
        .listed(&t.admin, "/stint/v1/pim/groups?managed=true", "id")
        .await
        .is_empty());

    let mine = alice.get("/stint/v1/audit?mine=true").await.expect(200);
    let refusals: Vec<&Value> = mine["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "request.adminAssign")
        .collect();
    assert_eq!(refusals.len(), 2, "{mine}");
    for event in refusals {
        assert_eq!(event["result"], "failure", "{event}");
        assert_eq!(event["actorId"], t.alice, "{event}");
        assert_eq!(event["groupId"], t.group, "{event}");
        assert!(
            event["message"]
                .as_str()
                .unwrap()
                .contains("Authorization_RequestDenied"),
            "{event}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// U2 audit views

fn events(list: &Value) -> Vec<Value> {
    list["value"].as_array().unwrap().clone()
}

#[common::both_backends]
async fn u2_resource_audit_filters_by_time_range() {
    let t = tenant(true).await;
    let carol = t.admin.create_user("carol").await;
    let mut times = Vec::new();
    for principal in [&t.alice, &t.bob, &carol] {
        times.push(t.server.now());
        t.submit(ELIGIBILITY, assign("member", principal, &t.group, "P30D"))
            .await;
        t.server.advance(TimeDelta::hours(1));
    }
    let since = graph_time(times[1] - TimeDelta::minutes(30));
    let until = graph_time(times[1] + TimeDelta::minutes(30));
    let window = t
        .admin
        .get(&format!(
            "/stint/v1/audit?groupId={}&since={since}&until={until}",
            t.group
        ))
        .await
        .expect(200);
    let found = events(&window);
    assert!(!found.is_empty(), "{window}");
    assert!(
        found
            .iter()
            .all(|e| e["activityDateTime"] == graph_time(times[1])),
        "{window}"
    );
    assert!(found
        .iter()
        .any(|e| e["action"] == "request.adminAssign" && e["principalId"] == t.bob));

    // `since` alone and `until` alone.
    let later = t
        .admin
        .get(&format!(
            "/stint/v1/audit?groupId={}&since={}",
            t.group,
            graph_time(times[2])
        ))
        .await
        .expect(200);
    assert!(events(&later)
        .iter()
        .all(|e| e["principalId"] == carol || e["principalId"].is_null()));
    assert!(events(&later).iter().any(|e| e["principalId"] == carol));
    let earlier = t
        .admin
        .get(&format!(
            "/stint/v1/audit?groupId={}&until={}",
            t.group,
            graph_time(times[1])
        ))
        .await
        .expect(200);
    assert!(events(&earlier)
        .iter()
        .all(|e| e["activityDateTime"] == graph_time(times[0])));

    // By action: the three assignments and nothing else, on every page's link too.
    let assigned = t
        .admin
        .get(&format!(
            "/stint/v1/audit?groupId={}&action=request.adminAssign&$top=2",
            t.group
        ))
        .await
        .expect(200);
    assert_eq!(events(&assigned).len(), 2, "{assigned}");
    assert!(events(&assigned)
        .iter()
        .all(|e| e["action"] == "request.adminAssign"));
    let next = assigned["@odata.nextLink"].as_str().expect("a next page");
    assert!(next.contains("action=request.adminAssign"), "{next}");

    let message = t
        .admin
        .get(&format!(
            "/stint/v1/audit?groupId={}&since=yesterday",
            t.group
        ))
        .await
        .expect_error(400, "BadRequest");
    assert!(message.contains("since"), "{message}");
}

#[common::both_backends]
async fn u2_audit_pages_newest_first_without_repeats() {
    let t = tenant(true).await;
    for n in 0..4 {
        let user = t.admin.create_user(&format!("user{n}")).await;
        t.submit(ELIGIBILITY, assign("member", &user, &t.group, "P30D"))
            .await;
        t.server.advance(TimeDelta::minutes(1));
    }
    let all = events(
        &t.admin
            .get(&format!("/stint/v1/audit?groupId={}&$top=999", t.group))
            .await
            .expect(200),
    );
    assert!(all.len() >= 5, "{all:?}");
    let sequences: Vec<u64> = all
        .iter()
        .map(|e| e["sequence"].as_u64().unwrap())
        .collect();
    assert!(
        sequences.windows(2).all(|pair| pair[0] > pair[1]),
        "not newest first: {sequences:?}"
    );

    let mut paged = Vec::new();
    let mut next = Some(format!("/stint/v1/audit?groupId={}&$top=2", t.group));
    let mut pages = 0;
    while let Some(link) = next {
        let page = t.admin.get(&link).await.expect(200);
        let items = events(&page);
        assert!(items.len() <= 2, "{page}");
        assert!(!items.is_empty(), "empty page at {link}");
        paged.extend(items);
        next = page["@odata.nextLink"].as_str().map(str::to_string);
        pages += 1;
        assert!(pages <= all.len(), "paging does not end");
    }
    let paged_ids: Vec<&Value> = paged.iter().map(|e| &e["id"]).collect();
    let all_ids: Vec<&Value> = all.iter().map(|e| &e["id"]).collect();
    assert_eq!(paged_ids, all_ids);

    // The next link keeps the time range.
    let since = graph_time(common::start_time() + TimeDelta::minutes(1));
    let first = t
        .admin
        .get(&format!(
            "/stint/v1/audit?groupId={}&since={since}&$top=1",
            t.group
        ))
        .await
        .expect(200);
    let mut seen = events(&first);
    let mut next = first["@odata.nextLink"].as_str().map(str::to_string);
    while let Some(link) = next {
        let page = t.admin.get(&link).await.expect(200);
        seen.extend(events(&page));
        next = page["@odata.nextLink"].as_str().map(str::to_string);
    }
    let expected: Vec<&Value> = all
        .iter()
        .filter(|e| e["activityDateTime"].as_str().unwrap() >= since.as_str())
        .map(|e| &e["id"])
        .collect();
    assert_eq!(seen.iter().map(|e| &e["id"]).collect::<Vec<_>>(), expected);
    assert!(expected.len() >= 3 && expected.len() < all.len());
}

#[common::both_backends]
async fn u2_a_user_cannot_read_the_audit_of_a_group_they_do_not_administer() {
    let t = tenant(true).await;
    t.submit(ELIGIBILITY, assign("member", &t.alice, &t.group, "P30D"))
        .await;
    let bob = t.server.client_as("bob", PASSWORD).await;
    bob.get(&format!("/stint/v1/audit?groupId={}", t.group))
        .await
        .expect_error(403, "Authorization_RequestDenied");
    bob.get(&format!("/stint/v1/audit?principalId={}", t.alice))
        .await
        .expect_error(403, "Authorization_RequestDenied");

    // An owner of the group administers it, so reads its audit.
    t.admin.add_owner(&t.group, &t.bob).await;
    let audit = events(
        &bob.get(&format!("/stint/v1/audit?groupId={}", t.group))
            .await
            .expect(200),
    );
    assert!(audit.iter().any(|e| e["action"] == "request.adminAssign"));

    // Alice reads what is about her ("my audit"), and nothing about bob.
    let alice = t.server.client_as("alice", PASSWORD).await;
    let mine = events(&alice.get("/stint/v1/audit?mine=true").await.expect(200));
    assert!(mine
        .iter()
        .any(|e| e["action"] == "request.adminAssign" && e["principalId"] == t.alice));
    assert!(mine
        .iter()
        .all(|e| e["principalId"] != t.bob && e["actorId"] != t.bob));
}

// ---------------------------------------------------------------------------------------------
// I5 authentication

#[common::both_backends]
async fn i5_a_call_without_a_token_is_401_with_www_authenticate_bearer() {
    let server = TestServer::start().await;
    let path = of_group(
        ELIGIBILITY,
        "Schedules",
        "2b5ed229-4072-478d-9504-a047ebd4b07d",
    );
    server
        .anonymous()
        .get(&path)
        .await
        .expect_error(401, "InvalidAuthenticationToken");

    let http = reqwest::Client::new();
    for token in [
        None,
        Some("Bearer not-a-token"),
        Some("Basic YWRtaW46YWRtaW4="),
    ] {
        let mut call = http.get(format!("{}{path}", server.base_url));
        if let Some(token) = token {
            call = call.header("authorization", token);
        }
        let response = call.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{token:?}");
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer"),
            "{token:?}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["error"]["code"], "InvalidAuthenticationToken",
            "{token:?}"
        );
    }
}

#[common::both_backends]
async fn i5_a_wrong_password_and_an_unknown_user_get_the_same_message() {
    let server = TestServer::start().await;
    let wrong_password = server
        .sign_in(ADMIN, "not-the-password")
        .await
        .expect_error(401, "InvalidCredentials");
    let unknown_user = server
        .sign_in("nobody@contoso.com", ADMIN_PASSWORD)
        .await
        .expect_error(401, "InvalidCredentials");
    assert_eq!(wrong_password, unknown_user);
    let lower = wrong_password.to_lowercase();
    assert!(lower.contains("user name or password"), "{wrong_password}");
    for hint in ["unknown", "not found", "does not exist", "wrong password"] {
        assert!(!lower.contains(hint), "{wrong_password}");
    }
    // U1: both failures are audited (F3: one event per user name and window, with a count).
    let audit = server
        .admin()
        .await
        .get("/stint/v1/audit?$top=999")
        .await
        .expect(200);
    let failures = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "auth.signInFailed" && e["result"] == "failure")
        .count();
    assert_eq!(failures, 2, "{audit}");
}

#[common::both_backends]
async fn i5_after_sign_out_the_token_no_longer_works() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let other = server.admin().await;
    admin.get("/v1.0/me").await.expect(200);
    admin
        .post("/stint/v1/auth/signout", json!({}))
        .await
        .expect(204);
    admin
        .get("/v1.0/me")
        .await
        .expect_error(401, "InvalidAuthenticationToken");
    admin
        .get(&of_group(
            ELIGIBILITY,
            "Schedules",
            "2b5ed229-4072-478d-9504-a047ebd4b07d",
        ))
        .await
        .expect_error(401, "InvalidAuthenticationToken");
    // Only that token: another session of the same user goes on.
    other.get("/v1.0/me").await.expect(200);
}
