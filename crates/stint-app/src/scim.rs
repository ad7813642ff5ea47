//! SCIM provisioning (M1–M3): the administrators' use cases for provisioning tokens, and the
//! identity provider's — authenticating with a token, reading and writing the users and groups
//! SCIM created. The rules are `stint_core::rules::scim`; the wire shapes are the server's.
//!
//! A provisioning secret is made here, answered once and never kept: the state holds its
//! SHA-256 only. SCIM calls decide as no user; their audit events name the token.

use std::collections::BTreeSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use stint_core::auth::TokenHash;
use stint_core::authz::Caller;
use stint_core::directory::{Group, User};
use stint_core::ids::{GroupId, ScimTokenId, UserId};
use stint_core::rules::last_admin;
use stint_core::rules::scim::{self as rules, Provisioner, ScimGroupInput, ScimUserInput};
use stint_core::rules::Context;
use stint_core::scim::{ScimKind, ScimObject, ScimToken};
use stint_core::{Decision, State, Violation};
use uuid::Uuid;

use crate::engine::{refusal, Attempt};
use crate::error::{AppError, AppResult};
use crate::{App, CallMeta, Committed, Session};

/// A provisioning secret as made: shown once to its maker. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ScimSecret(String);

impl ScimSecret {
    fn generate() -> ScimSecret {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        ScimSecret(format!("stint_scim_{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

stint_core::redacted_debug!(ScimSecret);

/// A token just made, with its secret.
#[derive(Clone, Debug)]
pub struct MadeScimToken {
    pub token: ScimToken,
    pub secret: ScimSecret,
}

/// An identity provider authenticated by a live provisioning token, for one call.
#[derive(Clone, Debug)]
pub struct ScimSession {
    hash: TokenHash,
    pub token: ScimTokenId,
}

/// A SCIM user: the directory's user and what SCIM keeps about it.
#[derive(Clone, Debug)]
pub struct ScimUserRecord {
    pub user: User,
    pub object: ScimObject,
}

/// A SCIM group with its members now.
#[derive(Clone, Debug)]
pub struct ScimGroupRecord {
    pub group: Group,
    pub object: ScimObject,
    pub members: Vec<ScimMember>,
}

/// A member of a SCIM group.
#[derive(Clone, Debug)]
pub struct ScimMember {
    pub id: Uuid,
    pub kind: ScimKind,
}

impl App {
    /// M1: makes a provisioning token named `display_name`; the answer carries its secret.
    pub async fn create_scim_token(
        &self,
        session: &Session,
        meta: &CallMeta,
        display_name: &str,
    ) -> AppResult<Committed<MadeScimToken>> {
        let secret = ScimSecret::generate();
        let hash = TokenHash::of(secret.expose());
        let attempt = Attempt::new("scimToken.create", "scimToken", "-");
        let display_name = display_name.to_owned();
        let committed = self
            .decide(session, meta, attempt, move |state, ctx| {
                rules::create_token(state, ctx, &display_name, hash)
            })
            .await?;
        Ok(Committed {
            value: MadeScimToken {
                token: committed.value,
                secret,
            },
            revision: committed.revision,
        })
    }

    /// M1: revokes a token for good.
    pub async fn revoke_scim_token(
        &self,
        session: &Session,
        meta: &CallMeta,
        id: ScimTokenId,
    ) -> AppResult<Committed<()>> {
        let attempt = Attempt::new("scimToken.revoke", "scimToken", id);
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            rules::revoke_token(state, ctx, id)
        })
        .await
    }

    /// M1: the provisioning session of `token`. A token that is not a live provisioning token
    /// (a revoked one, a user's bearer token, anything else) is refused, and the refusal audited.
    pub async fn scim_authenticate(&self, token: &str, meta: &CallMeta) -> AppResult<ScimSession> {
        let hash = TokenHash::of(token);
        let live = |state: &State| rules::provisioner(state, &hash).map(|p| p.token().id);
        let found = match self.read(live) {
            Ok(id) => Ok(id),
            Err(_) => {
                self.catch_up().await?;
                self.read(live)
            }
        };
        match found {
            Ok(token) => Ok(ScimSession { hash, token }),
            Err(why) => {
                let audit = move |state: &State, ctx: &Context| {
                    let record = rules::refused_use(state, ctx, &hash, &why.message);
                    (Decision::new().audit(record), ())
                };
                self.write_scim(meta, audit).await?;
                Err(AppError::Unauthenticated)
            }
        }
    }

    /// The live SCIM users, oldest first (then by name, so that pages are stable).
    pub fn scim_users(&self, _session: &ScimSession) -> Vec<ScimUserRecord> {
        self.read(|state| {
            let users =
                live_objects(state, ScimKind::User).filter_map(|object| user_record(state, object));
            oldest_first(users, |r| {
                (&r.object, r.user.user_principal_name.to_lowercase())
            })
        })
    }

    pub fn scim_user(&self, _session: &ScimSession, id: Uuid) -> Option<ScimUserRecord> {
        self.read(|state| {
            let object = rules::live_object(state, ScimKind::User, id).ok()?;
            user_record(state, object)
        })
    }

    /// The live SCIM groups with their members, oldest first (then by name).
    pub fn scim_groups(&self, _session: &ScimSession) -> Vec<ScimGroupRecord> {
        let now = self.now();
        self.read(|state| {
            let groups = live_objects(state, ScimKind::Group)
                .filter_map(|object| group_record(state, object, now));
            oldest_first(groups, |r| (&r.object, r.group.display_name.clone()))
        })
    }

    pub fn scim_group(&self, _session: &ScimSession, id: Uuid) -> Option<ScimGroupRecord> {
        let now = self.now();
        self.read(|state| {
            let object = rules::live_object(state, ScimKind::Group, id).ok()?;
            group_record(state, object, now)
        })
    }

    /// Decides a SCIM write as the session's token, if it is still live, and commits it unless it
    /// would take away the last Global Administrator. Refusals of business rules are audited.
    async fn provision<T: Send + 'static>(
        &self,
        session: &ScimSession,
        meta: &CallMeta,
        attempt: Attempt,
        rule: impl FnOnce(&State, &Context, &Provisioner) -> Result<(Decision, T), Violation>
            + Send
            + 'static,
    ) -> AppResult<Committed<T>> {
        let hash = session.hash.clone();
        let (outcome, revision) = self
            .write_scim(meta, move |state, ctx| {
                let provisioner = match rules::provisioner(state, &hash) {
                    Ok(provisioner) => provisioner,
                    Err(why) => {
                        let record = rules::refused_use(state, ctx, &hash, &why.message);
                        return (Decision::new().audit(record), Err(why));
                    }
                };
                let guarded = rule(state, ctx, &provisioner).and_then(|(mut decision, value)| {
                    last_admin::guard(state, &decision, ctx.now)?;
                    // Events the shared rules record (a group's deletion) name no user either.
                    for record in &mut decision.audit {
                        record.actor = None;
                    }
                    Ok((decision, value))
                });
                match guarded {
                    Ok((decision, value)) => (decision, Ok(value)),
                    Err(violation) if violation.is_business_rule() => {
                        let mut record = refusal(ctx, &attempt, &violation);
                        record.actor = None;
                        (Decision::new().audit(record), Err(violation))
                    }
                    Err(violation) => (Decision::new(), Err(violation)),
                }
            })
            .await?;
        let value = outcome.map_err(|violation| match violation.code {
            stint_core::ErrorCode::Unauthenticated => AppError::Unauthenticated,
            _ => AppError::Rule(violation),
        })?;
        Ok(Committed {
            value,
            revision: revision.unwrap_or_else(|| self.revision()),
        })
    }

    /// Writes as no user, the way SCIM calls decide.
    async fn write_scim<T: Send + 'static>(
        &self,
        meta: &CallMeta,
        decide: impl FnOnce(&State, &Context) -> (Decision, T) + Send + 'static,
    ) -> AppResult<(T, Option<u64>)> {
        let freshness = self.config.mfa_freshness;
        let (request_id, client) = (meta.request_id.clone(), meta.client.clone());
        self.write(move |state, now| {
            let nobody = Caller {
                user: UserId(Uuid::nil()),
                roles: Vec::new(),
            };
            let ctx = Context::new(&nobody, now, Uuid::new_v4)
                .with_correlation(request_id, client)
                .with_mfa(None, freshness);
            decide(state, &ctx)
        })
        .await
    }
}

/// Each `name(arg: Type, ..) -> Value = (attempt, rule);` makes the method
/// `App::name(&self, session, meta, arg, ..) -> AppResult<Committed<Value>>`, which decides
/// `rule(state, ctx, provisioner, arg, ..)` as the session's token (see `App::provision`).
macro_rules! provision_use_cases {
    ($(
        $(#[$attr:meta])*
        $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $value:ty = ($attempt:expr, $rule:path);
    )*) => {
        impl App {
            $(
                $(#[$attr])*
                pub async fn $name(
                    &self,
                    session: &ScimSession,
                    meta: &CallMeta,
                    $($arg: $ty),*
                ) -> AppResult<Committed<$value>> {
                    let attempt: Attempt = $attempt;
                    self.provision(session, meta, attempt, move |state, ctx, provisioner| {
                        $rule(state, ctx, provisioner, $($arg),*).map(Provisioned::split)
                    })
                    .await
                }
            )*
        }
    };
}

provision_use_cases! {
    /// M2: creates a user; answers its id.
    scim_create_user(input: ScimUserInput) -> Uuid = (
        Attempt::new("scim.user.create", "user", "-"),
        rules::create_user);
    /// M2, M3: replaces a user with what `edit` makes of it, if `expected` is its version.
    scim_write_user(
        id: Uuid,
        expected: Option<u64>,
        edit: impl FnOnce(&User, &ScimObject) -> Result<ScimUserInput, Violation> + Send + 'static,
    ) -> () = (Attempt::new("scim.user.update", "user", id), rules::write_user);
    /// M3: deletes (disables for good and hides) a user.
    scim_delete_user(id: Uuid, expected: Option<u64>) -> () = (
        Attempt::new("scim.user.delete", "user", id),
        rules::delete_user);
    /// M2: creates a group with its members; answers its id.
    scim_create_group(input: ScimGroupInput) -> Uuid = (
        Attempt::new("scim.group.create", "group", "-"),
        rules::create_group);
    /// M2: replaces a group with what `edit` makes of it and its members, if `expected` is its
    /// version.
    scim_write_group(
        id: Uuid,
        expected: Option<u64>,
        edit: impl FnOnce(&Group, &ScimObject, &BTreeSet<Uuid>) -> Result<ScimGroupInput, Violation>
            + Send
            + 'static,
    ) -> () = (Attempt::new("scim.group.update", "group", id), rules::write_group);
    /// M2: deletes a group.
    scim_delete_group(id: Uuid, expected: Option<u64>) -> () = (
        Attempt::new("scim.group.delete", "group", id),
        rules::delete_group);
}

/// What a SCIM rule decides, split into the decision and what its use case answers: the id of
/// the user or group it made, or nothing.
trait Provisioned {
    type Value;
    fn split(self) -> (Decision, Self::Value);
}

impl Provisioned for Decision {
    type Value = ();
    fn split(self) -> (Decision, ()) {
        (self, ())
    }
}

impl<Id: Into<Uuid>> Provisioned for (Decision, Id) {
    type Value = Uuid;
    fn split(self) -> (Decision, Uuid) {
        (self.0, self.1.into())
    }
}

fn live_objects(state: &State, kind: ScimKind) -> impl Iterator<Item = &ScimObject> {
    state
        .scim_objects
        .values()
        .filter(move |object| object.kind == kind && object.is_live())
}

/// `records` oldest first, then by the name `key` gives with its object, then by id, so that
/// pages are stable.
fn oldest_first<R, N: Ord>(
    records: impl Iterator<Item = R>,
    key: impl Fn(&R) -> (&ScimObject, N),
) -> Vec<R> {
    let mut records: Vec<R> = records.collect();
    records.sort_by_key(|record| {
        let (object, name) = key(record);
        (object.created_at, name, object.id)
    });
    records
}

fn user_record(state: &State, object: &ScimObject) -> Option<ScimUserRecord> {
    let user = state.users.get(&UserId(object.id))?;
    Some(ScimUserRecord {
        user: user.clone(),
        object: object.clone(),
    })
}

fn group_record(
    state: &State,
    object: &ScimObject,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<ScimGroupRecord> {
    let group = state.live_group(GroupId(object.id))?;
    let members = rules::members_of(state, group.id, now)
        .into_iter()
        .filter_map(|id| {
            let object = state.scim_objects.get(&id)?;
            Some(ScimMember {
                id,
                kind: object.kind,
            })
        })
        .collect();
    Some(ScimGroupRecord {
        group: group.clone(),
        object: object.clone(),
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m1_a_secret_is_high_entropy_and_never_shown_by_debug() {
        let secret = ScimSecret::generate();
        let made = MadeScimToken {
            token: ScimToken {
                id: ScimTokenId(Uuid::nil()),
                display_name: "Entra ID".into(),
                hash: TokenHash::of(secret.expose()),
                created_at: chrono::DateTime::UNIX_EPOCH,
                created_by: UserId(Uuid::nil()),
                revoked_at: None,
            },
            secret: secret.clone(),
        };
        let shown = format!("{made:?}");
        assert!(!shown.contains(secret.expose()), "{shown}");
        assert!(!shown.contains(&made.token.hash.0), "{shown}");
        assert!(secret.expose().starts_with("stint_scim_"));
        assert_eq!(secret.expose().len(), "stint_scim_".len() + 43);
        assert_ne!(ScimSecret::generate(), secret);
    }
}
