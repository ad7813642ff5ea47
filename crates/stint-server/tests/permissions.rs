//! The permission matrix (SPEC D7, D8, P2, A6, S4, V3, D4/D8 as amended): every route of the
//! router, enumerated from the router itself (`stint_server::api_routes`, `stint_console::routes`),
//! is called by every caller of a cast in one fixture world, and each answer must be what
//! docs/permissions.md documents for that cell. A route with no row, or a row with no route,
//! fails the test too. With `STINT_PERMISSIONS_OBSERVED=FILE`, the answers are also written to
//! FILE as matrix rows, to update the document after a deliberate change.
#![allow(clippy::unwrap_used)]

#[path = "permissions_kit/api.rs"]
mod api;
mod common;
#[path = "permissions_kit/console.rs"]
mod console;
#[path = "permissions_kit/matrix.rs"]
mod matrix;
mod policy_helpers;
mod ui_kit;
#[path = "permissions_kit/world.rs"]
mod world;

use std::collections::BTreeSet;

use reqwest::Method;

use matrix::{Cell, Matrix, Route};
use world::{World, CAST};

/// Routes compiled in only with the `test-clock` feature.
const TEST_CLOCK: &str = "/stint/v1/test/";

fn named(routes: Vec<(axum::http::Method, String)>) -> BTreeSet<Route> {
    routes
        .into_iter()
        .map(|(method, path)| (method.to_string(), path))
        .collect()
}

/// What came back, reduced to what a cell asserts.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// A console redirect to its sign-in page, which carries the page asked for (`?next=`).
    to_sign_in: bool,
    /// From the console, whose forms show a refusal again with 400 and whose allowed calls
    /// answer below 400.
    console: bool,
}

impl Answer {
    fn fits(&self, cell: Cell) -> bool {
        match cell {
            Cell::Yes if self.console => !self.to_sign_in && self.status < 400,
            Cell::Yes => ![401, 403, 404].contains(&self.status),
            Cell::No if self.console => [400, 403].contains(&self.status),
            Cell::No => self.status == 403,
            Cell::Hidden => self.status == 404,
            Cell::SignIn => self.status == 401 || self.to_sign_in,
            Cell::Open => true,
        }
    }

    fn word(&self) -> String {
        match (self.to_sign_in, self.status) {
            (true, _) | (false, 401) => "401".into(),
            (false, 403) => "no".into(),
            (false, 404) => "404".into(),
            (false, status) => format!("yes({status})"),
        }
    }
}

#[test]
fn every_route_of_the_router_has_one_row_in_docs_permissions_md_and_every_row_a_route() {
    let matrix = Matrix::read();
    let mut routed = named(stint_server::api_routes());
    routed.extend(named(stint_console::routes()));
    let documented: BTreeSet<Route> = matrix
        .rows
        .keys()
        .filter(|(_, path)| cfg!(feature = "test-clock") || !path.starts_with(TEST_CLOCK))
        .cloned()
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "routes with no row in docs/permissions.md: {undocumented:?}; rows naming no route: {unrouted:?}"
    );
    let cast: Vec<&str> = CAST.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        matrix.columns, cast,
        "the columns of docs/permissions.md are the cast"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d7_d8_p2_a6_s4_v3_every_route_answers_every_caller_as_docs_permissions_md_says() {
    let matrix = Matrix::read();
    let console_routes = named(stint_console::routes());
    let world = World::new().await;
    let clock = serve_test_clock(&world).await;
    let mut wrong = Vec::new();
    let mut observed = String::new();
    for ((method, path), cells) in &matrix.rows {
        if path.starts_with(TEST_CLOCK) && clock.is_none() {
            continue;
        }
        let method: Method = method.parse().unwrap();
        observed.push_str(&format!("| `{method} {path}` |"));
        for (caller, cell) in world.callers.iter().zip(cells) {
            let route = (method.to_string(), path.clone());
            let answer = if console_routes.contains(&route) {
                let page = console::send(&world, caller, &method, path).await;
                Answer {
                    status: page.status,
                    to_sign_in: page
                        .location()
                        .is_some_and(|to| to.starts_with("/ui/sign-in?next=")),
                    console: true,
                }
            } else {
                let base = clock.as_deref().unwrap_or_default();
                let reply = api::send(&world, caller, base, &method, path).await;
                Answer {
                    status: reply.status,
                    to_sign_in: false,
                    console: false,
                }
            };
            observed.push_str(&format!(" {} |", answer.word()));
            if !answer.fits(*cell) {
                wrong.push(format!(
                    "{method} {path} as {}: documented {cell:?}, answered {}",
                    caller.name, answer.status
                ));
            }
        }
        observed.push('\n');
    }
    if let Ok(file) = std::env::var("STINT_PERMISSIONS_OBSERVED") {
        std::fs::write(file, &observed).unwrap();
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ from docs/permissions.md:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The test clock's routes, served on a port of their own over the world's app and clock.
#[cfg(feature = "test-clock")]
async fn serve_test_clock(world: &World) -> Option<String> {
    let router = stint_server::test_clock::router_with_test_clock(
        world.server.app.clone(),
        world.server.clock().clone(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(stint_server::serve_router(
        listener,
        router,
        std::future::pending(),
    ));
    Some(base)
}

#[cfg(not(feature = "test-clock"))]
async fn serve_test_clock(_: &World) -> Option<String> {
    None
}
