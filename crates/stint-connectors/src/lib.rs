//! `stint-connectors` owns how effective membership leaves Stint for the systems that enforce it:
//! making a target group's members match a wanted set, and reading them back to prove it.
//!
//! Three targets sit behind one trait, [`Target`], dispatched through [`AnyTarget`]:
//! an LDAP group ([`ldap`]), a group of a SCIM 2.0 application ([`scim`]) and a PostgreSQL group
//! role ([`postgres`]). [`sync_link`] is the one algorithm over them: resolve the wanted members
//! to target values, read the target, add what is missing, remove what Stint pushed before and is
//! no longer wanted, treat what was never wanted as drift, then read back and report each change
//! as confirmed (with the instant a removal was seen gone) or failed.
//!
//! The crate knows nothing of Stint's store, feed or schedules: plain data in ([`Member`],
//! [`Link`], [`Mode`], the previously pushed set), a [`SyncReport`] out. Secrets in the
//! configurations are [`Secret`]s, whose `Debug` never shows them, and no [`TargetError`] carries
//! one.

mod batch;
mod cache;
mod error;
pub mod ldap;
mod model;
pub mod postgres;
pub mod scim;
mod secret;
mod sync;
mod target;

pub use error::{ErrorKind, TargetError};
pub use model::{Link, Member, MemberAttribute, Mode, TargetValue};
pub use secret::Secret;
pub use sync::{sync_link, Failure, Operation, Removal, RemovalCause, SyncReport, Unresolved};
pub use target::{AnyTarget, Applied, Target};
