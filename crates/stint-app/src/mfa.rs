//! TOTP multi-factor authentication use cases (SPEC I5, D8): enrol, confirm, step up, remove,
//! and administrators' credential resets.
//!
//! The secret is made here, from the operating system's randomness; the rules are
//! `stint_core::rules::mfa`. A code check commits its decision whatever its result, so that replay
//! protection, the rate limit and the audit of refused codes hold (U1).

use chrono::{DateTime, Utc};
use rand::RngCore;
use stint_core::auth::TokenHash;
use stint_core::ids::UserId;
use stint_core::rules::mfa::{self as rules, CodeCheck};
use stint_core::rules::Context;
use stint_core::totp::{otpauth_uri, TotpCode, TotpSecret, ISSUER};
use stint_core::State;

use crate::engine::Attempt;
use crate::error::AppResult;
use crate::password::Password;
use crate::{App, CallMeta, Committed, Session};

/// The length of a new secret: 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// A new authenticator's secret, to show once. Its `Debug` never shows it.
pub struct TotpEnrolment {
    /// The secret in base32, for typing into an app.
    pub secret: String,
    /// The `otpauth://` URI, for a QR code.
    pub otpauth_uri: String,
}

stint_core::redacted_debug!(TotpEnrolment);

/// What an administrator resets (D8).
#[derive(Debug, Clone, Default)]
pub struct CredentialReset {
    pub password: Option<Password>,
    pub remove_authenticator: bool,
}

impl App {
    /// Enrols a new, unconfirmed TOTP authenticator for the caller and returns its secret.
    pub async fn enrol_totp(
        &self,
        session: &Session,
        meta: &CallMeta,
    ) -> AppResult<Committed<TotpEnrolment>> {
        let secret = new_secret();
        let attempt = Attempt::new("user.authenticator.enrol", "user", session.user)
            .about(None, Some(session.user.into()));
        let enrolled = secret.clone();
        let committed = self
            .decide(session, meta, attempt, move |state, ctx| {
                rules::enrol(state, ctx, enrolled)
            })
            .await?;
        let enrolment = TotpEnrolment {
            secret: secret.to_base32(),
            otpauth_uri: otpauth_uri(ISSUER, &committed.value.user_principal_name, &secret),
        };
        Ok(Committed {
            value: enrolment,
            revision: committed.revision,
        })
    }

    /// Confirms the caller's new authenticator with a first code.
    pub async fn confirm_totp(
        &self,
        session: &Session,
        meta: &CallMeta,
        code: TotpCode,
    ) -> AppResult<Committed<()>> {
        self.check_code(session, meta, move |state, ctx| {
            rules::confirm(state, ctx, &code)
        })
        .await
    }

    /// Records a fresh MFA on the bearer token `token` with a code; returns the new MFA time.
    pub async fn step_up(
        &self,
        token: &str,
        meta: &CallMeta,
        code: TotpCode,
    ) -> AppResult<Committed<DateTime<Utc>>> {
        let session = self.authenticate(token)?;
        let hash = TokenHash::of(token);
        self.check_code(&session, meta, move |state, ctx| {
            rules::step_up(state, ctx, &hash, &code)
        })
        .await
    }

    /// Removes the caller's own authenticator (a confirmed one needs a fresh MFA).
    pub async fn remove_totp(
        &self,
        session: &Session,
        meta: &CallMeta,
    ) -> AppResult<Committed<()>> {
        let attempt = Attempt::new("user.authenticator.remove", "user", session.user)
            .about(None, Some(session.user.into()));
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            rules::remove_authenticator(state, ctx)
        })
        .await
    }

    /// D8: an administrator resets a user's password and/or removes their authenticator.
    pub async fn reset_credentials(
        &self,
        session: &Session,
        meta: &CallMeta,
        target: UserId,
        reset: CredentialReset,
    ) -> AppResult<Committed<()>> {
        let password_hash = match reset.password {
            Some(password) => Some(self.passwords.hash(password).await?),
            None => None,
        };
        let attempt =
            Attempt::new("user.resetCredentials", "user", target).about(None, Some(target.into()));
        self.decide(session, meta, attempt, move |state, ctx| {
            rules::reset_credentials(
                state,
                ctx,
                target,
                password_hash.clone(),
                reset.remove_authenticator,
            )
            .map(|(decision, _)| (decision, ()))
        })
        .await
    }

    /// Runs a code check as `session`'s user and commits its decision, whatever its result; then
    /// answers the result.
    pub(crate) async fn check_code<T: Send + 'static>(
        &self,
        session: &Session,
        meta: &CallMeta,
        rule: impl FnOnce(&State, &Context) -> CodeCheck<T> + Send + 'static,
    ) -> AppResult<Committed<T>> {
        self.write_as(session, meta, move |state, ctx| {
            let check = rule(state, ctx);
            (check.decision, check.result)
        })
        .await
    }
}

fn new_secret() -> TotpSecret {
    let mut bytes = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    TotpSecret::from_bytes(bytes)
}
