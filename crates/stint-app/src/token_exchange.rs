//! The use case that exchanges a valid bearer token for a fresh one with its own lifetime: how a
//! web console session is started (after sign-in) and rotated (after a step-up) without a second
//! kind of credential.
//!
//! The new token is an [`AccessToken`] in the store, so it works on every node and survives
//! restarts; the old token is revoked in the same commit as the new one is created.

use chrono::{DateTime, TimeDelta, Utc};
use stint_core::audit::{AuditRecord, Outcome};
use stint_core::auth::{AccessToken, TokenHash};
use stint_core::ids::UserId;
use stint_core::{Change, Decision};
use uuid::Uuid;

use crate::auth::{random_token, IssuedToken};
use crate::error::{AppError, AppResult};
use crate::{App, CallMeta};

impl App {
    /// Replaces the valid token `token` with a new one for the same user and the same MFA time, and
    /// revokes `token`. The new token lives `lifetime` from now, or, with `None`, until the old one
    /// would have expired (so a rotation never extends a session). Audited as `auth.tokenRotated`.
    pub async fn exchange_token(
        &self,
        token: &str,
        lifetime: Option<TimeDelta>,
        meta: &CallMeta,
    ) -> AppResult<IssuedToken> {
        let old_hash = TokenHash::of(token);
        let new_token = random_token();
        let new_hash = TokenHash::of(&new_token);
        let meta = meta.clone();
        let (issued, _) = self
            .write(move |state, now| {
                let valid = state
                    .tokens
                    .get(&old_hash)
                    .filter(|access| access.is_valid_at(now))
                    .filter(|access| {
                        state
                            .users
                            .get(&access.user_id)
                            .is_some_and(|user| user.account_enabled)
                    });
                let Some(old) = valid else {
                    return (Decision::new(), Err(AppError::Unauthenticated));
                };
                let expires_at = match lifetime {
                    Some(lifetime) => now + lifetime,
                    None => old.expires_at,
                };
                let rotation = Decision::new()
                    .change(Change::Token(AccessToken {
                        hash: new_hash,
                        user_id: old.user_id,
                        issued_at: now,
                        expires_at,
                        mfa_at: old.mfa_at,
                    }))
                    .change(Change::TokenRevoked(old_hash.clone()))
                    .audit(rotation_event(&meta, now, old.user_id));
                (rotation, Ok(expires_at - now))
            })
            .await?;
        Ok(IssuedToken {
            token: new_token,
            expires_in: issued?,
        })
    }
}

fn rotation_event(meta: &CallMeta, now: DateTime<Utc>, user: UserId) -> AuditRecord {
    AuditRecord {
        id: Uuid::new_v4(),
        at: now,
        actor: Some(user),
        action: "auth.tokenRotated".into(),
        outcome: Outcome::Success,
        target_type: "user".into(),
        target_id: user.to_string(),
        group_id: None,
        principal_id: Some(user.into()),
        justification: None,
        ticket: None,
        correlation_id: meta.request_id.clone(),
        client: meta.client.clone(),
        message:
            "Exchanged a token for a new web console session token; the old token no longer works."
                .into(),
    }
}
