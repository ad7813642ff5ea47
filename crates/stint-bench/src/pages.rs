//! `stint-bench pages` (issue 19 item 12): what a page of each list costs on the full data set,
//! as the administrator sees it.
//!
//! ```sh
//! cargo run --release -p stint-bench -- pages [--scale tenth|full] [--runs N] [--work DIR]
//! ```
//!
//! Opens the data set `check` keeps (generating it on first use), serves it in-process on a
//! loopback port, signs in to the console and the API as `admin`, and times each console list's
//! first and a middle page, a search, and each API list's first and a middle page: the median of
//! `runs` requests, with the page's size, against the goal of under 50 ms and 300 KB.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::{json, Value};
use stint_core::ids::GroupId;
use stint_core::schedule::ScheduleKind;
use stint_core::State;

use crate::generate::Scale;
use crate::quick::{kept, Kept};
use crate::server::ADMIN_PASSWORD;

const GOAL: Duration = Duration::from_millis(50);
const GOAL_BYTES: usize = 300 * 1024;

#[derive(Debug)]
pub struct Options {
    scale: Scale,
    runs: usize,
    work: PathBuf,
}

impl Options {
    pub fn parse(mut args: impl Iterator<Item = String>) -> anyhow::Result<Options> {
        let mut options = Options {
            scale: Scale::FULL,
            runs: 7,
            work: PathBuf::from("target/stint-bench"),
        };
        while let Some(arg) = args.next() {
            match (arg.as_str(), args.next()) {
                ("--scale", Some(scale)) => {
                    options.scale = match scale.as_str() {
                        "tenth" => Scale::TENTH,
                        "full" => Scale::FULL,
                        _ => bail!("--scale is tenth or full"),
                    }
                }
                ("--runs", Some(runs)) => options.runs = runs.parse().context("--runs N")?,
                ("--work", Some(work)) => options.work = PathBuf::from(work),
                _ => bail!("usage: stint-bench pages [--scale tenth|full] [--runs N] [--work DIR]"),
            }
        }
        Ok(options)
    }
}

/// Where the middle pages start, read from the loaded state.
struct Middles {
    user: String,
    group: String,
    managed_group: String,
    managed_groups: usize,
    big_group: GroupId,
    big_group_eligible: usize,
}

fn middles(state: &State) -> anyhow::Result<Middles> {
    let middle_of = |ids: Vec<String>| ids.get(ids.len() / 2).cloned().unwrap_or_default();
    let users = state
        .users_by_name()
        .iter()
        .map(|(key, _)| key.id.to_string());
    let live = |id: &GroupId| state.live_group(*id).is_some();
    let groups: Vec<GroupId> = (state.groups_by_name().iter())
        .map(|(key, _)| key.id)
        .filter(live)
        .collect();
    let managed: Vec<String> = (groups.iter())
        .filter(|id| state.groups[id].is_managed())
        .map(ToString::to_string)
        .collect();
    let mut eligible: HashMap<GroupId, usize> = HashMap::new();
    for schedule in state.schedules.values() {
        if schedule.kind == ScheduleKind::Eligible && schedule.ended.is_none() {
            *eligible.entry(schedule.group_id()).or_default() += 1;
        }
    }
    let (big_group, big_group_eligible) = eligible
        .into_iter()
        .max_by_key(|(id, count)| (*count, *id))
        .context("no eligibility in the data set")?;
    Ok(Middles {
        user: middle_of(users.collect()),
        group: middle_of(groups.iter().map(ToString::to_string).collect()),
        managed_groups: managed.len(),
        managed_group: middle_of(managed),
        big_group,
        big_group_eligible,
    })
}

/// One signed-in client of the in-process server.
struct Client {
    http: reqwest::Client,
    base: String,
    /// `Cookie` for the console, `Authorization` for the API.
    header: (&'static str, String),
}

impl Client {
    /// The median time of `runs` requests for `path`, and the body's size.
    async fn time(&self, path: &str, runs: usize) -> anyhow::Result<(Duration, usize)> {
        let mut times = Vec::with_capacity(runs);
        let mut bytes = 0;
        for _ in 0..runs.max(1) {
            let started = Instant::now();
            let response = (self.http.get(format!("{}{path}", self.base)))
                .header(self.header.0, &self.header.1)
                .send()
                .await?;
            let status = response.status();
            let body = response.bytes().await?;
            times.push(started.elapsed());
            if !status.is_success() {
                bail!("{path}: {status}");
            }
            bytes = body.len();
        }
        times.sort();
        Ok((times[times.len() / 2], bytes))
    }
}

/// A console session for `admin`: the sign-in form's CSRF value and cookie, then the post.
async fn console_session(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let form = http.get(format!("{base}/ui/sign-in")).send().await?;
    let cookies = cookies_of(&form);
    let page = form.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).context("no CSRF field")? + marker.len();
    let csrf = &page[start..start + page[start..].find('"').context("CSRF value")?];
    let body = format!("csrf={csrf}&username=admin&password={ADMIN_PASSWORD}&next=%2Fui%2Fprofile");
    let signed_in = (http.post(format!("{base}/ui/sign-in")))
        .header(COOKIE, cookies)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    let session = cookies_of(&signed_in);
    if !session.contains("stint_session=") {
        bail!("console sign-in failed: {}", signed_in.status());
    }
    Ok(session)
}

fn cookies_of(response: &reqwest::Response) -> String {
    (response.headers().get_all(SET_COOKIE).iter())
        .filter_map(|value| value.to_str().ok()?.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

async fn api_token(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let reply: Value = (http.post(format!("{base}/stint/v1/auth/token")))
        .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await?
        .json()
        .await?;
    reply["access_token"]
        .as_str()
        .map(|token| format!("Bearer {token}"))
        .with_context(|| format!("API sign-in: {reply}"))
}

pub async fn run(options: &Options) -> anyhow::Result<String> {
    let Kept { app, .. } = kept(options.scale, &options.work).await?;
    let m = app.inspect_state(middles)?;
    let app = Arc::new(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(stint_server::serve(listener, app, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let console = Client {
        header: ("cookie", console_session(&http, &base).await?),
        http: http.clone(),
        base: base.clone(),
    };
    let api = Client {
        header: ("authorization", api_token(&http, &base).await?),
        http,
        base,
    };
    let big = format!("/ui/groups/{}/assignments", m.big_group);
    let pages: Vec<(&str, &Client, String)> = vec![
        (
            "Console: Directory › Users",
            &console,
            "/ui/directory/users".into(),
        ),
        (
            "… middle page",
            &console,
            format!("/ui/directory/users?after={}", m.user),
        ),
        (
            "… search 'user-4242'",
            &console,
            "/ui/directory/users?q=user-4242".into(),
        ),
        (
            "Console: Directory › Groups",
            &console,
            "/ui/directory/groups".into(),
        ),
        (
            "… middle page",
            &console,
            format!("/ui/directory/groups?after={}", m.group),
        ),
        ("Console: PIM groups", &console, "/ui/groups".into()),
        (
            "… middle page",
            &console,
            format!("/ui/groups?after={}", m.managed_group),
        ),
        (
            "Console: Discover groups",
            &console,
            "/ui/groups/discover".into(),
        ),
        (
            "Console: biggest group's Assignments",
            &console,
            big.clone(),
        ),
        (
            "… middle page",
            &console,
            format!("{big}?start={}", m.big_group_eligible / 2),
        ),
        (
            "Console: Add assignments (picker)",
            &console,
            format!("{big}/new"),
        ),
        (
            "Console: member settings, approver search 'user-42'",
            &console,
            format!("/ui/groups/{}/settings/member?q=user-42", m.big_group),
        ),
        (
            "Console: Directory roles",
            &console,
            "/ui/directory/roles".into(),
        ),
        ("API: /v1.0/users", &api, "/v1.0/users".into()),
        (
            "… middle page",
            &api,
            format!("/v1.0/users?$skiptoken={}", options.scale.users / 2),
        ),
        ("API: /v1.0/groups", &api, "/v1.0/groups".into()),
        (
            "… middle page",
            &api,
            format!("/v1.0/groups?$skiptoken={}", options.scale.groups / 2),
        ),
        (
            "API: /stint/v1/pim/groups?managed=true",
            &api,
            "/stint/v1/pim/groups?managed=true".into(),
        ),
        (
            "… middle page",
            &api,
            format!(
                "/stint/v1/pim/groups?managed=true&$skiptoken={}",
                m.managed_group
            ),
        ),
    ];
    let mut markdown = format!(
        "{} users, {} groups ({} managed), biggest group {} eligible; median of {} requests\n\n\
         | Page | ms | KB | Goal (<50 ms, <300 KB) |\n|---|---:|---:|---|\n",
        options.scale.users,
        options.scale.groups,
        m.managed_groups,
        m.big_group_eligible,
        options.runs
    );
    for (name, client, path) in &pages {
        let (time, bytes) = client.time(path, options.runs).await?;
        let met = time < GOAL && bytes < GOAL_BYTES;
        let row = format!(
            "| {name} | {:.1} | {:.0} | {} |\n",
            time.as_secs_f64() * 1000.0,
            bytes as f64 / 1024.0,
            if met { "met" } else { "missed" }
        );
        print!("{row}");
        markdown.push_str(&row);
    }
    let _ = stop.send(());
    server.await??;
    Ok(markdown)
}
