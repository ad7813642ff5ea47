//! Sign-in through the organisation's OpenID Provider (O1, O2, O6): who an ID token's identity is
//! in Stint, and whether the token's authentication counts as MFA; who may see and unlink a user's
//! identities (O5).
//!
//! The app has already checked the token (signature, `iss`, `aud`, `exp`, `nonce`); these rules
//! only read its claims.

use chrono::{DateTime, TimeDelta, Utc};

use crate::authz::{Authority, Caller};
use crate::change::{Change, Decision};
use crate::directory::{LinkedIdentity, PasswordHash, User};
use crate::ids::UserId;
use crate::names::check_name;
use crate::rules::{AuditRecordExt, Context};
use crate::scim::ScimKind;
use crate::spec::Rule;
use crate::state::State;
use crate::violation::{ErrorCode, Violation};

/// RFC 8176 `amr` values that say more than one factor was used.
pub const MFA_METHODS: [&str; 4] = ["mfa", "otp", "hwk", "swk"];

/// The claims of a validated ID token that say who signed in and how.
#[derive(Clone, Debug, Default)]
pub struct FederatedIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub preferred_username: Option<String>,
    pub name: Option<String>,
    pub amr: Vec<String>,
    pub acr: Option<String>,
    pub auth_time: Option<DateTime<Utc>>,
    /// O6: the configured link claim (e.g. Entra's `oid`) and its value, when configured and
    /// the token carries it as a string.
    pub link_claim: Option<LinkClaim>,
}

/// O6: a claim of the ID token that names the SCIM-provisioned user's `externalId`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkClaim {
    pub name: String,
    pub value: String,
}

/// How a first sign-in of an unknown identity is treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Enrolment {
    /// Link to the user whose `mail` is the token's verified `email`.
    pub link_by_email: bool,
    /// Create a user for an identity nobody has.
    pub create_users: bool,
}

/// What a federated sign-in decided: committed whatever the result (U1: refusals are audited).
#[derive(Debug)]
pub struct FederatedSignIn {
    pub decision: Decision,
    /// The user signed in, and when their MFA was (O2).
    pub result: Result<(UserId, Option<DateTime<Utc>>), Violation>,
}

/// O1: the user `identity` signs in as. A linked identity is that user; else (O6) the one live
/// SCIM-provisioned user whose `externalId` is the value of its link claim (linked now); else,
/// with `link_by_email`, the one user whose `mail` is the verified `email` (linked now); else, with
/// `create_users`, a new user (linked now). Disabled users, unverified addresses and unknown
/// identities are refused. Every outcome is audited. Runs at commit, so that an identity is
/// linked to one user however many nodes sign it in at once.
///
/// O2: the sign-in's MFA time is [`federated_mfa_at`] with `mfa_acr` and `ctx.mfa_freshness`.
pub fn federated_sign_in(
    state: &State,
    ctx: &Context,
    identity: &FederatedIdentity,
    enrolment: Enrolment,
    mfa_acr: Option<&str>,
) -> FederatedSignIn {
    let link = LinkedIdentity {
        issuer: identity.issuer.clone(),
        subject: identity.subject.clone(),
    };
    let mfa_at = federated_mfa_at(identity, mfa_acr, ctx.now, ctx.mfa_freshness);
    let who = match mfa_at {
        Some(_) => format!("{} with multi-factor authentication", describe(identity)),
        None => describe(identity),
    };
    let mut decision = Decision::new();
    let result = match resolve(state, ctx, identity, &link, enrolment) {
        Ok(Resolved::Linked(user)) if user.account_enabled => {
            decision.record(signed_in(ctx, user.id).saying(format!(
                "{} signed in through {who}.",
                user.user_principal_name
            )));
            Ok((user.id, mfa_at))
        }
        Ok(Resolved::NewLink(user, how)) if user.account_enabled => {
            let mut linked = user.clone();
            linked.identities.push(link);
            decision.push(Change::User(linked));
            decision.record(acting(ctx, "auth.identityLinked", user.id).saying(format!(
                "Linked {who} to {} {how}.",
                user.user_principal_name
            )));
            decision.record(signed_in(ctx, user.id).saying(format!(
                "{} signed in through {who}.",
                user.user_principal_name
            )));
            Ok((user.id, mfa_at))
        }
        Ok(Resolved::Linked(user) | Resolved::NewLink(user, _)) => Err(refused(
            ctx,
            &mut decision,
            Some(user.id),
            format!(
                "Refused sign-in through {who}: the account {} is disabled.",
                user.user_principal_name
            ),
            "Your account is disabled in Stint. Ask an administrator to enable it.",
        )),
        Ok(Resolved::New(user)) => {
            let id = user.id;
            decision.record(acting(ctx, "user.create", id).saying(format!(
                "Created user {} at the first sign-in through {who}.",
                user.user_principal_name
            )));
            decision.record(signed_in(ctx, id).saying(format!(
                "{} signed in through {who}.",
                user.user_principal_name
            )));
            decision.push(Change::User(*user));
            Ok((id, mfa_at))
        }
        Err(Unresolved { log, tell }) => Err(refused(ctx, &mut decision, None, log, &tell)),
    };
    FederatedSignIn { decision, result }
}

/// O5: `id`'s linked identities, for the user themselves or whoever may reset their credentials.
pub fn identities_for<'s>(
    state: &'s State,
    caller: &Caller,
    now: DateTime<Utc>,
    id: UserId,
) -> Result<&'s [LinkedIdentity], Violation> {
    let user = super::directory::existing_user(state, id)?;
    if caller.user != id {
        Authority::new(state, caller, now)
            .credential_resetter_of(user)
            .map_err(|violation| violation.rule(Rule::O5))?;
    }
    Ok(&user.identities)
}

/// O5: unlinks the identity `identity` ([`LinkedIdentity::id`]) from user `id`, by whoever may
/// reset their credentials, and ends the user's sessions (as a password reset does, F4): the next
/// sign-in through that identity links anew, or is refused. Audited.
pub fn unlink_identity(
    state: &State,
    ctx: &Context,
    id: UserId,
    identity: &str,
) -> Result<Decision, Violation> {
    let user = super::directory::existing_user(state, id)?;
    Authority::new(state, ctx.caller, ctx.now)
        .credential_resetter_of(user)
        .map_err(|violation| violation.rule(Rule::O5))?;
    let link = user
        .identities
        .iter()
        .find(|link| link.id() == identity)
        .ok_or_else(|| {
            Violation::not_found(format!(
                "The identity {identity} of {}",
                user.user_principal_name
            ))
        })?;
    let mut unlinked = user.clone();
    unlinked.identities.retain(|other| other != link);
    let mut decision = Decision::new().change(Change::User(unlinked));
    let ended = super::end_sessions(state, id, &mut decision);
    decision.record(
        ctx.event("auth.identityUnlinked", "user", id)
            .about(None, Some(id.into()))
            .saying(format!(
                "Unlinked the identity {} at {} from {}, and ended {ended} session(s).",
                link.subject, link.issuer, user.user_principal_name
            )),
    );
    Ok(decision)
}

/// How far the provider's clock may be ahead of Stint's: an `auth_time` up to this far in the
/// future counts as now, and a token is taken as expired this much after its `exp`.
pub const CLOCK_SKEW: TimeDelta = TimeDelta::seconds(60);

/// O2: when `identity`'s authentication counts as MFA: its `auth_time` (at most now, within
/// [`CLOCK_SKEW`]), when its `amr` names a second factor (RFC 8176) or its `acr` is `mfa_acr`,
/// and it is no older than `freshness`.
pub fn federated_mfa_at(
    identity: &FederatedIdentity,
    mfa_acr: Option<&str>,
    now: DateTime<Utc>,
    freshness: TimeDelta,
) -> Option<DateTime<Utc>> {
    let by_method = identity
        .amr
        .iter()
        .any(|method| MFA_METHODS.contains(&method.as_str()));
    let by_class = mfa_acr.is_some_and(|wanted| identity.acr.as_deref() == Some(wanted));
    let at = identity
        .auth_time
        .filter(|at| *at <= now + CLOCK_SKEW)?
        .min(now);
    ((by_method || by_class) && super::mfa_is_fresh(Some(at), now, freshness)).then_some(at)
}

enum Resolved<'s> {
    Linked(&'s User),
    /// Linked now, and how (for the audit).
    NewLink(&'s User, String),
    New(Box<User>),
}

struct Unresolved {
    /// For the audit log.
    log: String,
    /// For the person signing in.
    tell: String,
}

fn resolve<'s>(
    state: &'s State,
    ctx: &Context,
    identity: &FederatedIdentity,
    link: &LinkedIdentity,
    enrolment: Enrolment,
) -> Result<Resolved<'s>, Unresolved> {
    if let Some(user) = state.users.values().find(|u| u.identities.contains(link)) {
        return Ok(Resolved::Linked(user));
    }
    let who = describe(identity);
    if let Some(user) = by_link_claim(state, identity, link)? {
        let claim = identity.link_claim.as_ref().map_or("", |c| c.name.as_str());
        let how = format!("by its {claim} claim matching the SCIM externalId");
        return Ok(Resolved::NewLink(user, how));
    }
    let email = identity.email.as_deref().filter(|e| !e.is_empty());
    if enrolment.link_by_email {
        if let Some(email) = email {
            let holders: Vec<&User> = state
                .users
                .values()
                .filter(|u| {
                    u.mail
                        .as_deref()
                        .is_some_and(|m| m.eq_ignore_ascii_case(email))
                })
                .collect();
            if let [user] = holders.as_slice() {
                if !identity.email_verified {
                    return Err(Unresolved {
                        log: format!("Refused sign-in through {who}: its e-mail address {email} matches {}, but the identity provider does not say it is verified.", user.user_principal_name),
                        tell: "Your identity provider did not confirm your e-mail address, so Stint cannot tell which account is yours. Ask an administrator to link your account.".into(),
                    });
                }
                if user.identities.iter().any(|l| l.issuer == link.issuer) {
                    return Err(Unresolved {
                        log: format!("Refused sign-in through {who}: {} is linked to another identity of this provider.", user.user_principal_name),
                        tell: "The Stint account with your e-mail address is linked to another identity. Ask an administrator.".into(),
                    });
                }
                return Ok(Resolved::NewLink(
                    user,
                    "by its verified e-mail address".into(),
                ));
            }
        }
    }
    if enrolment.create_users {
        return new_user(state, ctx, identity, link.clone());
    }
    Err(Unresolved {
        log: format!("Refused sign-in through {who}: no Stint account is linked to it."),
        tell: "You have no account in Stint yet. Ask an administrator to create one for you."
            .into(),
    })
}

/// O6: the one live SCIM-provisioned user whose `externalId` is the value of `identity`'s link
/// claim, if any; refused when that user is linked to another identity of the same issuer. Local
/// users never match, so that a provider's claim cannot take over an account it did not provision.
fn by_link_claim<'s>(
    state: &'s State,
    identity: &FederatedIdentity,
    link: &LinkedIdentity,
) -> Result<Option<&'s User>, Unresolved> {
    let Some(claim) = identity.link_claim.as_ref().filter(|c| !c.value.is_empty()) else {
        return Ok(None);
    };
    let holders: Vec<&User> = state
        .scim_objects
        .values()
        .filter(|object| {
            object.kind == ScimKind::User
                && object.is_live()
                && object.external_id.as_deref() == Some(claim.value.as_str())
        })
        .filter_map(|object| state.users.get(&UserId(object.id)))
        .collect();
    let [user] = holders.as_slice() else {
        return Ok(None);
    };
    if user.identities.iter().any(|l| l.issuer == link.issuer) {
        return Err(Unresolved {
            log: format!(
                "Refused sign-in through {}: its {} claim matches the SCIM externalId of {}, which is linked to another identity of this provider.",
                describe(identity),
                claim.name,
                user.user_principal_name
            ),
            tell: "The Stint account provisioned for you is linked to another identity. Ask an administrator.".into(),
        });
    }
    Ok(Some(user))
}

/// O1: a user for an identity nobody has: `preferred_username` (else `email`) is the user
/// principal name, `email` the mail, `name` the display name.
fn new_user(
    state: &State,
    ctx: &Context,
    identity: &FederatedIdentity,
    link: LinkedIdentity,
) -> Result<Resolved<'static>, Unresolved> {
    let who = describe(identity);
    let name = identity
        .preferred_username
        .clone()
        .or_else(|| identity.email.clone())
        .unwrap_or_default();
    let refuse = |why: &str| Unresolved {
        log: format!("Refused to create a user for {who}: {why}."),
        tell: format!("Stint could not create your account: {why}. Ask an administrator."),
    };
    if check_name("userPrincipalName", &name).is_err() {
        return Err(refuse(
            "the identity provider sent no usable preferred_username or email",
        ));
    }
    if state.user_by_name(&name).is_some() {
        return Err(refuse(&format!("another user is already named {name}")));
    }
    let display_name = identity
        .name
        .clone()
        .filter(|n| check_name("displayName", n).is_ok())
        .unwrap_or_else(|| name.clone());
    Ok(Resolved::New(Box::new(User {
        id: UserId(ctx.fresh_id()),
        user_principal_name: name,
        display_name,
        account_enabled: true,
        // No password: an empty hash matches none, so only the identity provider signs them in.
        password_hash: PasswordHash(String::new()),
        created_at: ctx.now,
        authenticator: None,
        recent_failed_codes: Vec::new(),
        mail: identity.email.clone(),
        identities: vec![link],
        time_zone: None,
    })))
}

fn signed_in(ctx: &Context, user: UserId) -> crate::audit::AuditRecord {
    acting(ctx, "auth.signIn", user)
}

/// An event of `user` acting on their own account through the provider.
fn acting(ctx: &Context, action: &str, user: UserId) -> crate::audit::AuditRecord {
    let mut event = ctx
        .event(action, "user", user)
        .about(None, Some(user.into()));
    event.actor = Some(user);
    event
}

fn refused(
    ctx: &Context,
    decision: &mut Decision,
    user: Option<UserId>,
    log: String,
    tell: &str,
) -> Violation {
    let mut event = ctx
        .event(
            "auth.signInFailed",
            "user",
            user.map(|u| u.to_string()).unwrap_or_default(),
        )
        .saying(log)
        .failed();
    event.actor = user;
    event.principal_id = user.map(Into::into);
    decision.record(event);
    Violation::new(ErrorCode::AuthorizationRequestDenied, tell).rule(Rule::O1)
}

/// The identity as the audit names it: its subject at its issuer, and its address if it has one.
fn describe(identity: &FederatedIdentity) -> String {
    match &identity.email {
        Some(email) => format!(
            "the identity {} ({email}) of {}",
            identity.subject, identity.issuer
        ),
        None => format!("the identity {} of {}", identity.subject, identity.issuer),
    }
}

/// O3: who may still sign in with a password.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LocalSignIn {
    /// Everyone with a password.
    #[default]
    On,
    /// Only Global and Privileged Role Administrators (a way in when the identity provider fails).
    Admins,
    /// Nobody: everyone signs in through the identity provider.
    Off,
}

/// O3: whether `user` may sign in with a password under `mode`.
pub fn password_allowed(
    state: &State,
    user: UserId,
    now: DateTime<Utc>,
    mode: LocalSignIn,
) -> bool {
    use crate::directory::BuiltInRole;
    match mode {
        LocalSignIn::On => true,
        LocalSignIn::Off => false,
        LocalSignIn::Admins => {
            let caller = crate::authz::Caller::of(state, user, now);
            caller.has_directory_role(BuiltInRole::GlobalAdministrator)
                || caller.has_directory_role(BuiltInRole::PrivilegedRoleAdministrator)
        }
    }
}

#[cfg(test)]
#[path = "tests/federation.rs"]
mod tests;
