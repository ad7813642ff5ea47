//! The 17 rules of a policy (SPEC S2, S3).

use super::*;
use crate::ids::{GroupId, UserId};
use crate::policy::{NotificationSetting, PolicySettings};
use uuid::Uuid;

fn defaults() -> PolicySettings {
    PolicySettings::default()
}

fn expiration(required: bool, maximum: Option<&str>) -> RuleSetting {
    RuleSetting::Expiration {
        is_expiration_required: required,
        maximum_duration: maximum.map(|text| text.parse().unwrap()),
    }
}

fn enablement(rules: &[EnabledRule]) -> RuleSetting {
    RuleSetting::Enablement {
        enabled_rules: rules.to_vec(),
    }
}

fn approval(required: bool, approvers: Vec<Approver>) -> ApprovalRuleSetting {
    ApprovalRuleSetting {
        is_approval_required: required,
        is_approval_required_for_extension: false,
        is_requestor_justification_required: true,
        approval_mode: ApprovalMode::SingleStage,
        approval_stages: vec![ApprovalStage::with_approvers(approvers)],
    }
}

fn notification(recipient: RecipientType, recipients: &[&str]) -> RuleSetting {
    RuleSetting::Notification {
        notification_type: NotificationType::Email,
        recipient_type: recipient,
        notification_level: NotificationLevel::Critical,
        is_default_recipients_enabled: false,
        notification_recipients: recipients.iter().map(|r| r.to_string()).collect(),
    }
}

fn user() -> Approver {
    Approver::User(UserId(Uuid::from_u128(7)))
}

/// The refusal of `setting` for `id` on the defaults, which must be `InvalidPolicy` naming `field`.
#[track_caller]
fn refused(id: PolicyRuleId, setting: RuleSetting, field: &str) -> Violation {
    let violation = apply_rule(&defaults(), id, setting).unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidPolicy, "{violation:?}");
    assert_eq!(violation.field, Some(field), "{violation:?}");
    assert!(
        violation.message.starts_with(&format!("{id}.{field} ")),
        "{}",
        violation.message
    );
    violation
}

// S2: the defaults as Graph's 17 rules.

#[test]
fn s2_the_defaults_read_as_the_17_rules_of_graph() {
    let rules = rules(&defaults());
    let ids: Vec<&str> = rules.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "Expiration_Admin_Eligibility",
            "Enablement_Admin_Eligibility",
            "Notification_Admin_Admin_Eligibility",
            "Notification_Requestor_Admin_Eligibility",
            "Notification_Approver_Admin_Eligibility",
            "Expiration_Admin_Assignment",
            "Enablement_Admin_Assignment",
            "Notification_Admin_Admin_Assignment",
            "Notification_Requestor_Admin_Assignment",
            "Notification_Approver_Admin_Assignment",
            "Expiration_EndUser_Assignment",
            "Enablement_EndUser_Assignment",
            "Approval_EndUser_Assignment",
            "AuthenticationContext_EndUser_Assignment",
            "Notification_Admin_EndUser_Assignment",
            "Notification_Requestor_EndUser_Assignment",
            "Notification_Approver_EndUser_Assignment",
        ]
    );
    let get = |id: PolicyRuleId| rules.iter().find(|(r, _)| *r == id).unwrap().1.clone();
    use PolicyRuleId::*;
    assert_eq!(
        get(ExpirationAdminEligibility),
        expiration(true, Some("P365D"))
    );
    assert_eq!(
        get(ExpirationAdminAssignment),
        expiration(true, Some("P180D"))
    );
    assert_eq!(
        get(ExpirationEndUserAssignment),
        expiration(true, Some("PT8H"))
    );
    assert_eq!(get(EnablementAdminEligibility), enablement(&[]));
    assert_eq!(
        get(EnablementAdminAssignment),
        enablement(&[EnabledRule::Justification])
    );
    assert_eq!(
        get(EnablementEndUserAssignment),
        enablement(&[EnabledRule::Justification])
    );
    assert_eq!(
        get(ApprovalEndUserAssignment),
        RuleSetting::Approval(approval(false, Vec::new()))
    );
    assert_eq!(
        get(AuthenticationContextEndUserAssignment),
        RuleSetting::AuthenticationContext {
            is_enabled: false,
            claim_value: None
        }
    );
    for (id, setting) in &rules {
        if let Some(recipient) = id.recipient_type() {
            assert_eq!(
                *setting,
                RuleSetting::Notification {
                    notification_type: NotificationType::Email,
                    recipient_type: recipient,
                    notification_level: NotificationLevel::All,
                    is_default_recipients_enabled: true,
                    notification_recipients: Vec::new(),
                },
                "{id}"
            );
        }
    }
}

#[test]
fn s2_targets_and_types_are_graphs() {
    use PolicyRuleId::*;
    let admin_eligibility = RuleTarget {
        caller: RuleCaller::Admin,
        level: RuleLevel::Eligibility,
    };
    assert_eq!(ExpirationAdminEligibility.target(), admin_eligibility);
    assert_eq!(
        NotificationApproverAdminAssignment.target(),
        RuleTarget {
            caller: RuleCaller::Admin,
            level: RuleLevel::Assignment
        }
    );
    assert_eq!(
        ApprovalEndUserAssignment.target(),
        RuleTarget {
            caller: RuleCaller::EndUser,
            level: RuleLevel::Assignment
        }
    );
    assert_eq!(
        ExpirationEndUserAssignment.odata_type(),
        "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"
    );
    assert_eq!(
        AuthenticationContextEndUserAssignment.odata_type(),
        "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule"
    );
    let notifications = PolicyRuleId::ALL
        .iter()
        .filter(|id| id.kind() == RuleKind::Notification)
        .count();
    assert_eq!(notifications, 9);
}

// S3: ids, round trips and invalid combinations.

#[test]
fn s3_every_rule_id_reads_back_from_its_text_in_any_case() {
    for id in PolicyRuleId::ALL {
        assert_eq!(id.as_str().parse(), Ok(id));
        assert_eq!(id.as_str().to_lowercase().parse(), Ok(id));
        assert_eq!(id.to_string(), id.as_str());
    }
    assert!("Expiration_Admin".parse::<PolicyRuleId>().is_err());
}

#[test]
fn s3_every_rule_written_as_read_leaves_the_policy_unchanged() {
    let settings = defaults();
    for (id, setting) in rules(&settings) {
        assert_eq!(
            apply_rule(&settings, id, setting),
            Ok(settings.clone()),
            "{id}"
        );
    }
}

#[test]
fn s3_every_rule_changed_reads_back_as_written() {
    use PolicyRuleId::*;
    let changed: Vec<(PolicyRuleId, RuleSetting)> = vec![
        (ExpirationAdminEligibility, expiration(false, Some("P90D"))),
        (EnablementAdminEligibility, enablement(&[])),
        (ExpirationAdminAssignment, expiration(true, Some("P30D"))),
        (
            EnablementAdminAssignment,
            enablement(&[EnabledRule::MultiFactorAuthentication]),
        ),
        (
            ExpirationEndUserAssignment,
            expiration(true, Some("PT1H45M")),
        ),
        (
            EnablementEndUserAssignment,
            enablement(&[
                EnabledRule::MultiFactorAuthentication,
                EnabledRule::Ticketing,
            ]),
        ),
        (
            ApprovalEndUserAssignment,
            RuleSetting::Approval(approval(
                true,
                vec![user(), Approver::MembersOf(GroupId(Uuid::from_u128(8)))],
            )),
        ),
        (
            AuthenticationContextEndUserAssignment,
            RuleSetting::AuthenticationContext {
                is_enabled: true,
                claim_value: Some("c1".into()),
            },
        ),
    ];
    let notifications = PolicyRuleId::ALL
        .into_iter()
        .filter_map(|id| Some((id, notification(id.recipient_type()?, &["sec@contoso.com"]))));
    let mut settings = defaults();
    let all: Vec<_> = changed.into_iter().chain(notifications).collect();
    for (id, setting) in &all {
        settings = apply_rule(&settings, *id, setting.clone()).unwrap();
    }
    for (id, setting) in &all {
        assert_eq!(&rule(&settings, *id), setting, "{id}");
    }
    assert!(settings.activation_requires_mfa());
    assert_eq!(
        settings.notifications[4],
        NotificationSetting {
            default_recipients: false,
            additional_recipients: vec!["sec@contoso.com".into()],
            critical_only: true,
            disabled: false,
        },
        "Notification_Requestor_Admin_Assignment is the fifth"
    );
}

#[test]
fn s3_notification_level_none_turns_the_email_off() {
    let id = PolicyRuleId::NotificationAdminEndUserAssignment;
    let mut setting = notification(RecipientType::Admin, &[]);
    if let RuleSetting::Notification {
        notification_level, ..
    } = &mut setting
    {
        *notification_level = NotificationLevel::None;
    }
    let settings = apply_rule(&defaults(), id, setting.clone()).unwrap();
    assert!(settings.notifications[6].disabled);
    assert_eq!(settings.notifications[6].level(), NotificationLevel::None);
    assert_eq!(rule(&settings, id), setting);
}

mod invalid;
