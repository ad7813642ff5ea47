//! The one trait every target implements, the enum that dispatches to the three of them, and the
//! per-value outcome of a batched change.

use std::collections::BTreeSet;
use std::future::Future;

use uuid::Uuid;

use crate::ldap::LdapTarget;
use crate::postgres::PostgresTarget;
use crate::scim::ScimTarget;
use crate::{Link, Member, TargetError, TargetValue};

/// What a batched [`Target::add`] or [`Target::remove`] did, value by value. A value that was
/// already in the wanted state (added but present, removed but absent) counts as done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Values the target accepted.
    pub done: Vec<TargetValue>,
    /// Values the target refused, each with why (after the batch was split down to them).
    pub failed: Vec<(TargetValue, TargetError)>,
}

/// A system whose groups Stint makes match its effective memberships.
///
/// Changes are batched (many values per operation); when a batch fails, it is split until only
/// the values that really fail are left, and those are reported in [`Applied::failed`]. An `Err`
/// means the operation as a whole failed (target unreachable, bad credentials, no such group):
/// nothing after the error was attempted, and the caller retries the whole sync later (each
/// operation is idempotent).
pub trait Target {
    /// The value `member` has in the target for `link` (a DN or `uid`, a SCIM user id, a login
    /// role name); `None` when the user does not exist there. Resolutions are cached; a failed
    /// change of a value forgets the resolutions that led to it.
    fn resolve(
        &self,
        link: &Link,
        member: &Member,
    ) -> impl Future<Output = Result<Option<TargetValue>, TargetError>> + Send;

    /// The linked group's members as they are in the target now.
    fn read_members(
        &self,
        link: &Link,
    ) -> impl Future<Output = Result<BTreeSet<TargetValue>, TargetError>> + Send;

    /// Adds `values` to the linked group.
    fn add(
        &self,
        link: &Link,
        values: &[TargetValue],
    ) -> impl Future<Output = Result<Applied, TargetError>> + Send;

    /// Removes `values` from the linked group.
    fn remove(
        &self,
        link: &Link,
        values: &[TargetValue],
    ) -> impl Future<Output = Result<Applied, TargetError>> + Send;

    /// Whether the target answers, with the configured credentials.
    fn health(&self) -> impl Future<Output = Result<(), TargetError>> + Send;

    /// Forgets the cached resolution of a member (e.g. after its user changed in the target).
    fn forget(&self, member: Uuid);
}

/// One of the three targets, configured.
#[derive(Debug)]
pub enum AnyTarget {
    /// An LDAP directory (OpenLDAP, Active Directory, …).
    Ldap(LdapTarget),
    /// A SCIM 2.0 service provider.
    Scim(ScimTarget),
    /// A PostgreSQL server's roles.
    Postgres(PostgresTarget),
}

macro_rules! dispatch {
    ($self:ident, $target:ident => $call:expr) => {
        match $self {
            AnyTarget::Ldap($target) => $call,
            AnyTarget::Scim($target) => $call,
            AnyTarget::Postgres($target) => $call,
        }
    };
}

impl Target for AnyTarget {
    async fn resolve(
        &self,
        link: &Link,
        member: &Member,
    ) -> Result<Option<TargetValue>, TargetError> {
        dispatch!(self, target => target.resolve(link, member).await)
    }

    async fn read_members(&self, link: &Link) -> Result<BTreeSet<TargetValue>, TargetError> {
        dispatch!(self, target => target.read_members(link).await)
    }

    async fn add(&self, link: &Link, values: &[TargetValue]) -> Result<Applied, TargetError> {
        dispatch!(self, target => target.add(link, values).await)
    }

    async fn remove(&self, link: &Link, values: &[TargetValue]) -> Result<Applied, TargetError> {
        dispatch!(self, target => target.remove(link, values).await)
    }

    async fn health(&self) -> Result<(), TargetError> {
        dispatch!(self, target => target.health().await)
    }

    fn forget(&self, member: Uuid) {
        dispatch!(self, target => target.forget(member))
    }
}
