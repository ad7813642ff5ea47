//! Reading [`PolicySettings`] as the 17 rules, and writing one checked rule back (SPEC S2, S3).

use chrono::TimeDelta;

use super::approval::approval_setting;
use super::{
    invalid, ApprovalMode, ApprovalRuleSetting, ApprovalStage, EnabledRule, NotificationType,
    PolicyRuleId, RecipientType, RuleCaller, RuleLevel, RuleSetting,
};
use crate::duration::IsoDuration;
use crate::policy::{ExpirationSetting, NotificationSetting, PolicySettings, Requirements};
use crate::spec::Rule;
use crate::violation::{ErrorCode, Violation};

/// V1: the activation maximum lies between these.
const ACTIVATION_MAXIMUM: (TimeDelta, TimeDelta, &str) = (
    TimeDelta::minutes(30),
    TimeDelta::hours(24),
    "PT30M and PT24H",
);
/// A2 makes anything under 5 minutes unassignable; ten years is far beyond Entra's 365 days.
const ASSIGNMENT_MAXIMUM: (TimeDelta, TimeDelta, &str) = (
    TimeDelta::minutes(5),
    TimeDelta::days(3650),
    "PT5M and P3650D",
);
/// N4: at most this many recipients per notification.
pub const MAX_NOTIFICATION_RECIPIENTS: usize = 1000;
/// The longest authentication context id accepted (Entra's are `c1` to `c99`).
const MAX_CLAIM_VALUE_CHARS: usize = 64;
/// Notification rules per policy: three recipient types for each of three targets.
const NOTIFICATION_RULES: usize = 9;

/// The 17 rules of a policy, in Graph's order.
pub fn rules(settings: &PolicySettings) -> Vec<(PolicyRuleId, RuleSetting)> {
    PolicyRuleId::ALL
        .into_iter()
        .map(|id| (id, rule(settings, id)))
        .collect()
}

/// One rule of a policy.
pub fn rule(settings: &PolicySettings, id: PolicyRuleId) -> RuleSetting {
    use PolicyRuleId::*;
    match id {
        ExpirationAdminEligibility => expiration(&settings.eligible_assignment),
        ExpirationAdminAssignment => expiration(&settings.active_assignment),
        ExpirationEndUserAssignment => RuleSetting::Expiration {
            is_expiration_required: true,
            maximum_duration: Some(settings.activation_maximum),
        },
        EnablementAdminEligibility => RuleSetting::Enablement {
            enabled_rules: Vec::new(),
        },
        EnablementAdminAssignment => enablement(&settings.active_assignment_requirements),
        EnablementEndUserAssignment => enablement(&settings.activation_requirements),
        ApprovalEndUserAssignment => RuleSetting::Approval(ApprovalRuleSetting {
            is_approval_required: settings.approval.required,
            is_approval_required_for_extension: false,
            is_requestor_justification_required: true,
            approval_mode: ApprovalMode::SingleStage,
            approval_stages: vec![ApprovalStage::with_approvers(
                settings.approval.approvers.clone(),
            )],
        }),
        AuthenticationContextEndUserAssignment => RuleSetting::AuthenticationContext {
            is_enabled: settings.authentication_context.is_some(),
            claim_value: settings.authentication_context.clone(),
        },
        _ => notification(settings, id),
    }
}

fn expiration(setting: &ExpirationSetting) -> RuleSetting {
    RuleSetting::Expiration {
        is_expiration_required: setting.expiration_required,
        maximum_duration: Some(setting.maximum),
    }
}

fn enablement(requirements: &Requirements) -> RuleSetting {
    let wanted = [
        (requirements.mfa, EnabledRule::MultiFactorAuthentication),
        (requirements.justification, EnabledRule::Justification),
        (requirements.ticket, EnabledRule::Ticketing),
    ];
    RuleSetting::Enablement {
        enabled_rules: wanted
            .into_iter()
            .filter_map(|(on, rule)| on.then_some(rule))
            .collect(),
    }
}

fn notification(settings: &PolicySettings, id: PolicyRuleId) -> RuleSetting {
    let setting = notification_index(id)
        .and_then(|index| settings.notifications.get(index))
        .cloned()
        .unwrap_or_default();
    RuleSetting::Notification {
        notification_type: NotificationType::Email,
        recipient_type: id.recipient_type().unwrap_or(RecipientType::Admin),
        notification_level: setting.level(),
        is_default_recipients_enabled: setting.default_recipients,
        notification_recipients: setting.additional_recipients,
    }
}

/// Where a notification rule lives in `PolicySettings::notifications` (Graph's order).
fn notification_index(id: PolicyRuleId) -> Option<usize> {
    let recipient = match id.recipient_type()? {
        RecipientType::Admin => 0,
        RecipientType::Requestor => 1,
        RecipientType::Approver => 2,
    };
    let target = id.target();
    let block = match (target.caller, target.level) {
        (RuleCaller::Admin, RuleLevel::Eligibility) => 0,
        (RuleCaller::Admin, RuleLevel::Assignment) => 1,
        (RuleCaller::EndUser, _) => 2,
    };
    Some(block * 3 + recipient)
}

/// `settings` with rule `id` set to `setting`, or why the rule is invalid.
pub fn apply_rule(
    settings: &PolicySettings,
    id: PolicyRuleId,
    setting: RuleSetting,
) -> Result<PolicySettings, Violation> {
    if setting.kind() != id.kind() {
        return Err(Violation::bad_request(
            "@odata.type",
            format!(
                "{id}.@odata.type must be '{}': the setting given is of another rule type.",
                id.odata_type()
            ),
        ));
    }
    let mut next = settings.clone();
    use PolicyRuleId::*;
    match (id, setting) {
        (
            ExpirationEndUserAssignment,
            RuleSetting::Expiration {
                is_expiration_required,
                maximum_duration,
            },
        ) => {
            if !is_expiration_required {
                return Err(invalid(
                    id,
                    "isExpirationRequired",
                    "must be true: an activation always ends.",
                ));
            }
            next.activation_maximum = required_maximum(id, maximum_duration, ACTIVATION_MAXIMUM)?;
        }
        (
            ExpirationAdminEligibility | ExpirationAdminAssignment,
            RuleSetting::Expiration {
                is_expiration_required,
                maximum_duration,
            },
        ) => {
            let current = if id == ExpirationAdminEligibility {
                &mut next.eligible_assignment
            } else {
                &mut next.active_assignment
            };
            *current = ExpirationSetting {
                expiration_required: is_expiration_required,
                maximum: match maximum_duration {
                    None if !is_expiration_required => current.maximum,
                    given => required_maximum(id, given, ASSIGNMENT_MAXIMUM)?,
                },
            };
        }
        (EnablementAdminEligibility, RuleSetting::Enablement { enabled_rules }) => {
            check_enabled_rules(id, &enabled_rules, &[])?;
        }
        (EnablementAdminAssignment, RuleSetting::Enablement { enabled_rules }) => {
            let supported = [
                EnabledRule::MultiFactorAuthentication,
                EnabledRule::Justification,
            ];
            check_enabled_rules(id, &enabled_rules, &supported)?;
            next.active_assignment_requirements = requirements(&enabled_rules);
        }
        (EnablementEndUserAssignment, RuleSetting::Enablement { enabled_rules }) => {
            check_enabled_rules(id, &enabled_rules, EnabledRule::ALL)?;
            next.activation_requirements = requirements(&enabled_rules);
        }
        (ApprovalEndUserAssignment, RuleSetting::Approval(approval)) => {
            next.approval = approval_setting(id, approval)?;
        }
        (
            AuthenticationContextEndUserAssignment,
            RuleSetting::AuthenticationContext {
                is_enabled,
                claim_value,
            },
        ) => {
            next.authentication_context = authentication_context(id, is_enabled, claim_value)?;
        }
        (
            _,
            RuleSetting::Notification {
                notification_type: NotificationType::Email,
                recipient_type,
                notification_level,
                is_default_recipients_enabled,
                notification_recipients,
            },
        ) => {
            let index = notification_index(id).ok_or_else(|| kind_mismatch(id))?;
            if Some(recipient_type) != id.recipient_type() {
                let expected = id.recipient_type().map_or("", RecipientType::as_str);
                return Err(invalid(
                    id,
                    "recipientType",
                    format!("must be '{expected}', the recipients this rule is about."),
                ));
            }
            let mut setting = NotificationSetting {
                default_recipients: is_default_recipients_enabled,
                additional_recipients: recipients(id, notification_recipients)?,
                ..NotificationSetting::default()
            };
            setting.set_level(notification_level);
            if next.notifications.len() < NOTIFICATION_RULES {
                next.notifications
                    .resize(NOTIFICATION_RULES, NotificationSetting::default());
            }
            next.notifications[index] = setting;
        }
        _ => return Err(kind_mismatch(id)),
    }
    Ok(next)
}

fn kind_mismatch(id: PolicyRuleId) -> Violation {
    Violation::bad_request(
        "@odata.type",
        format!("{id}.@odata.type must be '{}'.", id.odata_type()),
    )
}

/// S3: a required expiration needs a maximum, within `bounds`.
fn required_maximum(
    id: PolicyRuleId,
    maximum: Option<IsoDuration>,
    (shortest, longest, bounds): (TimeDelta, TimeDelta, &str),
) -> Result<IsoDuration, Violation> {
    let maximum = maximum.ok_or_else(|| {
        invalid(
            id,
            "maximumDuration",
            "is required when isExpirationRequired is true.",
        )
    })?;
    if maximum.as_delta() < shortest || maximum.as_delta() > longest {
        return Err(invalid(
            id,
            "maximumDuration",
            format!("must be between {bounds}; {maximum} is not."),
        ));
    }
    Ok(maximum)
}

fn check_enabled_rules(
    id: PolicyRuleId,
    enabled: &[EnabledRule],
    supported: &[EnabledRule],
) -> Result<(), Violation> {
    match enabled.iter().find(|rule| !supported.contains(rule)) {
        Some(rule) => Err(unsupported_enabled_rule_of(id, rule.as_str(), supported)),
        None => Ok(()),
    }
}

/// `InvalidPolicyEnabledRules` with Graph's message, then what Stint found wrong.
pub(super) fn unsupported_enabled_rule(id: PolicyRuleId, value: &str) -> Violation {
    let supported: &[EnabledRule] = match id {
        PolicyRuleId::EnablementAdminAssignment => &[
            EnabledRule::MultiFactorAuthentication,
            EnabledRule::Justification,
        ],
        PolicyRuleId::EnablementEndUserAssignment => EnabledRule::ALL,
        _ => &[],
    };
    unsupported_enabled_rule_of(id, value, supported)
}

fn unsupported_enabled_rule_of(
    id: PolicyRuleId,
    value: &str,
    supported: &[EnabledRule],
) -> Violation {
    let names: Vec<&str> = supported.iter().map(|rule| rule.as_str()).collect();
    Violation::new(
        ErrorCode::InvalidPolicyEnabledRules,
        format!(
            "Invalid enabled rules for rule id '{id}'. Supported values are '{}'. {id}.enabledRules: '{}' is not supported.",
            names.join(","),
            value.chars().take(60).collect::<String>()
        ),
    )
    .field("enabledRules")
    .rule(Rule::S3)
}

fn requirements(enabled: &[EnabledRule]) -> Requirements {
    Requirements {
        mfa: enabled.contains(&EnabledRule::MultiFactorAuthentication),
        justification: enabled.contains(&EnabledRule::Justification),
        ticket: enabled.contains(&EnabledRule::Ticketing),
    }
}

fn authentication_context(
    id: PolicyRuleId,
    is_enabled: bool,
    claim_value: Option<String>,
) -> Result<Option<String>, Violation> {
    if !is_enabled {
        return Ok(None);
    }
    let claim = claim_value.map(|claim| claim.trim().to_string());
    match claim {
        Some(claim)
            if !claim.is_empty()
                && claim.chars().count() <= MAX_CLAIM_VALUE_CHARS
                && claim
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) =>
        {
            Ok(Some(claim))
        }
        _ => Err(invalid(
            id,
            "claimValue",
            "must name the authentication context (such as c1) when isEnabled is true.",
        )),
    }
}

/// N4 and plausible addresses.
fn recipients(id: PolicyRuleId, given: Vec<String>) -> Result<Vec<String>, Violation> {
    if given.len() > MAX_NOTIFICATION_RECIPIENTS {
        return Err(invalid(
            id,
            "notificationRecipients",
            format!(
                "holds {} addresses; at most {MAX_NOTIFICATION_RECIPIENTS} are allowed.",
                given.len()
            ),
        ));
    }
    given
        .into_iter()
        .map(|address| address.trim().to_string())
        .map(|address| {
            if is_plausible_email(&address) {
                Ok(address)
            } else {
                Err(invalid(
                    id,
                    "notificationRecipients",
                    format!(
                        "must hold e-mail addresses; '{}' is not one.",
                        address.chars().take(100).collect::<String>()
                    ),
                ))
            }
        })
        .collect()
}

/// `local@domain.tld`, without spaces or separators; not a full RFC 5322 check.
pub(crate) fn is_plausible_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[],;:\"\\".contains(c));
    let domain_ok = domain.len() <= 253
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    address.len() <= 254 && local_ok && domain_ok
}
