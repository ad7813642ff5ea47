//! Identifiers as newtypes, so a group id is never passed where a user id is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::schedule::Access;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A user of the directory.
    UserId
);
uuid_id!(
    /// A group of the directory.
    GroupId
);
uuid_id!(
    /// Any directory object that can hold an assignment: a user, or a group as member.
    PrincipalId
);
uuid_id!(
    /// A schedule request; also the id of its approval.
    RequestId
);
uuid_id!(
    /// An administrative unit.
    AdministrativeUnitId
);
uuid_id!(
    /// A directory role definition.
    RoleDefinitionId
);
uuid_id!(
    /// A directory role assignment.
    RoleAssignmentId
);
uuid_id!(
    /// The tenant this deployment serves.
    TenantId
);
uuid_id!(
    /// A webhook subscription (N3).
    WebhookId
);
uuid_id!(
    /// A SCIM provisioning token (M1).
    ScimTokenId
);
uuid_id!(
    /// A connector to a system that enforces access (C1).
    ConnectorId
);
uuid_id!(
    /// A link between a Stint group and a connector's target group (C2), unique across connectors.
    LinkId
);

impl From<UserId> for PrincipalId {
    fn from(id: UserId) -> Self {
        PrincipalId(id.0)
    }
}

impl From<GroupId> for PrincipalId {
    fn from(id: GroupId) -> Self {
        PrincipalId(id.0)
    }
}

/// A schedule's id as Graph forms it: `{groupId}_{accessId}_{requestId}`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct ScheduleId {
    pub group: GroupId,
    pub access: Access,
    pub origin: Uuid,
}

impl fmt::Display for ScheduleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}_{}_{}",
            self.group,
            self.access,
            self.origin.hyphenated()
        )
    }
}

/// Why a text is not a schedule id.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a schedule id has the form {{groupId}}_{{member|owner}}_{{requestId}}")]
pub struct ScheduleIdError;

impl FromStr for ScheduleId {
    type Err = ScheduleIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.splitn(3, '_');
        let (Some(group), Some(access), Some(origin)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(ScheduleIdError);
        };
        Ok(ScheduleId {
            group: group.parse().map_err(|_| ScheduleIdError)?,
            access: access.parse().map_err(|_| ScheduleIdError)?,
            origin: Uuid::parse_str(origin).map_err(|_| ScheduleIdError)?,
        })
    }
}

impl Serialize for ScheduleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ScheduleId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_id_round_trips_in_graph_form() {
        let text =
            "2b5ed229-4072-478d-9504-a047ebd4b07d_member_f8bd9e2d-bc15-49b1-8a9b-c571b3cf9555";
        let id: ScheduleId = text.parse().unwrap();
        assert_eq!(id.access, Access::Member);
        assert_eq!(id.to_string(), text);
    }

    #[test]
    fn schedule_id_with_unknown_access_is_refused() {
        let text =
            "2b5ed229-4072-478d-9504-a047ebd4b07d_admin_f8bd9e2d-bc15-49b1-8a9b-c571b3cf9555";
        assert_eq!(text.parse::<ScheduleId>(), Err(ScheduleIdError));
    }
}
