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
use crate::use_cases::rule_use_cases;
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
}

rule_use_cases! {
    create_group(input: NewGroup) -> Group = decide(
        Attempt::new("group.create", "group", &input.display_name),
        rules::create_group);
    update_group(id: GroupId, patch: GroupPatch) -> Group = decide(
        Attempt::new("group.update", "group", id).about(Some(id), None),
        rules::update_group);
    delete_group(id: GroupId) -> () = decide_alone(
        Attempt::new("group.delete", "group", id).about(Some(id), None),
        rules::delete_group);
    /// D7: `POST /groups/{id}/members/$ref` and `owners/$ref`.
    add_to_group(group: GroupId, principal: PrincipalId, access: Access) -> () = decide_alone(
        Attempt::new(format!("group.{access}.add"), "group", group)
            .about(Some(group), Some(principal)),
        rules::add_direct);
    /// D7: `DELETE /groups/{id}/members/{memberId}/$ref` and the owners equivalent.
    remove_from_group(group: GroupId, principal: PrincipalId, access: Access) -> () = decide_alone(
        Attempt::new(format!("group.{access}.remove"), "group", group)
            .about(Some(group), Some(principal)),
        rules::remove_direct);
    assign_role(principal: PrincipalId, role: BuiltInRole, scope: DirectoryScope)
        -> RoleAssignment = decide(
        Attempt::new("roleAssignment.create", "roleAssignment", role.id())
            .about(None, Some(principal)),
        rules::create_role_assignment);
    remove_role_assignment(id: RoleAssignmentId) -> () = decide_alone(
        Attempt::new("roleAssignment.delete", "roleAssignment", id),
        rules::delete_role_assignment);
    change_unit_member(unit: AdministrativeUnitId, member: Uuid, add: bool) -> () = decide_alone(
        Attempt::new(
            format!("administrativeUnit.member.{}", if add { "add" } else { "remove" }),
            "administrativeUnit",
            unit,
        )
        .about(None, Some(PrincipalId(member))),
        rules::change_unit_member);
}
