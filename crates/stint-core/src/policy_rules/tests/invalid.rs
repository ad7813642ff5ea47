//! Invalid rules are refused with `InvalidPolicy` naming the rule and the field (SPEC S3).

use super::*;

#[test]
fn s3_expiration_required_without_a_maximum_is_invalid() {
    for id in [
        PolicyRuleId::ExpirationAdminEligibility,
        PolicyRuleId::ExpirationAdminAssignment,
        PolicyRuleId::ExpirationEndUserAssignment,
    ] {
        refused(id, expiration(true, None), "maximumDuration");
    }
}

#[test]
fn s3_permanent_assignments_keep_the_stored_maximum_when_none_is_given() {
    let id = PolicyRuleId::ExpirationAdminAssignment;
    let settings = apply_rule(&defaults(), id, expiration(false, None)).unwrap();
    assert!(!settings.active_assignment.expiration_required);
    assert_eq!(
        settings.active_assignment.maximum,
        defaults().active_assignment.maximum
    );
}

#[test]
fn s3_activation_maximum_lies_between_30_minutes_and_24_hours() {
    let id = PolicyRuleId::ExpirationEndUserAssignment;
    for text in ["PT29M", "PT24H1M", "P2D"] {
        let violation = refused(id, expiration(true, Some(text)), "maximumDuration");
        assert!(
            violation.message.starts_with(
                "Expiration_EndUser_Assignment.maximumDuration must be between PT30M and PT24H"
            ),
            "{}",
            violation.message
        );
    }
    for text in ["PT30M", "PT24H"] {
        assert!(
            apply_rule(&defaults(), id, expiration(true, Some(text))).is_ok(),
            "{text}"
        );
    }
    refused(id, expiration(false, Some("PT8H")), "isExpirationRequired");
}

#[test]
fn s3_assignment_maximum_lies_between_5_minutes_and_3650_days() {
    let id = PolicyRuleId::ExpirationAdminEligibility;
    refused(id, expiration(true, Some("PT4M")), "maximumDuration");
    refused(id, expiration(true, Some("P3651D")), "maximumDuration");
    assert!(apply_rule(&defaults(), id, expiration(true, Some("P3650D"))).is_ok());
}

#[test]
fn s3_enablement_rules_accept_only_what_graph_accepts() {
    use EnabledRule::*;
    let violation = apply_rule(
        &defaults(),
        PolicyRuleId::EnablementAdminAssignment,
        enablement(&[Justification, Ticketing]),
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidPolicyEnabledRules);
    assert!(violation.message.starts_with(
        "Invalid enabled rules for rule id 'Enablement_Admin_Assignment'. Supported values are 'MultiFactorAuthentication,Justification'."
    ), "{}", violation.message);
    assert!(violation.message.contains("enabledRules: 'Ticketing'"));
    let violation = apply_rule(
        &defaults(),
        PolicyRuleId::EnablementAdminEligibility,
        enablement(&[Justification]),
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidPolicyEnabledRules);
    assert!(apply_rule(
        &defaults(),
        PolicyRuleId::EnablementEndUserAssignment,
        enablement(&[Ticketing, Justification, MultiFactorAuthentication]),
    )
    .is_ok());
    let unknown = parse_enabled_rule(PolicyRuleId::EnablementEndUserAssignment, "Biometrics");
    assert_eq!(
        unknown.unwrap_err().code,
        ErrorCode::InvalidPolicyEnabledRules
    );
    assert_eq!(
        parse_enabled_rule(PolicyRuleId::EnablementEndUserAssignment, "ticketing"),
        Ok(Ticketing)
    );
}

#[test]
fn s3_approval_required_without_approvers_is_invalid() {
    refused(
        PolicyRuleId::ApprovalEndUserAssignment,
        RuleSetting::Approval(approval(true, Vec::new())),
        "setting.approvalStages[0].primaryApprovers",
    );
    let mut no_stage = approval(true, Vec::new());
    no_stage.approval_stages.clear();
    refused(
        PolicyRuleId::ApprovalEndUserAssignment,
        RuleSetting::Approval(no_stage),
        "setting.approvalStages[0].primaryApprovers",
    );
}

#[test]
fn s3_approval_has_one_stage_of_one_day_without_escalation() {
    let id = PolicyRuleId::ApprovalEndUserAssignment;
    type Edit = Box<dyn Fn(&mut ApprovalRuleSetting)>;
    let variants: Vec<(&str, Edit)> = vec![
        (
            "setting.approvalMode",
            Box::new(|a| a.approval_mode = ApprovalMode::Serial),
        ),
        (
            "setting.approvalMode",
            Box::new(|a| a.approval_mode = ApprovalMode::NoApproval),
        ),
        (
            "setting.approvalStages",
            Box::new(|a| a.approval_stages.push(a.approval_stages[0].clone())),
        ),
        (
            "setting.approvalStages[0].approvalStageTimeOutInDays",
            Box::new(|a| a.approval_stages[0].approval_stage_time_out_in_days = 2),
        ),
        (
            "setting.approvalStages[0].isApproverJustificationRequired",
            Box::new(|a| a.approval_stages[0].is_approver_justification_required = false),
        ),
        (
            "setting.approvalStages[0].isEscalationEnabled",
            Box::new(|a| a.approval_stages[0].is_escalation_enabled = true),
        ),
        (
            "setting.isApprovalRequiredForExtension",
            Box::new(|a| a.is_approval_required_for_extension = true),
        ),
    ];
    for (field, edit) in variants {
        let mut setting = approval(true, vec![user()]);
        edit(&mut setting);
        refused(id, RuleSetting::Approval(setting), field);
    }
    let mut off = approval(false, vec![user()]);
    off.approval_mode = ApprovalMode::NoApproval;
    let settings = apply_rule(&defaults(), id, RuleSetting::Approval(off)).unwrap();
    assert!(!settings.approval.required);
    assert_eq!(
        settings.approval.approvers,
        vec![user()],
        "approvers are kept"
    );
}

#[test]
fn s3_authentication_context_needs_a_claim_when_enabled() {
    let id = PolicyRuleId::AuthenticationContextEndUserAssignment;
    for claim in [None, Some(""), Some("c 1")] {
        refused(
            id,
            RuleSetting::AuthenticationContext {
                is_enabled: true,
                claim_value: claim.map(str::to_string),
            },
            "claimValue",
        );
    }
    let off = RuleSetting::AuthenticationContext {
        is_enabled: false,
        claim_value: Some("c1".into()),
    };
    assert_eq!(
        apply_rule(&defaults(), id, off)
            .unwrap()
            .authentication_context,
        None
    );
}

#[test]
fn s3_notification_rules_check_recipient_type_and_addresses() {
    let id = PolicyRuleId::NotificationApproverEndUserAssignment;
    refused(id, notification(RecipientType::Admin, &[]), "recipientType");
    for address in [
        "not-an-address",
        "a@b",
        "two@@contoso.com",
        "a b@contoso.com",
        "x@contoso.com;y@contoso.com",
    ] {
        refused(
            id,
            notification(RecipientType::Approver, &[address]),
            "notificationRecipients",
        );
    }
    let many: Vec<String> = (0..=MAX_NOTIFICATION_RECIPIENTS)
        .map(|n| format!("user{n}@contoso.com"))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    refused(
        id,
        notification(RecipientType::Approver, &many),
        "notificationRecipients",
    );
    assert!(apply_rule(
        &defaults(),
        id,
        notification(
            RecipientType::Approver,
            &many[..MAX_NOTIFICATION_RECIPIENTS]
        )
    )
    .is_ok());
}

#[test]
fn s3_a_setting_of_another_rule_type_is_refused() {
    let violation = apply_rule(
        &defaults(),
        PolicyRuleId::ExpirationEndUserAssignment,
        enablement(&[]),
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert!(violation
        .message
        .contains("unifiedRoleManagementPolicyExpirationRule"));
}

#[test]
fn s3_a_rule_body_must_name_its_rule_and_type() {
    let id = PolicyRuleId::ExpirationEndUserAssignment;
    let expiration_type = "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule";
    assert!(check_rule_identity(
        id,
        Some(expiration_type),
        Some("expiration_enduser_assignment")
    )
    .is_ok());
    assert!(check_rule_identity(
        id,
        Some("microsoft.graph.unifiedRoleManagementPolicyExpirationRule"),
        None
    )
    .is_ok());
    for (odata_type, body_id, field) in [
        (None, None, "@odata.type"),
        (
            Some("#microsoft.graph.unifiedRoleManagementPolicyEnablementRule"),
            None,
            "@odata.type",
        ),
        (
            Some(expiration_type),
            Some("Expiration_Admin_Assignment"),
            "id",
        ),
    ] {
        let violation = check_rule_identity(id, odata_type, body_id).unwrap_err();
        assert_eq!(violation.code, ErrorCode::BadRequest);
        assert_eq!(violation.field, Some(field));
        assert!(violation.message.contains("Expiration_EndUser_Assignment"));
    }
}

#[test]
fn s3_a_rule_target_is_fixed() {
    let id = PolicyRuleId::ExpirationEndUserAssignment;
    assert!(check_rule_target(id, Some("enduser"), Some("assignment"), &["All".into()]).is_ok());
    assert!(check_rule_target(id, None, None, &[]).is_ok());
    let wrong = check_rule_target(id, Some("Admin"), None, &[]).unwrap_err();
    assert_eq!(wrong.field, Some("target.caller"));
    let wrong = check_rule_target(id, None, Some("Eligibility"), &[]).unwrap_err();
    assert_eq!(wrong.field, Some("target.level"));
    let wrong = check_rule_target(id, None, None, &["activate".into()]).unwrap_err();
    assert_eq!(wrong.field, Some("target.operations"));
}

#[test]
fn s3_durations_in_months_are_refused_naming_the_rule() {
    let violation = parse_duration(
        PolicyRuleId::ExpirationAdminEligibility,
        "maximumDuration",
        "P6M",
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidPolicy);
    assert!(violation
        .message
        .starts_with("Expiration_Admin_Eligibility.maximumDuration"));
}
