//! The read side: the one door through which drivers (API, console, CLI through the API) read.
//!
//! [`App::view`] takes the state's read lock and fixes who is asking and when; the [`View`] then
//! answers named queries, each applying the permission rules of [`stint_core::authz`] inside, and
//! hands out typed authority ([`View::authority`]) for the checks a page shows before acting.
//! Drivers never see `State`.
//!
//! A view holds the read lock: take it, ask, shape the answer, and drop it before awaiting
//! anything (it is not `Send`, so an async handler that forgets cannot compile).

mod advisor;
mod audit;
mod check;
mod connectors;
mod directory;
mod directory_lists;
mod directory_roles;
mod groups;
mod identities;
mod my;
mod onboarding;
mod paging;
mod pim;
mod policies;
mod roles;
mod scim;
mod webhooks;

use std::sync::RwLockReadGuard;

use chrono::{DateTime, Utc};
use stint_core::advisor::AdvisorSettings;
use stint_core::authz::{Authority, Caller};
use stint_core::State;
use stint_store::Revision;

use crate::{App, Session};

pub use directory::Holders;
pub use directory_roles::RoleHeld;
pub use my::{MyAssignment, MyAssignments};
pub use paging::{Cursor, Page, PageAsk, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use pim::{Awaiting, Whose};

/// What one caller may read at one instant.
pub struct View<'a> {
    state: RwLockReadGuard<'a, State>,
    caller: Caller,
    session: Session,
    now: DateTime<Utc>,
    mfa_freshness: chrono::TimeDelta,
    mail_enabled: bool,
    advisor: AdvisorSettings,
}

impl std::fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View")
            .field("caller", &self.caller.user)
            .field("now", &self.now)
            .field("revision", &self.state.revision)
            .finish_non_exhaustive()
    }
}

impl App {
    /// A view for `session`'s user at the clock's time.
    pub fn view(&self, session: &Session) -> View<'_> {
        let now = self.now();
        let state = self.engine.ledger.read();
        let caller = Caller::of(&state, session.user, now);
        View {
            state,
            caller,
            session: session.clone(),
            now,
            mfa_freshness: self.config.mfa_freshness,
            mail_enabled: self.config.mail_enabled,
            advisor: self.config.advisor,
        }
    }
}

impl<'a> View<'a> {
    /// The caller with the roles they hold now.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The instant every answer of this view is given at.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The revision this view reads.
    pub fn revision(&self) -> Revision {
        self.state.revision
    }

    /// The caller's standing, from which typed authority is obtained.
    pub fn authority(&self) -> Authority<'_> {
        Authority::new(&self.state, &self.caller, self.now)
    }

    /// Whether the session's last TOTP check is recent enough for a rule that asks for MFA (V2, A5).
    pub fn mfa_is_fresh(&self) -> bool {
        stint_core::rules::mfa_is_fresh(self.session.mfa_at, self.now, self.mfa_freshness)
    }

    /// How recent a TOTP check must be to count (V2).
    pub fn mfa_freshness(&self) -> chrono::TimeDelta {
        self.mfa_freshness
    }

    /// N3: whether notifications are mailed (an SMTP server is configured).
    pub fn mail_enabled(&self) -> bool {
        self.mail_enabled
    }
}
