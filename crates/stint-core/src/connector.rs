//! Connectors (X3, C1–C4): the systems outside Stint that enforce access — an LDAP directory, a
//! SCIM application, a PostgreSQL server — and the links that say which target group must hold a
//! Stint group's effective members (or owners).
//!
//! A connector's credentials are secrets ([`ConnectorSecret`]): `Debug` never shows them, and
//! neither the audit, a refusal nor an API answer ever carries them.

pub mod events;
mod wanted;

pub use crate::ids::{ConnectorId, LinkId};
use crate::ids::{GroupId, UserId};
use crate::schedule::Access;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use wanted::{wanted, Wanted};

/// A password, bearer token or URL with credentials. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConnectorSecret(pub String);

impl ConnectorSecret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

crate::redacted_debug!(ConnectorSecret);

/// What kind of system a connector writes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConnectorKind {
    Ldap,
    Scim,
    Postgres,
}

impl ConnectorKind {
    pub const ALL: [ConnectorKind; 3] = [
        ConnectorKind::Ldap,
        ConnectorKind::Scim,
        ConnectorKind::Postgres,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorKind::Ldap => "ldap",
            ConnectorKind::Scim => "scim",
            ConnectorKind::Postgres => "postgres",
        }
    }
}

graph_names!(ConnectorKind);

/// Where and how a connector reaches its system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Endpoint {
    #[serde(rename_all = "camelCase")]
    Ldap {
        /// `ldap://` or `ldaps://`.
        url: String,
        bind_dn: String,
        bind_password: ConnectorSecret,
        base_dn: String,
        /// Finds a user's entry: `(uid={userPrincipalName})`, with `{userPrincipalName}`, `{mail}`
        /// and `{id}` replaced by the user's values, escaped (RFC 4515).
        user_filter: String,
        start_tls: bool,
        /// The DN kept in every `member`/`uniqueMember` group so that it may lose its last
        /// member (docs/connectors-ldap.md); `None`: `cn=stint-placeholder,<baseDn>`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        placeholder_dn: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Scim {
        /// The SCIM base URL, ending before `/Users` and `/Groups`.
        url: String,
        token: ConnectorSecret,
    },
    #[serde(rename_all = "camelCase")]
    Postgres {
        /// `postgres://user:password@host:port/db`: secret as a whole, since it holds the password.
        url: ConnectorSecret,
        /// The login role a user has there, with the same placeholders as `userFilter`.
        login_role: String,
    },
}

impl Endpoint {
    pub fn kind(&self) -> ConnectorKind {
        match self {
            Endpoint::Ldap { .. } => ConnectorKind::Ldap,
            Endpoint::Scim { .. } => ConnectorKind::Scim,
            Endpoint::Postgres { .. } => ConnectorKind::Postgres,
        }
    }
}

/// What a connector does with members it finds in a target group that Stint did not put there
/// (C3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DriftMode {
    /// Removes them, and audits what it found.
    Enforce,
    /// Only reports them.
    Report,
}

impl DriftMode {
    pub const ALL: [DriftMode; 2] = [DriftMode::Enforce, DriftMode::Report];

    pub fn as_str(self) -> &'static str {
        match self {
            DriftMode::Enforce => "enforce",
            DriftMode::Report => "report",
        }
    }
}

graph_names!(DriftMode);

/// The attribute of an LDAP group entry that lists its members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MemberAttribute {
    /// `groupOfNames`: user DNs.
    #[serde(rename = "member")]
    Member,
    /// `groupOfUniqueNames`: user DNs.
    #[serde(rename = "uniqueMember")]
    UniqueMember,
    /// `posixGroup`: the users' `uid` values.
    #[serde(rename = "memberUid")]
    MemberUid,
}

impl MemberAttribute {
    pub const ALL: [MemberAttribute; 3] = [
        MemberAttribute::Member,
        MemberAttribute::UniqueMember,
        MemberAttribute::MemberUid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberAttribute::Member => "member",
            MemberAttribute::UniqueMember => "uniqueMember",
            MemberAttribute::MemberUid => "memberUid",
        }
    }
}

graph_names!(MemberAttribute);

/// C2: a target group that must hold the effective members (or owners) of a Stint group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub id: LinkId,
    pub group: GroupId,
    /// Members or owners of `group`.
    pub access: Access,
    /// The LDAP group's DN, the SCIM group's id or display name, or the PostgreSQL role's name.
    pub target: String,
    /// LDAP only.
    pub member_attribute: Option<MemberAttribute>,
    pub created_at: DateTime<Utc>,
}

/// One connector and its links.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connector {
    pub id: ConnectorId,
    pub display_name: String,
    pub endpoint: Endpoint,
    pub drift: DriftMode,
    /// How often every link is read and compared in full (C3), in seconds.
    pub reconcile_seconds: u32,
    pub links: Vec<Link>,
    pub created_at: DateTime<Utc>,
    pub created_by: UserId,
    /// Deleted connectors push nothing more; their audit stays.
    pub deleted_at: Option<DateTime<Utc>>,
    /// How many reconciles were asked for (C3): the node driving the connector reconciles
    /// while its status has done fewer, whichever node was asked.
    #[serde(default)]
    pub reconciles_asked: u64,
}

impl Connector {
    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none()
    }

    pub fn link(&self, id: LinkId) -> Option<&Link> {
        self.links.iter().find(|link| link.id == id)
    }
}
