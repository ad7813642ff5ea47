//! M1: provisioning tokens, made and revoked by a [`ProvisioningManager`], and the
//! [`Provisioner`] a live one gives its bearer.
//!
//! [`ProvisioningManager`]: crate::authz::ProvisioningManager

use crate::audit::AuditRecord;
use crate::auth::TokenHash;
use crate::change::{Change, Decision};
use crate::ids::ScimTokenId;
use crate::names::check_name;
use crate::rules::{AuditRecordExt, Context};
use crate::scim::ScimToken;
use crate::spec::Rule;
use crate::state::State;
use crate::violation::{ErrorCode, Violation};

/// The longest display name of a token, in characters.
const MAX_NAME: usize = 200;

/// The authority of a live provisioning token: SCIM's writes need one.
#[derive(Clone, Copy, Debug)]
pub struct Provisioner<'s> {
    token: &'s ScimToken,
}

impl<'s> Provisioner<'s> {
    pub fn token(&self) -> &'s ScimToken {
        self.token
    }
}

/// M1: the provisioner that the token hashing to `hash` makes its bearer, if it is live.
pub fn provisioner<'s>(state: &'s State, hash: &TokenHash) -> Result<Provisioner<'s>, Violation> {
    let token = state.scim_tokens.values().find(|token| &token.hash == hash);
    match token {
        Some(token) if token.is_live() => Ok(Provisioner { token }),
        Some(_) => Err(unauthenticated("The provisioning token was revoked.")),
        None => Err(unauthenticated("No provisioning token has this value.")),
    }
}

fn unauthenticated(message: &str) -> Violation {
    Violation::new(ErrorCode::Unauthenticated, message).rule(Rule::M1)
}

/// M1, U1: the audit event of a refused use of `/scim/v2`: which token, if it is one, and why.
pub fn refused_use(state: &State, ctx: &Context, hash: &TokenHash, why: &str) -> AuditRecord {
    let token = state.scim_tokens.values().find(|token| &token.hash == hash);
    let (target, named) = match token {
        Some(token) => (
            token.id.to_string(),
            format!(" with the token '{}'", token.display_name),
        ),
        None => ("-".to_owned(), String::new()),
    };
    let mut record = ctx
        .event("scim.authFailed", "scimToken", target)
        .failed()
        .saying(format!("Refused a SCIM call{named}: {why}"));
    record.actor = None;
    record
}

/// M1: a new provisioning token named `display_name`, whose secret hashes to `hash` (made by
/// the caller's driver, so that this rule stays free of randomness).
pub fn create_token(
    state: &State,
    ctx: &Context,
    display_name: &str,
    hash: TokenHash,
) -> Result<(Decision, ScimToken), Violation> {
    ctx.authority(state).provisioning_manager()?;
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > MAX_NAME {
        return Err(Violation::bad_request(
            "displayName",
            format!("displayName must be 1 to {MAX_NAME} characters, such as 'Entra ID'."),
        )
        .rule(Rule::M1));
    }
    check_name("displayName", display_name)?;
    let token = ScimToken {
        id: ScimTokenId(ctx.fresh_id()),
        display_name: display_name.to_owned(),
        hash,
        created_at: ctx.now,
        created_by: ctx.caller.user,
        revoked_at: None,
    };
    let event = ctx
        .event("scimToken.create", "scimToken", token.id)
        .saying(format!(
            "Made the SCIM provisioning token '{display_name}'."
        ));
    Ok((Decision::of(Change::ScimToken(token.clone()), event), token))
}

/// M1: revokes a live token for good; SCIM calls with it are refused from now on.
pub fn revoke_token(state: &State, ctx: &Context, id: ScimTokenId) -> Result<Decision, Violation> {
    ctx.authority(state).provisioning_manager()?;
    let mut token = state
        .scim_tokens
        .get(&id)
        .filter(|token| token.is_live())
        .ok_or_else(|| Violation::not_found(format!("Provisioning token '{id}'")))?
        .clone();
    token.revoked_at = Some(ctx.now);
    let event = ctx
        .event("scimToken.revoke", "scimToken", id)
        .saying(format!(
            "Revoked the SCIM provisioning token '{}'.",
            token.display_name
        ));
    Ok(Decision::of(Change::ScimToken(token), event))
}
