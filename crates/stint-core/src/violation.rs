//! Why a rule refused: Graph's error code where Graph has one, Stint's own stable code otherwise,
//! and a message that says what to change.

use std::fmt;

use crate::spec::Rule;

/// Defines [`ErrorCode`] from one row per code: the Graph string on the wire, the HTTP status (a
/// row without one does not compile) and the SPEC rules whose refusals carry the code (`[]` for a
/// general code that any rule may answer, or one that no SPEC rule asks for).
macro_rules! error_codes {
    ($($(#[$attr:meta])* $code:ident => $wire:literal, $status:literal, [$($rule:ident),*];)+) => {
        /// The `error.code` values Stint answers with. Each maps to exactly one HTTP status.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$attr])* $code,)+
        }

        impl ErrorCode {
            /// Every code, in the table's order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$code,)+];

            /// The `error.code` string on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$code => $wire,)+
                }
            }

            /// The HTTP status of a response with this code.
            pub fn http_status(self) -> u16 {
                match self {
                    $(ErrorCode::$code => $status,)+
                }
            }

            /// The SPEC rules whose refusals carry this code.
            pub fn spec_rules(self) -> &'static [Rule] {
                match self {
                    $(ErrorCode::$code => &[$(Rule::$rule),*],)+
                }
            }
        }

        const _: () = {
            $(assert!(
                $status >= 400 && $status <= 599,
                concat!(stringify!($code), "'s status is not an HTTP error status")
            );)+
        };
    };
}

error_codes! {
    // Graph's PIM codes.
    ActiveDurationTooShort => "ActiveDurationTooShort", 400, [A2, A3];
    RoleAssignmentRequestPolicyValidationFailed =>
        "RoleAssignmentRequestPolicyValidationFailed", 400, [A4, A5, V1, V2];
    RoleAssignmentExists => "RoleAssignmentExists", 400, [A8, V8];
    RoleAssignmentDoesNotExist => "RoleAssignmentDoesNotExist", 400, [A7];
    PendingRoleAssignmentRequest => "PendingRoleAssignmentRequest", 400, [V8];
    InvalidRoleAssignmentRequest => "InvalidRoleAssignmentRequest", 400, [];
    SubjectNotFound => "SubjectNotFound", 400, [];
    InvalidPolicy => "InvalidPolicy", 400, [S3];
    InvalidPolicyEnabledRules => "InvalidPolicyEnabledRules", 400, [S3];
    // Graph's directory codes.
    BadRequest => "BadRequest", 400, [];
    AuthorizationRequestDenied => "Authorization_RequestDenied", 403, [];
    ResourceNotFound => "Request_ResourceNotFound", 404, [];
    ObjectConflict => "Request_MultipleObjectsWithSameKeyValue", 400, [D1, D7];
    // Stint's own.
    GroupNotManageable => "GroupNotManageable", 400, [P3];
    GroupMasteredByIdentityProvider => "GroupMasteredByIdentityProvider", 400, [M2];
    /// A call without a valid credential where a rule decides that (a provisioning token).
    Unauthenticated => "InvalidAuthenticationToken", 401, [M1];
    /// A SCIM write whose `If-Match` names another version.
    PreconditionFailed => "PreconditionFailed", 412, [M2];
    GroupAlreadyManaged => "GroupAlreadyManaged", 400, [P2];
    RoleAssignableGroupLimitReached => "RoleAssignableGroupLimitReached", 400, [D3];
    GroupNestingNotAllowed => "GroupNestingNotAllowed", 400, [D4];
    MembershipCycle => "MembershipCycle", 400, [D4];
    RequestNotCancelable => "RequestNotCancelable", 400, [V4];
    /// The account has a TOTP authenticator and the sign-in carried no right code.
    MfaRequired => "MfaRequired", 401, [I5];
    /// The call needs a recent TOTP check of this token (step-up) first.
    StepUpRequired => "MfaRequired", 403, [I5];
    /// A TOTP code was wrong or already used.
    InvalidTotpCode => "InvalidTotpCode", 403, [I5];
    /// Too many wrong TOTP codes lately; retry later.
    TooManyAttempts => "TooManyRequests", 429, [I5];
    /// A later decision on an approval that one approver already decided.
    ApprovalAlreadyDecided => "Conflict", 409, [V3];
    /// The change would leave no enabled, permanent Global Administrator (ADR 0008).
    LastGlobalAdministrator => "LastGlobalAdministrator", 409, [];
}

impl ErrorCode {
    /// The code a wire string stands for: the first in the table when two share it.
    pub fn from_wire(text: &str) -> Option<ErrorCode> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == text)
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
    pub const ALL: [PolicyRule; 5] = [
        PolicyRule::ExpirationRule,
        PolicyRule::JustificationRule,
        PolicyRule::TicketingRule,
        PolicyRule::MfaRule,
        PolicyRule::EligibilityRule,
    ];

    /// The rule Graph names `name`.
    pub fn from_name(name: &str) -> Option<PolicyRule> {
        PolicyRule::ALL
            .into_iter()
            .find(|rule| rule.as_str() == name)
    }

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
    /// The SPEC rule that refused, e.g. [`Rule::A2`].
    pub rule: Option<Rule>,
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

    pub fn rule(mut self, rule: Rule) -> Self {
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
