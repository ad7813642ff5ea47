//! The settings of a group's `member` or `owner` policy (SPEC S1, S2), with Entra's defaults.
//!
//! Graph exposes these as 17 rules with fixed ids; here they are the typed settings the rules read.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::duration::IsoDuration;
use crate::ids::{GroupId, PrincipalId, UserId};
use crate::schedule::{Access, ScheduleKind};

/// Who may approve an activation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Approver {
    User(UserId),
    MembersOf(GroupId),
}

impl Approver {
    /// The user, or the group whose members approve.
    pub fn principal(&self) -> PrincipalId {
        match self {
            Approver::User(user) => (*user).into(),
            Approver::MembersOf(group) => (*group).into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpirationSetting {
    /// When false, permanent assignments are allowed.
    pub expiration_required: bool,
    pub maximum: IsoDuration,
}

/// What the requester must supply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    pub mfa: bool,
    pub justification: bool,
    pub ticket: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalSetting {
    pub required: bool,
    pub approvers: Vec<Approver>,
}

/// One recipient set of one notification rule (N2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSetting {
    pub default_recipients: bool,
    pub additional_recipients: Vec<String>,
    pub critical_only: bool,
    /// Graph's `notificationLevel: None`: this e-mail is not sent at all.
    #[serde(default)]
    pub disabled: bool,
}

impl Default for NotificationSetting {
    fn default() -> Self {
        NotificationSetting {
            default_recipients: true,
            additional_recipients: Vec::new(),
            critical_only: false,
            disabled: false,
        }
    }
}

/// Graph's `notificationLevel`: which e-mails of a notification rule are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotificationLevel {
    None,
    /// Only those that need action ("critical emails only").
    Critical,
    All,
}

impl NotificationSetting {
    pub fn level(&self) -> NotificationLevel {
        if self.disabled {
            NotificationLevel::None
        } else if self.critical_only {
            NotificationLevel::Critical
        } else {
            NotificationLevel::All
        }
    }

    pub fn set_level(&mut self, level: NotificationLevel) {
        self.disabled = level == NotificationLevel::None;
        self.critical_only = level == NotificationLevel::Critical;
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySettings {
    pub activation_maximum: IsoDuration,
    pub activation_requirements: Requirements,
    pub approval: ApprovalSetting,
    pub eligible_assignment: ExpirationSetting,
    pub active_assignment: ExpirationSetting,
    /// Only `mfa` and `justification` apply to active assignments by administrators.
    pub active_assignment_requirements: Requirements,
    pub authentication_context: Option<String>,
    /// One per notification rule of Graph's policy, in Graph's order.
    pub notifications: Vec<NotificationSetting>,
}

/// S2 defaults.
impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
            activation_maximum: IsoDuration::hours(8),
            activation_requirements: Requirements {
                mfa: false,
                justification: true,
                ticket: false,
            },
            approval: ApprovalSetting {
                required: false,
                approvers: Vec::new(),
            },
            eligible_assignment: ExpirationSetting {
                expiration_required: true,
                maximum: IsoDuration::days(365),
            },
            active_assignment: ExpirationSetting {
                expiration_required: true,
                maximum: IsoDuration::days(180),
            },
            active_assignment_requirements: Requirements {
                mfa: false,
                justification: true,
                ticket: false,
            },
            authentication_context: None,
            notifications: vec![NotificationSetting::default(); 9],
        }
    }
}

impl PolicySettings {
    /// Whether activation needs a fresh MFA: asked for directly, or through a Conditional Access
    /// authentication context, which Stint cannot evaluate and so falls back to MFA as Entra does
    /// when no Conditional Access policy targets the context.
    pub fn activation_requires_mfa(&self) -> bool {
        self.activation_requirements.mfa || self.authentication_context.is_some()
    }

    pub fn assignment_expiration(&self, kind: ScheduleKind) -> &ExpirationSetting {
        match kind {
            ScheduleKind::Eligible => &self.eligible_assignment,
            ScheduleKind::Active => &self.active_assignment,
        }
    }
}

/// What an activation must meet, as those eligible for it may read it: the settings that bind
/// them, without who approves or who is notified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActivationRules {
    pub maximum_duration: IsoDuration,
    pub approval_required: bool,
    pub mfa_required: bool,
    pub justification_required: bool,
    pub ticket_required: bool,
}

impl ActivationRules {
    pub fn of(settings: &PolicySettings) -> Self {
        ActivationRules {
            maximum_duration: settings.activation_maximum,
            approval_required: settings.approval.required,
            mfa_required: settings.activation_requires_mfa(),
            justification_required: settings.activation_requirements.justification,
            ticket_required: settings.activation_requirements.ticket,
        }
    }
}

/// A group's policy for one access (P6: two per managed group).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The Graph id part after `Group_{groupId}_`.
    pub id: Uuid,
    pub group_id: GroupId,
    pub access: Access,
    pub settings: PolicySettings,
    pub modified_at: Option<chrono::DateTime<chrono::Utc>>,
    pub modified_by: Option<UserId>,
}

impl Policy {
    /// Graph's policy id: `Group_{groupId}_{guid}`.
    pub fn graph_id(&self) -> String {
        format!("Group_{}_{}", self.group_id, self.id.hyphenated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s2_defaults_match_entra() {
        let settings = PolicySettings::default();
        assert_eq!(settings.activation_maximum, IsoDuration::hours(8));
        assert!(settings.activation_requirements.justification);
        assert!(!settings.activation_requirements.mfa);
        assert!(!settings.activation_requirements.ticket);
        assert!(!settings.approval.required);
        assert!(settings.approval.approvers.is_empty());
        assert!(settings.eligible_assignment.expiration_required);
        assert_eq!(settings.eligible_assignment.maximum, IsoDuration::days(365));
        assert!(settings.active_assignment.expiration_required);
        assert_eq!(settings.active_assignment.maximum, IsoDuration::days(180));
        assert!(settings.active_assignment_requirements.justification);
        assert!(!settings.active_assignment_requirements.mfa);
    }
}
