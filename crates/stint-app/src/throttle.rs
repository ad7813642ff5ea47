//! F3: throttling of password sign-ins by user name and by source address.
//!
//! Each user name (by its D1 key, so `Ａｄｍｉｎ` and `admin` share one count) and each source
//! address (an IPv6 address by its /64) has a count of tries that did not succeed. After
//! [`SignInLimits::account_failures`] (or `source_failures`) of them, tries are refused without
//! checking the password for a lock-out that starts at `first_lockout` and doubles with each
//! further failure, up to `max_lockout`; the count is forgotten `window` after the last failure or
//! lock-out. A name is throttled the same whether an account has it or not.
//!
//! The bookkeeping lives in this node's memory only: it is lost on restart, and with several
//! nodes each node counts on its own. Time is always the caller's `now` (the app's clock).
//!
//! The throttle also bounds the audit of failures: it says when a failure is worth an event
//! ([`Report`]) and how many tries the event stands for.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use stint_core::names::user_name_key;

use crate::config::SignInLimits;

/// A try that may go on to the password check; hand it back to [`SignInThrottle::failed`] or
/// [`SignInThrottle::succeeded`].
#[derive(Debug)]
pub struct Ticket {
    account: String,
    source: Option<String>,
}

/// A try refused without a password check.
#[derive(Debug)]
pub struct Refusal {
    /// When to try again, never less than a second.
    pub retry_after: TimeDelta,
    pub reports: Vec<Report>,
}

/// A failure (or refused try) that is due an audit event, and how many tries the event stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub about: Subject,
    /// Failed or refused tries since the previous event about the same subject.
    pub count: u32,
    /// When the first of them was made.
    pub since: DateTime<Utc>,
    /// The lock-out this failure started, if it started one.
    pub locked_for: Option<TimeDelta>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Account,
    Source(String),
}

pub struct SignInThrottle {
    limits: SignInLimits,
    /// Keys the user names in memory and pseudonymises unknown ones in the audit.
    secret: [u8; 32],
    tables: Mutex<Tables>,
}

// Shows the limits only: the key would let a reader of logs reverse pseudonyms by guessing.
stint_core::redacted_debug!(SignInThrottle { limits });

#[derive(Debug, Default)]
struct Tables {
    accounts: HashMap<String, Entry>,
    sources: HashMap<String, Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    /// Tries that did not succeed (or are still being checked) since the entry was fresh.
    tries: u32,
    /// Lock-outs so far.
    strikes: u32,
    locked_until: Option<DateTime<Utc>>,
    forget_at: DateTime<Utc>,
    /// Tries not yet in an audit event, the first at `unreported_since`.
    unreported: u32,
    unreported_since: DateTime<Utc>,
    reported_at: Option<DateTime<Utc>>,
}

impl Entry {
    fn fresh(now: DateTime<Utc>) -> Entry {
        Entry {
            tries: 0,
            strikes: 0,
            locked_until: None,
            forget_at: now,
            unreported: 0,
            unreported_since: now,
            reported_at: None,
        }
    }

    fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|until| now < *until)
    }

    /// Forgets the count after a quiet `window`; what is unreported stays to be reported.
    fn refresh(&mut self, now: DateTime<Utc>) {
        if self.locked_at(now).is_none() && now >= self.forget_at {
            self.tries = 0;
            self.strikes = 0;
            self.locked_until = None;
        }
    }

    fn note(&mut self, now: DateTime<Utc>) {
        if self.unreported == 0 {
            self.unreported_since = now;
        }
        self.unreported += 1;
    }

    fn report(
        &mut self,
        about: Subject,
        now: DateTime<Utc>,
        locked_for: Option<TimeDelta>,
    ) -> Report {
        let report = Report {
            about,
            count: self.unreported,
            since: self.unreported_since,
            locked_for,
        };
        self.unreported = 0;
        self.reported_at = Some(now);
        report
    }

    fn report_due(&self, now: DateTime<Utc>, window: TimeDelta) -> bool {
        self.unreported > 0 && self.reported_at.is_none_or(|at| now >= at + window)
    }
}

impl SignInThrottle {
    pub fn new(limits: SignInLimits) -> SignInThrottle {
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        SignInThrottle {
            limits,
            secret,
            tables: Mutex::new(Tables::default()),
        }
    }

    /// Lets a try of `user_name` from `source` (the caller's IP address) go on to the password
    /// check, or refuses it while the name or the source is locked out.
    pub fn begin(
        &self,
        user_name: &str,
        source: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Ticket, Refusal> {
        let ticket = Ticket {
            account: self.account_key(user_name),
            source: source
                .filter(|_| self.limits.source_failures > 0)
                .map(source_key),
        };
        let limits = &self.limits;
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        let tables = &mut *tables;
        let mut waits = Vec::new();
        let mut entries = Vec::new();
        if let Some(entry) = tracked(
            &mut tables.accounts,
            &ticket.account,
            limits.max_tracked,
            now,
        ) {
            entries.push((entry, Subject::Account, limits.account_failures));
        }
        if let Some(source) = &ticket.source {
            if let Some(entry) = tracked(&mut tables.sources, source, limits.max_tracked, now) {
                entries.push((
                    entry,
                    Subject::Source(source.clone()),
                    limits.source_failures,
                ));
            }
        }
        for (entry, _, limit) in &entries {
            if let Some(until) = entry.locked_at(now) {
                waits.push(until - now);
            } else if entry.tries >= *limit {
                // Tries still being checked have used up what is allowed.
                waits.push(TimeDelta::seconds(1));
            }
        }
        if let Some(wait) = waits.into_iter().max() {
            let reports = entries
                .into_iter()
                .filter_map(|(entry, about, _)| {
                    entry.note(now);
                    let due = about == Subject::Account && entry.report_due(now, limits.window);
                    due.then(|| entry.report(about, now, None))
                })
                .collect();
            return Err(Refusal {
                retry_after: wait.max(TimeDelta::seconds(1)),
                reports,
            });
        }
        for (entry, _, _) in entries {
            entry.tries += 1;
        }
        Ok(ticket)
    }

    /// The password was wrong, the name unknown or the account disabled: counts the failure,
    /// locks out where the limit is reached, and says which audit events are due.
    pub fn failed(&self, ticket: Ticket, now: DateTime<Utc>) -> Vec<Report> {
        let limits = &self.limits;
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        let tables = &mut *tables;
        let mut reports = Vec::new();
        let account = tables.accounts.get_mut(&ticket.account);
        let source = ticket
            .source
            .as_ref()
            .and_then(|key| tables.sources.get_mut(key).map(|entry| (key, entry)));
        let entries =
            account
                .map(|entry| (entry, Subject::Account, limits.account_failures))
                .into_iter()
                .chain(source.map(|(key, entry)| {
                    (entry, Subject::Source(key.clone()), limits.source_failures)
                }));
        for (entry, about, limit) in entries {
            entry.note(now);
            entry.forget_at = now + limits.window;
            let mut locked_for = None;
            if entry.tries >= limit && entry.locked_at(now).is_none() {
                let lockout = self.lockout(entry.strikes);
                entry.strikes += 1;
                entry.locked_until = Some(now + lockout);
                entry.forget_at = now + lockout + limits.window;
                // After the lock-out one more try is allowed before the next, longer one.
                entry.tries = limit.saturating_sub(1);
                locked_for = Some(lockout);
            }
            // A source's failures are reported when it is locked out, and then once per window.
            let due = match about {
                Subject::Account => locked_for.is_some() || entry.report_due(now, limits.window),
                Subject::Source(_) => {
                    locked_for.is_some()
                        || (entry.strikes > 0 && entry.report_due(now, limits.window))
                }
            };
            if due {
                reports.push(entry.report(about, now, locked_for));
            }
        }
        reports
    }

    /// The password was right: the name's count is cleared; the source's try is not counted.
    pub fn succeeded(&self, ticket: Ticket) {
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        tables.accounts.remove(&ticket.account);
        if let Some(entry) = ticket.source.and_then(|key| tables.sources.get_mut(&key)) {
            entry.tries = entry.tries.saturating_sub(1);
        }
    }

    /// The try could not be checked (the node was busy): it does not count.
    pub fn abandon(&self, ticket: Ticket) {
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = tables.accounts.get_mut(&ticket.account) {
            entry.tries = entry.tries.saturating_sub(1);
        }
        if let Some(entry) = ticket.source.and_then(|key| tables.sources.get_mut(&key)) {
            entry.tries = entry.tries.saturating_sub(1);
        }
    }

    /// A name that no account has, as the audit shows it: a keyed hash, never the text, which
    /// may be a password typed into the wrong field. The same name gives the same pseudonym on
    /// this node until it restarts.
    pub fn pseudonym(&self, user_name: &str) -> String {
        let key = self.account_key(user_name);
        format!("#{}", &key[..12])
    }

    fn account_key(&self, user_name: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.secret);
        hasher.update(user_name_key(user_name).as_bytes());
        hex::encode(&hasher.finalize()[..16])
    }

    fn lockout(&self, strikes: u32) -> TimeDelta {
        let factor = 1i32.checked_shl(strikes.min(30)).unwrap_or(i32::MAX);
        self.limits
            .first_lockout
            .checked_mul(factor)
            .unwrap_or(self.limits.max_lockout)
            .min(self.limits.max_lockout)
    }
}

/// The entry of `key`, made fresh where needed; `None` when the table is full of entries that
/// still count (then the key is not tracked: the other table and the hashing cap still apply).
fn tracked<'a>(
    table: &'a mut HashMap<String, Entry>,
    key: &str,
    max: usize,
    now: DateTime<Utc>,
) -> Option<&'a mut Entry> {
    if !table.contains_key(key) && table.len() >= max {
        table.retain(|_, entry| entry.locked_at(now).is_some() || now < entry.forget_at);
        if table.len() >= max {
            tracing::warn!("sign-in throttle table full; a new key is not tracked");
            return None;
        }
    }
    let entry = table
        .entry(key.to_string())
        .or_insert_with(|| Entry::fresh(now));
    entry.refresh(now);
    Some(entry)
}

/// An IP address as the throttle counts it: IPv4 as is, IPv6 by its /64 (one host usually has a
/// whole /64); anything else as given.
fn source_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let segments = v6.segments();
            format!(
                "{:x}:{:x}:{:x}:{:x}::/64",
                segments[0], segments[1], segments[2], segments[3]
            )
        }
        Ok(IpAddr::V6(v6)) => v6.to_canonical().to_string(),
        Ok(v4) => v4.to_string(),
        Err(_) => address.chars().take(64).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
    }

    fn throttle() -> SignInThrottle {
        SignInThrottle::new(SignInLimits {
            account_failures: 3,
            source_failures: 5,
            ..SignInLimits::default()
        })
    }

    fn fail(throttle: &SignInThrottle, name: &str, now: DateTime<Utc>) -> Vec<Report> {
        let ticket = throttle.begin(name, Some("10.0.0.1"), now).unwrap();
        throttle.failed(ticket, now)
    }

    #[test]
    fn debug_output_shows_neither_the_key_nor_the_names_tracked() {
        let throttle = throttle();
        fail(&throttle, "a-password-typed-as-a-name", start());
        let shown = format!("{throttle:?}");
        assert!(
            !shown.contains(&format!("{:?}", throttle.secret)),
            "{shown}"
        );
        assert!(!shown.contains(&throttle.account_key("a-password-typed-as-a-name")));
        assert!(shown.contains("account_failures"), "{shown}");
    }

    #[test]
    fn f3_the_lockout_grows_with_each_failure_after_one_and_is_capped() {
        let throttle = throttle();
        let mut now = start();
        for _ in 0..3 {
            fail(&throttle, "alice", now);
        }
        let mut waits = Vec::new();
        for _ in 0..6 {
            let refused = throttle.begin("alice", None, now).unwrap_err();
            waits.push(refused.retry_after.num_minutes());
            now += refused.retry_after;
            let ticket = throttle.begin("alice", None, now).unwrap();
            throttle.failed(ticket, now);
        }
        assert_eq!(waits, [1, 2, 4, 8, 15, 15]);
    }

    #[test]
    fn f3_names_that_fold_to_one_key_share_a_count_and_sources_group_by_slash_64() {
        let throttle = throttle();
        let now = start();
        for name in ["admin", "ADMIN", "Ａｄｍｉｎ"] {
            fail(&throttle, name, now);
        }
        assert!(throttle.begin("admin", None, now).is_err());
        assert_eq!(source_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(source_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(source_key("::ffff:10.0.0.1"), "10.0.0.1");
    }

    #[test]
    fn f3_a_success_clears_the_name_but_not_the_source() {
        let throttle = throttle();
        let now = start();
        fail(&throttle, "alice", now);
        fail(&throttle, "alice", now);
        let ticket = throttle.begin("alice", Some("10.0.0.1"), now).unwrap();
        throttle.succeeded(ticket);
        fail(&throttle, "alice", now);
        fail(&throttle, "alice", now);
        assert!(throttle.begin("alice", None, now).is_ok());
        // 4 failures from 10.0.0.1 so far; the fifth locks the source for any name.
        fail(&throttle, "bob", now);
        assert!(throttle.begin("carol", Some("10.0.0.1"), now).is_err());
        assert!(throttle.begin("carol", Some("10.0.0.2"), now).is_ok());
    }

    #[test]
    fn f3_failures_are_reported_once_per_window_and_at_each_lockout() {
        let throttle = throttle();
        let mut now = start();
        let first = fail(&throttle, "alice", now);
        assert_eq!(first.len(), 1);
        assert_eq!((first[0].count, first[0].locked_for), (1, None));
        assert!(fail(&throttle, "alice", now).is_empty());
        let lock = fail(&throttle, "alice", now);
        assert_eq!(lock[0].count, 2);
        assert_eq!(lock[0].locked_for, Some(TimeDelta::minutes(1)));
        for _ in 0..10 {
            let refused = throttle.begin("alice", None, now).unwrap_err();
            assert!(refused.reports.is_empty());
        }
        now += TimeDelta::minutes(2);
        let later = fail(&throttle, "alice", now);
        assert_eq!(later[0].count, 11);
        assert_eq!(later[0].locked_for, Some(TimeDelta::minutes(2)));
    }

    #[test]
    fn f3_the_tables_never_hold_more_than_the_limit() {
        let throttle = SignInThrottle::new(SignInLimits {
            max_tracked: 10,
            source_failures: 1000,
            ..SignInLimits::default()
        });
        for i in 0..50 {
            fail(&throttle, &format!("user{i}"), start());
        }
        let tables = throttle.tables.lock().unwrap();
        assert_eq!(tables.accounts.len(), 10);
    }

    #[test]
    fn f7_a_pseudonym_never_shows_the_name() {
        let throttle = throttle();
        let pseudonym = throttle.pseudonym("hunter2-Secret!");
        assert!(!pseudonym.contains("hunter2"));
        assert_eq!(pseudonym, throttle.pseudonym("HUNTER2-secret!"));
        assert_eq!(pseudonym.len(), 13);
    }
}
