use super::*;
use crate::policy_rules::{invalid, PolicyRuleId};
use crate::rules::assignment::too_short;
use crate::spec::Rule;

/// Asserts that `violation` reads as `expected` and that nothing of the API is left in it.
#[track_caller]
fn reads_as(violation: &Violation, expected: &str) {
    let said = violation.in_words();
    assert_eq!(said, expected);
    assert!(
        api_speak(&said).is_empty(),
        "{said}: {:?}",
        api_speak(&said)
    );
}

#[test]
fn the_refusals_the_issue_quotes_read_as_sentences_about_the_field() {
    reads_as(
        &invalid(
            PolicyRuleId::ApprovalEndUserAssignment,
            "setting.approvalStages[0].primaryApprovers",
            "must name at least one approver when setting.isApprovalRequired is true; there are no default approvers.",
        ),
        "Choose at least one approver.",
    );
    reads_as(
        &Violation::new(
            ErrorCode::InvalidRoleAssignmentRequest,
            "scheduleInfo.expiration.endDateTime must be after the start.",
        )
        .field("scheduleInfo.expiration.endDateTime"),
        "End must be after start.",
    );
    reads_as(
        &Violation::policy_failed(
            &[PolicyRule::JustificationRule],
            "Give a justification (at most 500 characters).",
        )
        .rule(Rule::V2),
        "Give a reason.",
    );
}

#[test]
fn removing_an_assignment_too_soon_says_what_happened_not_active_duration_too_short() {
    let violation = too_short(
        "An assignment cannot be removed within 5 minutes of being made; try again in 240 seconds."
            .into(),
    );
    reads_as(
        &violation,
        "An assignment cannot be removed within 5 minutes of being made; try again in 240 seconds.",
    );
}

#[test]
fn each_failed_policy_rule_says_what_to_give() {
    let violation = Violation::policy_failed(
        &[
            PolicyRule::ExpirationRule,
            PolicyRule::TicketingRule,
            PolicyRule::MfaRule,
        ],
        "An activation may last at most PT8H; ask for less. Give ticketInfo with ticketNumber and ticketSystem. Step up with a TOTP code (POST /stint/v1/auth/step-up), then retry.",
    );
    reads_as(
        &violation,
        "An activation may last at most 8 hours; ask for less. Give the ticket system and the ticket number. Confirm with a current code from your authenticator app.",
    );
}

#[test]
fn api_names_become_words_and_rule_ids_and_api_calls_are_left_out() {
    let violation = invalid(
        PolicyRuleId::ApprovalEndUserAssignment,
        "setting.isApprovalRequiredForExtension",
        "must be false: extension and renewal requests always go to the group's administrators (E1, E2).",
    );
    reads_as(
        &violation,
        "Approval required for extension must be false: extension and renewal requests always go to the group's administrators.",
    );
    let bounds = invalid(
        PolicyRuleId::ExpirationEndUserAssignment,
        "maximumDuration",
        "must be between PT30M and P1D; PT25H is not.",
    );
    reads_as(
        &bounds,
        "Maximum length must be between 30 minutes and 1 day; 1 day 1 hour is not.",
    );
}

#[test]
fn the_api_message_with_its_field_in_front_reads_the_same_at_the_command_line() {
    let said = in_words(
        ErrorCode::InvalidRoleAssignmentRequest,
        None,
        "Invalid value for 'scheduleInfo.expiration.endDateTime': scheduleInfo.expiration.endDateTime must be after the start.",
    );
    assert_eq!(said, "End must be after start.");
}

#[test]
fn api_speak_finds_paths_rule_ids_and_bare_codes_but_not_english() {
    assert_eq!(
        api_speak("Refused (V2): ActiveDurationTooShort at scheduleInfo.expiration."),
        vec!["V2", "ActiveDurationTooShort", "scheduleInfo.expiration"]
    );
    assert!(api_speak("Give a reason, e.g. INC-42 at alice@contoso.com. Conflict.").is_empty());
}

#[test]
fn a_message_that_starts_with_its_field_is_read_by_that_field() {
    let violation = invalid(
        PolicyRuleId::ApprovalEndUserAssignment,
        "setting.approvalStages[0].primaryApprovers",
        "must name at least one approver when setting.isApprovalRequired is true.",
    );
    let said = in_words(violation.code, None, &violation.message);
    assert_eq!(said, "Choose at least one approver.");
}

#[test]
fn a_refusal_in_the_audit_trail_reads_without_rule_id_or_code() {
    let recorded = "Refused (V2): RoleAssignmentRequestPolicyValidationFailed The following policy rules failed: [\"JustificationRule\"]. Give a justification (at most 500 characters).";
    assert_eq!(audit_message(recorded), "Refused: Give a reason.");
    let ended = "Ended bob's membership of Ops because bob no longer belongs to Oncall, through which it was activated (V6).";
    assert_eq!(
        audit_message(ended),
        "Ended bob's membership of Ops because bob no longer belongs to Oncall, through which it was activated."
    );
}

#[test]
fn a_carried_out_request_reads_active_approved_or_completed_never_provisioned() {
    use crate::request::RequestStatus;
    assert_eq!(RequestStatus::Provisioned.in_words(true, true), "Active");
    assert_eq!(RequestStatus::Provisioned.in_words(true, false), "Approved");
    assert_eq!(
        RequestStatus::Provisioned.in_words(false, false),
        "Completed"
    );
    assert_eq!(RequestStatus::Revoked.in_words(false, false), "Completed");
    assert_eq!(
        RequestStatus::PendingApproval.in_words(false, false),
        "Pending approval"
    );
    assert_eq!(RequestStatus::Denied.in_words(false, false), "Denied");
}

#[test]
fn quoted_names_and_values_are_kept_as_typed() {
    let violation = Violation::new(
        ErrorCode::GroupAlreadyManaged,
        "'payOps' is already managed by PIM.",
    );
    assert_eq!(violation.in_words(), "'payOps' is already managed by PIM.");
    assert!(api_speak(&violation.in_words()).is_empty());
}
