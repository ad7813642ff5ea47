//! A tenant for tests, built by applying [`Change`]s to a [`State`] the way the store would.
//!
//! Ids come from one counter (`Uuid::from_u128(1)`, `2`, ...), shared by the fixture and by every
//! [`Context`] it makes, so a test is deterministic and no two objects ever share an id. Time is
//! [`t0`] plus [`minutes`], [`hours`] and [`days`].
//!
//! ```ignore
//! let mut f = Fixture::new();
//! let admin = f.admin("gaby", GlobalAdministrator);
//! let alice = f.user("alice");
//! let group = f.group("Finance");
//! let (decision, _) = admin_request(&f.state, &f.context(admin, t0()), eligible(group, alice)).unwrap();
//! f.commit(decision);
//! ```

use std::cell::Cell;
use std::rc::Rc;

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::authz::Caller;
use crate::change::{Change, Decision};
use crate::directory::{
    AdministrativeUnit, BuiltInRole, DirectoryScope, Group, GroupKind, GroupSource, PasswordHash,
    RoleAssignment, Tenant, User,
};
use crate::duration::IsoDuration;
use crate::ids::{
    AdministrativeUnitId, GroupId, PrincipalId, RequestId, RoleAssignmentId, ScheduleId, TenantId,
    UserId,
};
use crate::policy::{Policy, PolicySettings};
use crate::request::{
    Expiration, GroupAccess, RequestAction, RequestStatus, RequestedSchedule, ScheduleRequest,
};
use crate::rules::assignments::RequestInput;
use crate::rules::Context;
use crate::schedule::{Access, AssignmentType, MemberType, Schedule, ScheduleKind, Window};
use crate::state::State;

/// The fixed "now" every test starts from: Monday 3 March 2025, 09:00 UTC.
pub(crate) fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_740_992_400, 0).expect("a valid timestamp")
}

pub(crate) fn seconds(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

pub(crate) fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

pub(crate) fn hours(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

pub(crate) fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

/// The window `[start, end)`.
pub(crate) fn window(start: DateTime<Utc>, end: DateTime<Utc>) -> Window {
    Window {
        start,
        end: Some(end),
    }
}

/// The justification the request helpers give unless told otherwise.
pub(crate) const JUSTIFICATION: &str = "Quarter-end close needs it.";

pub(crate) struct Fixture {
    pub state: State,
    ids: Rc<Cell<u128>>,
}

impl std::fmt::Debug for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixture")
            .field("next_id", &self.ids.get())
            .finish_non_exhaustive()
    }
}

impl Fixture {
    /// A tenant with the default limit of 500 role-assignable groups (D3).
    pub fn new() -> Self {
        Fixture::with_role_assignable_limit(500)
    }

    /// A tenant that allows at most `limit` role-assignable groups (D3).
    pub fn with_role_assignable_limit(limit: u32) -> Self {
        let mut fixture = Fixture {
            state: State::default(),
            ids: Rc::new(Cell::new(1)),
        };
        let tenant = Tenant {
            id: TenantId(fixture.fresh_id()),
            created_at: t0() - days(400),
            role_assignable_group_limit: limit,
        };
        fixture.state.apply(Change::Tenant(tenant));
        fixture
    }

    /// The next id of the shared sequence.
    pub fn fresh_id(&self) -> Uuid {
        next_id(&self.ids)
    }

    /// Applies a decision's changes, as the store would after committing it.
    pub fn commit(&mut self, decision: Decision) {
        for change in decision.changes {
            self.state.apply(change);
        }
    }

    /// The user `id`'s roles and a context for their call at `now`, ids from the shared sequence.
    ///
    /// The caller is leaked so that the context borrows nothing from the fixture: a test can go on
    /// changing the fixture while it holds the context. A test makes a handful of callers.
    pub fn context(&self, user: UserId, now: DateTime<Utc>) -> Context<'static> {
        let caller: &'static Caller = Box::leak(Box::new(self.caller(user, now)));
        let ids = Rc::clone(&self.ids);
        Context::new(caller, now, move || next_id(&ids))
    }

    pub fn caller(&self, user: UserId, now: DateTime<Utc>) -> Caller {
        Caller::of(&self.state, user, now)
    }

    // Users.

    /// An enabled user `{name}@contoso.test`.
    pub fn user(&mut self, name: &str) -> UserId {
        let user = User {
            id: UserId(self.fresh_id()),
            user_principal_name: format!("{name}@contoso.test"),
            display_name: name.to_string(),
            account_enabled: true,
            password_hash: PasswordHash(format!("$argon2id$v=19$m=19456,t=2,p=1${name}")),
            created_at: t0() - days(100),
            authenticator: None,
            recent_failed_codes: Vec::new(),
            identities: Vec::new(),
            time_zone: None,
            mail: None,
        };
        let id = user.id;
        self.state.apply(Change::User(user));
        id
    }

    /// A user who holds `role` for the whole directory.
    pub fn admin(&mut self, name: &str, role: BuiltInRole) -> UserId {
        let user = self.user(name);
        self.grant(user, role);
        user
    }

    pub fn disable(&mut self, user: UserId) {
        let mut account = self.state.users[&user].clone();
        account.account_enabled = false;
        self.state.apply(Change::User(account));
    }

    // Groups.

    /// A cloud security group, not role-assignable, not managed by PIM.
    pub fn group(&mut self, name: &str) -> GroupId {
        self.group_like(name, |_| {})
    }

    pub fn role_assignable_group(&mut self, name: &str) -> GroupId {
        self.group_like(name, |group| group.is_assignable_to_role = true)
    }

    pub fn microsoft365_group(&mut self, name: &str) -> GroupId {
        self.group_like(name, |group| group.kind = GroupKind::Microsoft365)
    }

    pub fn dynamic_group(&mut self, name: &str) -> GroupId {
        self.group_like(name, |group| {
            group.membership_rule = Some("user.department -eq \"Sales\"".into());
        })
    }

    pub fn synced_group(&mut self, name: &str) -> GroupId {
        self.group_like(name, |group| group.source = GroupSource::Synced)
    }

    /// A cloud security group as `edit` leaves it.
    pub fn group_like(&mut self, name: &str, edit: impl FnOnce(&mut Group)) -> GroupId {
        let mut group = Group {
            id: GroupId(self.fresh_id()),
            display_name: name.to_string(),
            description: None,
            kind: GroupKind::Security,
            is_assignable_to_role: false,
            membership_rule: None,
            source: GroupSource::Cloud,
            created_at: t0() - days(100),
            managed_since: None,
            deleted_at: None,
        };
        edit(&mut group);
        let id = group.id;
        self.state.apply(Change::Group(group));
        id
    }

    /// Brings `group` under PIM at `t0 - 1 day`, with the default member and owner policies (P6).
    pub fn managed(&mut self, group: GroupId) {
        let mut managed = self.state.groups[&group].clone();
        managed.managed_since = Some(t0() - days(1));
        self.state.apply(Change::Group(managed));
        for access in Access::ALL {
            let policy = Policy {
                id: self.fresh_id(),
                group_id: group,
                access,
                settings: PolicySettings::default(),
                modified_at: None,
                modified_by: None,
            };
            self.state.apply(Change::Policy(policy));
        }
    }

    /// Changes the settings of a managed group's policy.
    pub fn policy(
        &mut self,
        group: GroupId,
        access: Access,
        edit: impl FnOnce(&mut PolicySettings),
    ) {
        let mut policy = self.state.policies[&(group, access)].clone();
        edit(&mut policy.settings);
        self.state.apply(Change::Policy(policy));
    }

    // Administrative units and roles.

    pub fn unit(&mut self, name: &str, members: &[Uuid]) -> AdministrativeUnitId {
        let unit = AdministrativeUnit {
            id: AdministrativeUnitId(self.fresh_id()),
            display_name: name.to_string(),
            description: None,
            members: members.iter().copied().collect(),
            created_at: t0() - days(100),
        };
        let id = unit.id;
        self.state.apply(Change::AdministrativeUnit(unit));
        id
    }

    /// An active, permanent assignment of `role` for the whole directory.
    pub fn grant(
        &mut self,
        principal: impl Into<PrincipalId>,
        role: BuiltInRole,
    ) -> RoleAssignmentId {
        self.grant_at(principal, role, DirectoryScope::Directory)
    }

    /// An active, permanent assignment of `role` scoped to `unit`.
    pub fn grant_in_unit(
        &mut self,
        principal: impl Into<PrincipalId>,
        role: BuiltInRole,
        unit: AdministrativeUnitId,
    ) -> RoleAssignmentId {
        self.grant_at(principal, role, DirectoryScope::AdministrativeUnit(unit))
    }

    fn grant_at(
        &mut self,
        principal: impl Into<PrincipalId>,
        role: BuiltInRole,
        scope: DirectoryScope,
    ) -> RoleAssignmentId {
        let assignment = RoleAssignment {
            id: RoleAssignmentId(self.fresh_id()),
            principal_id: principal.into(),
            role,
            scope,
            eligible: false,
            window: Window::permanent_from(t0() - days(100)),
            created_at: t0() - days(100),
            removed_at: None,
            created_using: None,
            member_type: MemberType::Direct,
            activated: false,
        };
        let id = assignment.id;
        self.state.apply(Change::RoleAssignment(assignment));
        id
    }

    // Schedules and requests.

    /// A schedule of `group` created at the start of `window`, as an administrator's assignment.
    pub fn schedule(
        &mut self,
        group: GroupId,
        principal: impl Into<PrincipalId>,
        access: Access,
        kind: ScheduleKind,
        window: Window,
    ) -> ScheduleId {
        let id = ScheduleId {
            group,
            access,
            origin: self.fresh_id(),
        };
        self.state.apply(Change::Schedule(Schedule {
            id,
            kind,
            principal_id: principal.into(),
            member_type: MemberType::Direct,
            assignment_type: AssignmentType::Assigned,
            window,
            created_using: Some(RequestId(id.origin)),
            created_at: window.start,
            modified_at: window.start,
            ended: None,
            reminders_sent: 0,
        }));
        id
    }

    /// An active, permanent membership since `t0 - 1 day`.
    pub fn member(&mut self, group: GroupId, principal: impl Into<PrincipalId>) -> ScheduleId {
        let since = Window::permanent_from(t0() - days(1));
        self.schedule(
            group,
            principal,
            Access::Member,
            ScheduleKind::Active,
            since,
        )
    }

    /// An active, permanent ownership since `t0 - 1 day`.
    pub fn owner(&mut self, group: GroupId, user: UserId) -> ScheduleId {
        let since = Window::permanent_from(t0() - days(1));
        self.schedule(group, user, Access::Owner, ScheduleKind::Active, since)
    }

    /// An eligible membership from `t0 - 1 day` for 90 days.
    pub fn eligible_member(
        &mut self,
        group: GroupId,
        principal: impl Into<PrincipalId>,
    ) -> ScheduleId {
        let start = t0() - days(1);
        let eligibility = window(start, start + days(90));
        self.schedule(
            group,
            principal,
            Access::Member,
            ScheduleKind::Eligible,
            eligibility,
        )
    }

    /// A `selfActivate` request of `principal` awaiting approval since `t0`.
    pub fn pending_request(
        &mut self,
        group: GroupId,
        principal: impl Into<PrincipalId>,
        access: Access,
    ) -> RequestId {
        let principal = principal.into();
        let request = ScheduleRequest {
            id: RequestId(self.fresh_id()),
            kind: ScheduleKind::Active,
            action: RequestAction::SelfActivate,
            target: GroupAccess {
                group_id: group,
                access,
            },
            principal_id: principal,
            status: RequestStatus::PendingApproval,
            created_at: t0(),
            completed_at: None,
            created_by: UserId(principal.0),
            justification: Some(JUSTIFICATION.into()),
            ticket: None,
            schedule: Some(RequestedSchedule {
                start: None,
                expiration: Expiration::AfterDuration(IsoDuration::hours(2)),
            }),
            resolved_start: None,
            target_schedule_id: None,
            is_validation_only: false,
            activated_using: None,
            approval: None,
        };
        let id = request.id;
        self.state.apply(Change::Request(request));
        id
    }

    /// The schedule `id` as the state holds it now.
    pub fn schedule_of(&self, id: ScheduleId) -> &Schedule {
        &self.state.schedules[&id]
    }
}

fn next_id(ids: &Cell<u128>) -> Uuid {
    let n = ids.get();
    ids.set(n + 1);
    Uuid::from_u128(n)
}

// Requests.

/// An administrator's request, starting now, for 30 days, with a justification.
pub(crate) fn request(
    action: RequestAction,
    kind: ScheduleKind,
    group: GroupId,
    principal: impl Into<PrincipalId>,
    access: Access,
) -> RequestInput {
    RequestInput {
        kind,
        action,
        target: GroupAccess {
            group_id: group,
            access,
        },
        principal_id: principal.into(),
        schedule: action.needs_schedule().then_some(RequestedSchedule {
            start: None,
            expiration: Expiration::AfterDuration(IsoDuration::days(30)),
        }),
        justification: Some(JUSTIFICATION.into()),
        ticket: None,
        is_validation_only: false,
    }
}

/// `adminAssign` of an eligible membership.
pub(crate) fn eligible(group: GroupId, principal: impl Into<PrincipalId>) -> RequestInput {
    request(
        RequestAction::AdminAssign,
        ScheduleKind::Eligible,
        group,
        principal,
        Access::Member,
    )
}

/// `adminAssign` of an active membership.
pub(crate) fn active(group: GroupId, principal: impl Into<PrincipalId>) -> RequestInput {
    request(
        RequestAction::AdminAssign,
        ScheduleKind::Active,
        group,
        principal,
        Access::Member,
    )
}

/// `selfActivate` of a membership by `principal`, starting now, for 2 hours, with a justification.
pub(crate) fn self_activate(group: GroupId, principal: impl Into<PrincipalId>) -> RequestInput {
    request(
        RequestAction::SelfActivate,
        ScheduleKind::Active,
        group,
        principal,
        Access::Member,
    )
    .lasting(TimeDelta::hours(2))
}

/// Ways to reshape a [`RequestInput`] so that a test says only what matters to it.
pub(crate) trait RequestInputExt: Sized {
    fn with_action(self, action: RequestAction) -> Self;
    fn for_access(self, access: Access) -> Self;
    fn starting(self, start: DateTime<Utc>) -> Self;
    fn lasting(self, length: TimeDelta) -> Self;
    fn until(self, end: DateTime<Utc>) -> Self;
    fn permanent(self) -> Self;
    fn without_schedule(self) -> Self;
    fn without_justification(self) -> Self;
    fn validation_only(self) -> Self;
}

impl RequestInputExt for RequestInput {
    /// Another action on the same (group, principal, access, kind); removals carry no schedule.
    fn with_action(mut self, action: RequestAction) -> Self {
        self.action = action;
        if !action.needs_schedule() {
            self.schedule = None;
        }
        self
    }

    fn for_access(mut self, access: Access) -> Self {
        self.target.access = access;
        self
    }

    fn starting(mut self, start: DateTime<Utc>) -> Self {
        schedule_mut(&mut self).start = Some(start);
        self
    }

    fn lasting(mut self, length: TimeDelta) -> Self {
        schedule_mut(&mut self).expiration =
            Expiration::AfterDuration(IsoDuration::from_delta(length));
        self
    }

    fn until(mut self, end: DateTime<Utc>) -> Self {
        schedule_mut(&mut self).expiration = Expiration::AfterDateTime(end);
        self
    }

    fn permanent(mut self) -> Self {
        schedule_mut(&mut self).expiration = Expiration::NoExpiration;
        self
    }

    fn without_schedule(mut self) -> Self {
        self.schedule = None;
        self
    }

    fn without_justification(mut self) -> Self {
        self.justification = None;
        self
    }

    fn validation_only(mut self) -> Self {
        self.is_validation_only = true;
        self
    }
}

/// The request's schedule, added if it had none.
fn schedule_mut(input: &mut RequestInput) -> &mut RequestedSchedule {
    input.schedule.get_or_insert(RequestedSchedule {
        start: None,
        expiration: Expiration::NotSpecified,
    })
}

// Reading decisions.

/// What a [`Decision`] would write, by kind of object.
pub(crate) trait DecisionExt {
    fn schedules(&self) -> Vec<&Schedule>;
    fn groups(&self) -> Vec<&Group>;
    fn policies(&self) -> Vec<&Policy>;
    fn requests(&self) -> Vec<&ScheduleRequest>;
    fn role_assignments(&self) -> Vec<&RoleAssignment>;
    fn users(&self) -> Vec<&User>;
    /// The audit actions, in order.
    fn actions(&self) -> Vec<&str>;
}

impl DecisionExt for Decision {
    fn schedules(&self) -> Vec<&Schedule> {
        self.changes
            .iter()
            .filter_map(|change| match change {
                Change::Schedule(schedule) => Some(schedule),
                _ => None,
            })
            .collect()
    }

    fn groups(&self) -> Vec<&Group> {
        self.changes
            .iter()
            .filter_map(|change| match change {
                Change::Group(group) => Some(group),
                _ => None,
            })
            .collect()
    }

    fn policies(&self) -> Vec<&Policy> {
        self.changes
            .iter()
            .filter_map(|change| match change {
                Change::Policy(policy) => Some(policy),
                _ => None,
            })
            .collect()
    }

    fn requests(&self) -> Vec<&ScheduleRequest> {
        self.changes
            .iter()
            .filter_map(|change| match change {
                Change::Request(request) => Some(request),
                _ => None,
            })
            .collect()
    }

    fn role_assignments(&self) -> Vec<&RoleAssignment> {
        self.changes
            .iter()
            .filter_map(|change| match change {
                Change::RoleAssignment(assignment) => Some(assignment),
                _ => None,
            })
            .collect()
    }

    fn users(&self) -> Vec<&User> {
        self.changes
            .iter()
            .filter_map(|change| match change {
                Change::User(user) => Some(user),
                _ => None,
            })
            .collect()
    }

    fn actions(&self) -> Vec<&str> {
        self.audit
            .iter()
            .map(|record| record.action.as_str())
            .collect()
    }
}
