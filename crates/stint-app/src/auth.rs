//! Sign-in and bearer tokens (SPEC I5). Tokens are random, shown once, and stored only as hashes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use stint_core::audit::{AuditRecord, Outcome};
use stint_core::auth::{AccessToken, TokenHash};
use stint_core::directory::User;
use stint_core::rules::federation::password_allowed;
use stint_core::rules::mfa::{sign_in_factor, CodeCheck};
use stint_core::spec::Rule;
use stint_core::totp::TotpCode;
use stint_core::{Change, Decision};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::password::Password;
use crate::throttle::{Report, Subject};
use crate::{App, CallMeta, Session};

/// A freshly issued token. Its `Debug` never shows the token.
pub struct IssuedToken {
    pub token: String,
    pub expires_in: TimeDelta,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl App {
    /// Signs in with a user name and password, for an account without a TOTP authenticator.
    /// Same as [`App::sign_in_with_totp`] with no code.
    pub async fn sign_in(
        &self,
        user_name: &str,
        password: Password,
        meta: &CallMeta,
    ) -> AppResult<IssuedToken> {
        self.sign_in_with_totp(user_name, password, None, meta)
            .await
    }

    /// Signs in with a user name, a password and, for an account with a confirmed TOTP
    /// authenticator, a code (I5). A wrong user name or password is the same `Unauthenticated`,
    /// with no hint which part was wrong, and says nothing about TOTP; only a right password leads
    /// to the TOTP question (`MfaRequired`, or `TooManyAttempts` while locked). A sign-in with a
    /// right code gets a token whose MFA is fresh. Every outcome is audited (U1); failed passwords
    /// in bounded batches (F3).
    ///
    /// F3: tries are throttled by user name and by source address ([`crate::throttle`]): a
    /// throttled try is `Throttled` at once, with no password check, whether the name has an
    /// account or not and whether the password is right or not.
    pub async fn sign_in_with_totp(
        &self,
        user_name: &str,
        password: Password,
        totp: Option<TotpCode>,
        meta: &CallMeta,
    ) -> AppResult<IssuedToken> {
        let lifetime = self.config.token_lifetime;
        self.sign_in_lasting(user_name, password, totp, lifetime, meta)
            .await
    }

    /// [`App::sign_in_with_totp`] with a token of `lifetime`: the web console's session is issued
    /// at sign-in, so that one sign-in is one event.
    pub async fn sign_in_lasting(
        &self,
        user_name: &str,
        password: Password,
        totp: Option<TotpCode>,
        lifetime: TimeDelta,
        meta: &CallMeta,
    ) -> AppResult<IssuedToken> {
        let now = self.now();
        let ticket = match self.throttle.begin(user_name, meta.client.as_deref(), now) {
            Ok(ticket) => ticket,
            Err(refusal) => {
                self.record_failures(user_name, meta, now, refusal.reports)
                    .await?;
                self.telemetry().sign_in_throttled();
                let millis = u64::try_from(refusal.retry_after.num_milliseconds()).unwrap_or(0);
                return Err(AppError::Throttled {
                    retry_after_seconds: millis.div_ceil(1000).max(1),
                });
            }
        };
        let account = self.read(|state| state.user_by_name(user_name).cloned());
        let stored = account.as_ref().map(|user| user.password_hash.clone());
        let verified = match self.passwords.verify(password, stored).await {
            Ok(verified) => verified,
            Err(busy) => {
                self.throttle.abandon(ticket);
                return Err(busy);
            }
        };
        let now = self.now();
        let user = match account {
            Some(user) if verified && user.account_enabled => {
                self.throttle.succeeded(ticket);
                user
            }
            _ => {
                self.telemetry().sign_in_failed();
                let reports = self.throttle.failed(ticket, now);
                self.record_failures(user_name, meta, now, reports).await?;
                return Err(AppError::Unauthenticated);
            }
        };
        let token = random_token();
        let session = Session {
            user: user.id,
            mfa_at: None,
        };
        let local_sign_in = self.config.local_sign_in;
        let issued = TokenHash::of(&token);
        let call = meta.clone();
        self.check_code(&session, meta, move |state, ctx| {
            let meta = &call;
            if !password_allowed(state, user.id, ctx.now, local_sign_in) {
                return password_refused(meta, ctx.now, &user);
            }
            let mut check = sign_in_factor(state, ctx, totp.as_ref());
            let outcome = if check.result.is_ok() {
                Outcome::Success
            } else {
                Outcome::Failure
            };
            let mut event = sign_in_event(meta, ctx.now, Some(user.id), outcome);
            match &check.result {
                Ok(mfa_at) => {
                    check.decision.push(Change::Token(AccessToken {
                        hash: issued,
                        user_id: user.id,
                        issued_at: ctx.now,
                        expires_at: ctx.now + lifetime,
                        mfa_at: *mfa_at,
                    }));
                    event.message = format!(
                        "{} signed in{} and received a bearer token.",
                        user.user_principal_name,
                        if mfa_at.is_some() {
                            " with a TOTP code"
                        } else {
                            ""
                        }
                    );
                }
                Err(violation) => {
                    event.message = format!(
                        "Failed sign-in as {}: the password was right, but {}.",
                        user.user_principal_name,
                        if violation.code == stint_core::ErrorCode::TooManyAttempts {
                            "TOTP checks are locked after too many wrong codes"
                        } else if totp.is_none() {
                            "no TOTP code was sent"
                        } else {
                            "the TOTP code was refused"
                        }
                    );
                }
            }
            check.decision.record(event);
            check
        })
        .await?;
        Ok(IssuedToken {
            token,
            expires_in: lifetime,
        })
    }

    /// F3: one `auth.signInFailed` event per report of the throttle, each with how many tries it
    /// stands for. A name no account has is shown by its pseudonym, never as typed (F7).
    async fn record_failures(
        &self,
        user_name: &str,
        meta: &CallMeta,
        now: DateTime<Utc>,
        reports: Vec<Report>,
    ) -> AppResult<()> {
        if reports.is_empty() {
            return Ok(());
        }
        let account = self.read(|state| {
            state
                .user_by_name(user_name)
                .map(|user| (user.id, user.user_principal_name.clone()))
        });
        let mut decision = Decision::new();
        for report in reports {
            let tries = format!(
                "{} failed sign-in{}",
                report.count,
                if report.count == 1 { "" } else { "s" }
            );
            let since = report
                .since
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let lock = report
                .locked_for
                .map(|wait| {
                    format!(
                        "; further tries are refused for {}",
                        plural(wait.num_minutes(), "minute")
                    )
                })
                .unwrap_or_default();
            let mut event = match &report.about {
                Subject::Account => {
                    let mut event = sign_in_event(
                        meta,
                        now,
                        account.as_ref().map(|(id, _)| *id),
                        Outcome::Failure,
                    );
                    let who = match &account {
                        Some((_, name)) => name.clone(),
                        None => format!(
                            "an unknown user name {}",
                            self.throttle.pseudonym(user_name)
                        ),
                    };
                    event.message = format!("{tries} as {who} since {since}{lock}.");
                    event
                }
                Subject::Source(source) => {
                    let mut event = sign_in_event(meta, now, None, Outcome::Failure);
                    event.target_type = "source".into();
                    event.target_id = source.clone();
                    event.message =
                        format!("{tries} from {source}, for any user names, since {since}{lock}.");
                    event
                }
            };
            event.action = "auth.signInFailed".into();
            decision.record(event);
        }
        self.write(move |_, _| (decision, ())).await?;
        Ok(())
    }

    /// Resolves a bearer token to its session, if the token is valid now and its user may sign in.
    pub fn authenticate(&self, token: &str) -> AppResult<Session> {
        let hash = TokenHash::of(token);
        let now = self.now();
        self.read(|state| {
            let access = state.tokens.get(&hash).filter(|t| t.is_valid_at(now))?;
            let user = state
                .users
                .get(&access.user_id)
                .filter(|u| u.account_enabled)?;
            Some(Session {
                user: user.id,
                mfa_at: access.mfa_at,
            })
        })
        .ok_or(AppError::Unauthenticated)
    }

    /// [`authenticate`](Self::authenticate), and where the token is unknown, once more after
    /// catching up with the store: a token issued by another node a moment ago works at once.
    pub async fn authenticate_fresh(&self, token: &str) -> AppResult<Session> {
        match self.authenticate(token) {
            Err(AppError::Unauthenticated) => {
                self.catch_up().await?;
                self.authenticate(token)
            }
            known => known,
        }
    }

    /// Ends a token.
    pub async fn sign_out(&self, token: &str, meta: &CallMeta) -> AppResult<()> {
        let session = self.authenticate(token)?;
        let mut event = sign_in_event(meta, self.now(), Some(session.user), Outcome::Success);
        event.action = "auth.signOut".into();
        event.message = "Signed out; the token no longer works.".into();
        let revoke = Decision::new()
            .change(Change::TokenRevoked(TokenHash::of(token)))
            .audit(event);
        self.write(move |_, _| (revoke, ())).await?;
        Ok(())
    }
}

pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("stint_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// O3: a right password of someone who must sign in through the identity provider: refused, and
/// audited.
fn password_refused(
    meta: &CallMeta,
    now: DateTime<Utc>,
    user: &User,
) -> CodeCheck<Option<DateTime<Utc>>> {
    let mut event = sign_in_event(meta, now, Some(user.id), Outcome::Failure);
    event.message = format!(
        "Refused a password sign-in as {}: this account signs in through the identity provider.",
        user.user_principal_name
    );
    CodeCheck {
        decision: Decision::new().audit(event),
        result: Err(stint_core::Violation::new(
            stint_core::ErrorCode::AuthorizationRequestDenied,
            PASSWORDS_OFF,
        )
        .rule(Rule::O3)),
    }
}

/// O3: what a person is told when their password is not accepted.
pub const PASSWORDS_OFF: &str =
    "Passwords are not accepted for this account. Sign in with your identity provider.";

/// Compares two secrets in time that does not depend on where they differ.
pub(crate) fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    a.len() == b.len()
        && !a.is_empty()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn sign_in_event(
    meta: &CallMeta,
    now: chrono::DateTime<chrono::Utc>,
    user: Option<stint_core::ids::UserId>,
    outcome: Outcome,
) -> AuditRecord {
    AuditRecord {
        id: Uuid::new_v4(),
        at: now,
        actor: user,
        action: "auth.signIn".into(),
        outcome,
        target_type: "user".into(),
        target_id: user.map(|u| u.to_string()).unwrap_or_default(),
        group_id: None,
        principal_id: user.map(Into::into),
        justification: None,
        ticket: None,
        correlation_id: meta.request_id.clone(),
        client: meta.client.clone(),
        message: String::new(),
    }
}

fn plural(count: i64, unit: &str) -> String {
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}
