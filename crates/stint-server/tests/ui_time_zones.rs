//! Issue 19, item 8, without a browser: a person chooses their time zone on their profile; the
//! console then shows times on that zone's clocks (UTC on hover) and reads the times typed into
//! its forms in it, each field saying which zone it uses. A zone not in the list, or a time the
//! zone's clocks skip, is refused under its field and changes nothing.
#![allow(clippy::unwrap_used)]

mod common;
mod ui_kit;

use common::{Client, TestServer, ADMIN, ADMIN_PASSWORD};
use serde_json::json;
use ui_kit::{Browser, Page};

const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

struct World {
    server: TestServer,
    api: Client,
    admin: Browser,
    group: String,
    bob: String,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let api = server.admin().await;
    let bob = api.create_user("bob@contoso.com").await;
    let group = api.create_group("Payments Admins", false).await;
    api.post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        .await
        .expect(200);
    let admin = Browser::new(&server.base_url);
    admin.sign_in(ADMIN, ADMIN_PASSWORD, None).await;
    World {
        server,
        api,
        admin,
        group,
        bob,
    }
}

async fn choose_zone(browser: &Browser, zone: &str) -> Page {
    let csrf = browser.csrf().await;
    browser
        .post("/ui/profile/time-zone", &csrf, &[("time_zone", zone)])
        .await
}

async fn assign_bob(w: &World, start: &str, end: &str) -> Page {
    let g = &w.group;
    let form = w
        .admin
        .get(&format!("/ui/groups/{g}/assignments/new"))
        .await;
    let fields = [
        ("access", "member"),
        ("kind", "eligible"),
        ("principal", w.bob.as_str()),
        ("start", start),
        ("end", end),
        ("justification", "Quarter close"),
    ];
    w.admin
        .post(
            &format!("/ui/groups/{g}/assignments"),
            &form.csrf(),
            &fields,
        )
        .await
}

#[tokio::test]
async fn a_person_who_chose_paris_types_and_reads_times_on_paris_clocks() {
    let w = world().await;
    let profile = w.admin.get("/ui/profile").await;
    assert!(
        profile.contains("<option value=\"UTC\" selected>UTC</option>"),
        "UTC until chosen: {}",
        profile.body
    );

    let chosen = choose_zone(&w.admin, "europe/paris").await;
    assert_eq!(chosen.status, 303, "{}", chosen.body);
    assert_eq!(
        chosen.location().as_deref(),
        Some("/ui/profile?notice=time-zone")
    );
    let profile = w.admin.get("/ui/profile?notice=time-zone").await;
    assert!(profile.contains("<option value=\"Europe/Paris\" selected>Europe/Paris</option>"));
    assert!(profile.contains("Time zone saved"));

    // The form says the zone it reads times in, and reads them so: 09:00 in Paris is 08:00 UTC
    // in winter and 07:00 in summer.
    let g = &w.group;
    let form = w
        .admin
        .get(&format!("/ui/groups/{g}/assignments/new"))
        .await;
    assert!(form.contains("Start (Europe/Paris)"), "{}", form.body);
    assert!(form.contains("End (Europe/Paris)"));
    let assigned = assign_bob(&w, "2026-01-06T09:00", "2026-07-20T09:00").await;
    assert_eq!(assigned.status, 303, "{}", assigned.body);
    let schedules = w
        .api
        .get(&format!(
            "{PIM}/eligibilitySchedules?$filter=groupId eq '{g}'"
        ))
        .await
        .expect(200);
    let window = &schedules["value"][0]["scheduleInfo"];
    assert_eq!(window["startDateTime"], "2026-01-06T08:00:00Z", "{window}");
    assert_eq!(
        window["expiration"]["endDateTime"], "2026-07-20T07:00:00Z",
        "{window}"
    );

    // The list shows Paris times, with UTC on hover.
    let list = w
        .admin
        .get(&format!("/ui/groups/{g}/assignments?tab=eligible"))
        .await;
    for shown in [
        "title=\"Tue 6 Jan 2026, 08:00 UTC\">Tue 6 Jan 2026, 09:00 CET</time>",
        "title=\"Mon 20 Jul 2026, 07:00 UTC\">Mon 20 Jul 2026, 09:00 CEST</time>",
    ] {
        assert!(list.contains(shown), "{shown} is not on {}", list.body);
    }

    let audit = w.admin.get("/ui/audit").await;
    assert!(audit.contains("Chose a time zone"), "{}", audit.body);
    assert!(
        audit.contains(" CET</time>"),
        "audit times in Paris: {}",
        audit.body
    );
}

#[tokio::test]
async fn a_zone_not_in_the_list_or_a_time_its_clocks_skip_is_refused_under_its_field() {
    let w = world().await;
    let before = w.server.app.revision();
    let refused = choose_zone(&w.admin, "Mars/Olympus_Mons").await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.shows_error_under("time_zone", "Choose a time zone from the list."),
        "{}",
        refused.body
    );
    assert_eq!(
        w.server.app.revision(),
        before,
        "a refused zone changes nothing"
    );
    let profile = w.admin.get("/ui/profile").await;
    assert!(profile.contains("<option value=\"UTC\" selected>UTC</option>"));

    assert_eq!(choose_zone(&w.admin, "Europe/Paris").await.status, 303);
    let before = w.server.app.revision();
    // Summer time starts in Paris at 02:00 on 29 March 2026: 02:30 never comes.
    let skipped = assign_bob(&w, "2026-03-29T02:30", "2026-04-01T09:00").await;
    assert_eq!(skipped.status, 400, "{}", skipped.body);
    assert!(
        skipped.shows_error_under(
            "start",
            "The clocks in Europe/Paris skip that time (summer time starts): choose another."
        ),
        "{}",
        skipped.body
    );
    assert_eq!(w.server.app.revision(), before, "nothing was assigned");
}
