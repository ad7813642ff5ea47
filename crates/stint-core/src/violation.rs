//! Why a rule refused: Graph's error code where Graph has one, Stint's own stable code otherwise,
//! and a message that says what to change.

use std::fmt;

/// The `error.code` values Stint answers with. Each maps to exactly one HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    // Graph's PIM codes.
    ActiveDurationTooShort,
    RoleAssignmentRequestPolicyValidationFailed,
    RoleAssignmentExists,
    RoleAssignmentDoesNotExist,
    PendingRoleAssignmentRequest,
    InvalidRoleAssignmentRequest,
    SubjectNotFound,
    InvalidPolicy,
    InvalidPolicyEnabledRules,
    // Graph's directory codes.
    BadRequest,
    AuthorizationRequestDenied,
    ResourceNotFound,
    ObjectConflict,
    // Stint's own.
    GroupNotManageable,
    GroupAlreadyManaged,
    RoleAssignableGroupLimitReached,
    GroupNestingNotAllowed,
    MembershipCycle,
    RequestNotCancelable,
    /// I5: the account has a TOTP authenticator and the sign-in carried no right code (401).
    MfaRequired,
    /// I5: the call needs a recent TOTP check of this token (step-up) first (403, `MfaRequired`).
    StepUpRequired,
    /// I5: a TOTP code was wrong or already used (403).
    InvalidTotpCode,
    /// I5: too many wrong TOTP codes lately; retry later (429).
    TooManyAttempts,
    ApprovalAlreadyDecided,
    /// The change would leave no enabled, permanent Global Administrator (409; ADR 0008).
    LastGlobalAdministrator,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ActiveDurationTooShort => "ActiveDurationTooShort",
            ErrorCode::RoleAssignmentRequestPolicyValidationFailed => {
                "RoleAssignmentRequestPolicyValidationFailed"
            }
            ErrorCode::RoleAssignmentExists => "RoleAssignmentExists",
            ErrorCode::RoleAssignmentDoesNotExist => "RoleAssignmentDoesNotExist",
            ErrorCode::PendingRoleAssignmentRequest => "PendingRoleAssignmentRequest",
            ErrorCode::InvalidRoleAssignmentRequest => "InvalidRoleAssignmentRequest",
            ErrorCode::SubjectNotFound => "SubjectNotFound",
            ErrorCode::InvalidPolicy => "InvalidPolicy",
            ErrorCode::InvalidPolicyEnabledRules => "InvalidPolicyEnabledRules",
            ErrorCode::BadRequest => "BadRequest",
            ErrorCode::AuthorizationRequestDenied => "Authorization_RequestDenied",
            ErrorCode::ResourceNotFound => "Request_ResourceNotFound",
            ErrorCode::ObjectConflict => "Request_MultipleObjectsWithSameKeyValue",
            ErrorCode::GroupNotManageable => "GroupNotManageable",
            ErrorCode::GroupAlreadyManaged => "GroupAlreadyManaged",
            ErrorCode::RoleAssignableGroupLimitReached => "RoleAssignableGroupLimitReached",
            ErrorCode::GroupNestingNotAllowed => "GroupNestingNotAllowed",
            ErrorCode::MembershipCycle => "MembershipCycle",
            ErrorCode::RequestNotCancelable => "RequestNotCancelable",
            ErrorCode::MfaRequired | ErrorCode::StepUpRequired => "MfaRequired",
            ErrorCode::InvalidTotpCode => "InvalidTotpCode",
            ErrorCode::TooManyAttempts => "TooManyRequests",
            ErrorCode::ApprovalAlreadyDecided => "Conflict",
            ErrorCode::LastGlobalAdministrator => "LastGlobalAdministrator",
        }
    }

    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::AuthorizationRequestDenied => 403,
            ErrorCode::ResourceNotFound => 404,
            ErrorCode::MfaRequired => 401,
            ErrorCode::StepUpRequired | ErrorCode::InvalidTotpCode => 403,
            ErrorCode::TooManyAttempts => 429,
            ErrorCode::ApprovalAlreadyDecided | ErrorCode::LastGlobalAdministrator => 409,
            _ => 400,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy rule that a request failed (V2, A4, A5), named as Graph names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyRule {
    ExpirationRule,
    JustificationRule,
    TicketingRule,
    MfaRule,
    EligibilityRule,
}

impl PolicyRule {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyRule::ExpirationRule => "ExpirationRule",
            PolicyRule::JustificationRule => "JustificationRule",
            PolicyRule::TicketingRule => "TicketingRule",
            PolicyRule::MfaRule => "MfaRule",
            PolicyRule::EligibilityRule => "EligibilityRule",
        }
    }
}

/// A refusal by a rule. Nothing changes, but an authorised caller's refusal is audited.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Violation {
    pub code: ErrorCode,
    pub message: String,
    /// The SPEC rule that refused, e.g. `A2`.
    pub rule: Option<&'static str>,
    /// The request field the refusal concerns, e.g. `scheduleInfo.expiration.endDateTime`.
    pub field: Option<&'static str>,
}

impl Violation {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Violation {
            code,
            message: message.into(),
            rule: None,
            field: None,
        }
    }

    pub fn rule(mut self, rule: &'static str) -> Self {
        self.rule = Some(rule);
        self
    }

    pub fn field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    pub fn bad_request(field: &'static str, message: impl Into<String>) -> Self {
        Violation::new(ErrorCode::BadRequest, message).field(field)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Violation::new(ErrorCode::AuthorizationRequestDenied, message)
    }

    pub fn not_found(what: impl fmt::Display) -> Self {
        Violation::new(
            ErrorCode::ResourceNotFound,
            format!("{what} does not exist."),
        )
    }

    /// `RoleAssignmentRequestPolicyValidationFailed` with Graph's message listing the rules.
    pub fn policy_failed(rules: &[PolicyRule], detail: &str) -> Self {
        let names: Vec<String> = rules
            .iter()
            .map(|r| format!("\"{}\"", r.as_str()))
            .collect();
        Violation::new(
            ErrorCode::RoleAssignmentRequestPolicyValidationFailed,
            format!(
                "The following policy rules failed: [{}]. {detail}",
                names.join(",")
            ),
        )
    }

    /// Whether the refusal was a business rule (audited) rather than malformed input.
    pub fn is_business_rule(&self) -> bool {
        self.code != ErrorCode::BadRequest && self.code != ErrorCode::ResourceNotFound
    }
}
