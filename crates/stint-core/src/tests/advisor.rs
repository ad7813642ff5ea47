//! X1: each of the advisor's findings, found where it should be and not where it should not.

use crate::advisor::{findings, AdvisorSettings, Finding, FindingKind, Severity};
use crate::change::Change;
use crate::directory::BuiltInRole::{self, *};
use crate::directory::LinkedIdentity;
use crate::ids::{GroupId, UserId};
use crate::policy::Approver;
use crate::rules::fixture::*;
use crate::schedule::{Access, ScheduleKind};

fn found(f: &Fixture) -> Vec<Finding> {
    findings(&f.state, AdvisorSettings::default(), t0())
}

fn of_kind(f: &Fixture, kind: FindingKind) -> Vec<Finding> {
    found(f)
        .into_iter()
        .filter(|finding| finding.kind == kind)
        .collect()
}

fn names(finding: &Finding) -> Vec<&str> {
    finding
        .objects
        .iter()
        .map(|o| o.display_name.as_str())
        .collect()
}

/// A user who signs in through an identity provider (so counts as having MFA available).
fn federated(f: &mut Fixture, name: &str) -> UserId {
    let user = f.user(name);
    let mut account = f.state.users[&user].clone();
    account.identities.push(LinkedIdentity {
        issuer: "https://idp.example".into(),
        subject: name.into(),
    });
    f.state.apply(Change::User(account));
    user
}

/// A managed role-assignable group holding `role`, with approval by two people and MFA required.
fn guarded_role_group(f: &mut Fixture, name: &str, role: BuiltInRole) -> GroupId {
    let group = f.role_assignable_group(name);
    f.managed(group);
    f.grant(group, role);
    let (a, b) = (
        federated(f, &format!("{name}-approver-1")),
        federated(f, &format!("{name}-approver-2")),
    );
    f.policy(group, Access::Member, |s| {
        s.approval.required = true;
        s.approval.approvers = vec![Approver::User(a), Approver::User(b)];
        s.activation_requirements.mfa = true;
    });
    group
}

#[test]
fn x1_a_role_holding_group_whose_members_activate_without_approval_is_found() {
    let mut f = Fixture::new();
    let tier0 = guarded_role_group(&mut f, "Tier 0", GlobalAdministrator);
    assert!(of_kind(&f, FindingKind::RoleGroupActivationWithoutApproval).is_empty());
    f.policy(tier0, Access::Member, |s| s.approval.required = false);
    let found = of_kind(&f, FindingKind::RoleGroupActivationWithoutApproval);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::High);
    assert_eq!(names(&found[0]), ["Tier 0"]);
    assert!(
        found[0].title.contains("Global Administrator"),
        "{}",
        found[0].title
    );
    assert_eq!(found[0].link, format!("/ui/groups/{tier0}/settings/member"));
}

#[test]
fn x1_a_role_holding_group_whose_activation_needs_no_mfa_is_found() {
    let mut f = Fixture::new();
    let tier1 = guarded_role_group(&mut f, "Tier 1", HelpdeskAdministrator);
    assert!(of_kind(&f, FindingKind::RoleGroupActivationWithoutMfa).is_empty());
    f.policy(tier1, Access::Member, |s| {
        s.activation_requirements.mfa = false
    });
    let found = of_kind(&f, FindingKind::RoleGroupActivationWithoutMfa);
    assert_eq!(found.len(), 1);
    assert_eq!(names(&found[0]), ["Tier 1"]);
}

#[test]
fn x1_approval_by_fewer_than_two_people_is_found() {
    let mut f = Fixture::new();
    let group = f.group("Finance");
    f.managed(group);
    let (alice, bob) = (federated(&mut f, "alice"), federated(&mut f, "bob"));
    f.policy(group, Access::Member, |s| {
        s.approval.required = true;
        s.approval.approvers = vec![Approver::User(alice)];
    });
    let found = of_kind(&f, FindingKind::FewerThanTwoApprovers);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Medium);
    assert!(found[0].title.contains("1 person"), "{}", found[0].title);
    f.policy(group, Access::Member, |s| {
        s.approval.approvers.push(Approver::User(bob))
    });
    assert!(of_kind(&f, FindingKind::FewerThanTwoApprovers).is_empty());
}

#[test]
fn x1_approvers_who_are_only_eligible_for_the_approving_group_are_found() {
    let mut f = Fixture::new();
    let group = f.group("Finance");
    f.managed(group);
    let approvers = f.group("Approvers");
    f.managed(approvers);
    let (alice, bob) = (federated(&mut f, "alice"), federated(&mut f, "bob"));
    f.member(approvers, alice);
    f.eligible_member(approvers, bob);
    f.policy(group, Access::Member, |s| {
        s.approval.required = true;
        s.approval.approvers = vec![Approver::MembersOf(approvers), Approver::User(alice)];
    });
    let found = of_kind(&f, FindingKind::ApproversOnlyEligible);
    assert_eq!(found.len(), 1);
    assert_eq!(names(&found[0]), ["Finance", "Approvers", "bob"]);
}

#[test]
fn x1_permanent_active_owners_and_members_of_role_assignable_groups_are_found() {
    let mut f = Fixture::new();
    let tier0 = guarded_role_group(&mut f, "Tier 0", GlobalAdministrator);
    let plain = f.group("Plain");
    let (carol, dave) = (federated(&mut f, "carol"), federated(&mut f, "dave"));
    f.member(plain, carol);
    f.owner(tier0, carol);
    f.member(tier0, dave);
    f.schedule(
        tier0,
        carol,
        Access::Member,
        ScheduleKind::Active,
        window(t0() - days(1), t0() + days(1)),
    );
    let found = of_kind(&f, FindingKind::PermanentActiveInRoleAssignableGroup);
    assert_eq!(found.len(), 2, "one for owners, one for members: {found:?}");
    assert_eq!(names(&found[0]), ["Tier 0", "carol"]);
    assert_eq!(names(&found[1]), ["Tier 0", "dave"]);
    assert!(
        found[0].title.contains("1 permanent active owner: carol"),
        "{}",
        found[0].title
    );
    assert!(found.iter().all(|x| x.severity == Severity::High));
}

#[test]
fn x1_permanent_role_assignments_outside_pim_are_found() {
    let mut f = Fixture::new();
    f.admin("erin", UserAdministrator);
    let found = of_kind(&f, FindingKind::PermanentRoleAssignment);
    assert_eq!(found.len(), 1);
    assert_eq!(names(&found[0]), ["erin"]);
    assert!(
        found[0].title.contains("User Administrator"),
        "{}",
        found[0].title
    );
}

#[test]
fn x1_more_global_administrators_than_the_limit_is_found() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    f.grant(tier0, GlobalAdministrator);
    for name in ["a", "b", "c"] {
        f.admin(name, GlobalAdministrator);
    }
    let user = f.user("d");
    f.member(tier0, user);
    let limit = |most| AdvisorSettings {
        max_global_administrators: most,
        ..AdvisorSettings::default()
    };
    let count = |most| {
        findings(&f.state, limit(most), t0())
            .into_iter()
            .filter(|x| x.kind == FindingKind::TooManyGlobalAdministrators)
            .count()
    };
    assert_eq!(count(4), 0, "four, counting the one through Tier 0");
    assert_eq!(count(3), 1);
}

#[test]
fn x1_privileged_people_without_any_mfa_are_found() {
    let mut f = Fixture::new();
    let tier0 = guarded_role_group(&mut f, "Tier 0", GlobalAdministrator);
    let frank = f.user("frank");
    let grace = federated(&mut f, "grace");
    f.user("nobody");
    f.eligible_member(tier0, frank);
    f.eligible_member(tier0, grace);
    let found = of_kind(&f, FindingKind::PrivilegeWithoutMfa);
    assert_eq!(found.iter().map(names).collect::<Vec<_>>(), [["frank"]]);
    assert_eq!(found[0].link, format!("/ui/directory/users/{frank}"));
    let henry = f.user("henry");
    f.eligible_member(tier0, henry);
    let found = of_kind(&f, FindingKind::PrivilegeWithoutMfa);
    assert_eq!(found.len(), 1, "one finding names everyone");
    assert_eq!(names(&found[0]), ["frank", "henry"]);
    assert!(found[0].title.starts_with("2 people"), "{}", found[0].title);
}

#[test]
fn x1_eligibility_never_activated_for_the_stale_period_is_found() {
    let mut f = Fixture::new();
    let group = f.group("Finance");
    f.managed(group);
    let (old, new) = (federated(&mut f, "old"), federated(&mut f, "new"));
    let long_ago = window(t0() - days(120), t0() + days(200));
    f.schedule(group, old, Access::Member, ScheduleKind::Eligible, long_ago);
    f.eligible_member(group, new);
    let found = of_kind(&f, FindingKind::StaleEligibility);
    assert_eq!(
        found.iter().map(names).collect::<Vec<_>>(),
        [["Finance", "old"]]
    );
    assert_eq!(found[0].severity, Severity::Low);
}

#[test]
fn x1_a_well_kept_tenant_has_no_findings_and_findings_come_most_severe_first() {
    let mut f = Fixture::new();
    guarded_role_group(&mut f, "Tier 0", GlobalAdministrator);
    assert_eq!(found(&f), Vec::<Finding>::new());
    f.admin("erin", UserAdministrator);
    let group = f.group("Finance");
    f.managed(group);
    let old = federated(&mut f, "old");
    f.schedule(
        group,
        old,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() - days(120), t0() + days(1)),
    );
    let severities: Vec<Severity> = found(&f).iter().map(|x| x.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort();
    assert_eq!(severities, sorted);
    assert!(severities.len() >= 3, "{severities:?}");
}
