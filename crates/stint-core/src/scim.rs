//! SCIM 2.0 provisioning (M1–M3): the tokens an identity provider provisions with, and what
//! Stint keeps about each user and group that SCIM created beyond the directory object itself
//! (its `externalId`, the user's name parts and addresses, and the resource's version).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::TokenHash;
pub use crate::ids::ScimTokenId;
use crate::ids::UserId;

/// M1: a provisioning token. Only its hash is kept; its `Debug` shows a prefix of the hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimToken {
    pub id: ScimTokenId,
    pub display_name: String,
    pub hash: TokenHash,
    pub created_at: DateTime<Utc>,
    pub created_by: UserId,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ScimToken {
    pub fn is_live(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// Which kind of directory object a [`ScimObject`] describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimKind {
    User,
    Group,
}

/// A user's name as SCIM gives it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimName {
    pub formatted: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

/// One of a user's e-mail addresses as SCIM gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimEmail {
    pub value: String,
    /// `work`, `home`, `other`.
    pub kind: Option<String>,
    pub primary: bool,
}

/// M2: a user or group that SCIM created. Its id is the directory object's; SCIM reads and
/// changes only objects that have one, and never one that is deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimObject {
    pub id: Uuid,
    pub kind: ScimKind,
    pub external_id: Option<String>,
    /// A user's `displayName` as SCIM gave it (the directory's display name falls back to the
    /// name or `userName` when it gave none).
    #[serde(default)]
    pub display_name: Option<String>,
    /// A user's `active` as SCIM gave it; absent is enabled.
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub name: ScimName,
    #[serde(default)]
    pub emails: Vec<ScimEmail>,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    /// Counts the writes; SCIM's `meta.version` (a weak ETag) is made from it.
    pub version: u64,
    /// M3: deleted over SCIM. The user stays disabled for good and the group deleted; both are
    /// hidden from SCIM and their history stays.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl ScimObject {
    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none()
    }
}

/// The address that becomes the user's `mail`: the primary one, else the first `work` one, else
/// the first.
pub fn mail_of(emails: &[ScimEmail]) -> Option<&str> {
    emails
        .iter()
        .find(|email| email.primary)
        .or_else(|| {
            emails.iter().find(|email| {
                email
                    .kind
                    .as_deref()
                    .is_some_and(|kind| kind.eq_ignore_ascii_case("work"))
            })
        })
        .or_else(|| emails.first())
        .map(|email| email.value.as_str())
}
