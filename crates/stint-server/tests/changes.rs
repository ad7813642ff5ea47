//! X3: the change feed `GET /stint/v1/changes` lists every membership and ownership change with
//! its revision; a consumer that resumes after `lastRevision` misses and repeats nothing.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use serde_json::Value;
use stint_core::directory::BuiltInRole;

use common::{Client, TestServer};

/// (revision, kind, object id) of every entry, in the order listed.
fn entries(page: &Value) -> Vec<(u64, String, String)> {
    page["value"]
        .as_array()
        .unwrap_or_else(|| panic!("not a feed page: {page}"))
        .iter()
        .map(|entry| {
            (
                entry["revision"].as_u64().unwrap(),
                entry["kind"].as_str().unwrap().to_string(),
                entry["change"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn last_revision(page: &Value) -> u64 {
    page["lastRevision"].as_u64().unwrap()
}

async fn feed(admin: &Client, after: u64) -> Value {
    admin
        .get(&format!("/stint/v1/changes?after={after}"))
        .await
        .expect(200)
}

#[common::both_backends]
async fn x3_a_consumer_resuming_after_last_revision_misses_and_repeats_nothing() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Followed", false).await;
    let mut users = Vec::new();
    for name in ["u1", "u2", "u3", "u4", "u5"] {
        users.push(admin.create_user(&format!("{name}@contoso.com")).await);
    }
    for user in &users[..3] {
        admin.add_member(&group, user).await;
    }

    let first = feed(&admin, 0).await;
    let first_entries = entries(&first);
    let schedules = |list: &[(u64, String, String)]| {
        list.iter()
            .filter(|(_, kind, _)| kind == "schedule")
            .count()
    };
    assert_eq!(schedules(&first_entries), 3, "{first}");

    for user in &users[3..] {
        admin.add_member(&group, user).await;
    }
    admin
        .delete(&format!("/v1.0/groups/{group}/members/{}/$ref", users[0]))
        .await
        .expect(204);

    let second = feed(&admin, last_revision(&first)).await;
    let second_entries = entries(&second);
    assert_eq!(
        schedules(&second_entries),
        3,
        "two added, one removed: {second}"
    );
    assert!(second_entries
        .iter()
        .all(|(revision, _, _)| *revision > last_revision(&first)));

    // Read in two pages or in one, the consumer sees the same entries in the same order.
    let everything = feed(&admin, 0).await;
    let mut resumed = first_entries.clone();
    resumed.extend(second_entries.clone());
    assert_eq!(resumed, entries(&everything));
    assert_eq!(last_revision(&second), last_revision(&everything));
    let revisions: Vec<u64> = resumed.iter().map(|(revision, _, _)| *revision).collect();
    assert!(
        revisions.windows(2).all(|pair| pair[0] <= pair[1]),
        "{revisions:?}"
    );

    // Nothing new: an empty page that keeps the consumer where it is.
    let idle = feed(&admin, last_revision(&second)).await;
    assert!(entries(&idle).is_empty());
    assert_eq!(last_revision(&idle), last_revision(&second));
}

#[common::both_backends]
async fn x3_a_waiting_consumer_is_answered_at_the_next_commit() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let group = admin.create_group("Waited on", false).await;
    let alice = admin.create_user("alice@contoso.com").await;
    let after = last_revision(&feed(&admin, 0).await);

    let waiting = tokio::spawn({
        let admin = admin.clone();
        async move {
            let asked = Instant::now();
            let page = admin
                .get(&format!("/stint/v1/changes?after={after}&wait=10"))
                .await
                .expect(200);
            (page, asked.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    admin.add_member(&group, &alice).await;
    let (page, took) = waiting.await.unwrap();
    let listed = entries(&page);
    assert_eq!(listed.len(), 1, "{page}");
    assert_eq!(listed[0].1, "schedule");
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    assert!(
        took >= Duration::from_millis(250),
        "answered before the commit: {took:?}"
    );
}

#[common::both_backends]
async fn x3_only_privileged_administrators_follow_the_feed_and_wait_is_bounded() {
    let server = TestServer::start().await;
    let (_, groups_admin) = server
        .user_with_role("groups@contoso.com", BuiltInRole::GroupsAdministrator)
        .await;
    groups_admin
        .get("/stint/v1/changes?after=0")
        .await
        .expect(403);
    let (_, privileged) = server
        .user_with_role("pra@contoso.com", BuiltInRole::PrivilegedRoleAdministrator)
        .await;
    privileged
        .get("/stint/v1/changes?after=0")
        .await
        .expect(200);
    privileged
        .get("/stint/v1/changes?after=0&wait=31")
        .await
        .expect(400);
    server
        .anonymous()
        .get("/stint/v1/changes")
        .await
        .expect(401);
}
