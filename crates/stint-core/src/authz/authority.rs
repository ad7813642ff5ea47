//! Typed authority: being allowed to act is a value obtained from [`Authority`], never a boolean
//! a caller may forget to ask. Each handle can only be made here, after its rule said yes, and
//! carries what it was granted over; the refusal is the [`Violation`] the API answers with.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{
    may_administer_pim, may_decide_approval, may_manage_group_directly, may_manage_roles,
    may_manage_user, may_read_all_audit, may_reset_credentials, may_view_approval, Caller,
    PRIVILEGED,
};
use crate::directory::{Group, GroupKind, User};
use crate::ids::{GroupId, PrincipalId, UserId};
use crate::protection::{is_protected_group, is_protected_user, LEADS_TO_PRIVILEGE};
use crate::request::ScheduleRequest;
use crate::rules::activation::find_eligibility;
use crate::rules::directory::live_group;
use crate::schedule::Access;
use crate::spec::Rule;
use crate::state::State;
use crate::violation::Violation;

/// The caller's standing at one instant, from which every handle is obtained.
#[derive(Clone, Copy, Debug)]
pub struct Authority<'s> {
    state: &'s State,
    caller: &'s Caller,
    now: DateTime<Utc>,
}

/// P2, A6, S4: may bring `group` under PIM, assign in it and change its policies.
#[derive(Clone, Copy, Debug)]
pub struct PimAdmin<'s> {
    group: &'s Group,
}

/// D7, D4: may change `group`, its members and owners through the directory.
#[derive(Clone, Copy, Debug)]
pub struct GroupManager<'s> {
    group: &'s Group,
}

/// Global and Privileged Role Administrators: directory roles and administrative units.
#[derive(Clone, Copy, Debug)]
pub struct RoleManager(());

/// N3: Global and Privileged Role Administrators: webhook subscriptions and the outbox.
#[derive(Clone, Copy, Debug)]
pub struct WebhookManager(());

/// M1: Global and Privileged Role Administrators: SCIM provisioning tokens.
#[derive(Clone, Copy, Debug)]
pub struct ProvisioningManager(());

/// C1: Global and Privileged Role Administrators: connectors and their links.
#[derive(Clone, Copy, Debug)]
pub struct ConnectorManager(());

/// X1: Global and Privileged Role Administrators: the advisor's findings, which map the paths to
/// privilege.
#[derive(Clone, Copy, Debug)]
pub struct AdvisorReader(());
/// I2: Global and Privileged Role Administrators: the server's metrics (`/metrics`).
#[derive(Clone, Copy, Debug)]
pub struct MetricsReader(());

/// D8: may reset the password and authenticators of `user`.
#[derive(Clone, Copy, Debug)]
pub struct CredentialResetter {
    user: UserId,
}

/// D8: may create users (`user: None`) or change `user`'s name and whether they may sign in.
#[derive(Clone, Copy, Debug)]
pub struct UserManager {
    user: Option<UserId>,
}

/// May read the audit of everything (U2).
#[derive(Clone, Copy, Debug)]
pub struct AuditReader(());

/// May read every PIM record of `group` (its schedules, requests, policies): its PIM administrators.
#[derive(Clone, Copy, Debug)]
pub struct PimReader {
    group: GroupId,
}

/// May read the summary of what an activation of `group` for `access` must meet: those eligible
/// to activate it now (V1, V6), and its [`PimReader`]s.
#[derive(Clone, Copy, Debug)]
pub struct ActivationRulesReader {
    group: GroupId,
    access: Access,
}

/// V3: may approve or deny `request`.
#[derive(Clone, Copy, Debug)]
pub struct Approver<'s> {
    request: &'s ScheduleRequest,
}

const PRIVILEGED_WORDS: &str =
    "a Global Administrator, a Privileged Role Administrator or an owner of the group";

impl<'s> Authority<'s> {
    pub fn new(state: &'s State, caller: &'s Caller, now: DateTime<Utc>) -> Self {
        Authority { state, caller, now }
    }

    pub fn caller(&self) -> &'s Caller {
        self.caller
    }

    /// P2, A6, S4.
    pub fn pim_admin(&self, group: &'s Group) -> Result<PimAdmin<'s>, Violation> {
        if may_administer_pim(self.state, self.caller, group, self.now) {
            return Ok(PimAdmin { group });
        }
        let privileged = "a Global Administrator, a Privileged Role Administrator (assigned for the whole directory) or an owner of the group";
        let name = &group.display_name;
        let message = if group.is_assignable_to_role {
            format!("Only {privileged} may manage '{name}' in PIM.")
        } else if is_protected_group(self.state, group, self.now) {
            format!("'{name}' {LEADS_TO_PRIVILEGE}: only {privileged} may manage it in PIM.")
        } else {
            format!("Only an owner of the group or a Global, Privileged Role, Groups, User or Identity Governance Administrator or Directory Writer (assigned for the whole directory) may manage '{name}' in PIM.")
        };
        Err(Violation::forbidden(message).rule(Rule::P2))
    }

    /// [`Self::pim_admin`] of a live group found by id.
    pub fn pim_admin_of(&self, group: GroupId) -> Result<PimAdmin<'s>, Violation> {
        self.pim_admin(live_group(self.state, group)?)
    }

    /// S4: changing a group's policies is P2's right, refused as S4.
    pub fn policy_admin_of(&self, group: GroupId) -> Result<PimAdmin<'s>, Violation> {
        let group = live_group(self.state, group)?;
        self.pim_admin(group)
            .map_err(|violation| violation.rule(Rule::S4))
    }

    /// D7, and D4 for a group that leads to a role-assignable one.
    pub fn group_manager(&self, group: &'s Group) -> Result<GroupManager<'s>, Violation> {
        if may_manage_group_directly(self.state, self.caller, group, self.now) {
            return Ok(GroupManager { group });
        }
        let (message, rule) = if group.is_assignable_to_role {
            (
                format!(
                    "Only {PRIVILEGED_WORDS} may change '{}'.",
                    group.display_name
                ),
                Rule::D7,
            )
        } else if is_protected_group(self.state, group, self.now) {
            (
                format!(
                    "'{}' {LEADS_TO_PRIVILEGE}: only {PRIVILEGED_WORDS} may change it.",
                    group.display_name
                ),
                Rule::D4,
            )
        } else {
            (
                format!(
                    "Only an owner of the group or an administrator who manages groups may change '{}'.",
                    group.display_name
                ),
                Rule::D7,
            )
        };
        Err(Violation::forbidden(message).rule(rule))
    }

    /// The change feed: Global and Privileged Role Administrators.
    pub fn feed_follower(&self) -> Result<(), Violation> {
        if self.caller.has_any_directory_role(PRIVILEGED) {
            return Ok(());
        }
        Err(Violation::forbidden(
            "Only Global and Privileged Role Administrators may follow the change feed.",
        ))
    }

    /// What only a Global Administrator may do; `to` says what was attempted.
    pub fn global_administrator(&self, to: &str) -> Result<(), Violation> {
        if self
            .caller
            .has_directory_role(crate::directory::BuiltInRole::GlobalAdministrator)
        {
            return Ok(());
        }
        Err(Violation::forbidden(format!(
            "Only a Global Administrator may {to}."
        )))
    }

    /// Directory roles and administrative units; `to` says what was attempted ("remove directory
    /// role assignments").
    pub fn role_manager(&self, to: &str) -> Result<RoleManager, Violation> {
        RoleManager::of(self.caller, to)
    }

    /// N3: webhook subscriptions and the notification outbox.
    pub fn webhook_manager(&self) -> Result<WebhookManager, Violation> {
        self.privileged("manage webhooks and the notification outbox", Rule::N3)
            .map(|()| WebhookManager(()))
    }

    /// M1: a provisioning token lets an identity provider decide who is in the groups it masters,
    /// which may be eligible for role-assignable groups; so it is made by those who may change
    /// such a protected group's members (D4, F1): Global and Privileged Role Administrators.
    pub fn provisioning_manager(&self) -> Result<ProvisioningManager, Violation> {
        self.privileged("manage SCIM provisioning tokens", Rule::M1)
            .map(|()| ProvisioningManager(()))
    }

    /// C1: connectors, which write group memberships into the systems that enforce access.
    pub fn connector_manager(&self) -> Result<ConnectorManager, Violation> {
        self.privileged("manage connectors", Rule::C1)
            .map(|()| ConnectorManager(()))
    }

    /// I2: the server's metrics, which tell how busy every part is but name no one.
    pub fn metrics_reader(&self) -> Result<MetricsReader, Violation> {
        self.privileged("read the metrics", Rule::I2)
            .map(|()| MetricsReader(()))
    }

    /// Whether the caller is a Global or Privileged Role Administrator; refused under `rule`,
    /// saying they alone may do `what`.
    fn privileged(&self, what: &str, rule: Rule) -> Result<(), Violation> {
        if self.caller.has_any_directory_role(PRIVILEGED) {
            return Ok(());
        }
        Err(Violation::forbidden(format!(
            "Only a Global Administrator or Privileged Role Administrator may {what}."
        ))
        .rule(rule))
    }

    /// X1: the advisor's findings.
    pub fn advisor_reader(&self) -> Result<AdvisorReader, Violation> {
        if self.caller.has_any_directory_role(PRIVILEGED) {
            return Ok(AdvisorReader(()));
        }
        Err(Violation::forbidden(
            "Only a Global Administrator or Privileged Role Administrator may read the advisor's findings.",
        )
        .rule(Rule::X1))
    }

    /// D8, for resetting credentials.
    pub fn credential_resetter(&self, user: UserId) -> Option<CredentialResetter> {
        may_reset_credentials(self.state, self.caller, user, self.now)
            .then_some(CredentialResetter { user })
    }

    /// [`Self::credential_resetter`], refused in words.
    pub fn credential_resetter_of(&self, user: &User) -> Result<CredentialResetter, Violation> {
        self.credential_resetter(user.id).ok_or_else(|| {
            let message = if is_protected_user(self.state, user.id, self.now) {
                format!(
                    "You may not reset the credentials of {}: a user who holds or may activate privileged access (a member or owner of a role-assignable group or of a group nested in one, eligible or active, an approver of one, or a holder of a directory role, eligible or active) can be reset only by a Global Administrator or Privileged Role Administrator.",
                    user.user_principal_name
                )
            } else {
                format!(
                    "Resetting the credentials of {} needs the Helpdesk, Authentication or User Administrator role.",
                    user.user_principal_name
                )
            };
            Violation::forbidden(message).rule(Rule::D8)
        })
    }

    /// D8, for creating (`None`) or changing a user.
    pub fn user_manager(&self, user: Option<UserId>) -> Option<UserManager> {
        may_manage_user(self.state, self.caller, user, self.now).then_some(UserManager { user })
    }

    /// Creating users.
    pub fn user_creator(&self) -> Result<UserManager, Violation> {
        self.user_manager(None).ok_or_else(|| {
            Violation::forbidden(
                "Creating users needs the User Administrator, Privileged Role Administrator or Global Administrator role.",
            )
        })
    }

    /// D8: changing `user`'s password (`resets_password`), or their name or whether they may sign
    /// in (`changes_profile`).
    pub fn user_editor(
        &self,
        user: &User,
        resets_password: bool,
        changes_profile: bool,
    ) -> Result<UserManager, Violation> {
        let allowed = (!resets_password || self.credential_resetter(user.id).is_some())
            && (!changes_profile || self.user_manager(Some(user.id)).is_some());
        if allowed {
            return Ok(UserManager {
                user: Some(user.id),
            });
        }
        let name = &user.user_principal_name;
        let message = if is_protected_user(self.state, user.id, self.now) {
            format!("You may not change {name}: a user who holds or may activate privileged access can be changed only by a Global Administrator or Privileged Role Administrator.")
        } else if resets_password {
            format!("Resetting the password of {name} needs the Helpdesk, Authentication or User Administrator role.")
        } else {
            format!("Changing {name} needs the User Administrator role.")
        };
        Err(Violation::forbidden(message).rule(Rule::D8))
    }

    /// Creating groups: role-assignable ones by the privileged only (D7).
    pub fn group_creator(&self, role_assignable: bool, kind: GroupKind) -> Result<(), Violation> {
        if super::may_create_group(self.caller, role_assignable, kind) {
            return Ok(());
        }
        Err(Violation::forbidden(if role_assignable {
            "Creating a role-assignable group needs the Privileged Role Administrator or Global Administrator role."
        } else {
            "Creating a group needs a group-managing administrator role."
        })
        .rule(Rule::D7))
    }

    pub fn audit_reader(&self) -> Option<AuditReader> {
        may_read_all_audit(self.caller).then_some(AuditReader(()))
    }

    /// Every PIM record of a group: its PIM administrators, and the privileged for any group
    /// (even one no longer live).
    pub fn pim_reader(&self, group: GroupId) -> Option<PimReader> {
        let administers = self
            .state
            .groups
            .get(&group)
            .is_some_and(|group| may_administer_pim(self.state, self.caller, group, self.now));
        (administers || self.caller.has_any_directory_role(PRIVILEGED))
            .then_some(PimReader { group })
    }

    /// [`ActivationRulesReader`]: eligible for `access` of `group` now, or its PIM reader.
    pub fn activation_rules_reader(
        &self,
        group: GroupId,
        access: Access,
    ) -> Result<ActivationRulesReader, Violation> {
        let me = self.caller.user.into();
        let eligible = find_eligibility(self.state, group, me, access, self.now, self.now);
        if eligible.is_some() || self.pim_reader(group).is_some() {
            return Ok(ActivationRulesReader { group, access });
        }
        Err(Violation::forbidden(
            "Only those eligible for this group, and its PIM administrators, may read the rules of its activations.",
        ))
    }

    /// Whether a record about `principal` in `group` is the caller's to see: their own, or one
    /// their [`PimReader`] covers.
    pub fn sees_record(&self, group: GroupId, principal: PrincipalId) -> bool {
        principal == self.caller.user.into() || self.pim_reader(group).is_some()
    }

    /// Whether the caller may read which groups and directory roles `principal` holds now (X2,
    /// D6): their own, and anyone's for Global and Privileged Role Administrators.
    pub fn sees_holdings_of(&self, principal: PrincipalId) -> bool {
        principal == self.caller.user.into() || may_manage_roles(self.caller)
    }

    /// V3: a named approver for activations, a PIM administrator for extend and renew, never the
    /// requester or a disabled user.
    pub fn approver(&self, request: &'s ScheduleRequest) -> Option<Approver<'s>> {
        may_decide_approval(self.state, self.caller, request, self.now)
            .then_some(Approver { request })
    }

    /// [`Self::approver`], refused in words.
    pub fn approver_of(&self, request: &'s ScheduleRequest) -> Result<Approver<'s>, Violation> {
        self.approver(request).ok_or_else(|| {
            let user = self.caller.user;
            let message = if request.created_by == user || request.principal_id == user.into() {
                "You cannot decide your own request."
            } else {
                "You are not an approver of this request."
            };
            Violation::forbidden(message).rule(Rule::V3)
        })
    }

    /// V4: the requester, or an administrator of the group, may cancel a request.
    pub fn canceler_of(&self, request: &ScheduleRequest) -> Result<(), Violation> {
        let user = self.caller.user;
        let is_requester = request.created_by == user || request.principal_id == user.into();
        let is_administrator = self
            .state
            .groups
            .get(&request.target.group_id)
            .is_some_and(|group| may_administer_pim(self.state, self.caller, group, self.now));
        if is_requester || is_administrator {
            return Ok(());
        }
        Err(Violation::forbidden(
            "Only the requester or an administrator of the group may cancel this request.",
        )
        .rule(Rule::V4))
    }

    /// P1: whether the caller may administer `group` in PIM, for lists that only filter.
    pub fn administers_pim(&self, group: &Group) -> bool {
        may_administer_pim(self.state, self.caller, group, self.now)
    }

    /// Whether the caller may read the approval of `request`: its deciders, its requester and
    /// the group's PIM administrators.
    pub fn sees_approval(&self, request: &ScheduleRequest) -> bool {
        may_view_approval(self.state, self.caller, request, self.now)
    }

    /// Who may read which directory-role records.
    pub fn role_viewer(&self) -> RoleViewer {
        RoleViewer::of(self.state, self.caller, self.now)
    }

    /// Groups of Microsoft 365 kind may be created by Exchange Administrators too.
    pub fn may_create_group(&self, role_assignable: bool, kind: GroupKind) -> bool {
        super::may_create_group(self.caller, role_assignable, kind)
    }
}

impl ActivationRulesReader {
    pub fn group(&self) -> GroupId {
        self.group
    }

    pub fn access(&self) -> Access {
        self.access
    }
}

impl<'s> PimAdmin<'s> {
    pub fn group(&self) -> &'s Group {
        self.group
    }
}

impl<'s> GroupManager<'s> {
    pub fn group(&self) -> &'s Group {
        self.group
    }
}

impl RoleManager {
    /// Needs nothing but the caller's roles: roles scoped to the whole directory decide.
    pub fn of(caller: &Caller, to: &str) -> Result<RoleManager, Violation> {
        if may_manage_roles(caller) {
            return Ok(RoleManager(()));
        }
        Err(Violation::forbidden(format!(
            "Only a Global Administrator or Privileged Role Administrator may {to}."
        )))
    }
}

impl CredentialResetter {
    pub fn user(&self) -> UserId {
        self.user
    }
}

impl UserManager {
    pub fn user(&self) -> Option<UserId> {
        self.user
    }
}

impl PimReader {
    pub fn group(&self) -> GroupId {
        self.group
    }
}

impl<'s> Approver<'s> {
    pub fn request(&self) -> &'s ScheduleRequest {
        self.request
    }
}

/// Who is reading role records, and what they may see: their own, those held by a group they are
/// an effective member of now (they may activate those, D6/V6), and everything for Global and
/// Privileged Role Administrators.
#[derive(Clone, Debug)]
pub struct RoleViewer {
    user: PrincipalId,
    groups: BTreeSet<GroupId>,
    sees_all: bool,
}

impl RoleViewer {
    pub fn of(state: &State, caller: &Caller, now: DateTime<Utc>) -> RoleViewer {
        RoleViewer {
            user: caller.user.into(),
            groups: state.transitive_member_of(caller.user.into(), now),
            sees_all: may_manage_roles(caller),
        }
    }

    /// The caller's own, directly or through a group (`filterByCurrentUser(on='principal')`).
    pub fn is_mine(&self, principal: PrincipalId) -> bool {
        principal == self.user || self.groups.contains(&GroupId(principal.0))
    }

    pub fn may_view(&self, principal: PrincipalId) -> bool {
        self.sees_all || self.is_mine(principal)
    }
}
