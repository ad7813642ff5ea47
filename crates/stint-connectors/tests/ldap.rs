//! The LDAP target against a real OpenLDAP `slapd` (Debian's), started by each test. Mandatory
//! where `STINT_TEST_LDAP` is set (`.ci/run` sets it); elsewhere one loud `SKIPPED` line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;

use stint_connectors::ldap::{LdapConfig, LdapTarget};
use stint_connectors::{
    sync_link, AnyTarget, Link, Member, MemberAttribute, Mode, Target, TargetValue,
};
use support::slapd::{group_dn, user_dn, Slapd, PLACEHOLDER, ROOT_DN, ROOT_PASSWORD, SUFFIX};
use support::{member, scenarios, TestClock};

const VARIABLE: &str = "STINT_TEST_LDAP";
const NEEDS: &str = "slapd and ldap-utils";

fn config(slapd: &Slapd) -> LdapConfig {
    let mut config = LdapConfig::new(
        slapd.url(),
        ROOT_DN,
        ROOT_PASSWORD,
        SUFFIX,
        "(&(objectClass=inetOrgPerson)(mail={userPrincipalName}))",
    );
    config.placeholder_member = Some(PLACEHOLDER.into());
    config
}

fn target(slapd: &Slapd) -> AnyTarget {
    AnyTarget::Ldap(LdapTarget::new(config(slapd)).unwrap())
}

fn link(group: &str, attribute: MemberAttribute) -> Link {
    Link {
        target: group_dn(group),
        member_attribute: attribute,
    }
}

fn people(names: &[&str]) -> Vec<Member> {
    names
        .iter()
        .map(|name| member(&format!("{name}@example.com")))
        .collect()
}

/// What `name` is in the attribute, as `ldapsearch` shows it (lower-cased).
fn value(attribute: MemberAttribute, name: &str) -> String {
    match attribute {
        MemberAttribute::MemberUid => name.to_string(),
        _ => user_dn(name),
    }
}

#[tokio::test]
async fn an_added_member_appears_and_an_ended_one_disappears_confirmed_by_read_back() {
    if !support::enabled(VARIABLE, "ldap: add and remove, confirmed", NEEDS) {
        return;
    }
    let slapd = Slapd::start();
    let target = target(&slapd);
    let [alice, bob] = people(&["alice", "bob"]).try_into().unwrap();
    for (group, attribute) in [
        ("ops", MemberAttribute::Member),
        ("dev", MemberAttribute::UniqueMember),
        ("posix", MemberAttribute::MemberUid),
    ] {
        let link = link(group, attribute);
        let (a, b) = (value(attribute, "alice"), value(attribute, "bob"));
        scenarios::add_then_end(&target, &link, (&alice, &a), (&bob, &b), async || {
            slapd.members(&link.target, attribute.ldap_name())
        })
        .await;
    }
}

#[tokio::test]
async fn drift_is_removed_in_enforce_mode_and_only_reported_in_report_mode() {
    if !support::enabled(VARIABLE, "ldap: drift", NEEDS) {
        return;
    }
    let slapd = Slapd::start();
    let target = target(&slapd);
    let link = link("ops", MemberAttribute::Member);
    let alice = member("alice@example.com");
    // Written by hand in capitals: DNs compare normalised.
    let by_hand = async || {
        slapd.modify(&format!(
            "dn: {}\nchangetype: modify\nadd: member\nmember: {}\n",
            link.target,
            user_dn("mallory").to_uppercase()
        ))
    };
    let observe = async || slapd.members(&link.target, "member");
    let alice_dn = user_dn("alice");
    let mallory_dn = user_dn("mallory");
    scenarios::drift(
        &target,
        &link,
        (&alice, &alice_dn),
        &mallory_dn,
        by_hand,
        observe,
    )
    .await;
}

#[tokio::test]
async fn a_user_missing_in_the_directory_is_reported_unresolved_and_the_others_are_added() {
    if !support::enabled(VARIABLE, "ldap: unresolved", NEEDS) {
        return;
    }
    let slapd = Slapd::start();
    let target = target(&slapd);
    let link = link("posix", MemberAttribute::MemberUid);
    let alice = member("alice@example.com");
    let zoe = member("zoe@example.com");
    let observe = async || slapd.members(&link.target, "memberUid");
    scenarios::unresolved(&target, &link, (&alice, "alice"), &zoe, observe).await;
}

#[tokio::test]
async fn a_filter_injection_attempt_finds_nobody() {
    if !support::enabled(VARIABLE, "ldap: filter injection", NEEDS) {
        return;
    }
    let slapd = Slapd::start();
    let target = target(&slapd);
    let link = link("ops", MemberAttribute::Member);
    // Unescaped, this would make the filter match every user.
    let attacker = member("*)(mail=*");
    assert_eq!(target.resolve(&link, &attacker).await.unwrap(), None);
    let alice = member("alice@example.com");
    assert_eq!(
        target.resolve(&link, &alice).await.unwrap(),
        Some(TargetValue::new(user_dn("alice")))
    );
}

#[tokio::test]
async fn a_batch_with_one_refused_value_adds_the_others_and_reports_only_that_one() {
    if !support::enabled(VARIABLE, "ldap: partial batch failure", NEEDS) {
        return;
    }
    let slapd = Slapd::start();
    let target = target(&slapd);
    let link = link("ops", MemberAttribute::Member);
    let good = [user_dn("alice"), user_dn("bob")];
    let observe = async || slapd.members(&link.target, "member");
    let good = [good[0].as_str(), good[1].as_str()];
    scenarios::partial_batch(&target, &link, good, "this is not a DN", observe).await;
}

#[tokio::test]
async fn the_directory_down_is_a_transient_error_and_back_up_the_sync_completes() {
    if !support::enabled(VARIABLE, "ldap: server down and back", NEEDS) {
        return;
    }
    let slapd = std::cell::RefCell::new(Slapd::start());
    let target = target(&slapd.borrow());
    let link = link("dev", MemberAttribute::UniqueMember);
    let [alice, bob] = people(&["alice", "bob"]).try_into().unwrap();
    let (a, b) = (user_dn("alice"), user_dn("bob"));
    scenarios::down_and_back(
        &target,
        &link,
        (&alice, &a),
        (&bob, &b),
        async || slapd.borrow_mut().stop(),
        async || slapd.borrow_mut().resume(),
        async || slapd.borrow().members(&link.target, "uniqueMember"),
    )
    .await;
}

#[tokio::test]
async fn without_a_placeholder_removing_the_last_member_is_reported_with_what_to_configure() {
    if !support::enabled(VARIABLE, "ldap: groupOfNames keeps a member", NEEDS) {
        return;
    }
    let slapd = Slapd::start();
    let mut config = config(&slapd);
    config.placeholder_member = None;
    let target = LdapTarget::new(config).unwrap();
    let link = link("ops", MemberAttribute::Member);
    let alice = TargetValue::new(user_dn("alice"));
    target
        .add(&link, std::slice::from_ref(&alice))
        .await
        .unwrap();
    let placeholder = TargetValue::new(PLACEHOLDER);
    let emptied = target
        .remove(&link, &[placeholder.clone(), alice.clone()])
        .await
        .unwrap();
    assert_eq!(emptied.failed.len(), 1, "{emptied:#?}");
    assert!(
        emptied.failed[0].1.message().contains("placeholderMember"),
        "{emptied:#?}"
    );
    assert_eq!(
        slapd.values(&link.target, "member").len(),
        1,
        "one member is left"
    );
}

#[tokio::test]
async fn with_the_placeholder_the_last_member_leaves_and_the_placeholder_is_never_drift() {
    if !support::enabled(VARIABLE, "ldap: placeholder", NEEDS) {
        return;
    }
    let slapd = Slapd::start();
    let target = target(&slapd);
    let clock = TestClock::new();
    let now = || clock.now();
    let link = link("ops", MemberAttribute::Member);
    let first = sync_link(
        &target,
        &link,
        &people(&["alice"]),
        &BTreeSet::new(),
        Mode::Enforce,
        &now,
    )
    .await
    .unwrap();
    // Someone deleted the placeholder by hand: it comes back before the last member leaves.
    slapd.modify(&format!(
        "dn: {}\nchangetype: modify\ndelete: member\nmember: {PLACEHOLDER}\n",
        link.target
    ));
    let second = sync_link(&target, &link, &[], &first.pushed, Mode::Enforce, &now)
        .await
        .unwrap();
    assert_eq!(second.removed.len(), 1, "{second:#?}");
    assert!(second.drift.is_empty());
    assert!(second.pushed.is_empty());
    assert_eq!(slapd.values(&link.target, "member"), [PLACEHOLDER]);
}

#[tokio::test]
async fn bad_credentials_and_a_missing_group_are_permanent_errors() {
    if !support::enabled(VARIABLE, "ldap: permanent errors", NEEDS) {
        return;
    }
    let slapd = Slapd::start();
    let mut config = config(&slapd);
    config.bind_password = "wrong".into();
    let refused = LdapTarget::new(config).unwrap();
    let error = refused.health().await.unwrap_err();
    assert!(!error.is_transient(), "{error}");
    assert!(error.message().contains("invalid credentials"), "{error}");
    assert!(!error.to_string().contains(ROOT_PASSWORD));

    let target = target(&slapd);
    let error = target
        .read_members(&link("nope", MemberAttribute::Member))
        .await
        .unwrap_err();
    assert!(!error.is_transient(), "{error}");
    assert!(error.message().contains("no such group"), "{error}");
}

#[test]
fn the_configuration_never_shows_the_bind_password() {
    let config = LdapConfig::new(
        "ldap://127.0.0.1:1",
        ROOT_DN,
        "bind-secret-4711",
        SUFFIX,
        "(uid={userPrincipalName})",
    );
    let target = LdapTarget::new(config.clone()).unwrap();
    assert!(!format!("{config:?}").contains("bind-secret-4711"));
    assert!(!format!("{target:?}").contains("bind-secret-4711"));
    let bad = LdapConfig {
        url: "http://x".into(),
        ..config
    };
    assert!(LdapTarget::new(bad)
        .unwrap_err()
        .message()
        .starts_with("url:"));
}

#[tokio::test]
async fn starttls_and_ldaps_work_with_the_directory_ca_and_fail_permanently_without_it() {
    if !support::enabled(VARIABLE, "ldap: StartTLS and LDAPS", NEEDS) {
        return;
    }
    let slapd = Slapd::start_with_tls();
    let link = link("posix", MemberAttribute::MemberUid);
    let alice = TargetValue::new("alice");

    let mut start_tls = config(&slapd);
    start_tls.start_tls = true;
    start_tls.ca_certificate = Some(slapd.ca_file());
    let target = LdapTarget::new(start_tls.clone()).unwrap();
    target.health().await.unwrap();
    target
        .add(&link, std::slice::from_ref(&alice))
        .await
        .unwrap();

    let mut ldaps = start_tls.clone();
    ldaps.start_tls = false;
    ldaps.url = format!("ldaps://127.0.0.1:{}", slapd.tls_port.unwrap());
    let target = LdapTarget::new(ldaps.clone()).unwrap();
    assert_eq!(
        target.read_members(&link).await.unwrap(),
        BTreeSet::from([alice])
    );

    ldaps.ca_certificate = None;
    let untrusting = LdapTarget::new(ldaps).unwrap();
    let error = untrusting.health().await.unwrap_err();
    assert!(!error.is_transient(), "{error}");
    assert!(error.message().contains("TLS"), "{error}");

    let mut missing = start_tls;
    missing.ca_certificate = Some(slapd.ca_file().with_extension("missing"));
    let error = LdapTarget::new(missing).unwrap_err();
    assert!(error.message().starts_with("caCertificate:"), "{error}");
}
