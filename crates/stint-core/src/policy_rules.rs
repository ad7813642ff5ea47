//! A policy as Microsoft Graph shows it (SPEC S3): the 17 rules with their fixed ids, targets and
//! `@odata.type`s, and the typed setting each rule carries.
//!
//! [`rules`] reads [`PolicySettings`] as the 17 rules; [`apply_rule`] writes one rule back into
//! the settings after checking it (`InvalidPolicy`, `InvalidPolicyEnabledRules`). Both are pure:
//! checks that need the directory (do the approvers exist?) are in `rules::policies`.

mod apply;
mod approval;

use std::fmt;
use std::str::FromStr;

use crate::duration::IsoDuration;
use crate::policy::Approver;
pub use crate::policy::NotificationLevel;
use crate::spec::Rule;
use crate::violation::{ErrorCode, Violation};

pub use apply::{apply_rule, rule, rules, MAX_NOTIFICATION_RECIPIENTS};

/// Who a rule applies to: an administrator assigning, or the end user activating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleCaller {
    Admin,
    EndUser,
}

/// Which schedules a rule applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleLevel {
    Eligibility,
    Assignment,
}

/// A rule's fixed `target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleTarget {
    pub caller: RuleCaller,
    pub level: RuleLevel,
}

/// The five derived types of `unifiedRoleManagementPolicyRule`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleKind {
    Expiration,
    Enablement,
    Approval,
    AuthenticationContext,
    Notification,
}

/// Whose notification a notification rule configures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RecipientType {
    Admin,
    Requestor,
    Approver,
}

macro_rules! rule_ids {
    ($($variant:ident = $text:literal, $kind:ident, $caller:ident, $level:ident, $recipient:expr;)*) => {
        /// The 17 rule ids of a group policy (reference §2.6), in Graph's order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum PolicyRuleId {
            $($variant,)*
        }

        impl PolicyRuleId {
            pub const ALL: [PolicyRuleId; 17] = [$(PolicyRuleId::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(PolicyRuleId::$variant => $text,)*
                }
            }

            pub fn kind(self) -> RuleKind {
                match self {
                    $(PolicyRuleId::$variant => RuleKind::$kind,)*
                }
            }

            pub fn target(self) -> RuleTarget {
                match self {
                    $(PolicyRuleId::$variant => RuleTarget {
                        caller: RuleCaller::$caller,
                        level: RuleLevel::$level,
                    },)*
                }
            }

            /// The recipients a notification rule is about; `None` for other rules.
            pub fn recipient_type(self) -> Option<RecipientType> {
                match self {
                    $(PolicyRuleId::$variant => $recipient,)*
                }
            }
        }
    };
}

rule_ids! {
    ExpirationAdminEligibility = "Expiration_Admin_Eligibility", Expiration, Admin, Eligibility, None;
    EnablementAdminEligibility = "Enablement_Admin_Eligibility", Enablement, Admin, Eligibility, None;
    NotificationAdminAdminEligibility = "Notification_Admin_Admin_Eligibility", Notification, Admin, Eligibility, Some(RecipientType::Admin);
    NotificationRequestorAdminEligibility = "Notification_Requestor_Admin_Eligibility", Notification, Admin, Eligibility, Some(RecipientType::Requestor);
    NotificationApproverAdminEligibility = "Notification_Approver_Admin_Eligibility", Notification, Admin, Eligibility, Some(RecipientType::Approver);
    ExpirationAdminAssignment = "Expiration_Admin_Assignment", Expiration, Admin, Assignment, None;
    EnablementAdminAssignment = "Enablement_Admin_Assignment", Enablement, Admin, Assignment, None;
    NotificationAdminAdminAssignment = "Notification_Admin_Admin_Assignment", Notification, Admin, Assignment, Some(RecipientType::Admin);
    NotificationRequestorAdminAssignment = "Notification_Requestor_Admin_Assignment", Notification, Admin, Assignment, Some(RecipientType::Requestor);
    NotificationApproverAdminAssignment = "Notification_Approver_Admin_Assignment", Notification, Admin, Assignment, Some(RecipientType::Approver);
    ExpirationEndUserAssignment = "Expiration_EndUser_Assignment", Expiration, EndUser, Assignment, None;
    EnablementEndUserAssignment = "Enablement_EndUser_Assignment", Enablement, EndUser, Assignment, None;
    ApprovalEndUserAssignment = "Approval_EndUser_Assignment", Approval, EndUser, Assignment, None;
    AuthenticationContextEndUserAssignment = "AuthenticationContext_EndUser_Assignment", AuthenticationContext, EndUser, Assignment, None;
    NotificationAdminEndUserAssignment = "Notification_Admin_EndUser_Assignment", Notification, EndUser, Assignment, Some(RecipientType::Admin);
    NotificationRequestorEndUserAssignment = "Notification_Requestor_EndUser_Assignment", Notification, EndUser, Assignment, Some(RecipientType::Requestor);
    NotificationApproverEndUserAssignment = "Notification_Approver_EndUser_Assignment", Notification, EndUser, Assignment, Some(RecipientType::Approver);
}

impl PolicyRuleId {
    /// The rule's derived `@odata.type`, e.g. `#microsoft.graph.unifiedRoleManagementPolicyExpirationRule`.
    pub fn odata_type(self) -> &'static str {
        self.kind().odata_type()
    }
}

impl fmt::Display for PolicyRuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text is not one of the 17 rule ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a rule id of a group policy")]
pub struct UnknownRuleId(pub String);

impl FromStr for PolicyRuleId {
    type Err = UnknownRuleId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        PolicyRuleId::ALL
            .into_iter()
            .find(|id| id.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownRuleId(text.chars().take(60).collect()))
    }
}

impl RuleKind {
    pub fn odata_type(self) -> &'static str {
        match self {
            RuleKind::Expiration => "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
            RuleKind::Enablement => "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule",
            RuleKind::Approval => "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
            RuleKind::AuthenticationContext => {
                "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule"
            }
            RuleKind::Notification => {
                "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule"
            }
        }
    }

    /// The kind named by an `@odata.type`, with or without `#`, compared case-insensitively.
    pub fn from_odata_type(text: &str) -> Option<RuleKind> {
        let wanted = text.trim().trim_start_matches('#');
        [
            RuleKind::Expiration,
            RuleKind::Enablement,
            RuleKind::Approval,
            RuleKind::AuthenticationContext,
            RuleKind::Notification,
        ]
        .into_iter()
        .find(|kind| kind.odata_type()[1..].eq_ignore_ascii_case(wanted))
    }
}

/// Graph's enum values, written as Graph writes them and read case-insensitively.
macro_rules! graph_enum {
    ($name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// The accepted spellings, for error messages.
            pub fn names() -> Vec<&'static str> {
                Self::ALL.iter().map(|value| value.as_str()).collect()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ();

            fn from_str(text: &str) -> Result<Self, ()> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str().eq_ignore_ascii_case(text.trim()))
                    .ok_or(())
            }
        }
    };
}

graph_enum!(RuleCaller { Admin = "Admin", EndUser = "EndUser" });
graph_enum!(RuleLevel { Eligibility = "Eligibility", Assignment = "Assignment" });
graph_enum!(RecipientType { Admin = "Admin", Requestor = "Requestor", Approver = "Approver" });
graph_enum!(NotificationLevel { None = "None", Critical = "Critical", All = "All" });
graph_enum!(NotificationType { Email = "Email" });
graph_enum!(ApprovalMode {
    SingleStage = "SingleStage",
    Serial = "Serial",
    Parallel = "Parallel",
    NoApproval = "NoApproval",
});
graph_enum!(EnabledRule {
    MultiFactorAuthentication = "MultiFactorAuthentication",
    Justification = "Justification",
    Ticketing = "Ticketing",
});

/// What an enablement rule can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EnabledRule {
    MultiFactorAuthentication,
    Justification,
    Ticketing,
}

/// How notifications are sent; Graph knows e-mail only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotificationType {
    Email,
}

/// Graph's `approvalMode`. Stint decides with one stage (V3), so only `SingleStage` and
/// `NoApproval` are accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApprovalMode {
    SingleStage,
    Serial,
    Parallel,
    NoApproval,
}

/// One `unifiedApprovalStage`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalStage {
    pub approval_stage_time_out_in_days: i64,
    pub is_approver_justification_required: bool,
    pub escalation_time_in_minutes: i64,
    pub is_escalation_enabled: bool,
    pub primary_approvers: Vec<Approver>,
    pub escalation_approvers: Vec<Approver>,
}

impl ApprovalStage {
    /// The only stage Stint has (V3): 24 hours, approvers justify, no escalation.
    pub fn with_approvers(primary_approvers: Vec<Approver>) -> Self {
        ApprovalStage {
            approval_stage_time_out_in_days: 1,
            is_approver_justification_required: true,
            escalation_time_in_minutes: 0,
            is_escalation_enabled: false,
            primary_approvers,
            escalation_approvers: Vec::new(),
        }
    }
}

/// Graph's `approvalSettings`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalRuleSetting {
    pub is_approval_required: bool,
    pub is_approval_required_for_extension: bool,
    pub is_requestor_justification_required: bool,
    pub approval_mode: ApprovalMode,
    pub approval_stages: Vec<ApprovalStage>,
}

/// The setting of one rule, by the rule's derived type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleSetting {
    Expiration {
        is_expiration_required: bool,
        /// Required when expiration is required; when not, `None` keeps the stored maximum.
        maximum_duration: Option<IsoDuration>,
    },
    Enablement {
        enabled_rules: Vec<EnabledRule>,
    },
    Approval(ApprovalRuleSetting),
    AuthenticationContext {
        is_enabled: bool,
        claim_value: Option<String>,
    },
    Notification {
        notification_type: NotificationType,
        recipient_type: RecipientType,
        notification_level: NotificationLevel,
        is_default_recipients_enabled: bool,
        notification_recipients: Vec<String>,
    },
}

impl RuleSetting {
    pub fn kind(&self) -> RuleKind {
        match self {
            RuleSetting::Expiration { .. } => RuleKind::Expiration,
            RuleSetting::Enablement { .. } => RuleKind::Enablement,
            RuleSetting::Approval(_) => RuleKind::Approval,
            RuleSetting::AuthenticationContext { .. } => RuleKind::AuthenticationContext,
            RuleSetting::Notification { .. } => RuleKind::Notification,
        }
    }
}

/// `InvalidPolicy` for `rule`'s `field`; the message starts with `{ruleId}.{field}`.
pub fn invalid(rule: PolicyRuleId, field: &'static str, detail: impl fmt::Display) -> Violation {
    Violation::new(ErrorCode::InvalidPolicy, format!("{rule}.{field} {detail}"))
        .field(field)
        .rule(Rule::S3)
}

/// Reads one of Graph's enum values for `rule`'s `field`, or says which values are accepted.
pub fn parse_value<T: FromStr>(
    rule: PolicyRuleId,
    field: &'static str,
    text: &str,
    accepted: &[&str],
) -> Result<T, Violation> {
    text.parse().map_err(|_| {
        invalid(
            rule,
            field,
            format!(
                "must be one of {}; '{}' is not.",
                accepted.join(", "),
                text.chars().take(60).collect::<String>()
            ),
        )
    })
}

/// Reads a duration for `rule`'s `field`: days, hours, minutes and seconds only.
pub fn parse_duration(
    rule: PolicyRuleId,
    field: &'static str,
    text: &str,
) -> Result<IsoDuration, Violation> {
    text.parse()
        .map_err(|error: crate::duration::DurationError| {
            invalid(rule, field, format!("is not accepted: {error}."))
        })
}

/// Reads an `enabledRules` value, answering an unknown one as Graph does.
pub fn parse_enabled_rule(rule: PolicyRuleId, text: &str) -> Result<EnabledRule, Violation> {
    text.parse()
        .map_err(|_| apply::unsupported_enabled_rule(rule, text))
}

/// Checks that a rule body sent to `rule` is that rule: its `@odata.type` is the rule's derived
/// type and its `id`, if given, is the rule's id. A mismatch is a `BadRequest`.
pub fn check_rule_identity(
    rule: PolicyRuleId,
    odata_type: Option<&str>,
    body_id: Option<&str>,
) -> Result<(), Violation> {
    let expected = rule.odata_type();
    match odata_type {
        None => {
            return Err(Violation::bad_request(
                "@odata.type",
                format!("{rule}: the body needs \"@odata.type\": \"{expected}\"."),
            ))
        }
        Some(given) if RuleKind::from_odata_type(given) != Some(rule.kind()) => {
            return Err(Violation::bad_request(
                "@odata.type",
                format!(
                    "{rule}.@odata.type must be '{expected}'; '{}' is not.",
                    given.chars().take(100).collect::<String>()
                ),
            ))
        }
        Some(_) => {}
    }
    if let Some(id) = body_id {
        if id.parse::<PolicyRuleId>() != Ok(rule) {
            return Err(Violation::bad_request(
                "id",
                format!(
                    "{rule}.id must be '{rule}', the rule the request addresses; '{}' is not.",
                    id.chars().take(60).collect::<String>()
                ),
            ));
        }
    }
    Ok(())
}

/// Checks a `target` sent with `rule`: its caller and level, if given, are the rule's own, and it
/// applies to all operations.
pub fn check_rule_target(
    rule: PolicyRuleId,
    caller: Option<&str>,
    level: Option<&str>,
    operations: &[String],
) -> Result<(), Violation> {
    let target = rule.target();
    check_fixed(rule, "target.caller", caller, target.caller)?;
    check_fixed(rule, "target.level", level, target.level)?;
    if operations
        .iter()
        .any(|operation| !operation.trim().eq_ignore_ascii_case("all"))
    {
        return Err(invalid(
            rule,
            "target.operations",
            "must be [\"all\"]: a group policy's rules apply to every operation.",
        ));
    }
    Ok(())
}

/// A part of `rule`'s target that cannot change: `sent`, if given, must be `fixed`.
fn check_fixed<T: FromStr + PartialEq + fmt::Display>(
    rule: PolicyRuleId,
    field: &'static str,
    sent: Option<&str>,
    fixed: T,
) -> Result<(), Violation> {
    match sent {
        Some(sent) if sent.parse::<T>().ok().as_ref() != Some(&fixed) => {
            Err(invalid(rule, field, format!("is fixed to '{fixed}'.")))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
