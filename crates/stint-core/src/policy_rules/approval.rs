//! The approval rule (SPEC V3): one stage of 24 hours, approvers who justify, no escalation.

use super::{invalid, ApprovalMode, ApprovalRuleSetting, ApprovalStage, PolicyRuleId};
use crate::policy::{ApprovalSetting, Approver};
use crate::violation::Violation;

/// V3: one stage of 24 hours, approvers who justify, no escalation, at least one approver when
/// approval is required. Approvers are kept when approval is turned off.
pub(super) fn approval_setting(
    id: PolicyRuleId,
    approval: ApprovalRuleSetting,
) -> Result<ApprovalSetting, Violation> {
    match approval.approval_mode {
        ApprovalMode::Serial | ApprovalMode::Parallel => {
            return Err(invalid(
                id,
                "setting.approvalMode",
                "must be SingleStage or NoApproval: Stint decides every request in one stage.",
            ))
        }
        ApprovalMode::NoApproval if approval.is_approval_required => {
            return Err(invalid(
                id,
                "setting.approvalMode",
                "is NoApproval, but setting.isApprovalRequired is true.",
            ))
        }
        _ => {}
    }
    if approval.is_approval_required_for_extension {
        return Err(invalid(
            id,
            "setting.isApprovalRequiredForExtension",
            "must be false: extension and renewal requests always go to the group's administrators (E1, E2).",
        ));
    }
    if !approval.is_requestor_justification_required {
        return Err(invalid(
            id,
            "setting.isRequestorJustificationRequired",
            "must be true; whether activation needs a justification is set by Enablement_EndUser_Assignment.",
        ));
    }
    if approval.approval_stages.len() > 1 {
        return Err(invalid(
            id,
            "setting.approvalStages",
            "may hold one stage only: Stint decides every request in one stage.",
        ));
    }
    let approvers = match approval.approval_stages.into_iter().next() {
        Some(stage) => stage_approvers(id, stage)?,
        None => Vec::new(),
    };
    if approval.is_approval_required && approvers.is_empty() {
        return Err(invalid(
            id,
            "setting.approvalStages[0].primaryApprovers",
            "must name at least one approver when setting.isApprovalRequired is true; there are no default approvers.",
        ));
    }
    Ok(ApprovalSetting {
        required: approval.is_approval_required,
        approvers,
    })
}

fn stage_approvers(id: PolicyRuleId, stage: ApprovalStage) -> Result<Vec<Approver>, Violation> {
    if stage.approval_stage_time_out_in_days != 1 {
        return Err(invalid(
            id,
            "setting.approvalStages[0].approvalStageTimeOutInDays",
            "must be 1: a request with no decision after 24 hours is denied, and this is not configurable.",
        ));
    }
    if !stage.is_approver_justification_required {
        return Err(invalid(
            id,
            "setting.approvalStages[0].isApproverJustificationRequired",
            "must be true: approvers always give a justification.",
        ));
    }
    let no_escalation = "Stint has no escalation.";
    if stage.is_escalation_enabled {
        return Err(invalid(
            id,
            "setting.approvalStages[0].isEscalationEnabled",
            format!("must be false: {no_escalation}"),
        ));
    }
    if stage.escalation_time_in_minutes != 0 {
        return Err(invalid(
            id,
            "setting.approvalStages[0].escalationTimeInMinutes",
            format!("must be 0: {no_escalation}"),
        ));
    }
    if !stage.escalation_approvers.is_empty() {
        return Err(invalid(
            id,
            "setting.approvalStages[0].escalationApprovers",
            format!("must be empty: {no_escalation}"),
        ));
    }
    let mut approvers: Vec<Approver> = Vec::new();
    for approver in stage.primary_approvers {
        if !approvers.contains(&approver) {
            approvers.push(approver);
        }
    }
    Ok(approvers)
}
