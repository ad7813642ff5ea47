//! `stint-core` owns the rules of Stint: the domain types of PIM for Groups (directory, schedules,
//! requests, policies, audit events) and the decisions of `SPEC.md` as pure functions of
//! (state, caller, input, now) that return what should happen and never do it.
//!
//! No IO, no async, no wall clock: `clippy.toml` bans `now()` here, so time is always a parameter.

/// `Display` as `as_str()`, and `FromStr` over `ALL` ignoring case, for an enum Graph names by
/// strings.
macro_rules! graph_names {
    ($name:ty) => {
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();
            fn from_str(text: &str) -> Result<Self, ()> {
                <$name>::ALL
                    .into_iter()
                    .find(|value| value.as_str().eq_ignore_ascii_case(text))
                    .ok_or(())
            }
        }
    };
}

pub mod advisor;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod change;
pub mod check;
pub mod connector;
pub mod directory;
pub mod due;
pub mod duration;
pub mod ids;
pub mod in_words;
pub mod index;
pub mod name_order;
pub mod names;
pub mod notify;
pub mod policy;
pub mod policy_rules;
pub mod protection;
mod redacted;
pub mod request;
pub mod role_request;
pub mod rules;
pub mod schedule;
pub mod scim;
pub mod spec;
pub mod state;
pub mod text;
pub mod time_zone;
pub mod totp;
pub mod violation;
pub mod webhook;

pub use change::{Change, Decision};
pub use spec::Rule;
pub use state::{State, Undo};
pub use violation::{ErrorCode, PolicyRule, Violation};
