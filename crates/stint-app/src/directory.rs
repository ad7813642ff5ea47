//! Directory use cases (SPEC D1–D8): users, groups, members and owners, roles, administrative units.

use stint_core::directory::{
    AdministrativeUnit, BuiltInRole, DirectoryScope, Group, RoleAssignment, User,
};
use stint_core::ids::{AdministrativeUnitId, GroupId, PrincipalId, RoleAssignmentId, UserId};
use stint_core::rules::directory::{self as rules, GroupPatch, NewGroup, NewUser, UserPatch};
use stint_core::schedule::Access;
use uuid::Uuid;

use crate::engine::Attempt;
use crate::error::AppResult;
use crate::password::Password;
use crate::{App, CallMeta, Committed, Session};

/// A new user as an administrator describes it.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub user_principal_name: String,
    pub display_name: String,
    pub account_enabled: bool,
    pub password: Password,
    pub mail: Option<String>,
}

/// Changes to a user; `password` resets it (D8).
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub account_enabled: Option<bool>,
    pub password: Option<Password>,
    /// `Some(None)` removes the address.
    pub mail: Option<Option<String>>,
}

impl App {
    pub async fn create_user(
        &self,
        session: &Session,
        meta: &CallMeta,
        input: UserInput,
    ) -> AppResult<Committed<User>> {
        let password_hash = self.passwords.hash(input.password).await?;
        let new_user = NewUser {
            user_principal_name: input.user_principal_name,
            display_name: input.display_name,
            account_enabled: input.account_enabled,
            password_hash,
            mail: input.mail,
        };
        let attempt = Attempt::new("user.create", "user", &new_user.user_principal_name);
        self.decide(session, meta, attempt, move |state, ctx| {
            rules::create_user(state, ctx, new_user.clone())
        })
        .await
    }

    pub async fn update_user(
        &self,
        session: &Session,
        meta: &CallMeta,
        id: UserId,
        changes: UserChanges,
    ) -> AppResult<Committed<User>> {
        let password_hash = match changes.password {
            Some(password) => Some(self.passwords.hash(password).await?),
            None => None,
        };
        let patch = UserPatch {
            display_name: changes.display_name,
            account_enabled: changes.account_enabled,
            password_hash,
            mail: changes.mail,
        };
        let attempt = Attempt::new("user.update", "user", id).about(None, Some(id.into()));
        self.decide(session, meta, attempt, move |state, ctx| {
            rules::update_user(state, ctx, id, patch.clone())
        })
        .await
    }

    pub async fn create_group(
        &self,
        session: &Session,
        meta: &CallMeta,
        input: NewGroup,
    ) -> AppResult<Committed<Group>> {
        let attempt = Attempt::new("group.create", "group", &input.display_name);
        self.decide(session, meta, attempt, move |state, ctx| {
            rules::create_group(state, ctx, input.clone())
        })
        .await
    }

    pub async fn update_group(
        &self,
        session: &Session,
        meta: &CallMeta,
        id: GroupId,
        patch: GroupPatch,
    ) -> AppResult<Committed<Group>> {
        let attempt = Attempt::new("group.update", "group", id).about(Some(id), None);
        self.decide(session, meta, attempt, move |state, ctx| {
            rules::update_group(state, ctx, id, patch.clone())
        })
        .await
    }

    pub async fn delete_group(
        &self,
        session: &Session,
        meta: &CallMeta,
        id: GroupId,
    ) -> AppResult<Committed<()>> {
        let attempt = Attempt::new("group.delete", "group", id).about(Some(id), None);
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            rules::delete_group(state, ctx, id)
        })
        .await
    }

    /// D7: `POST /groups/{id}/members/$ref` and `owners/$ref`.
    pub async fn add_to_group(
        &self,
        session: &Session,
        meta: &CallMeta,
        group: GroupId,
        principal: PrincipalId,
        access: Access,
    ) -> AppResult<Committed<()>> {
        let attempt = Attempt::new(format!("group.{access}.add"), "group", group)
            .about(Some(group), Some(principal));
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            rules::add_direct(state, ctx, group, principal, access)
        })
        .await
    }

    /// D7: `DELETE /groups/{id}/members/{memberId}/$ref` and the owners equivalent.
    pub async fn remove_from_group(
        &self,
        session: &Session,
        meta: &CallMeta,
        group: GroupId,
        principal: PrincipalId,
        access: Access,
    ) -> AppResult<Committed<()>> {
        let attempt = Attempt::new(format!("group.{access}.remove"), "group", group)
            .about(Some(group), Some(principal));
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            rules::remove_direct(state, ctx, group, principal, access)
        })
        .await
    }

    pub async fn assign_role(
        &self,
        session: &Session,
        meta: &CallMeta,
        principal: PrincipalId,
        role: BuiltInRole,
        scope: DirectoryScope,
    ) -> AppResult<Committed<RoleAssignment>> {
        let attempt = Attempt::new("roleAssignment.create", "roleAssignment", role.id())
            .about(None, Some(principal));
        self.decide(session, meta, attempt, move |state, ctx| {
            rules::create_role_assignment(state, ctx, principal, role, scope)
        })
        .await
    }

    pub async fn remove_role_assignment(
        &self,
        session: &Session,
        meta: &CallMeta,
        id: RoleAssignmentId,
    ) -> AppResult<Committed<()>> {
        let attempt = Attempt::new("roleAssignment.delete", "roleAssignment", id);
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            rules::delete_role_assignment(state, ctx, id)
        })
        .await
    }

    pub async fn create_administrative_unit(
        &self,
        session: &Session,
        meta: &CallMeta,
        display_name: String,
        description: Option<String>,
    ) -> AppResult<Committed<AdministrativeUnit>> {
        let attempt = Attempt::new(
            "administrativeUnit.create",
            "administrativeUnit",
            &display_name,
        );
        self.decide(session, meta, attempt, move |_, ctx| {
            rules::create_unit(ctx, display_name.clone(), description.clone())
        })
        .await
    }

    pub async fn change_unit_member(
        &self,
        session: &Session,
        meta: &CallMeta,
        unit: AdministrativeUnitId,
        member: Uuid,
        add: bool,
    ) -> AppResult<Committed<()>> {
        let verb = if add { "add" } else { "remove" };
        let attempt = Attempt::new(
            format!("administrativeUnit.member.{verb}"),
            "administrativeUnit",
            unit,
        )
        .about(None, Some(PrincipalId(member)));
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            rules::change_unit_member(state, ctx, unit, member, add)
        })
        .await
    }
}
