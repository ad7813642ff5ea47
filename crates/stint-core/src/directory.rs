//! The directory that PIM governs (SPEC D1–D5): users, groups, administrative units,
//! built-in roles and role assignments.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::{uuid, Uuid};

use crate::ids::{
    AdministrativeUnitId, GroupId, PrincipalId, RequestId, RoleAssignmentId, RoleDefinitionId,
    TenantId, UserId,
};
use crate::schedule::{MemberType, Window};
use crate::time_zone::TimeZone;
use crate::totp::TotpAuthenticator;

/// The single tenant a deployment serves, created on first start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    pub created_at: DateTime<Utc>,
    /// D3: how many role-assignable groups may exist.
    pub role_assignable_group_limit: u32,
}

/// A password hash (PHC string). Its `Debug` never shows the hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(pub String);

crate::redacted_debug!(PasswordHash);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub user_principal_name: String,
    pub display_name: String,
    pub account_enabled: bool,
    pub password_hash: PasswordHash,
    pub created_at: DateTime<Utc>,
    /// I5: the user's TOTP authenticator, once enrolled.
    #[serde(default)]
    pub authenticator: Option<TotpAuthenticator>,
    /// I5: when recent TOTP codes were refused, for the rate limit.
    #[serde(default)]
    pub recent_failed_codes: Vec<DateTime<Utc>>,
    /// Graph's `mail`: where notifications reach them (N2).
    #[serde(default)]
    pub mail: Option<String>,
    /// O1: the identities at OpenID Providers this user signs in with; each is linked to one user.
    #[serde(default)]
    pub identities: Vec<LinkedIdentity>,
    /// The zone the console shows their times in; UTC when they have not chosen one.
    #[serde(default, deserialize_with = "crate::time_zone::lenient")]
    pub time_zone: Option<TimeZone>,
}

/// O1: an identity at an OpenID Provider, named by the ID token's `iss` and `sub`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinkedIdentity {
    pub issuer: String,
    pub subject: String,
}

impl LinkedIdentity {
    /// O5: a stable, URL-safe id of this identity: the first 16 bytes of the SHA-256 of
    /// `issuer` NUL `subject`, in hex.
    pub fn id(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(self.issuer.as_bytes());
        hash.update([0]);
        hash.update(self.subject.as_bytes());
        hex::encode(&hash.finalize()[..16])
    }
}

impl User {
    /// D1, F7: user principal names are compared after NFKC and case folding
    /// ([`crate::names::user_name_key`]).
    pub fn has_name(&self, name: &str) -> bool {
        self.has_name_key(&crate::names::user_name_key(name))
    }

    /// [`User::has_name`] for a name already made into its key.
    pub fn has_name_key(&self, key: &str) -> bool {
        crate::names::has_user_name_key(&self.user_principal_name, key)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GroupKind {
    Security,
    Microsoft365,
}

/// Where a group is mastered (D2): `synced` groups come from an external directory, `scim` ones
/// from the identity provider that provisions them (M2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GroupSource {
    Cloud,
    Synced,
    Scim,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: GroupId,
    pub display_name: String,
    pub description: Option<String>,
    pub kind: GroupKind,
    pub is_assignable_to_role: bool,
    pub membership_rule: Option<String>,
    pub source: GroupSource,
    pub created_at: DateTime<Utc>,
    /// When the group was brought under PIM management (P2, P6); never cleared (P4).
    pub managed_since: Option<DateTime<Utc>>,
    /// Deleted groups stay as tombstones so that history still resolves (P5).
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Group {
    pub fn is_dynamic(&self) -> bool {
        self.membership_rule.is_some()
    }

    pub fn is_managed(&self) -> bool {
        self.managed_since.is_some() && self.deleted_at.is_none()
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdministrativeUnit {
    pub id: AdministrativeUnitId,
    pub display_name: String,
    pub description: Option<String>,
    /// Users and groups in the unit.
    pub members: BTreeSet<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// The built-in directory roles (D5), with the template ids Entra uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum BuiltInRole {
    GlobalAdministrator,
    PrivilegedRoleAdministrator,
    GroupsAdministrator,
    UserAdministrator,
    DirectoryWriters,
    IdentityGovernanceAdministrator,
    ExchangeAdministrator,
    HelpdeskAdministrator,
    AuthenticationAdministrator,
}

impl BuiltInRole {
    pub const ALL: [BuiltInRole; 9] = [
        BuiltInRole::GlobalAdministrator,
        BuiltInRole::PrivilegedRoleAdministrator,
        BuiltInRole::GroupsAdministrator,
        BuiltInRole::UserAdministrator,
        BuiltInRole::DirectoryWriters,
        BuiltInRole::IdentityGovernanceAdministrator,
        BuiltInRole::ExchangeAdministrator,
        BuiltInRole::HelpdeskAdministrator,
        BuiltInRole::AuthenticationAdministrator,
    ];

    pub fn id(self) -> RoleDefinitionId {
        RoleDefinitionId(match self {
            BuiltInRole::GlobalAdministrator => uuid!("62e90394-69f5-4237-9190-012177145e10"),
            BuiltInRole::PrivilegedRoleAdministrator => {
                uuid!("e8611ab8-c189-46e8-94e1-60213ab1f814")
            }
            BuiltInRole::GroupsAdministrator => uuid!("fdd7a751-b60b-444a-984c-02652fe8fa1c"),
            BuiltInRole::UserAdministrator => uuid!("fe930be7-5e62-47db-91af-98c3a49a38b1"),
            BuiltInRole::DirectoryWriters => uuid!("9360feb5-f418-4baa-8175-e2a00bac4301"),
            BuiltInRole::IdentityGovernanceAdministrator => {
                uuid!("45d8d3c5-c802-45c6-b32a-1d70b5e1e86e")
            }
            BuiltInRole::ExchangeAdministrator => uuid!("29232cdf-9323-42fd-ade2-1d097af3e4de"),
            BuiltInRole::HelpdeskAdministrator => uuid!("729827e3-9c14-49f7-bb1b-9608f156bbb8"),
            BuiltInRole::AuthenticationAdministrator => {
                uuid!("c4e39bd9-1100-46d3-8c65-fb160da0071f")
            }
        })
    }

    pub fn from_id(id: RoleDefinitionId) -> Option<BuiltInRole> {
        Self::ALL.into_iter().find(|role| role.id() == id)
    }

    pub fn display_name(self) -> &'static str {
        match self {
            BuiltInRole::GlobalAdministrator => "Global Administrator",
            BuiltInRole::PrivilegedRoleAdministrator => "Privileged Role Administrator",
            BuiltInRole::GroupsAdministrator => "Groups Administrator",
            BuiltInRole::UserAdministrator => "User Administrator",
            BuiltInRole::DirectoryWriters => "Directory Writers",
            BuiltInRole::IdentityGovernanceAdministrator => "Identity Governance Administrator",
            BuiltInRole::ExchangeAdministrator => "Exchange Administrator",
            BuiltInRole::HelpdeskAdministrator => "Helpdesk Administrator",
            BuiltInRole::AuthenticationAdministrator => "Authentication Administrator",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            BuiltInRole::GlobalAdministrator => {
                "Can manage all aspects of the directory and of Stint."
            }
            BuiltInRole::PrivilegedRoleAdministrator => {
                "Can manage role assignments, role-assignable groups and PIM for them."
            }
            BuiltInRole::GroupsAdministrator => {
                "Can manage groups that are not role-assignable and their PIM settings."
            }
            BuiltInRole::UserAdministrator => {
                "Can manage users and groups that are not role-assignable."
            }
            BuiltInRole::DirectoryWriters => "Can manage groups that are not role-assignable.",
            BuiltInRole::IdentityGovernanceAdministrator => {
                "Can manage PIM for groups that are not role-assignable."
            }
            BuiltInRole::ExchangeAdministrator => {
                "Can manage the members of Microsoft 365 groups that are not role-assignable."
            }
            BuiltInRole::HelpdeskAdministrator => {
                "Can reset passwords of users who hold no privileged access."
            }
            BuiltInRole::AuthenticationAdministrator => {
                "Can reset passwords and authenticators of users who hold no privileged access."
            }
        }
    }
}

/// Where a role assignment applies: the whole directory, or one administrative unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DirectoryScope {
    Directory,
    AdministrativeUnit(AdministrativeUnitId),
}

impl fmt::Display for DirectoryScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DirectoryScope::Directory => f.write_str("/"),
            DirectoryScope::AdministrativeUnit(id) => write!(f, "/administrativeUnits/{id}"),
        }
    }
}

impl std::str::FromStr for DirectoryScope {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        if text == "/" {
            return Ok(DirectoryScope::Directory);
        }
        let id = text
            .strip_prefix("/administrativeUnits/")
            .ok_or(())?
            .parse()
            .map_err(|_| ())?;
        Ok(DirectoryScope::AdministrativeUnit(id))
    }
}

/// A directory role held by a principal (D5), `active` unless eligible.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    pub id: RoleAssignmentId,
    pub principal_id: PrincipalId,
    pub role: BuiltInRole,
    pub scope: DirectoryScope,
    pub eligible: bool,
    pub window: Window,
    pub created_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
    /// The role schedule request that made it; `None` for assignments made through
    /// `roleAssignments` or at bootstrap.
    #[serde(default)]
    pub created_using: Option<RequestId>,
    /// `Group` when a user activated a role that a group they are a member of is eligible for.
    #[serde(default = "direct_member_type")]
    pub member_type: MemberType,
    /// Whether it came from `selfActivate` of an eligible role assignment.
    #[serde(default)]
    pub activated: bool,
}

fn direct_member_type() -> MemberType {
    MemberType::Direct
}

impl RoleAssignment {
    /// An active, permanent assignment made directly (not through a role schedule request), from
    /// `now` on.
    pub fn permanent(
        id: RoleAssignmentId,
        principal_id: PrincipalId,
        role: BuiltInRole,
        scope: DirectoryScope,
        now: DateTime<Utc>,
    ) -> RoleAssignment {
        RoleAssignment {
            id,
            principal_id,
            role,
            scope,
            eligible: false,
            window: Window::permanent_from(now),
            created_at: now,
            removed_at: None,
            created_using: None,
            member_type: MemberType::Direct,
            activated: false,
        }
    }

    pub fn is_active_at(&self, now: DateTime<Utc>) -> bool {
        !self.eligible && self.removed_at.is_none() && self.window.contains(now)
    }

    /// The window actually in force: the planned one, cut short where it was removed.
    pub fn effective_window(&self) -> Window {
        let end = match (self.window.end, self.removed_at) {
            (Some(planned), Some(removed)) => Some(planned.min(removed)),
            (None, removed) => removed,
            (planned, None) => planned,
        };
        Window {
            start: self.window.start,
            end: end.map(|end| end.max(self.window.start)),
        }
    }

    /// In force at `at`, eligible or active.
    pub fn is_in_force_at(&self, at: DateTime<Utc>) -> bool {
        self.removed_at.is_none() && self.window.contains(at)
    }

    /// Current or future: neither removed nor over at `now`.
    pub fn is_open_at(&self, now: DateTime<Utc>) -> bool {
        self.removed_at.is_none() && !self.window.has_ended_by(now)
    }

    /// Graph's `status` of the role assignment as a schedule.
    pub fn status_at(&self, now: DateTime<Utc>) -> &'static str {
        if self.removed_at.is_some() {
            "Revoked"
        } else if self.window.has_ended_by(now) {
            "Expired"
        } else {
            "Provisioned"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d5_built_in_roles_have_stable_distinct_ids() {
        let ids: BTreeSet<_> = BuiltInRole::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), BuiltInRole::ALL.len());
        for role in BuiltInRole::ALL {
            assert_eq!(BuiltInRole::from_id(role.id()), Some(role));
        }
    }

    #[test]
    fn d5_scopes_are_the_directory_or_an_administrative_unit() {
        assert_eq!("/".parse(), Ok(DirectoryScope::Directory));
        let unit = "/administrativeUnits/2b5ed229-4072-478d-9504-a047ebd4b07d";
        assert_eq!(unit.parse::<DirectoryScope>().unwrap().to_string(), unit);
        assert!("/groups/x".parse::<DirectoryScope>().is_err());
    }

    #[test]
    fn d1_user_names_compare_case_insensitively() {
        let user = User {
            id: UserId(Uuid::nil()),
            user_principal_name: "Alice@Contoso.com".into(),
            display_name: "Alice".into(),
            account_enabled: true,
            password_hash: PasswordHash("x".into()),
            created_at: DateTime::UNIX_EPOCH,
            authenticator: None,
            recent_failed_codes: Vec::new(),
            mail: None,
            identities: Vec::new(),
            time_zone: None,
        };
        assert!(user.has_name("alice@contoso.com"));
        assert!(!format!("{user:?}").contains("\"x\""));
    }
}
