//! M2, M3: users that SCIM creates, changes, deactivates and deletes.
//!
//! `userName` is the user principal name (unique, D1), `displayName` (else `name.formatted`,
//! else the given and family names, else `userName`) the display name, `active` whether the
//! account is enabled, the primary (else first work, else first) address the `mail`.

use uuid::Uuid;

use super::{check_external_id, current, fresh, hidden, touched, Provisioner};
use crate::change::{Change, Decision};
use crate::directory::{PasswordHash, User};
use crate::ids::UserId;
use crate::names::check_name;
use crate::rules::directory::check_mail;
use crate::rules::{end_sessions, AuditRecordExt, Context};
use crate::scim::{mail_of, ScimEmail, ScimKind, ScimName, ScimObject};
use crate::spec::Rule;
use crate::state::State;
use crate::violation::{ErrorCode, Violation};

/// A user as SCIM writes it, already read from the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScimUserInput {
    pub user_name: String,
    pub display_name: Option<String>,
    pub name: ScimName,
    pub emails: Vec<ScimEmail>,
    /// Absent is enabled.
    pub active: Option<bool>,
    pub external_id: Option<String>,
}

impl ScimUserInput {
    /// The display name the directory shows.
    fn display_name(&self) -> String {
        let given_and_family = [&self.name.given_name, &self.name.family_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        [self.display_name.clone(), self.name.formatted.clone()]
            .into_iter()
            .flatten()
            .chain([given_and_family])
            .find(|name| !name.trim().is_empty())
            .unwrap_or_else(|| self.user_name.clone())
    }

    fn check(&self) -> Result<(), Violation> {
        if self.user_name.trim().is_empty() {
            return Err(Violation::bad_request("userName", "userName is required.").rule(Rule::M2));
        }
        check_name("userName", &self.user_name)?;
        check_name("displayName", &self.display_name())?;
        check_external_id(self.external_id.as_deref())?;
        for email in &self.emails {
            check_mail(&email.value).map_err(|_| {
                Violation::bad_request(
                    "emails",
                    "each of emails must be an address such as alice@contoso.com.",
                )
            })?;
        }
        Ok(())
    }
}

/// M2: a new user from SCIM. A `userName` that any user has already is a conflict (D1), whoever
/// created that user.
pub fn create_user(
    state: &State,
    ctx: &Context,
    provisioner: &Provisioner,
    input: ScimUserInput,
) -> Result<(Decision, UserId), Violation> {
    input.check()?;
    refuse_taken_name(state, &input.user_name, None)?;
    let user = User {
        id: UserId(ctx.fresh_id()),
        user_principal_name: input.user_name.clone(),
        display_name: input.display_name(),
        account_enabled: input.active.unwrap_or(true),
        // Provisioned people sign in through the identity provider; no password matches this.
        password_hash: PasswordHash(String::new()),
        created_at: ctx.now,
        authenticator: None,
        recent_failed_codes: Vec::new(),
        mail: mail_of(&input.emails).map(str::to_owned),
        identities: Vec::new(),
        time_zone: None,
    };
    let object = ScimObject {
        display_name: input.display_name,
        active: input.active,
        name: input.name,
        emails: input.emails,
        ..fresh(user.id.0, ScimKind::User, input.external_id, ctx.now)
    };
    let event = provisioner
        .event(ctx, "scim.user.create", "user", user.id)
        .about(None, Some(user.id.into()))
        .saying(format!(
            "Created user {}{}.",
            user.user_principal_name,
            provisioner.over_scim()
        ));
    let id = user.id;
    let decision = Decision::of(Change::User(user), event).change(Change::ScimObject(object));
    Ok((decision, id))
}

/// M2, M3: replaces a SCIM user with what `edit` makes of its current version (a PUT, or a
/// PATCH applied to it), if `expected` is its version. Deactivating it disables the account at
/// once: its effective membership ends (D1) and its tokens are revoked (F4).
pub fn write_user(
    state: &State,
    ctx: &Context,
    provisioner: &Provisioner,
    id: Uuid,
    expected: Option<u64>,
    edit: impl FnOnce(&User, &ScimObject) -> Result<ScimUserInput, Violation>,
) -> Result<Decision, Violation> {
    let (current, object) = scim_user(state, id, expected)?;
    let input = edit(current, object)?;
    input.check()?;
    refuse_taken_name(state, &input.user_name, Some(current.id))?;
    let user = User {
        user_principal_name: input.user_name.clone(),
        display_name: input.display_name(),
        account_enabled: input.active.unwrap_or(true),
        mail: mail_of(&input.emails).map(str::to_owned),
        ..current.clone()
    };
    let object = ScimObject {
        external_id: input.external_id,
        display_name: input.display_name,
        active: input.active,
        name: input.name,
        emails: input.emails,
        ..touched(object, ctx.now)
    };
    let mut decision = Decision::new();
    let mut said = format!(
        "Changed user {}{}",
        user.user_principal_name,
        provisioner.over_scim()
    );
    if current.account_enabled && !user.account_enabled {
        let ended = end_sessions(state, user.id, &mut decision);
        said = format!(
            "Deactivated user {}{} (M3): their effective membership ended and {ended} session(s) were revoked",
            user.user_principal_name,
            provisioner.over_scim()
        );
    }
    decision.push(Change::User(user));
    decision.push(Change::ScimObject(object));
    decision.record(
        provisioner
            .event(ctx, "scim.user.update", "user", id)
            .about(None, Some(current.id.into()))
            .saying(format!("{said}.")),
    );
    Ok(decision)
}

/// M3: a SCIM delete disables the user for good and hides it from SCIM; the user stays in the
/// directory, so its history still resolves, and its name stays taken.
pub fn delete_user(
    state: &State,
    ctx: &Context,
    provisioner: &Provisioner,
    id: Uuid,
    expected: Option<u64>,
) -> Result<Decision, Violation> {
    let (current, object) = scim_user(state, id, expected)?;
    let mut decision = Decision::new();
    let ended = end_sessions(state, current.id, &mut decision);
    decision.push(Change::User(User {
        account_enabled: false,
        ..current.clone()
    }));
    decision.push(hidden(object, ctx.now));
    decision.record(
        provisioner
            .event(ctx, "scim.user.delete", "user", id)
            .about(None, Some(current.id.into()))
            .saying(format!(
                "Deleted user {}{} (M3): disabled for good, their effective membership ended and {ended} session(s) were revoked.",
                current.user_principal_name,
                provisioner.over_scim()
            )),
    );
    Ok(decision)
}

fn scim_user(
    state: &State,
    id: Uuid,
    expected: Option<u64>,
) -> Result<(&User, &ScimObject), Violation> {
    current(state, (ScimKind::User, "User"), id, expected, |state| {
        state.users.get(&UserId(id))
    })
}

/// D1: `name` is no other user's.
fn refuse_taken_name(state: &State, name: &str, own: Option<UserId>) -> Result<(), Violation> {
    match state.user_by_name(name) {
        Some(other) if Some(other.id) != own => Err(Violation::new(
            ErrorCode::ObjectConflict,
            format!("Another user already has the userName '{name}'."),
        )
        .rule(Rule::D1)
        .field("userName")),
        _ => Ok(()),
    }
}
