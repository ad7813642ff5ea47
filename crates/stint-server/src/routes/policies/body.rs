//! The bodies of rule and policy PATCHes, read as Graph clients send them (enum values in any
//! case, `@odata.type` required) and turned into [`RuleSetting`]s. Properties a body leaves out
//! take Graph's defaults, except those that say what the rule is for, which are required.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use stint_core::policy::Approver;
use stint_core::policy_rules::{
    check_rule_identity, check_rule_target, invalid, parse_duration, parse_enabled_rule,
    parse_value, ApprovalMode, ApprovalRuleSetting, ApprovalStage, NotificationLevel,
    NotificationType, PolicyRuleId, RecipientType, RuleKind, RuleSetting,
};
use stint_core::Violation;

use crate::error::ApiError;
use crate::wire::parse_id;

/// The rule `rule` as a PATCH of `/rules/{ruleId}` sends it.
pub fn rule_setting(rule: PolicyRuleId, body: Value) -> Result<RuleSetting, ApiError> {
    let Value::Object(fields) = &body else {
        return Err(ApiError::bad_request(format!(
            "The body of a {rule} update must be a JSON object."
        )));
    };
    let text = |name: &str| -> Result<Option<&str>, ApiError> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(ApiError::bad_request(format!(
                "Invalid value for '{rule}.{name}': it must be a string."
            ))),
        }
    };
    check_rule_identity(rule, text("@odata.type")?, text("id")?)?;
    let setting = match rule.kind() {
        RuleKind::Expiration => expiration(rule, read(rule, body)?)?,
        RuleKind::Enablement => enablement(rule, read(rule, body)?)?,
        RuleKind::Approval => approval(rule, read(rule, body)?)?,
        RuleKind::AuthenticationContext => authentication_context(rule, read(rule, body)?)?,
        RuleKind::Notification => notification(rule, read(rule, body)?)?,
    };
    Ok(setting)
}

/// The rules of a PATCH of a whole policy: `{"rules": [...]}`, each rule naming its `id`.
pub fn policy_rules(body: Value) -> Result<Vec<(PolicyRuleId, RuleSetting)>, ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct PolicyBody {
        #[serde(rename = "@odata.type", default)]
        _odata_type: Option<Value>,
        rules: Vec<Value>,
    }
    let policy: PolicyBody = deserialize(body, |path, detail| match path {
        None => format!("Invalid policy: {detail}"),
        Some(path) => format!("Invalid value for '{path}': {detail}"),
    })?;
    policy
        .rules
        .into_iter()
        .enumerate()
        .map(|(index, rule)| {
            let id = rule.get("id").and_then(Value::as_str).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid value for 'rules[{index}].id': each rule must name its id, such as Expiration_EndUser_Assignment."
                ))
            })?;
            let id: PolicyRuleId = id
                .parse()
                .map_err(|error| ApiError::bad_request(format!("Invalid value for 'rules[{index}].id': {error}.")))?;
            Ok((id, rule_setting(id, rule)?))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TargetBody {
    #[serde(rename = "@odata.type", default)]
    _odata_type: Option<Value>,
    caller: Option<String>,
    operations: Option<Vec<String>>,
    level: Option<String>,
    inheritable_settings: Option<Vec<Value>>,
    enforced_settings: Option<Vec<Value>>,
    target_objects: Option<Vec<Value>>,
}

fn check_target(rule: PolicyRuleId, target: Option<TargetBody>) -> Result<(), Violation> {
    let Some(target) = target else {
        return Ok(());
    };
    check_rule_target(
        rule,
        target.caller.as_deref(),
        target.level.as_deref(),
        &target.operations.unwrap_or_default(),
    )?;
    let lists = [
        ("target.inheritableSettings", target.inheritable_settings),
        ("target.enforcedSettings", target.enforced_settings),
        ("target.targetObjects", target.target_objects),
    ];
    match lists
        .into_iter()
        .find(|(_, list)| list.as_ref().is_some_and(|l| !l.is_empty()))
    {
        Some((field, _)) => Err(invalid(rule, field, "must be empty for a group policy.")),
        None => Ok(()),
    }
}

/// Fields every rule body may carry besides its setting.
macro_rules! rule_body {
    ($name:ident { $($field:tt)* }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        struct $name {
            #[serde(rename = "@odata.type", default)]
            _odata_type: Option<Value>,
            #[serde(rename = "id", default)]
            _id: Option<Value>,
            target: Option<TargetBody>,
            $($field)*
        }
    };
}

rule_body!(ExpirationBody {
    is_expiration_required: bool,
    maximum_duration: Option<String>,
});

rule_body!(EnablementBody {
    enabled_rules: Vec<String>,
});

rule_body!(ApprovalBody {
    setting: ApprovalSettingsBody,
});

rule_body!(AuthenticationContextBody {
    is_enabled: bool,
    claim_value: Option<String>,
});

rule_body!(NotificationBody {
    notification_type: Option<String>,
    recipient_type: Option<String>,
    notification_level: String,
    is_default_recipients_enabled: bool,
    notification_recipients: Option<Vec<String>>,
});

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ApprovalSettingsBody {
    #[serde(rename = "@odata.type", default)]
    _odata_type: Option<Value>,
    is_approval_required: bool,
    is_approval_required_for_extension: Option<bool>,
    is_requestor_justification_required: Option<bool>,
    approval_mode: Option<String>,
    approval_stages: Option<Vec<StageBody>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StageBody {
    #[serde(rename = "@odata.type", default)]
    _odata_type: Option<Value>,
    approval_stage_time_out_in_days: Option<i64>,
    is_approver_justification_required: Option<bool>,
    escalation_time_in_minutes: Option<i64>,
    is_escalation_enabled: Option<bool>,
    primary_approvers: Option<Vec<SubjectSetBody>>,
    escalation_approvers: Option<Vec<SubjectSetBody>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SubjectSetBody {
    #[serde(rename = "@odata.type", default)]
    odata_type: Option<String>,
    user_id: Option<String>,
    group_id: Option<String>,
    #[serde(rename = "description", default)]
    _description: Option<Value>,
    #[serde(rename = "isBackup", default)]
    _is_backup: Option<Value>,
}

fn expiration(rule: PolicyRuleId, body: ExpirationBody) -> Result<RuleSetting, ApiError> {
    check_target(rule, body.target)?;
    let maximum_duration = body
        .maximum_duration
        .map(|text| parse_duration(rule, "maximumDuration", &text))
        .transpose()?;
    Ok(RuleSetting::Expiration {
        is_expiration_required: body.is_expiration_required,
        maximum_duration,
    })
}

fn enablement(rule: PolicyRuleId, body: EnablementBody) -> Result<RuleSetting, ApiError> {
    check_target(rule, body.target)?;
    let enabled_rules = body
        .enabled_rules
        .iter()
        .map(|text| parse_enabled_rule(rule, text))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RuleSetting::Enablement { enabled_rules })
}

fn approval(rule: PolicyRuleId, body: ApprovalBody) -> Result<RuleSetting, ApiError> {
    check_target(rule, body.target)?;
    let setting = body.setting;
    let approval_mode = match &setting.approval_mode {
        Some(mode) => parse_value(rule, "setting.approvalMode", mode, &ApprovalMode::names())?,
        None => ApprovalMode::SingleStage,
    };
    let approval_stages = setting
        .approval_stages
        .unwrap_or_default()
        .into_iter()
        .map(|stage| approval_stage(rule, stage))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RuleSetting::Approval(ApprovalRuleSetting {
        is_approval_required: setting.is_approval_required,
        is_approval_required_for_extension: setting
            .is_approval_required_for_extension
            .unwrap_or(false),
        is_requestor_justification_required: setting
            .is_requestor_justification_required
            .unwrap_or(true),
        approval_mode,
        approval_stages,
    }))
}

fn approval_stage(rule: PolicyRuleId, stage: StageBody) -> Result<ApprovalStage, ApiError> {
    let approvers = |field: &'static str, list: Option<Vec<SubjectSetBody>>| {
        list.unwrap_or_default()
            .into_iter()
            .map(|subject| approver(rule, field, subject))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(ApprovalStage {
        approval_stage_time_out_in_days: stage.approval_stage_time_out_in_days.unwrap_or(1),
        is_approver_justification_required: stage
            .is_approver_justification_required
            .unwrap_or(true),
        escalation_time_in_minutes: stage.escalation_time_in_minutes.unwrap_or(0),
        is_escalation_enabled: stage.is_escalation_enabled.unwrap_or(false),
        primary_approvers: approvers(
            "setting.approvalStages[0].primaryApprovers",
            stage.primary_approvers,
        )?,
        escalation_approvers: approvers(
            "setting.approvalStages[0].escalationApprovers",
            stage.escalation_approvers,
        )?,
    })
}

/// `singleUser {userId}` or `groupMembers {groupId}`; the type may be left out when the id says it.
fn approver(
    rule: PolicyRuleId,
    field: &'static str,
    subject: SubjectSetBody,
) -> Result<Approver, ApiError> {
    let kind = subject.odata_type.as_deref().map(|text| {
        text.trim()
            .trim_start_matches('#')
            .trim_start_matches("microsoft.graph.")
            .to_ascii_lowercase()
    });
    let field_id = |id: &str, what: &str| -> Result<uuid::Uuid, ApiError> {
        parse_id::<uuid::Uuid>(&format!("{rule}.{field}.{what}"), id)
    };
    match (kind.as_deref(), subject.user_id, subject.group_id) {
        (Some("singleuser") | None, Some(user), None) => {
            Ok(Approver::User(stint_core::ids::UserId(field_id(&user, "userId")?)))
        }
        (Some("groupmembers") | None, None, Some(group)) => Ok(Approver::MembersOf(
            stint_core::ids::GroupId(field_id(&group, "groupId")?),
        )),
        (Some(other), _, _) if other != "singleuser" && other != "groupmembers" => Err(invalid(
            rule,
            field,
            format!("may name singleUser and groupMembers approvers only; '{other}' is not supported."),
        )
        .into()),
        _ => Err(invalid(
            rule,
            field,
            "needs {\"@odata.type\": \"#microsoft.graph.singleUser\", \"userId\": ...} or {\"@odata.type\": \"#microsoft.graph.groupMembers\", \"groupId\": ...}.",
        )
        .into()),
    }
}

fn authentication_context(
    rule: PolicyRuleId,
    body: AuthenticationContextBody,
) -> Result<RuleSetting, ApiError> {
    check_target(rule, body.target)?;
    Ok(RuleSetting::AuthenticationContext {
        is_enabled: body.is_enabled,
        claim_value: body.claim_value,
    })
}

fn notification(rule: PolicyRuleId, body: NotificationBody) -> Result<RuleSetting, ApiError> {
    check_target(rule, body.target)?;
    let notification_type = match &body.notification_type {
        Some(text) => parse_value(rule, "notificationType", text, &NotificationType::names())?,
        None => NotificationType::Email,
    };
    let recipient_type = match &body.recipient_type {
        Some(text) => parse_value(rule, "recipientType", text, &RecipientType::names())?,
        None => rule.recipient_type().unwrap_or(RecipientType::Admin),
    };
    let notification_level: NotificationLevel = parse_value(
        rule,
        "notificationLevel",
        &body.notification_level,
        &NotificationLevel::names(),
    )?;
    Ok(RuleSetting::Notification {
        notification_type,
        recipient_type,
        notification_level,
        is_default_recipients_enabled: body.is_default_recipients_enabled,
        notification_recipients: body.notification_recipients.unwrap_or_default(),
    })
}

fn read<T: DeserializeOwned>(rule: PolicyRuleId, body: Value) -> Result<T, ApiError> {
    deserialize(body, |path, detail| match path {
        None => format!("Invalid {rule} rule: {detail}"),
        Some(path) => format!("Invalid value for '{rule}.{path}': {detail}"),
    })
}

/// Deserialises with the path of the offending property, worded by `message(path, detail)`.
fn deserialize<T: DeserializeOwned>(
    body: Value,
    message: impl Fn(Option<&str>, &str) -> String,
) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(body).map_err(|error| {
        let path = error.path().to_string();
        let detail: String = error.into_inner().to_string().chars().take(300).collect();
        let path = (path != ".").then_some(path);
        ApiError::bad_request(message(path.as_deref(), &detail))
    })
}
