//! Issue 19 item 12: every list of the console pages and searches, and the API's lists page. Here
//! at a page size of 2 (`?size=2`, `$top=2`): the first page says what it shows of how many, its
//! Next page link leads to the rest in order and back, and a search narrows the list and the count.
#![allow(clippy::unwrap_used)]

mod common;
mod ui_kit;

use common::{Client, TestServer, ADMIN, ADMIN_PASSWORD};
use serde_json::{json, Value};
use ui_kit::{between, Browser, Page};

struct World {
    _server: TestServer,
    api: Client,
    admin: Browser,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let api = server.admin().await;
    let admin = Browser::new(&server.base_url);
    admin.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    World {
        _server: server,
        api,
        admin,
    }
}

/// A new group, brought under PIM.
async fn managed_group(api: &Client, name: &str) -> String {
    let group = api.create_group(name, false).await;
    let manage = format!("/stint/v1/pim/groups/{group}/manage");
    api.post(&manage, json!({})).await.expect(200);
    group
}

/// The `href` of the page's link with `rel`, as a path to get.
fn link(page: &Page, rel: &str) -> Option<String> {
    let marker = format!("rel=\"{rel}\"");
    let end = page.body.find(&marker)?;
    let start = page.body[..end].rfind("href=\"")? + "href=\"".len();
    let href = &page.body[start..end];
    Some(href[..href.find('"')?].replace("&amp;", "&"))
}

/// The bold names of the table's rows, in order.
fn names(page: &Page) -> Vec<String> {
    let body = &page.body;
    let (Some(start), Some(end)) = (body.find("<tbody>"), body.find("</tbody>")) else {
        return Vec::new();
    };
    between(&body[start..end], "<strong>", "</strong>")
}

/// The "Showing a–b of N" line.
fn range(page: &Page) -> String {
    between(&page.body, "<p class=\"pager-range\">", "</p>").join("")
}

/// Pages through `path` two at a time: the names of each page, checking every link on the way.
async fn pages(admin: &Browser, path: &str) -> Vec<Vec<String>> {
    let mut seen = Vec::new();
    let mut page = admin.get(path).await;
    assert_eq!(page.status, 200, "{path}: {}", page.body);
    assert!(link(&page, "prev").is_none(), "{path} starts at the start");
    loop {
        seen.push(names(&page));
        let Some(next) = link(&page, "next") else {
            return seen;
        };
        let after = admin.get(&next).await;
        assert_eq!(after.status, 200, "{next}");
        let back = admin.get(&link(&after, "prev").unwrap()).await;
        assert_eq!(names(&back), names(&page), "Previous page of {next}");
        page = after;
    }
}

#[common::both_backends]
async fn issue_19_item_12_directory_users_page_and_search() {
    let w = world().await;
    for name in ["dave", "bob", "erin", "carol"] {
        w.api.create_user(&format!("{name}@contoso.com")).await;
    }
    let first = w.admin.get("/ui/directory/users?size=2").await;
    assert_eq!(range(&first), "Showing 1–2 of 5");
    let all = pages(&w.admin, "/ui/directory/users?size=2").await;
    let me = w.api.get("/v1.0/me").await.expect(200);
    let admin_name = me["displayName"].as_str().unwrap().to_string();
    let mut expected = vec![
        admin_name,
        "bob".into(),
        "carol".into(),
        "dave".into(),
        "erin".into(),
    ];
    expected.sort_by_key(|name| name.to_lowercase());
    assert_eq!(all.concat(), expected);
    assert_eq!(all.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);

    let found = w.admin.get("/ui/directory/users?q=CAROL%40contoso").await;
    assert_eq!(names(&found), ["carol"]);
    assert_eq!(range(&found), "Showing 1–1 of 1");
    assert!(
        found.contains("value=\"CAROL@contoso\""),
        "the box keeps the search"
    );
}

#[common::both_backends]
async fn issue_19_item_12_directory_groups_page_and_search() {
    let w = world().await;
    for name in ["Sales", "Payments Admins", "Ops", "Payroll"] {
        w.api.create_group(name, false).await;
    }
    let all = pages(&w.admin, "/ui/directory/groups?size=2").await;
    assert_eq!(
        all,
        [vec!["Ops", "Payments Admins"], vec!["Payroll", "Sales"]]
    );
    let found = w.admin.get("/ui/directory/groups?q=pay&size=1").await;
    assert_eq!(names(&found), ["Payments Admins"]);
    assert_eq!(range(&found), "Showing 1–1 of 2");
    let next = w.admin.get(&link(&found, "next").unwrap()).await;
    assert_eq!(names(&next), ["Payroll"], "the next page keeps the search");
}

#[common::both_backends]
async fn issue_19_item_12_pim_groups_and_discover_page_and_search() {
    let w = world().await;
    for name in ["Sales", "Payments Admins", "Ops", "Payroll", "Unmanaged"] {
        if name == "Unmanaged" {
            w.api.create_group(name, false).await;
        } else {
            managed_group(&w.api, name).await;
        }
    }
    let all = pages(&w.admin, "/ui/groups?size=2").await;
    assert_eq!(
        all,
        [vec!["Ops", "Payments Admins"], vec!["Payroll", "Sales"]]
    );
    let found = w.admin.get("/ui/groups?q=pay").await;
    assert_eq!(names(&found), ["Payments Admins", "Payroll"]);
    let discover = w.admin.get("/ui/groups/discover?q=man").await;
    assert_eq!(names(&discover), ["Unmanaged"]);
}

#[common::both_backends]
async fn issue_19_item_12_group_assignments_page_and_search() {
    let w = world().await;
    let group = managed_group(&w.api, "Payments Admins").await;
    for name in ["dave", "bob", "carol"] {
        let user = w.api.create_user(&format!("{name}@contoso.com")).await;
        w.api.add_member(&group, &user).await;
    }
    let base = format!("/ui/groups/{group}/assignments?tab=active&size=2");
    let all = pages(&w.admin, &base).await;
    assert_eq!(all.concat().len(), 3);
    assert_eq!(all.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1]);
    let found = w.admin.get(&format!("{base}&q=car")).await;
    assert_eq!(names(&found), ["carol"]);
    assert_eq!(range(&found), "Showing 1–1 of 1");
}

/// Follows `@odata.nextLink` from `path`, collecting `field` of every item.
async fn api_pages(api: &Client, path: &str, field: &str) -> Vec<Vec<String>> {
    let mut seen = Vec::new();
    let mut body: Value = api.get(path).await.expect(200);
    loop {
        let values = body["value"].as_array().unwrap();
        seen.push(
            values
                .iter()
                .map(|v| v[field].as_str().unwrap().to_string())
                .collect(),
        );
        let Some(next) = body["@odata.nextLink"].as_str() else {
            return seen;
        };
        let rest = &next[next
            .find("/stint/v1/")
            .or_else(|| next.find("/v1.0/"))
            .unwrap()..];
        body = api.get(rest).await.expect(200);
    }
}

#[common::both_backends]
async fn issue_19_item_12_api_pim_groups_and_users_page_in_name_order() {
    let w = world().await;
    for name in ["Sales", "payments", "Ops"] {
        managed_group(&w.api, name).await;
    }
    let managed = "/stint/v1/pim/groups?managed=true&$top=2";
    let groups = api_pages(&w.api, managed, "displayName").await;
    assert_eq!(groups, [vec!["Ops", "payments"], vec!["Sales"]]);
    let refused = w.api.get("/stint/v1/pim/groups?$top=0").await;
    refused.expect_error(400, "BadRequest");

    for name in ["Zoe", "amy"] {
        w.api.create_user(&format!("{name}@contoso.com")).await;
    }
    let users = api_pages(&w.api, "/v1.0/users?$top=1", "displayName").await;
    let flat = users.concat();
    let mut sorted = flat.clone();
    sorted.sort_by_key(|name| name.to_lowercase());
    assert_eq!(flat, sorted);
    assert_eq!(users.len(), 3, "{users:?}");
}

#[common::both_backends]
async fn issue_19_item_12_directory_roles_offers_the_first_matches_of_a_search() {
    let w = world().await;
    for name in ["bob", "carol", "caroline"] {
        w.api.create_user(&format!("{name}@contoso.com")).await;
    }
    let page = w.admin.get("/ui/directory/roles?q=CAROL").await;
    let select = between(
        &page.body,
        "<select id=\"f-principal\" name=\"principal\"",
        "</select>",
    )
    .join("");
    assert!(select.contains("Choose a user or group"), "{select}");
    assert!(select.contains("carol (carol@contoso.com)"), "{select}");
    assert!(
        select.contains("caroline (caroline@contoso.com)"),
        "{select}"
    );
    assert!(!select.contains("bob"), "{select}");
}

#[common::both_backends]
async fn issue_19_item_12_approver_search_offers_matches_from_the_name_order() {
    let w = world().await;
    let group = managed_group(&w.api, "Payments Admins").await;
    for name in ["bob", "carol", "caroline"] {
        w.api.create_user(&format!("{name}@contoso.com")).await;
    }
    let page = w
        .admin
        .get(&format!("/ui/groups/{group}/settings/member?q=carol"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.contains("carol@contoso.com"), "{}", page.body);
    assert!(page.contains("caroline@contoso.com"), "{}", page.body);
    assert!(!page.contains("bob@contoso.com"), "{}", page.body);
}
