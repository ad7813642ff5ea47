//! TOTP multi-factor authentication (SPEC I5) and credential resets (D8).
//!
//! A user enrols a TOTP authenticator, which counts as a second factor once a first code confirms
//! it. Every code check goes through [`verify_code`]: a code is accepted once only (the step it
//! matched must be later than the last accepted one), and after [`MAX_RECENT_FAILURES`] wrong
//! codes within [`failure_window`] even a right code is refused until the oldest of them ages out.
//! Every accepted or refused code is an `auth.mfa` audit event (U1), committed together with the
//! user's new replay and rate-limit state, so a refusal changes state too: the rules that check a
//! code return a [`CodeCheck`], whose decision is committed whatever its result.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use crate::audit::AuditRecord;
use crate::auth::TokenHash;
use crate::authz::Authority;
use crate::change::{Change, Decision};
use crate::directory::{PasswordHash, User};
use crate::ids::UserId;
use crate::rules::directory::existing_user;
use crate::rules::{AuditRecordExt, Context};
use crate::spec::Rule;
use crate::state::State;
use crate::text::capitalised;
use crate::totp::{matching_step, TotpAuthenticator, TotpCode, TotpSecret};
use crate::violation::{ErrorCode, Violation};

/// I5: this many wrong codes within [`failure_window`] lock the user's TOTP checks.
pub const MAX_RECENT_FAILURES: usize = 5;

/// I5: how long a wrong code counts towards the rate limit.
pub fn failure_window() -> TimeDelta {
    TimeDelta::minutes(5)
}

/// The message of a sign-in that needs a TOTP code and has none.
pub const MFA_REQUIRED_MESSAGE: &str =
    "This account needs a TOTP code: send \"totp\" with the user name and password.";

/// Why a code was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MfaFailure {
    /// The user has no authenticator.
    NotEnrolled,
    /// Too many wrong codes lately; nothing was checked and nothing changes.
    Locked { retry_at: DateTime<Utc> },
    /// The code matches no step near now; `user` has the failure recorded.
    WrongCode { user: Box<User> },
    /// The code is of a step already used; `user` has the failure recorded.
    Replayed { user: Box<User> },
}

impl MfaFailure {
    /// The user with the failure recorded, to commit, if the failure counts.
    pub fn updated_user(&self) -> Option<&User> {
        match self {
            MfaFailure::WrongCode { user } | MfaFailure::Replayed { user } => Some(user),
            MfaFailure::NotEnrolled | MfaFailure::Locked { .. } => None,
        }
    }

    /// Why, in a few words, for the audit log.
    fn reason(&self) -> String {
        match self {
            MfaFailure::NotEnrolled => "no TOTP authenticator".into(),
            MfaFailure::Locked { retry_at } => {
                format!(
                    "locked after too many wrong codes until {}",
                    time(*retry_at)
                )
            }
            MfaFailure::WrongCode { user } => format!(
                "wrong code ({} of {MAX_RECENT_FAILURES} allowed in 5 minutes)",
                user.recent_failed_codes.len()
            ),
            MfaFailure::Replayed { .. } => "code already used".into(),
        }
    }

    /// The refusal of a step-up or confirmation.
    fn violation(&self) -> Violation {
        match self {
            MfaFailure::NotEnrolled => not_enrolled(),
            MfaFailure::Locked { retry_at } => locked(*retry_at),
            MfaFailure::WrongCode { .. } => Violation::new(
                ErrorCode::InvalidTotpCode,
                "The TOTP code is not correct. Type the current code of your authenticator app, and check that the device's clock is right.",
            )
            .rule(Rule::I5)
            .field("code"),
            MfaFailure::Replayed { .. } => Violation::new(
                ErrorCode::InvalidTotpCode,
                "This TOTP code was already used. Wait for the next code of your authenticator app.",
            )
            .rule(Rule::I5)
            .field("code"),
        }
    }

    /// The refusal of a sign-in whose password was right.
    fn sign_in_violation(&self) -> Violation {
        match self {
            MfaFailure::Locked { retry_at } => locked(*retry_at),
            _ => Violation::new(
                ErrorCode::MfaRequired,
                format!("{MFA_REQUIRED_MESSAGE} The code sent is not correct or was already used."),
            )
            .rule(Rule::I5),
        }
    }
}

/// I5: checks `code` against `user`'s authenticator at `now`, confirmed or not.
///
/// On success, returns the user with the matched step remembered and past failures forgotten.
/// Failures older than [`failure_window`] are pruned before the rate limit is applied.
pub fn verify_code(
    user: &User,
    code: &TotpCode,
    now: DateTime<Utc>,
) -> Result<(User, u64), MfaFailure> {
    let Some(authenticator) = &user.authenticator else {
        return Err(MfaFailure::NotEnrolled);
    };
    let mut updated = user.clone();
    updated
        .recent_failed_codes
        .retain(|at| now - *at < failure_window());
    if let Some(retry_at) = locked_until(&updated.recent_failed_codes) {
        return Err(MfaFailure::Locked { retry_at });
    }
    let step = matching_step(&authenticator.secret, code, now);
    let fresh = step.filter(|step| {
        authenticator
            .last_used_step
            .is_none_or(|last_used| *step > last_used)
    });
    match (step, fresh) {
        (_, Some(step)) => {
            updated.recent_failed_codes.clear();
            if let Some(accepted) = updated.authenticator.as_mut() {
                accepted.last_used_step = Some(step);
            }
            Ok((updated, step))
        }
        (Some(_), None) => {
            updated.recent_failed_codes.push(now);
            Err(MfaFailure::Replayed {
                user: Box::new(updated),
            })
        }
        (None, _) => {
            updated.recent_failed_codes.push(now);
            Err(MfaFailure::WrongCode {
                user: Box::new(updated),
            })
        }
    }
}

/// When the rate limit lets codes through again, if it holds now: once all but four of the
/// recent failures are older than the window.
fn locked_until(recent_failures: &[DateTime<Utc>]) -> Option<DateTime<Utc>> {
    if recent_failures.len() < MAX_RECENT_FAILURES {
        return None;
    }
    let mut sorted = recent_failures.to_vec();
    sorted.sort();
    sorted
        .get(sorted.len() - MAX_RECENT_FAILURES)
        .map(|oldest_that_counts| *oldest_that_counts + failure_window())
}

/// What a code check decided: the decision is committed whatever the result (U1, replay and
/// rate-limit state), then the result is answered.
#[derive(Debug)]
pub struct CodeCheck<T> {
    pub decision: Decision,
    pub result: Result<T, Violation>,
}

impl<T> CodeCheck<T> {
    fn refused(decision: Decision, violation: Violation) -> Self {
        CodeCheck {
            decision,
            result: Err(violation),
        }
    }
}

/// I5: enrols a new, unconfirmed TOTP authenticator for the caller with `secret`. It replaces an
/// unconfirmed one; a confirmed one must be removed or reset first.
pub fn enrol(
    state: &State,
    ctx: &Context,
    secret: TotpSecret,
) -> Result<(Decision, User), Violation> {
    let user = caller_user(state, ctx)?;
    if user.authenticator.as_ref().is_some_and(|a| a.confirmed) {
        return Err(Violation::new(
            ErrorCode::ObjectConflict,
            "You already have a confirmed TOTP authenticator. Remove it first (DELETE /stint/v1/me/authenticators/totp after a step-up), or ask an administrator to reset it.",
        )
        .rule(Rule::I5));
    }
    let replaced = user.authenticator.is_some();
    let mut updated = user.clone();
    updated.authenticator = Some(TotpAuthenticator {
        secret,
        confirmed: false,
        created_at: ctx.now,
        last_used_step: None,
    });
    let event = user_event(ctx, "user.authenticator.enrol", user.id).saying(if replaced {
        "Enrolled a new TOTP authenticator in place of the unconfirmed one; it counts once a first code confirms it."
    } else {
        "Enrolled a TOTP authenticator; it counts once a first code confirms it."
    });
    Ok((
        Decision::new()
            .change(Change::User(updated.clone()))
            .audit(event),
        updated,
    ))
}

/// I5: confirms the caller's new authenticator with a first code, which makes it count.
pub fn confirm(state: &State, ctx: &Context, code: &TotpCode) -> CodeCheck<()> {
    const ACTION: &str = "user.authenticator.confirm";
    let user = match caller_user(state, ctx) {
        Ok(user) => user,
        Err(violation) => return CodeCheck::refused(Decision::new(), violation),
    };
    let refusal = match &user.authenticator {
        None => Some(not_enrolled()),
        Some(authenticator) if authenticator.confirmed => Some(
            Violation::new(
                ErrorCode::ObjectConflict,
                "Your TOTP authenticator is already confirmed.",
            )
            .rule(Rule::I5),
        ),
        Some(_) => None,
    };
    if let Some(violation) = refusal {
        let event = refusal_event(ctx, ACTION, user.id, &violation);
        return CodeCheck::refused(Decision::new().audit(event), violation);
    }
    match verify_code(user, code, ctx.now) {
        Ok((mut updated, _)) => {
            if let Some(authenticator) = updated.authenticator.as_mut() {
                authenticator.confirmed = true;
            }
            let decision = Decision::new()
                .change(Change::User(updated))
                .audit(mfa_event(
                    ctx,
                    user.id,
                    "Accepted a TOTP code confirming the authenticator.",
                ))
                .audit(
                    user_event(ctx, ACTION, user.id)
                        .saying("Confirmed the TOTP authenticator; sign-ins now need a code."),
                );
            CodeCheck {
                decision,
                result: Ok(()),
            }
        }
        Err(failure) => failed_check(ctx, user.id, "confirming the authenticator", &failure),
    }
}

/// I5: a step-up: a code on the caller's token `token` records a fresh MFA (`mfa_at = now`) on it.
pub fn step_up(
    state: &State,
    ctx: &Context,
    token: &TokenHash,
    code: &TotpCode,
) -> CodeCheck<DateTime<Utc>> {
    let user = match caller_user(state, ctx) {
        Ok(user) => user,
        Err(violation) => return CodeCheck::refused(Decision::new(), violation),
    };
    let Some(access) = state
        .tokens
        .get(token)
        .filter(|t| t.user_id == user.id && t.is_valid_at(ctx.now))
    else {
        let violation = Violation::forbidden("This token is not valid for a step-up.");
        return CodeCheck::refused(Decision::new(), violation);
    };
    if !user.authenticator.as_ref().is_some_and(|a| a.confirmed) {
        return failed_check(ctx, user.id, "a step-up", &MfaFailure::NotEnrolled);
    }
    match verify_code(user, code, ctx.now) {
        Ok((updated, _)) => {
            let mut stepped_up = access.clone();
            stepped_up.mfa_at = Some(ctx.now);
            let decision = Decision::new()
                .change(Change::User(updated))
                .change(Change::Token(stepped_up))
                .audit(mfa_event(
                    ctx,
                    user.id,
                    "Accepted a TOTP code for a step-up; the token's MFA is fresh.",
                ));
            CodeCheck {
                decision,
                result: Ok(ctx.now),
            }
        }
        Err(failure) => failed_check(ctx, user.id, "a step-up", &failure),
    }
}

/// I5: the second factor of a sign-in whose password was right, for the caller of `ctx`.
///
/// With a confirmed authenticator a right code is needed; the result is then the MFA time of the
/// new token. Without one the password is enough, a code is ignored, and the result is `None`.
pub fn sign_in_factor(
    state: &State,
    ctx: &Context,
    code: Option<&TotpCode>,
) -> CodeCheck<Option<DateTime<Utc>>> {
    let user = match caller_user(state, ctx) {
        Ok(user) => user,
        Err(violation) => return CodeCheck::refused(Decision::new(), violation),
    };
    if !user.authenticator.as_ref().is_some_and(|a| a.confirmed) {
        return CodeCheck {
            decision: Decision::new(),
            result: Ok(None),
        };
    }
    let Some(code) = code else {
        let violation = Violation::new(ErrorCode::MfaRequired, MFA_REQUIRED_MESSAGE).rule(Rule::I5);
        return CodeCheck::refused(Decision::new(), violation);
    };
    match verify_code(user, code, ctx.now) {
        Ok((updated, _)) => CodeCheck {
            decision: Decision::new()
                .change(Change::User(updated))
                .audit(mfa_event(ctx, user.id, "Accepted a TOTP code at sign-in.")),
            result: Ok(Some(ctx.now)),
        },
        Err(failure) => {
            let mut check = failed_check(ctx, user.id, "sign-in", &failure);
            check.result = Err(failure.sign_in_violation());
            check
        }
    }
}

/// I5: the caller removes their own authenticator; a confirmed one needs a fresh MFA on the token.
pub fn remove_authenticator(state: &State, ctx: &Context) -> Result<Decision, Violation> {
    let user = caller_user(state, ctx)?;
    let Some(authenticator) = &user.authenticator else {
        return Err(Violation::not_found("Your TOTP authenticator"));
    };
    if authenticator.confirmed && !ctx.has_fresh_mfa() {
        return Err(Violation::new(
            ErrorCode::StepUpRequired,
            format!(
                "Removing your TOTP authenticator needs a TOTP check of this token in the last {} minutes: call POST /stint/v1/auth/step-up with a current code first, or ask an administrator to reset it.",
                ctx.mfa_freshness.num_minutes()
            ),
        )
        .rule(Rule::I5));
    }
    let mut updated = user.clone();
    updated.authenticator = None;
    let event = user_event(ctx, "user.authenticator.remove", user.id)
        .saying("Removed the TOTP authenticator; sign-ins need only the password.");
    Ok(Decision::new().change(Change::User(updated)).audit(event))
}

/// D8: an administrator resets `target`'s password and/or removes their authenticator, and so
/// ends the sessions (tokens) the user has.
pub fn reset_credentials(
    state: &State,
    ctx: &Context,
    target: UserId,
    new_password_hash: Option<PasswordHash>,
    remove_authenticator: bool,
) -> Result<(Decision, User), Violation> {
    let current = existing_user(state, target)?;
    if new_password_hash.is_none() && !remove_authenticator {
        return Err(Violation::bad_request(
            "password",
            "Say what to reset: a new \"password\", \"removeAuthenticator\": true, or both.",
        ));
    }
    Authority::new(state, ctx.caller, ctx.now).credential_resetter_of(current)?;
    let mut updated = current.clone();
    let mut what = Vec::new();
    if let Some(hash) = new_password_hash {
        updated.password_hash = hash;
        what.push("reset the password");
    }
    if remove_authenticator {
        updated.authenticator = None;
        updated.recent_failed_codes.clear();
        what.push("removed the TOTP authenticator");
    }
    let mut decision = Decision::new().change(Change::User(updated.clone()));
    let ended = super::end_sessions(state, target, &mut decision);
    decision.record(
        user_event(ctx, "user.resetCredentials", target).saying(format!(
            "{} of {}, and ended {ended} session(s).",
            capitalised(&what.join(" and ")),
            current.user_principal_name
        )),
    );
    Ok((decision, updated))
}

fn caller_user<'a>(state: &'a State, ctx: &Context) -> Result<&'a User, Violation> {
    existing_user(state, ctx.caller.user)
}

fn not_enrolled() -> Violation {
    Violation::bad_request(
        "code",
        "You have no confirmed TOTP authenticator: enrol one with POST /stint/v1/me/authenticators/totp and confirm it with a first code.",
    )
    .rule(Rule::I5)
}

fn locked(retry_at: DateTime<Utc>) -> Violation {
    Violation::new(
        ErrorCode::TooManyAttempts,
        format!(
            "Too many wrong TOTP codes in the last 5 minutes; no code is accepted before {}. Try again then.",
            time(retry_at)
        ),
    )
    .rule(Rule::I5)
}

/// The refusal of a code: records the failure (if it counts) and an `auth.mfa` failure event.
fn failed_check<T>(
    ctx: &Context,
    user: UserId,
    purpose: &str,
    failure: &MfaFailure,
) -> CodeCheck<T> {
    let mut decision = Decision::new();
    if let Some(updated) = failure.updated_user() {
        decision.push(Change::User(updated.clone()));
    }
    decision.record(
        mfa_event(
            ctx,
            user,
            &format!("Refused a TOTP code for {purpose}: {}.", failure.reason()),
        )
        .failed(),
    );
    CodeCheck::refused(decision, failure.violation())
}

fn mfa_event(ctx: &Context, user: UserId, message: &str) -> AuditRecord {
    user_event(ctx, "auth.mfa", user).saying(message)
}

fn user_event(ctx: &Context, action: &str, user: UserId) -> AuditRecord {
    ctx.event(action, "user", user)
        .about(None, Some(user.into()))
}

fn refusal_event(ctx: &Context, action: &str, user: UserId, violation: &Violation) -> AuditRecord {
    user_event(ctx, action, user)
        .failed()
        .saying(format!("Refused: {} {}", violation.code, violation.message))
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
#[path = "tests/mfa.rs"]
mod tests;
