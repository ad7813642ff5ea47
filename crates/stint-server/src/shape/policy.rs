//! Graph's `unifiedRoleManagementPolicy` with its 17 rules, and
//! `unifiedRoleManagementPolicyAssignment`, as Graph writes them for groups.

use serde_json::{json, Value};
use stint_app::View;
use stint_core::policy::{Approver, Policy};
use stint_core::policy_rules::{self, ApprovalStage, PolicyRuleId, RuleSetting};
use stint_core::rules::policies::policy_assignment_id;

use crate::wire::optional_time;

/// What to inline in a policy assignment (`$expand=policy($expand=rules)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignmentExpand {
    Nothing,
    Policy,
    PolicyWithRules,
}

/// A group policy; with `rules` when they are expanded.
pub fn policy(view: &View<'_>, policy: &Policy, with_rules: bool) -> Value {
    let modified_by = policy.modified_by.map(|user| {
        let name = view.user(user).map(|u| u.display_name.clone());
        json!({ "displayName": name, "id": user.to_string() })
    });
    let mut value = json!({
        "id": policy.graph_id(),
        "displayName": "Group",
        "description": "Group",
        "isOrganizationDefault": false,
        "scopeId": policy.group_id.to_string(),
        "scopeType": "Group",
        "lastModifiedDateTime": optional_time(policy.modified_at),
        "lastModifiedBy": modified_by.unwrap_or_else(|| json!({ "displayName": null, "id": null })),
    });
    if with_rules {
        value["rules"] = Value::Array(rules(policy));
    }
    value
}

/// The 17 rules of a policy, in Graph's order.
pub fn rules(policy: &Policy) -> Vec<Value> {
    policy_rules::rules(&policy.settings)
        .iter()
        .map(|(id, setting)| rule(*id, setting))
        .collect()
}

/// One rule with its `@odata.type`, id, setting and fixed target.
pub fn rule(id: PolicyRuleId, setting: &RuleSetting) -> Value {
    let mut value = json!({ "@odata.type": id.odata_type(), "id": id.as_str() });
    let fields = match setting {
        RuleSetting::Expiration {
            is_expiration_required,
            maximum_duration,
        } => json!({
            "isExpirationRequired": is_expiration_required,
            "maximumDuration": maximum_duration.map(|d| d.to_string()),
        }),
        RuleSetting::Enablement { enabled_rules } => json!({
            "enabledRules": enabled_rules.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        }),
        RuleSetting::Approval(approval) => json!({
            "setting": {
                "isApprovalRequired": approval.is_approval_required,
                "isApprovalRequiredForExtension": approval.is_approval_required_for_extension,
                "isRequestorJustificationRequired": approval.is_requestor_justification_required,
                "approvalMode": approval.approval_mode.as_str(),
                "approvalStages": approval.approval_stages.iter().map(stage).collect::<Vec<_>>(),
            }
        }),
        RuleSetting::AuthenticationContext {
            is_enabled,
            claim_value,
        } => json!({ "isEnabled": is_enabled, "claimValue": claim_value }),
        RuleSetting::Notification {
            notification_type,
            recipient_type,
            notification_level,
            is_default_recipients_enabled,
            notification_recipients,
        } => json!({
            "notificationType": notification_type.as_str(),
            "recipientType": recipient_type.as_str(),
            "notificationLevel": notification_level.as_str(),
            "isDefaultRecipientsEnabled": is_default_recipients_enabled,
            "notificationRecipients": notification_recipients,
        }),
    };
    if let (Value::Object(value), Value::Object(fields)) = (&mut value, fields) {
        value.extend(fields);
    }
    let target = id.target();
    value["target"] = json!({
        "caller": target.caller.as_str(),
        "operations": ["all"],
        "level": target.level.as_str(),
        "inheritableSettings": [],
        "enforcedSettings": [],
    });
    value
}

fn stage(stage: &ApprovalStage) -> Value {
    json!({
        "approvalStageTimeOutInDays": stage.approval_stage_time_out_in_days,
        "isApproverJustificationRequired": stage.is_approver_justification_required,
        "escalationTimeInMinutes": stage.escalation_time_in_minutes,
        "isEscalationEnabled": stage.is_escalation_enabled,
        "primaryApprovers": stage.primary_approvers.iter().map(subject_set).collect::<Vec<_>>(),
        "escalationApprovers": stage.escalation_approvers.iter().map(subject_set).collect::<Vec<_>>(),
    })
}

fn subject_set(approver: &Approver) -> Value {
    match approver {
        Approver::User(user) => json!({
            "@odata.type": "#microsoft.graph.singleUser",
            "userId": user.to_string(),
        }),
        Approver::MembersOf(group) => json!({
            "@odata.type": "#microsoft.graph.groupMembers",
            "groupId": group.to_string(),
        }),
    }
}

/// The assignment of `policy` to its group and access (`roleDefinitionId` `member` or `owner`).
pub fn assignment(view: &View<'_>, policy: &Policy, expand: AssignmentExpand) -> Value {
    let mut value = json!({
        "id": policy_assignment_id(policy),
        "policyId": policy.graph_id(),
        "scopeId": policy.group_id.to_string(),
        "scopeType": "Group",
        "roleDefinitionId": policy.access.as_str(),
    });
    if expand != AssignmentExpand::Nothing {
        let with_rules = expand == AssignmentExpand::PolicyWithRules;
        value["policy"] = self::policy(view, policy, with_rules);
    }
    value
}
