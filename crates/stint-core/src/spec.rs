//! The ids of the rules in `SPEC.md` (and of issue 14's findings, `F1`–`F7`) as one typed table,
//! each with the line that says what it means. Tests are named after these ids (`fn a3_…`); a
//! [`Violation`](crate::Violation) names the one that refused; `docs/rules.md` says where each is
//! decided, and a test keeps that index and this table the same.

use std::fmt;

macro_rules! spec_rules {
    ($($(#[$attr:meta])* $id:ident => $meaning:literal,)+) => {
        /// A rule id of `SPEC.md`, shown as written there (`A2`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($(#[$attr])* #[doc = $meaning] $id,)+
        }

        impl Rule {
            /// Every rule, in the order of `SPEC.md`.
            pub const ALL: &'static [Rule] = &[$(Rule::$id),+];

            /// The id as `SPEC.md` writes it.
            pub fn id(self) -> &'static str {
                match self {
                    $(Rule::$id => stringify!($id),)+
                }
            }

            /// What the rule says, in one line.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Rule::$id => $meaning,)+
                }
            }
        }
    };
}

spec_rules! {
    D1 => "Users: unique case-insensitive user principal name; a disabled user loses all access at once.",
    D2 => "Groups: kind, source, dynamic rule; isAssignableToRole is set at creation and never changes.",
    D3 => "At most 500 (configurable) role-assignable groups per tenant.",
    D4 => "No group is an active member of a role-assignable group; no cycles; eligible nesting protects.",
    D5 => "Built-in directory roles, assigned to users or role-assignable groups like group assignments.",
    D6 => "A user holds the roles of the groups they are an effective member of.",
    D7 => "Who may change members and owners directly, outside PIM.",
    D8 => "Only the privileged may reset the credentials of a privileged (or eligible) user.",
    P1 => "Discover the groups the caller may manage that PIM does not manage yet.",
    P2 => "Who may bring a group under PIM management.",
    P3 => "Dynamic and synced groups cannot be managed, and the error says why.",
    P4 => "A managed group can never be taken out of management.",
    P5 => "A deleted group's schedules end and its pending requests are cancelled, audited, at once.",
    P6 => "A managed group has a member and an owner policy, created implicitly with the defaults.",
    A1 => "An assignment's shape: group, principal, member or owner, eligible or active, start, end.",
    A2 => "An assignment shorter than 5 minutes is refused (ActiveDurationTooShort).",
    A3 => "Nothing is removed or deactivated within 5 minutes of its start (ActiveDurationTooShort).",
    A4 => "Permanent or too long assignments only as the policy allows (ExpirationRule).",
    A5 => "The policy may require a justification and a recent MFA for an active assignment.",
    A6 => "Who may assign, update and remove: the same people as P2.",
    A7 => "The admin actions; changing what does not exist is RoleAssignmentDoesNotExist.",
    A8 => "An overlapping assignment of the same kind is RoleAssignmentExists.",
    A9 => "An assignment that starts in the future takes effect at its start.",
    A10 => "Ended assignments stay readable for 30 days; requests are never deleted.",
    A11 => "The last active owner is not removed by an expiry; retried for up to 30 days.",
    V1 => "An eligible principal activates for no longer than the policy and the eligibility allow.",
    V2 => "Justification, ticket and recent MFA as the policy requires; isValidationOnly checks only.",
    V3 => "Approval: one stage, any one approver decides, never the requester; 24 hours then denied.",
    V4 => "The requester or an administrator of the group cancels a pending request.",
    V5 => "The user ends their own activation early, not within 5 minutes of its start.",
    V6 => "A member of a group that is eligible for another activates that membership for themselves, and keeps it only while in that group.",
    V7 => "An activation takes effect at its start and ends at its end, job or no job.",
    V8 => "Already active is RoleAssignmentExists; already pending is PendingRoleAssignmentRequest.",
    E1 => "An assignment ending within 14 days can be extended by its principal, with approval.",
    E2 => "An assignment that ended within 30 days can be renewed by its principal, with approval.",
    E3 => "Extend and renew are approved by the group's administrators, who set start, end and kind.",
    E4 => "adminExtend and adminRenew need no approval; the other administrators are notified.",
    E5 => "The principal and the administrators are reminded 14 days and 1 day before an end, and at it.",
    S1 => "Each group has independent member and owner policies.",
    S2 => "The policy's rules and their defaults.",
    S3 => "The policy as Graph's 17 rules with fixed ids; invalid combinations are InvalidPolicy.",
    S4 => "Who may change a group's settings: the same people as P2.",
    S5 => "A policy change applies to new requests only.",
    N1 => "Events told: assignments made, activations requested, decided, expired; reminders.",
    N2 => "Notification recipients per event: administrators, requester, approvers, additional.",
    N3 => "E-mail and signed webhooks, delivered from a durable outbox written with the decision.",
    N4 => "At most 1000 recipients per notification.",
    U1 => "Every change and decision, refusals and sign-ins included, is an audit event.",
    U2 => "Audit views: per group by time range, and my audit.",
    U3 => "An audit event is written in the same transaction as its change.",
    U4 => "Audit events form a hash chain, and a command verifies it.",
    X1 => "The advisor warns, in the API, the console and the CLI, about risky configurations the documents only recommend against.",
    X2 => "The check API answers effective membership at a revision, never older than the caller's write.",
    X3 => "Downstream systems learn of every membership change within a second, by revision.",
    I1 => "The Graph-shaped HTTP API, its OData options and its errors.",
    I2 => "Stint's own API under /stint/v1, described with I1 by an OpenAPI document; metrics at /metrics.",
    I3 => "The web console for people.",
    I4 => "The stint CLI, with --output json.",
    I5 => "Local accounts: Argon2id passwords, TOTP, bearer tokens, MFA freshness, first start.",
    /// Issue 14, beyond `SPEC.md`: D4's protection of eligibly nested groups.
    F1 => "A group eligible (however nested) for a role-assignable group is protected like one.",
    /// Issue 14, beyond `SPEC.md`: D8's protection of eligible users.
    F2 => "A user eligible for a role-assignable group or a role is protected like an active holder.",
    /// Issue 14, beyond `SPEC.md`.
    F3 => "Wrong passwords are throttled by name and address, and Argon2 work is capped.",
    /// Issue 14, beyond `SPEC.md`.
    F4 => "Disabling a user or resetting their password ends their tokens and console sessions.",
    /// Issue 14, beyond `SPEC.md`.
    F5 => "Paging positions beyond the store's range are 400 naming the field.",
    /// Issue 14, beyond `SPEC.md`.
    F6 => "Only an authenticated request may wait for a revision.",
    /// Issue 14, beyond `SPEC.md`.
    F7 => "Names refuse control characters; user names compare after NFKC and case folding.",
    /// Issue 17, beyond `SPEC.md`.
    O1 => "An OpenID Provider's identity (iss, sub) is linked to one user; first sign-in links by verified e-mail or creates a user only where configured.",
    /// Issue 17, beyond `SPEC.md`.
    O2 => "An ID token's recent multi-factor authentication (RFC 8176 amr, or the configured acr) counts as MFA.",
    /// Issue 17, beyond `SPEC.md`.
    O3 => "With an identity provider, passwords are accepted for everyone, administrators only, or nobody (--local-sign-in).",
    /// Issue 17, beyond `SPEC.md`.
    O4 => "The command line signs in through the identity provider via Stint: back to a loopback address only, with a code that works once, briefly, and only with its PKCE verifier.",
    /// Issue 17, beyond `SPEC.md`.
    O5 => "Whoever may reset a user's credentials may see and unlink the user's identity provider identities; unlinking ends the user's sessions.",
    /// Issue 17, beyond `SPEC.md`.
    O6 => "With --oidc-link-claim, a first sign-in links to the one live SCIM-provisioned user whose externalId is that ID token claim (e.g. Entra's oid); local users never match.",
    /// Issue 17, beyond `SPEC.md`.
    M1 => "SCIM provisioning tokens are made and revoked by Global and Privileged Role Administrators, shown once, kept hashed, usable on /scim/v2 only; refused uses are audited.",
    /// Issue 17, beyond `SPEC.md`.
    M2 => "SCIM changes only the users and groups it created; its groups are mastered by the identity provider: PIM cannot manage them and the groups API cannot change them.",
    /// Issue 17, beyond `SPEC.md`.
    M3 => "A user SCIM deactivates or deletes is disabled at once: effective membership ends, tokens are revoked, history stays.",
    /// Issue 18, beyond `SPEC.md`.
    C1 => "Only Global and Privileged Role Administrators manage connectors; their credentials are write-only and never audited.",
    /// Issue 18, beyond `SPEC.md`.
    C2 => "A link makes a target group hold a live Stint group's effective members (or owners), once per group, access and target.",
    /// Issue 18, beyond `SPEC.md`.
    C3 => "Members a target holds that Stint did not put there are drift: removed (enforce) or reported (report), and audited.",
}

impl Rule {
    /// The rule whose id is `id` (`"A2"`), if there is one.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|rule| rule.id() == id)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
#[path = "tests/spec.rs"]
mod tests;
