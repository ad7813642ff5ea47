//! O1–O3: who an identity provider's person is, whether their MFA counts, who keeps passwords.

use super::*;
use crate::directory::BuiltInRole;
use crate::rules::fixture::{minutes, t0, Fixture};

const ISSUER: &str = "https://idp.example";

fn identity(subject: &str, email: &str, verified: bool) -> FederatedIdentity {
    FederatedIdentity {
        issuer: ISSUER.into(),
        subject: subject.into(),
        email: Some(email.into()),
        email_verified: verified,
        preferred_username: Some(email.into()),
        ..FederatedIdentity::default()
    }
}

fn with_mail(fixture: &mut Fixture, name: &str, mail: &str) -> UserId {
    let id = fixture.user(name);
    let mut user = fixture.state.users[&id].clone();
    user.mail = Some(mail.into());
    fixture.state.apply(Change::User(user));
    id
}

fn sign_in(
    fixture: &mut Fixture,
    who: &FederatedIdentity,
    enrolment: Enrolment,
) -> FederatedSignIn {
    let nobody = UserId(uuid::Uuid::nil());
    let ctx = fixture.context(nobody, t0());
    let outcome = federated_sign_in(&fixture.state, &ctx, who, enrolment, None);
    fixture.commit(outcome.decision.clone());
    outcome
}

const BY_EMAIL: Enrolment = Enrolment {
    link_by_email: true,
    create_users: false,
};

#[test]
fn o1_a_verified_email_links_once_and_later_sign_ins_go_by_iss_and_sub() {
    let mut fixture = Fixture::new();
    let alice = with_mail(&mut fixture, "alice", "alice@example.com");
    let who = identity("a-1", "alice@example.com", true);
    let first = sign_in(&mut fixture, &who, BY_EMAIL);
    assert_eq!(first.result.map(|(user, _)| user), Ok(alice));
    let actions: Vec<_> = first
        .decision
        .audit
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, ["auth.identityLinked", "auth.signIn"]);
    assert_eq!(fixture.state.users[&alice].identities.len(), 1);

    // Another address now: the link holds, and nothing is linked twice.
    let moved = identity("a-1", "alice@elsewhere.example", false);
    let again = sign_in(&mut fixture, &moved, Enrolment::default());
    assert_eq!(again.result.map(|(user, _)| user), Ok(alice));
    assert_eq!(fixture.state.users[&alice].identities.len(), 1);
}

#[test]
fn o1_unverified_or_unknown_or_disabled_is_refused_and_audited() {
    let mut fixture = Fixture::new();
    let bob = with_mail(&mut fixture, "bob", "bob@example.com");
    let unverified = sign_in(
        &mut fixture,
        &identity("b-1", "bob@example.com", false),
        BY_EMAIL,
    );
    assert!(unverified.result.is_err());
    assert!(fixture.state.users[&bob].identities.is_empty());
    assert_eq!(unverified.decision.audit[0].action, "auth.signInFailed");

    let unknown = sign_in(
        &mut fixture,
        &identity("c-1", "carol@example.com", true),
        BY_EMAIL,
    );
    let refusal = unknown.result.unwrap_err();
    assert_eq!(refusal.rule, Some(Rule::O1));
    assert!(
        refusal.message.contains("no account"),
        "{}",
        refusal.message
    );

    sign_in(
        &mut fixture,
        &identity("b-1", "bob@example.com", true),
        BY_EMAIL,
    );
    fixture.disable(bob);
    let disabled = sign_in(
        &mut fixture,
        &identity("b-1", "bob@example.com", true),
        BY_EMAIL,
    );
    assert!(disabled.result.unwrap_err().message.contains("disabled"));
}

#[test]
fn o1_create_users_makes_a_passwordless_user_linked_to_the_identity() {
    let mut fixture = Fixture::new();
    let create = Enrolment {
        link_by_email: false,
        create_users: true,
    };
    let who = identity("d-1", "dana@example.com", true);
    let (dana, _) = sign_in(&mut fixture, &who, create).result.unwrap();
    let user = &fixture.state.users[&dana];
    assert_eq!(user.user_principal_name, "dana@example.com");
    assert_eq!(user.mail.as_deref(), Some("dana@example.com"));
    assert!(user.password_hash.0.is_empty());
    // A second identity with the same name is refused rather than given the same user.
    let twin = identity("d-2", "dana@example.com", true);
    assert!(sign_in(&mut fixture, &twin, create).result.is_err());
}

#[test]
fn o2_mfa_counts_by_amr_or_the_configured_acr_while_auth_time_is_fresh() {
    let mut who = identity("e-1", "e@example.com", true);
    who.auth_time = Some(t0() - minutes(2));
    let fresh = minutes(10);
    assert_eq!(federated_mfa_at(&who, None, t0(), fresh), None);
    who.amr = vec!["pwd".into(), "hwk".into()];
    assert_eq!(federated_mfa_at(&who, None, t0(), fresh), who.auth_time);
    assert_eq!(federated_mfa_at(&who, None, t0() + minutes(9), fresh), None);
    who.amr = vec!["pwd".into()];
    who.acr = Some("c1".into());
    assert_eq!(
        federated_mfa_at(&who, Some("c1"), t0(), fresh),
        who.auth_time
    );
    assert_eq!(federated_mfa_at(&who, Some("c2"), t0(), fresh), None);
    // A provider clock a little ahead counts as now; far ahead, not at all.
    who.auth_time = Some(t0() + minutes(1));
    assert_eq!(federated_mfa_at(&who, Some("c1"), t0(), fresh), Some(t0()));
    who.auth_time = Some(t0() + minutes(5));
    assert_eq!(federated_mfa_at(&who, Some("c1"), t0(), fresh), None);
    who.auth_time = None;
    assert_eq!(federated_mfa_at(&who, Some("c1"), t0(), fresh), None);
}

#[test]
fn o3_passwords_for_administrators_only_or_nobody() {
    let mut fixture = Fixture::new();
    let admin = fixture.admin("root", BuiltInRole::PrivilegedRoleAdministrator);
    let user = fixture.user("user");
    let state = &fixture.state;
    assert!(password_allowed(state, user, t0(), LocalSignIn::On));
    assert!(password_allowed(state, admin, t0(), LocalSignIn::Admins));
    assert!(!password_allowed(state, user, t0(), LocalSignIn::Admins));
    assert!(!password_allowed(state, admin, t0(), LocalSignIn::Off));
}

fn provisioned(fixture: &mut Fixture, name: &str, external_id: &str) -> UserId {
    let id = fixture.user(name);
    fixture
        .state
        .apply(Change::ScimObject(crate::scim::ScimObject {
            id: id.0,
            kind: crate::scim::ScimKind::User,
            external_id: Some(external_id.into()),
            display_name: None,
            active: None,
            name: Default::default(),
            emails: Vec::new(),
            created_at: t0(),
            modified_at: t0(),
            version: 1,
            deleted_at: None,
        }));
    id
}

fn with_oid(subject: &str, oid: &str) -> FederatedIdentity {
    FederatedIdentity {
        issuer: ISSUER.into(),
        subject: subject.into(),
        link_claim: Some(LinkClaim {
            name: "oid".into(),
            value: oid.into(),
        }),
        ..FederatedIdentity::default()
    }
}

#[test]
fn o6_the_link_claim_links_the_scim_user_with_that_external_id_once() {
    let mut fixture = Fixture::new();
    let erin = provisioned(&mut fixture, "erin", "oid-erin");
    let first = sign_in(
        &mut fixture,
        &with_oid("e-1", "oid-erin"),
        Enrolment::default(),
    );
    assert_eq!(first.result.map(|(user, _)| user), Ok(erin));
    let linked = &first.decision.audit[0];
    assert_eq!(linked.action, "auth.identityLinked");
    assert!(
        linked
            .message
            .contains("by its oid claim matching the SCIM externalId"),
        "{}",
        linked.message
    );
    assert_eq!(fixture.state.users[&erin].identities.len(), 1);

    // Another identity of the same issuer with the same value is refused, not linked twice.
    let other = sign_in(
        &mut fixture,
        &with_oid("e-2", "oid-erin"),
        Enrolment::default(),
    );
    assert!(other
        .result
        .unwrap_err()
        .message
        .contains("another identity"));
    assert_eq!(other.decision.audit[0].action, "auth.signInFailed");
    assert_eq!(fixture.state.users[&erin].identities.len(), 1);
}

#[test]
fn o6_local_deleted_and_disabled_users_are_not_taken_by_the_claim() {
    let mut fixture = Fixture::new();
    // A local user, even one named like the value, is never matched.
    fixture.admin("oid-admin", BuiltInRole::GlobalAdministrator);
    let local = sign_in(
        &mut fixture,
        &with_oid("l-1", "oid-admin"),
        Enrolment::default(),
    );
    assert!(local.result.unwrap_err().message.contains("no account"));

    let gone = provisioned(&mut fixture, "gone", "oid-gone");
    let mut object = fixture.state.scim_objects[&gone.0].clone();
    object.deleted_at = Some(t0());
    fixture.state.apply(Change::ScimObject(object));
    let deleted = sign_in(
        &mut fixture,
        &with_oid("g-1", "oid-gone"),
        Enrolment::default(),
    );
    assert!(deleted.result.is_err());
    assert!(fixture.state.users[&gone].identities.is_empty());

    let frank = provisioned(&mut fixture, "frank", "oid-frank");
    fixture.disable(frank);
    let disabled = sign_in(
        &mut fixture,
        &with_oid("f-1", "oid-frank"),
        Enrolment::default(),
    );
    assert!(disabled.result.unwrap_err().message.contains("disabled"));
    assert!(fixture.state.users[&frank].identities.is_empty());
}

#[test]
fn o6_the_claim_comes_before_the_verified_email() {
    let mut fixture = Fixture::new();
    with_mail(&mut fixture, "grace", "grace@example.com");
    let provisioned_grace = provisioned(&mut fixture, "grace2", "oid-grace");
    let mut who = identity("g-1", "grace@example.com", true);
    who.link_claim = with_oid("g-1", "oid-grace").link_claim;
    let outcome = sign_in(&mut fixture, &who, BY_EMAIL);
    assert_eq!(outcome.result.map(|(user, _)| user), Ok(provisioned_grace));
}
