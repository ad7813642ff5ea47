//! Real servers for the connector tests, started by each test in a temporary directory on a free
//! port and killed (by the pid started) when dropped: Debian's OpenLDAP `slapd`, and
//! `scim2-server` from PyPI. Where the suite's variable is unset, a test prints one loud
//! `SKIPPED` line and passes; `.ci/run` installs both and sets the variables.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod scenarios;
pub mod scim_server;
pub mod slapd;

use std::io::Write as _;
use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};
use stint_connectors::Member;
use uuid::Uuid;

/// Whether a test needing `variable` runs here; prints the `SKIPPED` line when not.
pub fn enabled(variable: &str, test: &str, needs: &str) -> bool {
    if std::env::var_os(variable).is_some_and(|value| !value.is_empty()) {
        return true;
    }
    // Written past the test harness's output capture, so that it shows in every run.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: set {variable}=1 (after installing {needs}) to run it against the real server"
    );
    false
}

/// A Stint user.
pub fn member(upn: &str) -> Member {
    Member {
        id: Uuid::new_v4(),
        user_principal_name: upn.into(),
        mail: Some(upn.into()),
    }
}

/// A clock the test sets; a sync reads it for its instants.
#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn new() -> TestClock {
        TestClock(Mutex::new(
            Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap(),
        ))
    }

    pub fn set(&self, instant: DateTime<Utc>) {
        *self.0.lock().unwrap() = instant;
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}
