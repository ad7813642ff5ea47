//! Changing settings (SPEC S1, S3, S4, S5, P6) and reading policies by Graph id.

use crate::directory::BuiltInRole::*;
use crate::ids::{GroupId, UserId};
use crate::policy::{Approver, PolicySettings};
use crate::policy_rules::{
    ApprovalMode, ApprovalRuleSetting, ApprovalStage, PolicyRuleId, RuleSetting,
};
use crate::rules::assignments::admin_request;
use crate::rules::fixture::*;
use crate::rules::policies::{
    self, policy_assignment_id, policy_of, resolve_policy_assignment_id, resolve_policy_id,
};
use crate::rules::Context;
use crate::schedule::{Access, ScheduleKind};
use crate::spec::Rule;
use crate::state::State;
use crate::violation::{ErrorCode, Violation};
use crate::Decision;

fn expiration(required: bool, maximum: &str) -> RuleSetting {
    RuleSetting::Expiration {
        is_expiration_required: required,
        maximum_duration: Some(maximum.parse().unwrap()),
    }
}

fn approval_by(approvers: Vec<Approver>) -> RuleSetting {
    RuleSetting::Approval(ApprovalRuleSetting {
        is_approval_required: true,
        is_approval_required_for_extension: false,
        is_requestor_justification_required: true,
        approval_mode: ApprovalMode::SingleStage,
        approval_stages: vec![ApprovalStage::with_approvers(approvers)],
    })
}

fn shorten_activation(
    f: &Fixture,
    caller: UserId,
    group: GroupId,
    access: Access,
) -> Result<Decision, Violation> {
    update_rule(
        &f.state,
        &f.context(caller, t0()),
        group,
        access,
        PolicyRuleId::ExpirationEndUserAssignment,
        expiration(true, "PT1H45M"),
    )
}

// S1: two independent policies per group.

#[test]
fn s1_member_and_owner_policies_are_independent_and_per_group() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    let payroll = f.group("Payroll");
    f.managed(finance);
    f.managed(payroll);
    let decision = shorten_activation(&f, admin, finance, Access::Member).unwrap();
    let policies = decision.policies();
    assert_eq!(
        policies.len(),
        1,
        "only the member policy of Finance changes"
    );
    assert_eq!(
        (policies[0].group_id, policies[0].access),
        (finance, Access::Member)
    );
    f.commit(decision);
    let maximum = |group, access| {
        f.state.policies[&(group, access)]
            .settings
            .activation_maximum
    };
    assert_eq!(maximum(finance, Access::Member).to_string(), "PT1H45M");
    assert_eq!(maximum(finance, Access::Owner).to_string(), "PT8H");
    assert_eq!(maximum(payroll, Access::Member).to_string(), "PT8H");
}

#[test]
fn s1_a_policy_update_records_who_when_and_what_changed() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    f.managed(finance);
    let before = f.state.policies[&(finance, Access::Member)].clone();
    let decision = shorten_activation(&f, admin, finance, Access::Member).unwrap();
    let policy = decision.policies()[0].clone();
    assert_eq!(
        policy.id, before.id,
        "a managed group's policy keeps its id"
    );
    assert_eq!(policy.modified_at, Some(t0()));
    assert_eq!(policy.modified_by, Some(admin));
    assert_eq!(decision.actions(), vec!["policy.update"]);
    let event = &decision.audit[0];
    assert_eq!(event.group_id, Some(finance));
    assert_eq!(event.target_id, policy.graph_id());
    assert!(
        event.message.contains("Expiration_EndUser_Assignment")
            && event
                .message
                .contains("PT8H → isExpirationRequired true, maximumDuration PT1H45M"),
        "{}",
        event.message
    );
}

// S3: invalid settings and approvers.

#[test]
fn s3_an_invalid_rule_changes_nothing() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    f.managed(finance);
    let violation = update_rule(
        &f.state,
        &f.context(admin, t0()),
        finance,
        Access::Member,
        PolicyRuleId::ApprovalEndUserAssignment,
        approval_by(Vec::new()),
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidPolicy);
    assert!(violation
        .message
        .starts_with("Approval_EndUser_Assignment.setting.approvalStages[0].primaryApprovers"));
}

#[test]
fn s3_approvers_must_exist() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let bob = f.user("bob");
    let finance = f.group("Finance");
    let approvers = f.group("Approvers");
    f.managed(finance);
    let ctx = f.context(admin, t0());
    let set = |approvers: Vec<Approver>| {
        update_rule(
            &f.state,
            &ctx,
            finance,
            Access::Member,
            PolicyRuleId::ApprovalEndUserAssignment,
            approval_by(approvers),
        )
    };
    let decision = set(vec![Approver::User(bob), Approver::MembersOf(approvers)]).unwrap();
    let approval = &decision.policies()[0].settings.approval;
    assert!(approval.required);
    assert_eq!(approval.approvers.len(), 2);

    let nobody = UserId(f.fresh_id());
    let violation = set(vec![Approver::User(nobody)]).unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidPolicy);
    assert!(
        violation.message.contains("does not exist"),
        "{}",
        violation.message
    );
    let violation = set(vec![Approver::User(UserId(approvers.0))]).unwrap_err();
    assert!(
        violation.message.contains("groupMembers"),
        "{}",
        violation.message
    );
    let violation = set(vec![Approver::MembersOf(GroupId(bob.0))]).unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidPolicy);
}

#[test]
fn s3_several_rules_apply_together_or_not_at_all() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    f.managed(finance);
    let ctx = f.context(admin, t0());
    let good = (
        PolicyRuleId::ExpirationEndUserAssignment,
        expiration(true, "PT2H"),
    );
    let bad = (
        PolicyRuleId::ExpirationAdminAssignment,
        expiration(true, "PT1M"),
    );
    let violation = update_rules(
        &f.state,
        &ctx,
        finance,
        Access::Member,
        vec![good.clone(), bad],
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidPolicy);
    let twice = update_rules(
        &f.state,
        &ctx,
        finance,
        Access::Member,
        vec![good.clone(), good.clone()],
    )
    .unwrap_err();
    assert_eq!(twice.code, ErrorCode::BadRequest);
    let other = (
        PolicyRuleId::ExpirationAdminAssignment,
        expiration(false, "P30D"),
    );
    let (decision, policy) =
        update_rules(&f.state, &ctx, finance, Access::Member, vec![good, other]).unwrap();
    assert_eq!(policy.settings.activation_maximum.to_string(), "PT2H");
    assert!(!policy.settings.active_assignment.expiration_required);
    assert_eq!(decision.audit.len(), 1, "one event for one call");
}

// S4: who may change settings.

#[test]
fn s4_only_the_p2_administrators_may_change_a_role_assignable_groups_settings() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    f.managed(tier0);
    let olga = f.user("olga");
    f.owner(tier0, olga);
    for caller in [
        f.admin("gaby", GlobalAdministrator),
        f.admin("pria", PrivilegedRoleAdministrator),
        olga,
    ] {
        assert!(shorten_activation(&f, caller, tier0, Access::Member).is_ok());
    }
    for role in [
        GroupsAdministrator,
        UserAdministrator,
        IdentityGovernanceAdministrator,
    ] {
        let admin = f.admin(role.display_name(), role);
        let violation = shorten_activation(&f, admin, tier0, Access::Owner).unwrap_err();
        assert_eq!(
            violation.code,
            ErrorCode::AuthorizationRequestDenied,
            "{role:?}"
        );
        assert_eq!(violation.rule, Some(Rule::S4));
    }
}

#[test]
fn s4_group_administrators_may_change_other_groups_settings_but_not_through_a_unit() {
    let mut f = Fixture::new();
    let finance = f.group("Finance");
    f.managed(finance);
    let gus = f.admin("gus", GroupsAdministrator);
    assert!(shorten_activation(&f, gus, finance, Access::Member).is_ok());
    let unit = f.unit("Finance unit", &[finance.0]);
    let ulla = f.user("ulla");
    f.grant_in_unit(ulla, GroupsAdministrator, unit);
    let violation = shorten_activation(&f, ulla, finance, Access::Member).unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
    let alice = f.user("alice");
    assert!(shorten_activation(&f, alice, finance, Access::Member).is_err());
}

// S5: no retroactive change.

#[test]
fn s5_a_shorter_maximum_does_not_shorten_existing_schedules() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let bob = f.user("bob");
    let finance = f.group("Finance");
    f.managed(finance);
    let long = window(t0() - days(1), t0() + days(300));
    let existing = f.schedule(finance, alice, Access::Member, ScheduleKind::Eligible, long);
    let decision = update_rule(
        &f.state,
        &f.context(admin, t0()),
        finance,
        Access::Member,
        PolicyRuleId::ExpirationAdminEligibility,
        expiration(true, "P30D"),
    )
    .unwrap();
    assert!(decision.schedules().is_empty(), "only the policy changes");
    assert!(decision.requests().is_empty());
    f.commit(decision);
    assert_eq!(f.schedule_of(existing).window, long);
    assert!(f.schedule_of(existing).is_open_at(t0() + days(200)));

    let too_long = eligible(finance, bob).lasting(days(60));
    let violation = admin_request(&f.state, &f.context(admin, t0()), too_long).unwrap_err();
    assert_eq!(
        violation.code,
        ErrorCode::RoleAssignmentRequestPolicyValidationFailed
    );
    let within = eligible(finance, bob).lasting(days(20));
    assert!(admin_request(&f.state, &f.context(admin, t0()), within).is_ok());
}

// P6: updating a policy onboards the group.

#[test]
fn p6_updating_a_rule_onboards_an_unmanaged_group() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    let shown_before = policy_of(&f.state, finance, Access::Member).unwrap();
    let decision = shorten_activation(&f, admin, finance, Access::Member).unwrap();
    assert_eq!(decision.actions(), vec!["group.manage", "policy.update"]);
    assert_eq!(decision.groups()[0].managed_since, Some(t0()));
    let policies = decision.policies();
    assert_eq!(policies.len(), 2, "one member and one owner policy");
    let member = policies
        .iter()
        .find(|p| p.access == Access::Member)
        .unwrap();
    let owner = policies.iter().find(|p| p.access == Access::Owner).unwrap();
    assert_eq!(member.settings.activation_maximum.to_string(), "PT1H45M");
    assert_eq!(owner.settings, PolicySettings::default());
    assert_ne!(
        member.id, shown_before.id,
        "ids change on onboarding, as in Graph"
    );
    f.commit(decision);
    assert!(f.state.groups[&finance].is_managed());
    assert_eq!(f.state.policies.len(), 2);
}

#[test]
fn p6_a_dynamic_group_is_not_onboarded_by_a_policy_update() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let sales = f.dynamic_group("Sales");
    let violation = shorten_activation(&f, admin, sales, Access::Member).unwrap_err();
    assert_eq!(violation.code, ErrorCode::GroupNotManageable);
}

#[test]
fn p6_an_unmanaged_group_shows_the_same_default_policies_until_onboarded() {
    let mut f = Fixture::new();
    let finance = f.group("Finance");
    let payroll = f.group("Payroll");
    let member = policy_of(&f.state, finance, Access::Member).unwrap();
    let owner = policy_of(&f.state, finance, Access::Owner).unwrap();
    assert_eq!(
        member,
        policy_of(&f.state, finance, Access::Member).unwrap()
    );
    assert_ne!(member.id, owner.id);
    assert_ne!(
        member.id,
        policy_of(&f.state, payroll, Access::Member).unwrap().id
    );
    assert_eq!(member.settings, PolicySettings::default());
    assert_eq!(
        resolve_policy_id(&f.state, &member.graph_id()),
        Ok((finance, Access::Member))
    );
    assert_eq!(
        resolve_policy_assignment_id(&f.state, &policy_assignment_id(&owner)),
        Ok((finance, Access::Owner))
    );
    assert!(policy_of(&f.state, GroupId(f.fresh_id()), Access::Member).is_none());
}

#[test]
fn p6_old_policy_ids_are_not_found_after_onboarding() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    let old = policy_of(&f.state, finance, Access::Member)
        .unwrap()
        .graph_id();
    let decision = shorten_activation(&f, admin, finance, Access::Member).unwrap();
    f.commit(decision);
    let violation = resolve_policy_id(&f.state, &old).unwrap_err();
    assert_eq!(violation.code, ErrorCode::ResourceNotFound);
    let new = f.state.policies[&(finance, Access::Member)].graph_id();
    assert_eq!(
        resolve_policy_id(&f.state, &new),
        Ok((finance, Access::Member))
    );
    assert_eq!(
        resolve_policy_id(&f.state, &new.to_lowercase()),
        Ok((finance, Access::Member))
    );
    for malformed in [
        "",
        "Group_",
        "Group_x_y",
        &format!("{new}_member"),
        &format!("{new}_x"),
    ] {
        assert!(
            resolve_policy_id(&f.state, malformed).is_err(),
            "{malformed}"
        );
    }
    assert!(resolve_policy_assignment_id(&f.state, &new).is_err());
    assert!(resolve_policy_assignment_id(&f.state, &format!("{new}_owner")).is_err());
}

/// As the app calls the rule: the right to change the group's policies first (S4), then the change.
fn update_rule(
    state: &State,
    ctx: &Context,
    group: GroupId,
    access: Access,
    rule_id: PolicyRuleId,
    setting: RuleSetting,
) -> Result<Decision, Violation> {
    let admin = ctx.authority(state).policy_admin_of(group)?;
    policies::update_rule(state, ctx, admin, access, rule_id, setting)
}

fn update_rules(
    state: &State,
    ctx: &Context,
    group: GroupId,
    access: Access,
    changes: Vec<(PolicyRuleId, RuleSetting)>,
) -> Result<(Decision, crate::policy::Policy), Violation> {
    let admin = ctx.authority(state).policy_admin_of(group)?;
    policies::update_rules(state, ctx, admin, access, changes)
}
