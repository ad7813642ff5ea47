//! SCIM provisioning (M1–M3).

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::auth::TokenHash;
use crate::authz::Caller;
use crate::directory::BuiltInRole::*;
use crate::ids::{GroupId, UserId};
use crate::rules::directory::add_direct;
use crate::rules::fixture::*;
use crate::rules::onboarding::why_not_manageable;
use crate::rules::scim::*;
use crate::rules::Context;
use crate::schedule::Access;
use crate::scim::{ScimEmail, ScimToken};
use crate::spec::Rule;
use crate::violation::ErrorCode;

const SECRET: &str = "scim-secret";

/// A live token made by a Global Administrator.
fn with_token(f: &mut Fixture) -> ScimToken {
    let admin = f.admin("root", GlobalAdministrator);
    let (decision, token) = create_token(
        &f.state,
        &f.context(admin, t0()),
        "Entra ID",
        TokenHash::of(SECRET),
    )
    .unwrap();
    f.commit(decision);
    token
}

/// The context a SCIM call decides in: no user.
fn scim_context(f: &Fixture) -> Context<'static> {
    let nobody: &'static Caller = Box::leak(Box::new(Caller {
        user: UserId(Uuid::nil()),
        roles: Vec::new(),
    }));
    let mut ctx = f.context(UserId(Uuid::nil()), t0());
    ctx.caller = nobody;
    ctx
}

fn person(name: &str) -> ScimUserInput {
    ScimUserInput {
        user_name: format!("{name}@contoso.test"),
        emails: vec![ScimEmail {
            value: format!("{name}@mail.contoso.test"),
            kind: Some("work".into()),
            primary: false,
        }],
        ..ScimUserInput::default()
    }
}

fn provisioned_user(f: &mut Fixture, name: &str) -> UserId {
    let hash = TokenHash::of(SECRET);
    let provisioner = provisioner(&f.state, &hash).unwrap();
    let (decision, id) =
        create_user(&f.state, &scim_context(f), &provisioner, person(name)).unwrap();
    f.commit(decision);
    id
}

fn provisioned_group(f: &mut Fixture, members: &[UserId]) -> GroupId {
    let hash = TokenHash::of(SECRET);
    let provisioner = provisioner(&f.state, &hash).unwrap();
    let input = ScimGroupInput {
        display_name: "DBAs".into(),
        external_id: None,
        members: members.iter().map(|user| user.0).collect(),
    };
    let (decision, id) = create_group(&f.state, &scim_context(f), &provisioner, input).unwrap();
    f.commit(decision);
    id
}

#[test]
fn m1_only_global_and_privileged_role_administrators_make_provisioning_tokens() {
    let mut f = Fixture::new();
    let groups_admin = f.admin("groups", GroupsAdministrator);
    let privileged = f.admin("pra", PrivilegedRoleAdministrator);
    let hash = TokenHash::of(SECRET);
    let refused =
        create_token(&f.state, &f.context(groups_admin, t0()), "x", hash.clone()).unwrap_err();
    assert_eq!(refused.code, ErrorCode::AuthorizationRequestDenied);
    assert_eq!(refused.rule, Some(Rule::M1));
    let (decision, token) =
        create_token(&f.state, &f.context(privileged, t0()), " Okta ", hash).unwrap();
    assert_eq!(token.display_name, "Okta");
    assert_eq!(decision.audit[0].action, "scimToken.create");
    assert!(!decision.audit[0].message.contains(SECRET));
}

#[test]
fn m1_a_revoked_token_is_no_provisioner_and_its_use_is_audited_by_name() {
    let mut f = Fixture::new();
    let token = with_token(&mut f);
    let admin = token.created_by;
    let hash = TokenHash::of(SECRET);
    assert!(provisioner(&f.state, &hash).is_ok());
    let decision = revoke_token(&f.state, &f.context(admin, t0()), token.id).unwrap();
    f.commit(decision);
    let refused = provisioner(&f.state, &hash).unwrap_err();
    assert_eq!(refused.code, ErrorCode::Unauthenticated);
    let record = refused_use(&f.state, &scim_context(&f), &hash, &refused.message);
    assert_eq!(record.action, "scim.authFailed");
    assert_eq!(record.target_id, token.id.to_string());
    assert!(record.message.contains("Entra ID"), "{}", record.message);
    assert!(revoke_token(&f.state, &f.context(admin, t0()), token.id).is_err());
}

#[test]
fn m2_scim_users_take_user_name_mail_and_display_name_and_names_stay_unique() {
    let mut f = Fixture::new();
    with_token(&mut f);
    let id = provisioned_user(&mut f, "ada");
    let user = &f.state.users[&id];
    assert_eq!(user.user_principal_name, "ada@contoso.test");
    assert_eq!(user.display_name, "ada@contoso.test");
    assert_eq!(user.mail.as_deref(), Some("ada@mail.contoso.test"));
    let hash = TokenHash::of(SECRET);
    let provisioner = provisioner(&f.state, &hash).unwrap();
    let taken = create_user(&f.state, &scim_context(&f), &provisioner, person("ada")).unwrap_err();
    assert_eq!(taken.code, ErrorCode::ObjectConflict);
    assert_eq!(taken.field, Some("userName"));
}

#[test]
fn m2_scim_touches_only_what_it_created_and_its_groups_are_mastered_by_the_provider() {
    let mut f = Fixture::new();
    let token = with_token(&mut f);
    let local = f.user("local");
    let hash = TokenHash::of(SECRET);
    let provisioner = provisioner(&f.state, &hash).unwrap();
    let untouchable = write_user(
        &f.state,
        &scim_context(&f),
        &provisioner,
        local.0,
        None,
        |_, _| Ok(person("local")),
    )
    .unwrap_err();
    assert_eq!(untouchable.code, ErrorCode::ResourceNotFound);
    let foreign = create_group(
        &f.state,
        &scim_context(&f),
        &provisioner,
        ScimGroupInput {
            display_name: "x".into(),
            external_id: None,
            members: BTreeSet::from([local.0]),
        },
    )
    .unwrap_err();
    assert_eq!(foreign.field, Some("members"));

    let group = provisioned_group(&mut f, &[]);
    assert!(why_not_manageable(&f.state.groups[&group]).is_some());
    let by_graph = add_direct(
        &f.state,
        &f.context(token.created_by, t0()),
        group,
        local.into(),
        Access::Member,
    )
    .unwrap_err();
    assert_eq!(by_graph.code, ErrorCode::GroupMasteredByIdentityProvider);
    assert_eq!(by_graph.rule, Some(Rule::M2));
}

#[test]
fn m3_deactivating_or_deleting_a_scim_user_ends_membership_and_keeps_the_user() {
    let mut f = Fixture::new();
    with_token(&mut f);
    let ada = provisioned_user(&mut f, "ada");
    let bob = provisioned_user(&mut f, "bob");
    let group = provisioned_group(&mut f, &[ada, bob]);
    assert!(f.state.is_effective_member(ada.into(), group, t0()));
    let hash = TokenHash::of(SECRET);

    let provisioner_now = provisioner(&f.state, &hash).unwrap();
    let decision = write_user(
        &f.state,
        &scim_context(&f),
        &provisioner_now,
        ada.0,
        Some(1),
        |_, _| {
            Ok(ScimUserInput {
                active: Some(false),
                ..person("ada")
            })
        },
    )
    .unwrap();
    assert!(decision.audit[0].message.contains("M3"));
    f.commit(decision);
    assert!(!f.state.users[&ada].account_enabled);
    assert!(!f.state.is_effective_member(ada.into(), group, t0()));
    let stale = write_user(
        &f.state,
        &scim_context(&f),
        &provisioner(&f.state, &hash).unwrap(),
        ada.0,
        Some(1),
        |_, _| Ok(person("ada")),
    )
    .unwrap_err();
    assert_eq!(stale.code, ErrorCode::PreconditionFailed);

    let decision = delete_user(
        &f.state,
        &scim_context(&f),
        &provisioner(&f.state, &hash).unwrap(),
        bob.0,
        None,
    )
    .unwrap();
    f.commit(decision);
    assert!(f.state.users.contains_key(&bob));
    assert!(!f.state.is_effective_member(bob.into(), group, t0()));
    assert!(live_object(&f.state, crate::scim::ScimKind::User, bob.0).is_err());
}

#[test]
fn m2_removing_a_member_from_a_scim_group_ends_the_membership_at_once() {
    let mut f = Fixture::new();
    with_token(&mut f);
    let ada = provisioned_user(&mut f, "ada");
    let group = provisioned_group(&mut f, &[ada]);
    let hash = TokenHash::of(SECRET);
    let decision = write_group(
        &f.state,
        &scim_context(&f),
        &provisioner(&f.state, &hash).unwrap(),
        group.0,
        None,
        |group, object, members| {
            assert!(members.contains(&ada.0));
            Ok(ScimGroupInput {
                display_name: group.display_name.clone(),
                external_id: object.external_id.clone(),
                members: BTreeSet::new(),
            })
        },
    )
    .unwrap();
    f.commit(decision);
    assert!(!f.state.is_effective_member(ada.into(), group, t0()));
    assert!(members_of(&f.state, group, t0()).is_empty());
}
