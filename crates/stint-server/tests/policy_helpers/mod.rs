//! What the policy test files share: paths, finding a group's policy ids as Graph scripts do, and
//! rule bodies as Graph's documentation writes them.
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::{json, Value};

use crate::common::Client;

pub const POLICIES: &str = "/v1.0/policies/roleManagementPolicies";
pub const ASSIGNMENTS: &str = "/v1.0/policies/roleManagementPolicyAssignments";
pub const PIM: &str = "/v1.0/identityGovernance/privilegedAccess/group";

pub const RULE_IDS: [&str; 17] = [
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
];

pub fn scope(group: &str) -> String {
    format!("$filter=scopeId eq '{group}' and scopeType eq 'Group'")
}

/// A group brought under PIM by `admin`.
pub async fn managed_group(admin: &Client, name: &str, role_assignable: bool) -> String {
    let group = admin.create_group(name, role_assignable).await;
    admin
        .post(&format!("/stint/v1/pim/groups/{group}/manage"), json!({}))
        .await
        .expect(200);
    group
}

/// The id of `group`'s policy for `access`, through the policy assignments as Graph scripts find it.
pub async fn policy_id(admin: &Client, group: &str, access: &str) -> String {
    let list = admin
        .get(&format!(
            "{ASSIGNMENTS}?{} and roleDefinitionId eq '{access}'",
            scope(group)
        ))
        .await
        .expect(200);
    assert_eq!(list["value"].as_array().unwrap().len(), 1, "{list}");
    list["value"][0]["policyId"].as_str().unwrap().to_string()
}

pub async fn get_rule(admin: &Client, policy: &str, rule: &str) -> Value {
    admin
        .get(&format!("{POLICIES}/{policy}/rules/{rule}"))
        .await
        .expect(200)
}

pub fn target(caller: &str, level: &str) -> Value {
    json!({
        "@odata.type": "microsoft.graph.unifiedRoleManagementPolicyRuleTarget",
        "caller": caller,
        "operations": ["All"],
        "level": level,
        "inheritableSettings": [],
        "enforcedSettings": [],
    })
}

pub fn expiration_rule(
    id: &str,
    required: bool,
    maximum: Option<&str>,
    caller: &str,
    level: &str,
) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
        "id": id,
        "isExpirationRequired": required,
        "maximumDuration": maximum,
        "target": target(caller, level),
    })
}

pub fn approval_rule(required: bool, approvers: Value) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule",
        "id": "Approval_EndUser_Assignment",
        "target": target("EndUser", "Assignment"),
        "setting": {
            "@odata.type": "microsoft.graph.approvalSettings",
            "isApprovalRequired": required,
            "isApprovalRequiredForExtension": false,
            "isRequestorJustificationRequired": true,
            "approvalMode": "SingleStage",
            "approvalStages": [{
                "@odata.type": "microsoft.graph.unifiedApprovalStage",
                "approvalStageTimeOutInDays": 1,
                "isApproverJustificationRequired": true,
                "escalationTimeInMinutes": 0,
                "primaryApprovers": approvers,
                "isEscalationEnabled": false,
                "escalationApprovers": [],
            }],
        },
    })
}
