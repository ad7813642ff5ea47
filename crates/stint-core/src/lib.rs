//! `stint-core` owns the rules of Stint: the domain types of PIM for Groups (directory, schedules,
//! requests, policies, audit events) and the decisions of `SPEC.md` as pure functions of
//! (state, caller, input, now) that return what should happen and never do it.
//!
//! No IO, no async, no wall clock: `clippy.toml` bans `now()` here, so time is always a parameter.

pub mod audit;
pub mod auth;
pub mod authz;
pub mod change;
pub mod check;
pub mod directory;
pub mod due;
pub mod duration;
pub mod ids;
pub mod index;
pub mod names;
pub mod policy;
pub mod policy_rules;
pub mod protection;
pub mod request;
pub mod role_request;
pub mod rules;
pub mod schedule;
pub mod spec;
pub mod state;
pub mod totp;
pub mod violation;

pub use change::{Change, Decision};
pub use spec::Rule;
pub use state::State;
pub use violation::{ErrorCode, PolicyRule, Violation};
