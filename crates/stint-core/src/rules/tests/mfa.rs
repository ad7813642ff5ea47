//! TOTP enrolment, code checks, step-up and credential resets (SPEC I5, D8, U1).

use chrono::{DateTime, Utc};

use crate::audit::Outcome;
use crate::auth::{AccessToken, TokenHash};
use crate::directory::BuiltInRole::*;
use crate::directory::PasswordHash;
use crate::ids::UserId;
use crate::rules::fixture::*;
use crate::rules::mfa::{
    confirm, enrol, remove_authenticator, reset_credentials, sign_in_factor, step_up, verify_code,
    CodeCheck, MfaFailure, MAX_RECENT_FAILURES,
};
use crate::schedule::{Access, ScheduleKind};
use crate::spec::Rule;
use crate::totp::{code_at, code_for_step, step_at, TotpCode, TotpSecret};
use crate::violation::ErrorCode;
use crate::{Change, Decision};

fn secret() -> TotpSecret {
    TotpSecret::from_bytes(b"12345678901234567890".to_vec())
}

fn code(at: DateTime<Utc>) -> TotpCode {
    TotpCode::new(code_at(&secret(), at))
}

fn wrong_code(at: DateTime<Utc>) -> TotpCode {
    let right: u32 = code_at(&secret(), at).parse().unwrap();
    TotpCode::new(format!("{:06}", (right + 1) % 1_000_000))
}

/// Applies a code check's decision, as the application does whatever the result.
fn commit<T>(f: &mut Fixture, check: CodeCheck<T>) -> (Decision, Result<T, crate::Violation>) {
    let decision = check.decision.clone();
    f.commit(check.decision);
    (decision, check.result)
}

/// A user with a confirmed authenticator, confirmed with the code of `t0 - 1 minute`.
fn enrolled(f: &mut Fixture, name: &str) -> UserId {
    let user = f.user(name);
    let (decision, _) = enrol(&f.state, &f.context(user, t0() - minutes(1)), secret()).unwrap();
    f.commit(decision);
    let at = t0() - minutes(1);
    let check = confirm(&f.state, &f.context(user, at), &code(at));
    let (_, result) = commit(f, check);
    result.unwrap();
    user
}

fn token(f: &mut Fixture, user: UserId) -> TokenHash {
    let token = AccessToken {
        hash: TokenHash::of(&format!("token-of-{user}")),
        user_id: user,
        issued_at: t0() - hours(1),
        expires_at: t0() + hours(1),
        mfa_at: None,
    };
    let hash = token.hash.clone();
    f.state.apply(Change::Token(token));
    hash
}

// I5: enrolment and confirmation.

#[test]
fn i5_an_enrolled_authenticator_counts_only_once_confirmed() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let (decision, user) = enrol(&f.state, &f.context(alice, t0()), secret()).unwrap();
    assert_eq!(decision.actions(), ["user.authenticator.enrol"]);
    assert!(!user.authenticator.as_ref().unwrap().confirmed);
    f.commit(decision);

    let check = sign_in_factor(&f.state, &f.context(alice, t0()), None);
    assert_eq!(
        check.result,
        Ok(None),
        "an unconfirmed authenticator is not asked for"
    );

    let check = confirm(&f.state, &f.context(alice, t0()), &code(t0()));
    let (decision, result) = commit(&mut f, check);
    result.unwrap();
    assert_eq!(
        decision.actions(),
        ["auth.mfa", "user.authenticator.confirm"]
    );
    assert!(
        f.state.users[&alice]
            .authenticator
            .as_ref()
            .unwrap()
            .confirmed
    );
}

#[test]
fn i5_enrolling_again_replaces_an_unconfirmed_authenticator() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let (first, _) = enrol(&f.state, &f.context(alice, t0()), secret()).unwrap();
    f.commit(first);
    let other = TotpSecret::from_bytes(vec![7; 20]);
    let (second, user) = enrol(&f.state, &f.context(alice, t0()), other.clone()).unwrap();
    assert_eq!(user.authenticator.unwrap().secret, other);
    assert_eq!(second.users().len(), 1);
}

#[test]
fn i5_enrolling_over_a_confirmed_authenticator_is_refused() {
    let mut f = Fixture::new();
    let alice = enrolled(&mut f, "alice");
    let refused = enrol(&f.state, &f.context(alice, t0()), secret()).unwrap_err();
    assert_eq!(refused.code, ErrorCode::ObjectConflict);
    assert!(refused.message.contains("reset"), "{}", refused.message);
}

#[test]
fn i5_confirming_needs_an_enrolled_unconfirmed_authenticator() {
    let mut f = Fixture::new();
    let bob = f.user("bob");
    let check = confirm(&f.state, &f.context(bob, t0()), &code(t0()));
    assert_eq!(check.result.unwrap_err().code, ErrorCode::BadRequest);
    assert_eq!(check.decision.audit[0].outcome, Outcome::Failure);

    let alice = enrolled(&mut f, "alice");
    let check = confirm(&f.state, &f.context(alice, t0()), &code(t0()));
    assert_eq!(check.result.unwrap_err().code, ErrorCode::ObjectConflict);
}

#[test]
fn i5_a_wrong_first_code_leaves_the_authenticator_unconfirmed() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let (decision, _) = enrol(&f.state, &f.context(alice, t0()), secret()).unwrap();
    f.commit(decision);
    let check = confirm(&f.state, &f.context(alice, t0()), &wrong_code(t0()));
    let (decision, result) = commit(&mut f, check);
    assert_eq!(result.unwrap_err().code, ErrorCode::InvalidTotpCode);
    assert_eq!(decision.actions(), ["auth.mfa"]);
    let user = &f.state.users[&alice];
    assert!(!user.authenticator.as_ref().unwrap().confirmed);
    assert_eq!(user.recent_failed_codes, [t0()]);
}

// I5: codes.

#[test]
fn i5_a_code_is_accepted_once_only() {
    let mut f = Fixture::new();
    let alice = enrolled(&mut f, "alice");
    let user = f.state.users[&alice].clone();
    let (accepted, step) = verify_code(&user, &code(t0()), t0()).unwrap();
    assert_eq!(Some(step), step_at(t0()));
    assert_eq!(
        accepted.authenticator.as_ref().unwrap().last_used_step,
        Some(step)
    );

    let replay = verify_code(&accepted, &code(t0()), t0() + seconds(10)).unwrap_err();
    assert!(matches!(replay, MfaFailure::Replayed { .. }), "{replay:?}");
    let earlier = TotpCode::new(code_for_step(&secret(), step - 1));
    let older = verify_code(&accepted, &earlier, t0() + seconds(10)).unwrap_err();
    assert!(matches!(older, MfaFailure::Replayed { .. }), "{older:?}");

    let next = verify_code(&accepted, &code(t0() + seconds(30)), t0() + seconds(30));
    assert!(next.is_ok(), "the next step's code is fresh");
}

#[test]
fn i5_codes_from_the_neighbouring_step_are_accepted_and_no_further() {
    let mut f = Fixture::new();
    let alice = enrolled(&mut f, "alice");
    let user = f.state.users[&alice].clone();
    let step = step_at(t0()).unwrap();
    for neighbour in [step - 1, step + 1] {
        let neighbour_code = TotpCode::new(code_for_step(&secret(), neighbour));
        let (_, matched) = verify_code(&user, &neighbour_code, t0()).unwrap();
        assert_eq!(matched, neighbour);
    }
    let far = TotpCode::new(code_for_step(&secret(), step + 2));
    assert!(matches!(
        verify_code(&user, &far, t0()),
        Err(MfaFailure::WrongCode { .. })
    ));
}

#[test]
fn i5_five_wrong_codes_lock_for_five_minutes() {
    let mut f = Fixture::new();
    let alice = enrolled(&mut f, "alice");
    let mut user = f.state.users[&alice].clone();
    for n in 0..MAX_RECENT_FAILURES {
        let at = t0() + seconds(n as i64);
        match verify_code(&user, &wrong_code(at), at) {
            Err(MfaFailure::WrongCode { user: counted }) => user = *counted,
            other => panic!("wrong code {n} gave {other:?}"),
        }
    }
    let last_failure = t0() + seconds(4);
    let at = t0() + minutes(1);
    match verify_code(&user, &code(at), at) {
        Err(MfaFailure::Locked { retry_at }) => assert_eq!(retry_at, t0() + minutes(5)),
        other => panic!("a right code while locked gave {other:?}"),
    }
    let still = t0() + minutes(5) - seconds(1);
    assert!(matches!(
        verify_code(&user, &code(still), still),
        Err(MfaFailure::Locked { .. })
    ));
    // The oldest failure ages out at t0 + 5 min: four remain, below the limit.
    let free = t0() + minutes(5);
    let (accepted, _) = verify_code(&user, &code(free), free).unwrap();
    assert!(accepted.recent_failed_codes.is_empty());
    assert!(last_failure < free);
}

#[test]
fn i5_failures_older_than_five_minutes_are_pruned() {
    let mut f = Fixture::new();
    let alice = enrolled(&mut f, "alice");
    let mut user = f.state.users[&alice].clone();
    user.recent_failed_codes = vec![t0() - minutes(10), t0() - minutes(6), t0() - minutes(1)];
    match verify_code(&user, &wrong_code(t0()), t0()) {
        Err(MfaFailure::WrongCode { user }) => {
            assert_eq!(user.recent_failed_codes, [t0() - minutes(1), t0()]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn i5_a_locked_attempt_changes_nothing_and_says_when_to_retry() {
    let mut f = Fixture::new();
    let alice = enrolled(&mut f, "alice");
    let mut user = f.state.users[&alice].clone();
    user.recent_failed_codes = vec![t0() - minutes(2); MAX_RECENT_FAILURES];
    f.state.apply(Change::User(user));
    let hash = token(&mut f, alice);
    let check = step_up(&f.state, &f.context(alice, t0()), &hash, &code(t0()));
    let violation = check.result.unwrap_err();
    assert_eq!(violation.code, ErrorCode::TooManyAttempts);
    assert_eq!(violation.code.http_status(), 429);
    assert!(
        violation.message.contains("2025-03-03T09:03:00Z"),
        "{}",
        violation.message
    );
    assert!(check.decision.users().is_empty());
    assert_eq!(check.decision.actions(), ["auth.mfa"]);
}

// I5: sign-in and step-up.

#[test]
fn i5_sign_in_needs_a_code_with_a_confirmed_authenticator() {
    let mut f = Fixture::new();
    let alice = enrolled(&mut f, "alice");
    let missing = sign_in_factor(&f.state, &f.context(alice, t0()), None);
    let violation = missing.result.unwrap_err();
    assert_eq!(violation.code, ErrorCode::MfaRequired);
    assert_eq!(violation.code.http_status(), 401);
    assert_eq!(violation.code.as_str(), "MfaRequired");

    let check = sign_in_factor(&f.state, &f.context(alice, t0()), Some(&wrong_code(t0())));
    let (decision, wrong) = commit(&mut f, check);
    assert_eq!(wrong.unwrap_err().code, ErrorCode::MfaRequired);
    assert_eq!(decision.audit[0].outcome, Outcome::Failure);

    let check = sign_in_factor(&f.state, &f.context(alice, t0()), Some(&code(t0())));
    let (decision, right) = commit(&mut f, check);
    assert_eq!(right, Ok(Some(t0())));
    assert_eq!(decision.actions(), ["auth.mfa"]);
    assert!(f.state.users[&alice].recent_failed_codes.is_empty());
}

#[test]
fn i5_without_an_authenticator_the_password_is_enough() {
    let mut f = Fixture::new();
    let bob = f.user("bob");
    let check = sign_in_factor(&f.state, &f.context(bob, t0()), Some(&code(t0())));
    assert_eq!(check.result, Ok(None));
    assert!(check.decision.changes.is_empty());
}

#[test]
fn i5_step_up_records_a_fresh_mfa_on_the_token() {
    let mut f = Fixture::new();
    let alice = enrolled(&mut f, "alice");
    let hash = token(&mut f, alice);
    let check = step_up(&f.state, &f.context(alice, t0()), &hash, &code(t0()));
    let (decision, result) = commit(&mut f, check);
    assert_eq!(result, Ok(t0()));
    assert_eq!(f.state.tokens[&hash].mfa_at, Some(t0()));
    assert_eq!(decision.actions(), ["auth.mfa"]);
    assert_eq!(decision.audit[0].outcome, Outcome::Success);

    let check = step_up(
        &f.state,
        &f.context(alice, t0() + seconds(5)),
        &hash,
        &code(t0()),
    );
    let (_, replay) = commit(&mut f, check);
    assert_eq!(replay.unwrap_err().code, ErrorCode::InvalidTotpCode);
}

#[test]
fn i5_step_up_needs_a_confirmed_authenticator_and_the_callers_own_token() {
    let mut f = Fixture::new();
    let alice = enrolled(&mut f, "alice");
    let bob = f.user("bob");
    let bobs = token(&mut f, bob);
    let check = step_up(&f.state, &f.context(bob, t0()), &bobs, &code(t0()));
    assert_eq!(check.result.unwrap_err().code, ErrorCode::BadRequest);
    assert_eq!(check.decision.actions(), ["auth.mfa"]);

    let check = step_up(&f.state, &f.context(alice, t0()), &bobs, &code(t0()));
    assert_eq!(
        check.result.unwrap_err().code,
        ErrorCode::AuthorizationRequestDenied
    );
    assert!(check.decision.changes.is_empty());
}

#[test]
fn i5_removing_a_confirmed_authenticator_needs_a_fresh_mfa() {
    let mut f = Fixture::new();
    let alice = enrolled(&mut f, "alice");
    let refused = remove_authenticator(&f.state, &f.context(alice, t0())).unwrap_err();
    assert_eq!(refused.code, ErrorCode::StepUpRequired);
    assert_eq!(refused.code.as_str(), "MfaRequired");
    assert_eq!(refused.code.http_status(), 403);

    let stale = f
        .context(alice, t0())
        .with_mfa(Some(t0() - minutes(11)), minutes(10));
    assert!(remove_authenticator(&f.state, &stale).is_err());

    let fresh = f
        .context(alice, t0())
        .with_mfa(Some(t0() - minutes(1)), minutes(10));
    let decision = remove_authenticator(&f.state, &fresh).unwrap();
    assert_eq!(decision.actions(), ["user.authenticator.remove"]);
    assert!(decision.users()[0].authenticator.is_none());
}

#[test]
fn i5_an_unconfirmed_authenticator_can_be_removed_without_mfa() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let (decision, _) = enrol(&f.state, &f.context(alice, t0()), secret()).unwrap();
    f.commit(decision);
    assert!(remove_authenticator(&f.state, &f.context(alice, t0())).is_ok());
    let bob = f.user("bob");
    let missing = remove_authenticator(&f.state, &f.context(bob, t0())).unwrap_err();
    assert_eq!(missing.code, ErrorCode::ResourceNotFound);
}

// U1: every code is audited.

#[test]
fn u1_every_accepted_and_refused_code_is_an_audit_event() {
    let mut f = Fixture::new();
    let alice = enrolled(&mut f, "alice");
    let hash = token(&mut f, alice);
    let check = step_up(&f.state, &f.context(alice, t0()), &hash, &wrong_code(t0()));
    let (refused, _) = commit(&mut f, check);
    let check = step_up(&f.state, &f.context(alice, t0()), &hash, &code(t0()));
    let (accepted, _) = commit(&mut f, check);
    for (decision, outcome) in [(refused, Outcome::Failure), (accepted, Outcome::Success)] {
        let event = &decision.audit[0];
        assert_eq!(event.action, "auth.mfa");
        assert_eq!(event.outcome, outcome);
        assert_eq!(event.actor, Some(alice));
        assert_eq!(event.principal_id, Some(alice.into()));
        assert!(!event.message.contains(&code_at(&secret(), t0())));
    }
}

// D8: credential resets.

fn reset(
    f: &Fixture,
    caller: UserId,
    target: UserId,
) -> Result<(Decision, crate::directory::User), crate::Violation> {
    reset_credentials(
        &f.state,
        &f.context(caller, t0()),
        target,
        Some(PasswordHash("$argon2id$new".into())),
        true,
    )
}

#[test]
fn d8_helpdesk_may_reset_an_ordinary_user() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hana", HelpdeskAdministrator);
    let alice = enrolled(&mut f, "alice");
    let (decision, user) = reset(&f, helpdesk, alice).unwrap();
    assert_eq!(user.password_hash, PasswordHash("$argon2id$new".into()));
    assert!(user.authenticator.is_none());
    assert_eq!(decision.actions(), ["user.resetCredentials"]);
    assert_eq!(decision.audit[0].principal_id, Some(alice.into()));
}

#[test]
fn d8_authentication_and_user_administrators_may_reset_an_ordinary_user() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    for (name, role) in [
        ("aute", AuthenticationAdministrator),
        ("uma", UserAdministrator),
        ("pra", PrivilegedRoleAdministrator),
        ("gaby", GlobalAdministrator),
    ] {
        let admin = f.admin(name, role);
        assert!(reset(&f, admin, alice).is_ok(), "{role:?}");
    }
    for (name, role) in [("gina", GroupsAdministrator), ("ex", ExchangeAdministrator)] {
        let admin = f.admin(name, role);
        assert_eq!(
            reset(&f, admin, alice).unwrap_err().code,
            ErrorCode::AuthorizationRequestDenied,
            "{role:?}"
        );
    }
    let bob = f.user("bob");
    assert!(reset(&f, bob, alice).is_err(), "an ordinary user may not");
}

#[test]
fn d8_helpdesk_cannot_reset_an_active_member_of_a_role_assignable_group() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hana", HelpdeskAdministrator);
    let alice = enrolled(&mut f, "alice");
    let tier0 = f.role_assignable_group("Tier 0");
    f.member(tier0, alice);
    let refused = reset(&f, helpdesk, alice).unwrap_err();
    assert_eq!(refused.code, ErrorCode::AuthorizationRequestDenied);
    assert_eq!(refused.rule, Some(Rule::D8));
    assert!(refused.message.contains("Privileged Role Administrator"));
}

#[test]
fn d8_owners_of_role_assignable_groups_and_role_holders_are_protected() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hana", HelpdeskAdministrator);
    let olga = f.user("olga");
    let tier0 = f.role_assignable_group("Tier 0");
    f.owner(tier0, olga);
    assert!(reset(&f, helpdesk, olga).is_err());
    let gina = f.admin("gina", GroupsAdministrator);
    assert!(reset(&f, helpdesk, gina).is_err());
}

#[test]
fn f2_eligible_members_are_protected() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hana", HelpdeskAdministrator);
    let alice = f.user("alice");
    let tier0 = f.role_assignable_group("Tier 0");
    f.eligible_member(tier0, alice);
    assert!(reset(&f, helpdesk, alice).is_err());
}

#[test]
fn d8_privileged_role_administrator_may_reset_a_protected_user() {
    let mut f = Fixture::new();
    let pra = f.admin("pra", PrivilegedRoleAdministrator);
    let alice = enrolled(&mut f, "alice");
    let tier0 = f.role_assignable_group("Tier 0");
    f.schedule(
        tier0,
        alice,
        Access::Member,
        ScheduleKind::Active,
        window(t0() - hours(1), t0() + hours(1)),
    );
    assert!(reset(&f, pra, alice).is_ok());
}

#[test]
fn d8_a_reset_ends_the_users_sessions_and_needs_something_to_reset() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hana", HelpdeskAdministrator);
    let alice = enrolled(&mut f, "alice");
    let hash = token(&mut f, alice);
    let (decision, _) = reset(&f, helpdesk, alice).unwrap();
    assert!(decision.changes.contains(&Change::TokenRevoked(hash)));

    let nothing =
        reset_credentials(&f.state, &f.context(helpdesk, t0()), alice, None, false).unwrap_err();
    assert_eq!(nothing.code, ErrorCode::BadRequest);
}

#[test]
fn d8_removing_only_the_authenticator_keeps_the_password() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hana", HelpdeskAdministrator);
    let alice = enrolled(&mut f, "alice");
    let before = f.state.users[&alice].password_hash.clone();
    let (_, user) =
        reset_credentials(&f.state, &f.context(helpdesk, t0()), alice, None, true).unwrap();
    assert_eq!(user.password_hash, before);
    assert!(user.authenticator.is_none());
}
