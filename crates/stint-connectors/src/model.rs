//! The plain data a sync works on: who should be in the target group, which target group, how
//! strictly, and the values members have in the target.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A Stint user who should be in the target group (an effective member of the linked group).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Member {
    /// The user's id in Stint (the `{id}` placeholder).
    pub id: Uuid,
    /// The user's principal name (the `{userPrincipalName}` placeholder).
    pub user_principal_name: String,
    /// The user's e-mail address, if any (the `{mail}` placeholder).
    pub mail: Option<String>,
}

/// Which attribute of an LDAP group entry holds its members. Other targets ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MemberAttribute {
    /// `groupOfNames`: `member` holds user DNs (and must keep at least one value).
    #[default]
    Member,
    /// `groupOfUniqueNames`: `uniqueMember` holds user DNs.
    UniqueMember,
    /// `posixGroup`: `memberUid` holds the users' `uid`.
    MemberUid,
}

impl MemberAttribute {
    /// The attribute's LDAP name.
    pub fn ldap_name(self) -> &'static str {
        match self {
            MemberAttribute::Member => "member",
            MemberAttribute::UniqueMember => "uniqueMember",
            MemberAttribute::MemberUid => "memberUid",
        }
    }

    /// Whether the attribute holds DNs (compared normalised) rather than `uid` values.
    pub fn holds_dns(self) -> bool {
        !matches!(self, MemberAttribute::MemberUid)
    }
}

/// A Stint group's counterpart in one target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Link {
    /// The group in the target: an LDAP group entry's DN, a SCIM group's id or `displayName`,
    /// a PostgreSQL group role's name.
    pub target: String,
    /// LDAP only: which attribute holds the members.
    pub member_attribute: MemberAttribute,
}

impl Link {
    /// A link to `target` with the default member attribute (`member`).
    pub fn new(target: impl Into<String>) -> Link {
        Link {
            target: target.into(),
            member_attribute: MemberAttribute::default(),
        }
    }
}

/// What a sync does with values present in the target that Stint never wanted there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// Remove them (the default): the target holds exactly what Stint says.
    #[default]
    Enforce,
    /// Only report them.
    Report,
}

/// A member's value in a target: a normalised LDAP DN or a `uid`, a SCIM user id, a PostgreSQL
/// login role name. Two values are the same member exactly when they are equal: each target
/// normalises what it produces (LDAP DNs are lower-cased with the spaces around separators
/// removed), so the string is also what a caller persists as the pushed set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TargetValue(String);

impl TargetValue {
    /// A value as stored (e.g. read back from the persisted pushed set).
    pub fn new(value: impl Into<String>) -> TargetValue {
        TargetValue(value.into())
    }

    /// The value as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for TargetValue {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl From<&str> for TargetValue {
    fn from(value: &str) -> TargetValue {
        TargetValue::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_attributes_and_modes_have_the_api_names() {
        let names = serde_json::to_value([
            MemberAttribute::Member,
            MemberAttribute::UniqueMember,
            MemberAttribute::MemberUid,
        ])
        .unwrap();
        assert_eq!(
            names,
            serde_json::json!(["member", "uniqueMember", "memberUid"])
        );
        let modes = serde_json::to_value([Mode::Enforce, Mode::Report]).unwrap();
        assert_eq!(modes, serde_json::json!(["enforce", "report"]));
        for attribute in [
            MemberAttribute::Member,
            MemberAttribute::UniqueMember,
            MemberAttribute::MemberUid,
        ] {
            assert_eq!(
                serde_json::to_value(attribute).unwrap(),
                attribute.ldap_name()
            );
        }
    }
}
