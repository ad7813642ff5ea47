//! X1: the advisor. Risky configurations that the documents only recommend against, found in the
//! state as it stands, each with why it matters, how to fix it and where.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::directory::{BuiltInRole, RoleAssignment};
use crate::ids::{GroupId, PrincipalId, UserId};
use crate::policy::{Approver, Policy};
use crate::request::RequestAction;
use crate::schedule::{Access, AssignmentType, Schedule, ScheduleKind};
use crate::state::State;

/// The thresholds an administrator may set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdvisorSettings {
    /// More Global Administrators than this is a finding (Microsoft recommends fewer than five).
    pub max_global_administrators: usize,
    /// An eligibility not activated for this long is stale.
    pub stale_after: TimeDelta,
}

impl Default for AdvisorSettings {
    fn default() -> Self {
        AdvisorSettings {
            max_global_administrators: 4,
            stale_after: TimeDelta::days(90),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    High,
    Medium,
    Low,
}

/// What a finding is about, by kind; the API's `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FindingKind {
    RoleGroupActivationWithoutApproval,
    RoleGroupActivationWithoutMfa,
    PermanentActiveInRoleAssignableGroup,
    PrivilegeWithoutMfa,
    FewerThanTwoApprovers,
    ApproversOnlyEligible,
    PermanentRoleAssignment,
    TooManyGlobalAdministrators,
    StaleEligibility,
}

impl FindingKind {
    fn severity(self) -> Severity {
        use FindingKind::*;
        match self {
            RoleGroupActivationWithoutApproval
            | RoleGroupActivationWithoutMfa
            | PermanentActiveInRoleAssignableGroup
            | PrivilegeWithoutMfa => Severity::High,
            FewerThanTwoApprovers
            | ApproversOnlyEligible
            | PermanentRoleAssignment
            | TooManyGlobalAdministrators => Severity::Medium,
            StaleEligibility => Severity::Low,
        }
    }

    fn why(self) -> &'static str {
        use FindingKind::*;
        match self {
            RoleGroupActivationWithoutApproval => "Anyone eligible for this group's membership gets its directory roles on their own say-so: one stolen account is a directory administrator, with nobody asked.",
            RoleGroupActivationWithoutMfa => "A password alone activates this group's directory roles: a phished or reused password becomes administrative power.",
            PermanentActiveInRoleAssignableGroup => "Standing access to a role-assignable group is standing access to the roles it holds, for as long as nobody notices; this is what PIM exists to remove.",
            PrivilegeWithoutMfa => "These accounts can reach privileged access but have no authenticator and no identity-provider sign-in: step-up cannot be asked of them, so a password is the only barrier.",
            FewerThanTwoApprovers => "With one approver, an absence blocks every activation, and the one approver can be pressured or compromised alone.",
            ApproversOnlyEligible => "These approvers are only eligible for the group that names them: they cannot approve until they activate it, and approvals stall when it matters.",
            PermanentRoleAssignment => "A directory role held permanently and outside PIM is never asked for, never justified and never expires.",
            TooManyGlobalAdministrators => "Every Global Administrator can change everything, including who else is one; the fewer there are, the fewer accounts an attacker can use.",
            StaleEligibility => "Eligibility nobody uses is attack surface nobody needs: a forgotten account can still activate.",
        }
    }

    fn fix(self) -> &'static str {
        use FindingKind::*;
        match self {
            RoleGroupActivationWithoutApproval => "Require approval for member activation in the group's member settings, with at least two approvers.",
            RoleGroupActivationWithoutMfa => "Require multi-factor authentication on activation in the group's member settings.",
            PermanentActiveInRoleAssignableGroup => "Make the assignment eligible, or give it an end date.",
            PrivilegeWithoutMfa => "Have the person enrol an authenticator on their Profile page, or link their identity provider account.",
            FewerThanTwoApprovers => "Name at least two approvers (people or a group) in the group's member settings.",
            ApproversOnlyEligible => "Name approvers who are active members, or give them active membership of the approving group.",
            PermanentRoleAssignment => "Remove the permanent assignment and make the person eligible for the role, or for a group that holds it.",
            TooManyGlobalAdministrators => "Give the narrower role each administrator needs (Privileged Role, Groups, User Administrator), and keep Global Administrator for a few, eligible rather than active.",
            StaleEligibility => "Remove the eligibility, or shorten it so that it ends on its own.",
        }
    }
}

/// An object a finding names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Concerned {
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub id: String,
    pub display_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// What was found, in one sentence naming the objects.
    pub title: String,
    pub objects: Vec<Concerned>,
    pub why: &'static str,
    pub fix: &'static str,
    /// The console page where it is fixed.
    pub link: String,
}

/// Everything the advisor finds at `now`, most severe first.
pub fn findings(state: &State, settings: AdvisorSettings, now: DateTime<Utc>) -> Vec<Finding> {
    let look = Look { state, now };
    let mut found = Vec::new();
    look.role_groups(&mut found);
    look.approvals(&mut found);
    look.permanent_in_role_assignable_groups(&mut found);
    look.permanent_role_assignments(&mut found);
    look.global_administrators(settings.max_global_administrators, &mut found);
    look.privilege_without_mfa(&mut found);
    look.stale_eligibilities(settings.stale_after, &mut found);
    found.sort_by_key(|finding| (finding.severity, finding.kind));
    found
}

struct Look<'a> {
    state: &'a State,
    now: DateTime<Utc>,
}

impl<'a> Look<'a> {
    fn finding(
        &self,
        kind: FindingKind,
        title: String,
        objects: Vec<Concerned>,
        link: String,
    ) -> Finding {
        Finding {
            kind,
            severity: kind.severity(),
            title,
            objects,
            why: kind.why(),
            fix: kind.fix(),
            link,
        }
    }

    fn group(&self, id: GroupId) -> Concerned {
        let group = self.state.groups.get(&id);
        concerned("group", id, group.map(|g| g.display_name.as_str()))
    }

    fn user(&self, id: UserId) -> Concerned {
        let user = self.state.users.get(&id);
        concerned("user", id, user.map(|u| u.display_name.as_str()))
    }

    fn principal(&self, id: PrincipalId) -> Concerned {
        if self.state.users.contains_key(&UserId(id.0)) {
            self.user(UserId(id.0))
        } else {
            self.group(GroupId(id.0))
        }
    }

    fn in_force(&self, assignment: &RoleAssignment) -> bool {
        assignment.removed_at.is_none() && !assignment.window.has_ended_by(self.now)
    }

    /// The live groups holding a directory role (active or eligible), with the roles they hold.
    fn role_holding_groups(&self) -> BTreeMap<GroupId, BTreeSet<&'static str>> {
        let mut held: BTreeMap<GroupId, BTreeSet<&'static str>> = BTreeMap::new();
        for assignment in self
            .state
            .role_assignments
            .values()
            .filter(|a| self.in_force(a))
        {
            let group = GroupId(assignment.principal_id.0);
            if self.state.live_group(group).is_some() {
                held.entry(group)
                    .or_default()
                    .insert(assignment.role.display_name());
            }
        }
        held
    }

    fn member_policy(&self, group: GroupId) -> Option<&'a Policy> {
        self.state.policies.get(&(group, Access::Member))
    }

    fn role_groups(&self, found: &mut Vec<Finding>) {
        for (group, roles) in self.role_holding_groups() {
            let Some(policy) = self.member_policy(group) else {
                continue;
            };
            let name = self.group(group);
            let roles = roles.into_iter().collect::<Vec<_>>().join(", ");
            let link = format!("/ui/groups/{group}/settings/member");
            if !policy.settings.approval.required {
                found.push(self.finding(
                    FindingKind::RoleGroupActivationWithoutApproval,
                    format!(
                        "Members of {} activate without approval, and the group holds {roles}.",
                        name.display_name
                    ),
                    vec![name.clone()],
                    link.clone(),
                ));
            }
            if !policy.settings.activation_requires_mfa() {
                found.push(self.finding(
                    FindingKind::RoleGroupActivationWithoutMfa,
                    format!("Members of {} activate without multi-factor authentication, and the group holds {roles}.", name.display_name),
                    vec![name],
                    link,
                ));
            }
        }
    }

    /// The users an approver stands for: the user, or the active members of the group now.
    fn approving_users(&self, approver: &Approver) -> BTreeSet<UserId> {
        match approver {
            Approver::User(user) => BTreeSet::from([*user]),
            Approver::MembersOf(group) => self
                .state
                .transitive_members(*group, self.now)
                .into_iter()
                .map(|p| UserId(p.0))
                .filter(|u| self.state.users.contains_key(u))
                .collect(),
        }
    }

    fn approvals(&self, found: &mut Vec<Finding>) {
        let mut policies: Vec<&Policy> = self
            .state
            .policies
            .values()
            .filter(|p| p.settings.approval.required)
            .filter(|p| {
                self.state
                    .live_group(p.group_id)
                    .is_some_and(|g| g.is_managed())
            })
            .collect();
        policies.sort_by_key(|p| (p.group_id, p.access));
        for policy in policies {
            let group = self.group(policy.group_id);
            let access = policy.access.as_str();
            let link = format!("/ui/groups/{}/settings/{access}", policy.group_id);
            let approvers = &policy.settings.approval.approvers;
            let people: BTreeSet<UserId> = approvers
                .iter()
                .flat_map(|a| self.approving_users(a))
                .collect();
            if people.len() < 2 {
                found.push(self.finding(
                    FindingKind::FewerThanTwoApprovers,
                    format!(
                        "{} {access} activation is approved by {} {}.",
                        group.display_name,
                        people.len(),
                        if people.len() == 1 {
                            "person"
                        } else {
                            "people"
                        }
                    ),
                    vec![group.clone()],
                    link.clone(),
                ));
            }
            for approver in approvers {
                let Approver::MembersOf(approving) = approver else {
                    continue;
                };
                let only_eligible = self.only_eligible_members(*approving);
                if only_eligible.is_empty() {
                    continue;
                }
                let approving = self.group(*approving);
                let mut objects = vec![group.clone(), approving.clone()];
                objects.extend(only_eligible.iter().map(|u| self.user(*u)));
                found.push(self.finding(
                    FindingKind::ApproversOnlyEligible,
                    format!(
                        "{} of the approvers of {} {access} activation (members of {}) are only eligible.",
                        only_eligible.len(),
                        group.display_name,
                        approving.display_name
                    ),
                    objects,
                    link.clone(),
                ));
            }
        }
    }

    /// The users eligible for membership of `group` now who are not active members of it.
    fn only_eligible_members(&self, group: GroupId) -> BTreeSet<UserId> {
        let active = self.state.transitive_members(group, self.now);
        self.state
            .schedules_of_group(group)
            .filter(|s| s.kind == ScheduleKind::Eligible && s.access() == Access::Member)
            .filter(|s| s.is_in_force_at(self.now))
            .map(|s| s.principal_id)
            .filter(|p| self.state.users.contains_key(&UserId(p.0)) && !active.contains(p))
            .map(|p| UserId(p.0))
            .collect()
    }

    fn permanent_in_role_assignable_groups(&self, found: &mut Vec<Finding>) {
        let mut groups: Vec<_> = self
            .state
            .groups
            .values()
            .filter(|g| g.is_assignable_to_role && !g.is_deleted())
            .collect();
        groups.sort_by_key(|g| g.id);
        for group in groups {
            let standing: Vec<&Schedule> = self
                .state
                .schedules_of_group(group.id)
                .filter(|s| {
                    s.kind == ScheduleKind::Active && s.assignment_type == AssignmentType::Assigned
                })
                .filter(|s| {
                    s.window.end.is_none() && s.ended.is_none() && s.is_in_force_at(self.now)
                })
                .collect();
            for access in [Access::Owner, Access::Member] {
                let holders: Vec<PrincipalId> = standing
                    .iter()
                    .filter(|s| s.access() == access)
                    .map(|s| s.principal_id)
                    .collect();
                if holders.is_empty() {
                    continue;
                }
                let who: Vec<Concerned> = holders.iter().map(|p| self.principal(*p)).collect();
                found.push(self.finding(
                    FindingKind::PermanentActiveInRoleAssignableGroup,
                    format!(
                        "Role-assignable {} has {} permanent active {}{}: {}.",
                        group.display_name,
                        holders.len(),
                        access.as_str(),
                        if holders.len() == 1 { "" } else { "s" },
                        listed(&who)
                    ),
                    [vec![self.group(group.id)], who].concat(),
                    format!("/ui/groups/{}?tab=active", group.id),
                ));
            }
        }
    }

    fn permanent_role_assignments(&self, found: &mut Vec<Finding>) {
        let mut standing: Vec<&RoleAssignment> = self
            .state
            .role_assignments
            .values()
            .filter(|a| a.is_active_at(self.now) && a.window.end.is_none() && !a.activated)
            // A role held by a group is PIM for Groups' own model: its membership is what is timed.
            .filter(|a| self.state.users.contains_key(&UserId(a.principal_id.0)))
            .collect();
        standing.sort_by_key(|a| (a.role.display_name(), a.id));
        for assignment in standing {
            let holder = self.principal(assignment.principal_id);
            found.push(self.finding(
                FindingKind::PermanentRoleAssignment,
                format!(
                    "{} holds {} permanently, outside PIM.",
                    holder.display_name,
                    assignment.role.display_name()
                ),
                vec![holder],
                "/ui/directory/roles".to_string(),
            ));
        }
    }

    /// The enabled users who hold `role` now, directly or through a group.
    fn holders_of(&self, role: BuiltInRole) -> BTreeSet<UserId> {
        let mut users = BTreeSet::new();
        for assignment in self.state.role_assignments.values() {
            if assignment.role != role || !assignment.is_active_at(self.now) {
                continue;
            }
            let principal = assignment.principal_id;
            if self.state.users.contains_key(&UserId(principal.0)) {
                users.insert(UserId(principal.0));
            } else {
                users.extend(
                    self.state
                        .transitive_members(GroupId(principal.0), self.now)
                        .into_iter()
                        .map(|p| UserId(p.0)),
                );
            }
        }
        users.retain(|u| {
            self.state
                .users
                .get(u)
                .is_some_and(|user| user.account_enabled)
        });
        users
    }

    fn global_administrators(&self, most: usize, found: &mut Vec<Finding>) {
        let holders = self.holders_of(BuiltInRole::GlobalAdministrator);
        if holders.len() <= most {
            return;
        }
        found.push(self.finding(
            FindingKind::TooManyGlobalAdministrators,
            format!(
                "{} people are Global Administrators now; the advisor's limit is {most}.",
                holders.len()
            ),
            holders.iter().map(|u| self.user(*u)).collect(),
            "/ui/directory/roles".to_string(),
        ));
    }

    /// Users who hold or may activate a directory role, or may hold a role-assignable group.
    fn privileged_users(&self) -> BTreeSet<UserId> {
        let mut principals: BTreeSet<PrincipalId> = BTreeSet::new();
        for assignment in self
            .state
            .role_assignments
            .values()
            .filter(|a| self.in_force(a))
        {
            principals.insert(assignment.principal_id);
        }
        for group in self
            .state
            .groups
            .values()
            .filter(|g| g.is_assignable_to_role && !g.is_deleted())
        {
            principals.insert(group.id.into());
            principals.extend(
                self.state
                    .schedules_of_group(group.id)
                    .filter(|s| s.is_open_at(self.now))
                    .map(|s| s.principal_id),
            );
        }
        let mut users = BTreeSet::new();
        for principal in principals {
            if self.state.users.contains_key(&UserId(principal.0)) {
                users.insert(UserId(principal.0));
            } else {
                users.extend(self.eligible_or_active_members(GroupId(principal.0)));
            }
        }
        users
    }

    /// The users who are members of `group` now, or may activate its membership, through nesting.
    fn eligible_or_active_members(&self, group: GroupId) -> BTreeSet<UserId> {
        let mut users = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut frontier = vec![group];
        while let Some(next) = frontier.pop() {
            if !seen.insert(next) {
                continue;
            }
            for schedule in self.state.schedules_of_group(next) {
                if schedule.access() != Access::Member || !schedule.is_open_at(self.now) {
                    continue;
                }
                let principal = schedule.principal_id;
                if self.state.users.contains_key(&UserId(principal.0)) {
                    users.insert(UserId(principal.0));
                } else {
                    frontier.push(GroupId(principal.0));
                }
            }
        }
        users
    }

    fn privilege_without_mfa(&self, found: &mut Vec<Finding>) {
        let exposed: Vec<UserId> = self
            .privileged_users()
            .into_iter()
            .filter(|u| {
                self.state.users.get(u).is_some_and(|user| {
                    user.account_enabled
                        && user.authenticator.is_none()
                        && user.identities.is_empty()
                })
            })
            .collect();
        let mut people: Vec<Concerned> = exposed.iter().map(|u| self.user(*u)).collect();
        people.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        let (title, link) = match people.as_slice() {
            [] => return,
            [one] => (
                format!("{} can reach privileged access and has neither an authenticator nor an identity-provider sign-in.", one.display_name),
                format!("/ui/directory/users/{}", one.id),
            ),
            many => (
                format!("{} people can reach privileged access and have neither an authenticator nor an identity-provider sign-in: {}.", many.len(), listed(many)),
                "/ui/directory/users".to_string(),
            ),
        };
        found.push(self.finding(FindingKind::PrivilegeWithoutMfa, title, people, link));
    }

    fn stale_eligibilities(&self, stale_after: TimeDelta, found: &mut Vec<Finding>) {
        let since = self.now - stale_after;
        let mut stale: Vec<&Schedule> = self
            .state
            .schedules
            .values()
            .filter(|s| s.kind == ScheduleKind::Eligible && s.is_in_force_at(self.now))
            .filter(|s| s.created_at <= since)
            .filter(|s| self.state.live_group(s.group_id()).is_some())
            .filter(|s| !self.activated_since(s, since))
            .collect();
        stale.sort_by_key(|s| (s.group_id(), s.principal_id, s.id.origin));
        for eligibility in stale {
            let group = self.group(eligibility.group_id());
            let holder = self.principal(eligibility.principal_id);
            found.push(self.finding(
                FindingKind::StaleEligibility,
                format!(
                    "{} has not activated {} of {} in {} days.",
                    holder.display_name,
                    eligibility.access().as_str(),
                    group.display_name,
                    stale_after.num_days()
                ),
                vec![group, holder],
                format!("/ui/groups/{}?tab=eligible", eligibility.group_id()),
            ));
        }
    }

    /// Whether someone activated through `eligibility` at or after `since`.
    fn activated_since(&self, eligibility: &Schedule, since: DateTime<Utc>) -> bool {
        self.state
            .requests_of_group(eligibility.group_id())
            .any(|request| {
                request.action == RequestAction::SelfActivate
                    && request.created_at >= since
                    && request
                        .activated_using
                        .as_ref()
                        .is_some_and(|source| source.eligibility == eligibility.id)
            })
    }
}

/// Up to five names, then how many more.
fn listed(objects: &[Concerned]) -> String {
    const SHOWN: usize = 5;
    let names: Vec<&str> = objects
        .iter()
        .take(SHOWN)
        .map(|o| o.display_name.as_str())
        .collect();
    match objects.len().saturating_sub(SHOWN) {
        0 => names.join(", "),
        more => format!("{} and {more} more", names.join(", ")),
    }
}

/// An object a finding concerns; one that no longer exists has an empty name.
fn concerned(
    object_type: &'static str,
    id: impl ToString,
    display_name: Option<&str>,
) -> Concerned {
    Concerned {
        object_type,
        id: id.to_string(),
        display_name: display_name.unwrap_or_default().to_owned(),
    }
}

#[cfg(test)]
#[path = "tests/advisor.rs"]
mod tests;
