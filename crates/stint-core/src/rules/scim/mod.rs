//! SCIM provisioning (M1–M3): the tokens an identity provider provisions with, and what it may
//! do with them — create and change the users and groups it created, and nothing else.
//!
//! A SCIM call acts as no user: its authority is a live [`Provisioner`] obtained from the token,
//! and its audit events have no actor but name the token.

mod groups;
mod tokens;
mod users;

pub use groups::{create_group, delete_group, members_of, write_group, ScimGroupInput};
pub use tokens::{create_token, provisioner, refused_use, revoke_token, Provisioner};
pub use users::{create_user, delete_user, write_user, ScimUserInput};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::AuditRecord;
use crate::change::Change;
use crate::rules::Context;
use crate::scim::{ScimKind, ScimObject};
use crate::spec::Rule;
use crate::state::State;
use crate::violation::{ErrorCode, Violation};

impl Provisioner<'_> {
    /// An audit record of a SCIM change: no actor, and the token named in the message by the
    /// caller of [`AuditRecordExt::saying`](crate::rules::AuditRecordExt::saying).
    pub(crate) fn event(
        &self,
        ctx: &Context,
        action: &str,
        target_type: &str,
        target_id: impl ToString,
    ) -> AuditRecord {
        let mut record = ctx.event(action, target_type, target_id);
        record.actor = None;
        record
    }

    /// " over SCIM (token 'name')", for audit messages.
    pub(crate) fn over_scim(&self) -> String {
        format!(" over SCIM (token '{}')", self.token().display_name)
    }
}

/// M2: the live object of `kind` that SCIM created with this id; anything else is not found.
pub fn live_object(state: &State, kind: ScimKind, id: Uuid) -> Result<&ScimObject, Violation> {
    state
        .scim_objects
        .get(&id)
        .filter(|object| object.kind == kind && object.is_live())
        .ok_or_else(|| {
            let what = match kind {
                ScimKind::User => "User",
                ScimKind::Group => "Group",
            };
            Violation::not_found(format!("{what} '{id}' provisioned over SCIM")).rule(Rule::M2)
        })
}

/// `If-Match`: the version the client last read must be the current one.
fn check_version(object: &ScimObject, expected: Option<u64>) -> Result<(), Violation> {
    match expected {
        Some(version) if version != object.version => Err(Violation::new(
            ErrorCode::PreconditionFailed,
            format!(
                "The resource is at version {}, not {version}; read it again and retry.",
                object.version
            ),
        )),
        _ => Ok(()),
    }
}

/// The live SCIM object `id` of `kind` and what `find` says it stands for (a `noun` that is
/// missing is not found), if `expected` is its version.
fn current<'s, T>(
    state: &'s State,
    (kind, noun): (ScimKind, &str),
    id: Uuid,
    expected: Option<u64>,
    find: impl FnOnce(&'s State) -> Option<&'s T>,
) -> Result<(&'s T, &'s ScimObject), Violation> {
    let object = live_object(state, kind, id)?;
    let found = find(state).ok_or_else(|| Violation::not_found(format!("{noun} '{id}'")))?;
    check_version(object, expected)?;
    Ok((found, object))
}

/// `object` deleted at `now`: hidden from SCIM, its history kept.
fn hidden(object: &ScimObject, now: DateTime<Utc>) -> Change {
    Change::ScimObject(ScimObject {
        deleted_at: Some(now),
        ..touched(object, now)
    })
}

/// The next version of `object`, changed at `now`.
fn touched(object: &ScimObject, now: DateTime<Utc>) -> ScimObject {
    ScimObject {
        version: object.version + 1,
        modified_at: now,
        ..object.clone()
    }
}

/// A fresh record of a new object.
fn fresh(id: Uuid, kind: ScimKind, external_id: Option<String>, now: DateTime<Utc>) -> ScimObject {
    ScimObject {
        id,
        kind,
        external_id,
        display_name: None,
        active: None,
        name: Default::default(),
        emails: Vec::new(),
        created_at: now,
        modified_at: now,
        version: 1,
        deleted_at: None,
    }
}

/// `externalId`: free text without control characters.
fn check_external_id(external_id: Option<&str>) -> Result<(), Violation> {
    external_id.map_or(Ok(()), |id| crate::names::check_name("externalId", id))
}

#[cfg(test)]
#[path = "../tests/scim.rs"]
mod tests;
