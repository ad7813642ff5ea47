//! The whole state of a tenant as the rules see it, and how changes apply to it.
//!
//! Effective membership (D1, D4, D6, V7) is computed here from schedules and `now`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::Hash;

use chrono::{DateTime, Utc};

use crate::auth::{AccessToken, TokenHash};
use crate::change::Change;
use crate::connector::{Connector, ConnectorId};
use crate::directory::{
    AdministrativeUnit, BuiltInRole, DirectoryScope, Group, RoleAssignment, Tenant, User,
};
use crate::due::DueQueues;
use crate::ids::{
    AdministrativeUnitId, GroupId, PrincipalId, RequestId, RoleAssignmentId, ScheduleId, UserId,
};
use crate::index::{MembershipIndex, PrincipalFacts};
use crate::name_order::{group_search_text, user_search_text, NameKey, NameOrder};
use crate::notify::EventType;
use crate::policy::{Policy, PolicySettings};
use crate::request::ScheduleRequest;
use crate::role_request::RoleScheduleRequest;
use crate::schedule::{Access, Schedule, ScheduleKind};
use crate::scim::{ScimObject, ScimToken, ScimTokenId};
use crate::webhook::{Webhook, WebhookId};

mod undo;
pub use undo::Undo;

#[derive(Clone, Debug, Default)]
pub struct State {
    pub revision: u64,
    pub tenant: Option<Tenant>,
    pub users: HashMap<UserId, User>,
    pub groups: HashMap<GroupId, Group>,
    pub administrative_units: HashMap<AdministrativeUnitId, AdministrativeUnit>,
    pub role_assignments: HashMap<RoleAssignmentId, RoleAssignment>,
    pub policies: HashMap<(GroupId, Access), Policy>,
    pub schedules: HashMap<ScheduleId, Schedule>,
    pub requests: HashMap<RequestId, ScheduleRequest>,
    /// Role schedule requests (D5, D6), by id.
    pub role_requests: HashMap<RequestId, RoleScheduleRequest>,
    pub tokens: HashMap<TokenHash, AccessToken>,
    /// Webhook subscriptions (N3), deleted ones included.
    pub webhooks: HashMap<WebhookId, Webhook>,
    /// SCIM provisioning tokens (M1), revoked ones included.
    pub scim_tokens: HashMap<ScimTokenId, ScimToken>,
    /// What SCIM keeps about the users and groups it created (M2), by their id.
    pub scim_objects: HashMap<uuid::Uuid, ScimObject>,
    /// Connectors (C1), deleted ones included.
    pub connectors: HashMap<ConnectorId, Connector>,
    schedules_by_group: HashMap<GroupId, BTreeSet<ScheduleId>>,
    /// A group's ownerships alone: who administers a group (P2) and its last owner (A11) are
    /// asked of groups with many members, once per notification.
    ownerships_by_group: HashMap<GroupId, BTreeSet<ScheduleId>>,
    schedules_by_principal: HashMap<PrincipalId, BTreeSet<ScheduleId>>,
    requests_by_group: HashMap<GroupId, BTreeSet<RequestId>>,
    requests_by_principal: HashMap<PrincipalId, BTreeSet<RequestId>>,
    /// The policies that name a user, or the members of a group, as approvers (V3), by approver.
    policies_by_approver: HashMap<PrincipalId, BTreeSet<(GroupId, Access)>>,
    /// Direct active memberships and ownerships with their windows, and nesting flattened, for X2.
    index: MembershipIndex,
    /// What the scheduler will find due, by when.
    due: DueQueues,
    /// Users and groups (deleted ones included) in list order, for pages (issue 19 item 12).
    users_by_name: NameOrder<UserId>,
    groups_by_name: NameOrder<GroupId>,
}

/// Lists `id` under `key` in the index `by_key`.
fn file_under<K: Eq + Hash, Id: Ord>(by_key: &mut HashMap<K, BTreeSet<Id>>, key: K, id: Id) {
    by_key.entry(key).or_default().insert(id);
}

/// Takes `id` off the list under `key` in the index `by_key`.
fn unfile<K: Eq + Hash, Id: Ord>(by_key: &mut HashMap<K, BTreeSet<Id>>, key: &K, id: &Id) {
    if let Some(ids) = by_key.get_mut(key) {
        ids.remove(id);
    }
}

/// The objects `by_key` lists under `key`, looked up in `objects`.
fn looked_up<'a, K: Eq + Hash, Id: Eq + Hash, T>(
    by_key: &'a HashMap<K, BTreeSet<Id>>,
    key: K,
    objects: &'a HashMap<Id, T>,
) -> impl Iterator<Item = &'a T> + 'a {
    by_key
        .get(&key)
        .into_iter()
        .flatten()
        .filter_map(|id| objects.get(id))
}

/// A principal resolved to what it is.
#[derive(Clone, Copy, Debug)]
pub enum Principal<'a> {
    User(&'a User),
    Group(&'a Group),
}

/// A role held now, and through which group if not directly (D6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldRole {
    pub role: BuiltInRole,
    pub scope: DirectoryScope,
    pub via_group: Option<GroupId>,
}

impl State {
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Tenant(tenant) => self.tenant = Some(tenant),
            Change::User(user) => {
                let id = PrincipalId::from(user.id);
                let previous = self.users.get(&user.id).map(NameKey::of_user);
                let text = user_search_text(&user);
                self.users_by_name
                    .replace(previous, NameKey::of_user(&user), text);
                self.users.insert(user.id, user);
                let can_hold = self.principal_can_hold(id);
                self.index.principal_changed(id, can_hold);
            }
            Change::Group(group) => {
                let id = group.id;
                let previous = self.groups.get(&id).map(NameKey::of_group);
                let text = group_search_text(&group);
                self.groups_by_name
                    .replace(previous, NameKey::of_group(&group), text);
                let appeared = self.groups.insert(id, group).is_none();
                let live = self.live_group(id).is_some();
                let can_hold = self.principal_can_hold(id.into());
                self.index.group_changed(id, live, can_hold, appeared);
            }
            Change::AdministrativeUnit(unit) => {
                self.administrative_units.insert(unit.id, unit);
            }
            Change::RoleAssignment(assignment) => {
                self.role_assignments.insert(assignment.id, assignment);
            }
            Change::Policy(policy) => {
                let key = (policy.group_id, policy.access);
                if let Some(previous) = self.policies.get(&key) {
                    for approver in &previous.settings.approval.approvers {
                        unfile(&mut self.policies_by_approver, &approver.principal(), &key);
                    }
                }
                for approver in &policy.settings.approval.approvers {
                    file_under(&mut self.policies_by_approver, approver.principal(), key);
                }
                self.policies.insert(key, policy);
            }
            Change::Schedule(schedule) => {
                let facts = PrincipalFacts {
                    is_group: self.groups.contains_key(&GroupId(schedule.principal_id.0)),
                    can_hold: self.principal_can_hold(schedule.principal_id),
                };
                let previous = self.schedules.get(&schedule.id);
                self.index.replace_schedule(previous, &schedule, facts);
                self.due.replace_schedule(previous, &schedule);
                if let Some(previous) = previous {
                    if previous.principal_id != schedule.principal_id {
                        let by_principal = &mut self.schedules_by_principal;
                        unfile(by_principal, &previous.principal_id, &schedule.id);
                    }
                }
                file_under(
                    &mut self.schedules_by_group,
                    schedule.group_id(),
                    schedule.id,
                );
                if schedule.access() == Access::Owner {
                    let ownerships = &mut self.ownerships_by_group;
                    file_under(ownerships, schedule.group_id(), schedule.id);
                }
                let by_principal = &mut self.schedules_by_principal;
                file_under(by_principal, schedule.principal_id, schedule.id);
                self.schedules.insert(schedule.id, schedule);
            }
            Change::Request(request) => {
                self.due
                    .replace_request(self.requests.get(&request.id), &request);
                let by_group = &mut self.requests_by_group;
                file_under(by_group, request.target.group_id, request.id);
                let by_principal = &mut self.requests_by_principal;
                file_under(by_principal, request.principal_id, request.id);
                self.requests.insert(request.id, request);
            }
            Change::RoleRequest(request) => {
                self.role_requests.insert(request.id, request);
            }
            Change::Token(token) => {
                self.tokens.insert(token.hash.clone(), token);
            }
            Change::TokenRevoked(hash) => {
                self.tokens.remove(&hash);
            }
            Change::Webhook(webhook) => {
                self.webhooks.insert(webhook.id, webhook);
            }
            Change::ScimToken(token) => {
                self.scim_tokens.insert(token.id, token);
            }
            Change::ScimObject(object) => {
                self.scim_objects.insert(object.id, object);
            }
            Change::Connector(connector) => {
                self.connectors.insert(connector.id, connector);
            }
        }
    }

    /// Makes room for `additional` more objects of the kind `example` changes, so that a bulk
    /// load does not rehash (and move) its largest tables again and again as they grow.
    pub fn reserve_like(&mut self, example: &Change, additional: usize) {
        match example {
            Change::User(_) => self.users.reserve(additional),
            Change::Group(_) => self.groups.reserve(additional),
            Change::Schedule(_) => self.schedules.reserve(additional),
            Change::Request(_) => self.requests.reserve(additional),
            Change::Token(_) => self.tokens.reserve(additional),
            _ => {}
        }
    }

    /// A state built by applying `changes` in order (a bulk load; see
    /// [`apply_loading`](Self::apply_loading)).
    pub fn from_changes(changes: impl IntoIterator<Item = Change>) -> State {
        let mut state = State::default();
        for change in changes {
            state.apply_loading(change);
        }
        state.finish_load();
        state
    }

    /// [`apply`](Self::apply) for a bulk load: a schedule new to the state goes into the table,
    /// the membership index and the due queues, but not into the lists of schedules by group and
    /// by principal, which [`finish_load`](Self::finish_load) builds in one go (two sorts instead
    /// of a million B-tree insertions).
    pub fn apply_loading(&mut self, change: Change) {
        match change {
            Change::Schedule(schedule) if !self.schedules.contains_key(&schedule.id) => {
                let facts = PrincipalFacts {
                    is_group: self.groups.contains_key(&GroupId(schedule.principal_id.0)),
                    can_hold: self.principal_can_hold(schedule.principal_id),
                };
                self.index.replace_schedule(None, &schedule, facts);
                self.due.replace_schedule(None, &schedule);
                self.schedules.insert(schedule.id, schedule);
            }
            other => self.apply(other),
        }
    }

    /// Ends a bulk load of [`apply_loading`](Self::apply_loading)s: builds the lists of schedules
    /// by group and by principal from the table (on two threads) and releases the membership
    /// index's slack.
    pub fn finish_load(&mut self) {
        let schedules = &self.schedules;
        let (by_group, by_principal) = std::thread::scope(|scope| {
            let by_group =
                scope.spawn(|| grouped(schedules.values().map(|s| (s.group_id(), s.id))));
            let by_principal = grouped(schedules.values().map(|s| (s.principal_id, s.id)));
            (by_group.join(), by_principal)
        });
        self.schedules_by_group = match by_group {
            Ok(by_group) => by_group,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        self.schedules_by_principal = by_principal;
        self.ownerships_by_group = grouped(
            schedules
                .values()
                .filter(|s| s.access() == Access::Owner)
                .map(|s| (s.group_id(), s.id)),
        );
        self.index.shrink_to_fit();
    }

    /// The membership index kept current by [`apply`](Self::apply) (X2).
    pub fn index(&self) -> &MembershipIndex {
        &self.index
    }

    /// Every user in list order (issue 19 item 12).
    pub fn users_by_name(&self) -> &NameOrder<UserId> {
        &self.users_by_name
    }

    /// Every group, deleted ones included, in list order (issue 19 item 12).
    pub fn groups_by_name(&self) -> &NameOrder<GroupId> {
        &self.groups_by_name
    }

    /// What the scheduler will find due, by when.
    pub fn due(&self) -> &DueQueues {
        &self.due
    }

    /// V3: the requests still pending that were made by `at`, oldest first.
    pub fn requests_pending_since(
        &self,
        at: DateTime<Utc>,
    ) -> impl Iterator<Item = &ScheduleRequest> + '_ {
        self.due
            .pending_since(at)
            .filter_map(|id| self.requests.get(&id))
    }

    /// V7: the schedules not yet recorded as ended whose planned end is by `at`, earliest first.
    pub fn schedules_ending_by(&self, at: DateTime<Utc>) -> impl Iterator<Item = &Schedule> + '_ {
        self.due
            .ends_by(at)
            .filter_map(|id| self.schedules.get(&id))
    }

    /// Releases the membership index's spare capacity (after many changes at once).
    pub fn shrink_index(&mut self) {
        self.index.shrink_to_fit();
    }

    /// Drops the membership index's edges and windows that have ended by `now` (the schedules
    /// stay). Afterwards checks are answered only for instants at or after `now`: the scheduler's
    /// tick calls this with its own time.
    pub fn prune_ended(&mut self, now: DateTime<Utc>) {
        self.index.prune_ended(now);
    }

    pub fn user_by_name(&self, name: &str) -> Option<&User> {
        let key = crate::names::user_name_key(name);
        self.users.values().find(|user| user.has_name_key(&key))
    }

    /// The settings of the policy for (`group`, `access`), or the defaults where it has none.
    pub fn policy_settings(&self, group: GroupId, access: Access) -> PolicySettings {
        self.policies
            .get(&(group, access))
            .map(|policy| policy.settings.clone())
            .unwrap_or_default()
    }

    /// A group that exists (not deleted).
    /// The live subscriptions that want `event`.
    pub fn webhooks_for(&self, event: EventType) -> impl Iterator<Item = WebhookId> + '_ {
        let mut ids: Vec<WebhookId> = self
            .webhooks
            .values()
            .filter(|webhook| webhook.wants(event))
            .map(|webhook| webhook.id)
            .collect();
        ids.sort();
        ids.into_iter()
    }

    pub fn live_group(&self, id: GroupId) -> Option<&Group> {
        self.groups.get(&id).filter(|group| !group.is_deleted())
    }

    pub fn principal(&self, id: PrincipalId) -> Option<Principal<'_>> {
        if let Some(user) = self.users.get(&UserId(id.0)) {
            return Some(Principal::User(user));
        }
        self.live_group(GroupId(id.0)).map(Principal::Group)
    }

    pub fn role_assignable_group_count(&self) -> usize {
        self.groups
            .values()
            .filter(|group| group.is_assignable_to_role && !group.is_deleted())
            .count()
    }

    pub fn schedules_of_group(&self, group: GroupId) -> impl Iterator<Item = &Schedule> {
        looked_up(&self.schedules_by_group, group, &self.schedules)
    }

    /// The schedules of `group` that grant `access`.
    pub fn schedules_of_group_for(
        &self,
        group: GroupId,
        access: Access,
    ) -> Box<dyn Iterator<Item = &Schedule> + '_> {
        match access {
            Access::Owner => Box::new(looked_up(&self.ownerships_by_group, group, &self.schedules)),
            Access::Member => Box::new(
                self.schedules_of_group(group)
                    .filter(|s| s.access() == Access::Member),
            ),
        }
    }

    pub fn schedules_of_principal(
        &self,
        principal: PrincipalId,
    ) -> impl Iterator<Item = &Schedule> {
        looked_up(&self.schedules_by_principal, principal, &self.schedules)
    }

    /// The groups whose policies name `approver` (a user, or a group whose members approve) as
    /// approvers, whether or not approval is required now.
    pub fn groups_approved_by(&self, approver: PrincipalId) -> impl Iterator<Item = GroupId> + '_ {
        self.policies_by_approver
            .get(&approver)
            .into_iter()
            .flatten()
            .map(|(group, _)| *group)
    }

    pub fn requests_of_group(&self, group: GroupId) -> impl Iterator<Item = &ScheduleRequest> {
        looked_up(&self.requests_by_group, group, &self.requests)
    }

    pub fn requests_of_principal(
        &self,
        principal: PrincipalId,
    ) -> impl Iterator<Item = &ScheduleRequest> {
        looked_up(&self.requests_by_principal, principal, &self.requests)
    }

    /// Schedules of one (group, principal, access, kind), in force or not.
    pub fn schedules_for<'a>(
        &'a self,
        group: GroupId,
        principal: PrincipalId,
        access: Access,
        kind: ScheduleKind,
    ) -> impl Iterator<Item = &'a Schedule> + 'a {
        self.schedules_of_principal(principal)
            .filter(move |s| s.group_id() == group && s.access() == access && s.kind == kind)
    }

    /// Principals holding `access` in `group` directly and actively at `now` (D7's `members`).
    pub fn direct_holders(
        &self,
        group: GroupId,
        access: Access,
        now: DateTime<Utc>,
    ) -> BTreeSet<PrincipalId> {
        let holders: BTreeSet<PrincipalId> = self
            .schedules_of_group_for(group, access)
            .filter(|s| s.kind == ScheduleKind::Active)
            .filter(|s| s.is_in_force_at(now))
            .filter(|s| self.principal_can_hold(s.principal_id))
            .map(|s| s.principal_id)
            .collect();
        if access == Access::Owner && holders.is_empty() {
            return self
                .retained_last_owner(group, now)
                .map(|schedule| schedule.principal_id)
                .into_iter()
                .collect();
        }
        holders
    }

    /// A11: when a group's ownerships have all ended, the one that ended last by expiry stays in
    /// force until another owner exists. (After 30 days the scheduler makes it permanent.)
    pub fn retained_last_owner(&self, group: GroupId, now: DateTime<Utc>) -> Option<&Schedule> {
        self.live_group(group)?;
        let owned_now = self.schedules_of_group_for(group, Access::Owner).any(|s| {
            s.kind == ScheduleKind::Active
                && s.is_in_force_at(now)
                && self.principal_can_hold(s.principal_id)
        });
        if owned_now {
            return None;
        }
        let last = self
            .schedules_of_group_for(group, Access::Owner)
            .filter(|s| s.kind == ScheduleKind::Active)
            .filter(|s| s.effective_window().has_ended_by(now))
            .filter(|s| {
                !matches!(
                    s.ended,
                    Some(crate::schedule::Ended {
                        reason: crate::schedule::EndReason::Superseded,
                        ..
                    })
                )
            })
            .max_by_key(|s| (s.effective_window().end, s.id))?;
        let expired = matches!(
            last.ended,
            None | Some(crate::schedule::Ended {
                reason: crate::schedule::EndReason::Expired,
                ..
            })
        );
        (expired && self.principal_can_hold(last.principal_id)).then_some(last)
    }

    /// D1: a disabled user holds nothing; a deleted group holds nothing.
    pub(crate) fn principal_can_hold(&self, principal: PrincipalId) -> bool {
        match self.principal(principal) {
            Some(Principal::User(user)) => user.account_enabled,
            Some(Principal::Group(_)) => true,
            None => false,
        }
    }

    /// All users who are effective members of `group` at `now`, through nesting.
    pub fn transitive_members(&self, group: GroupId, now: DateTime<Utc>) -> BTreeSet<PrincipalId> {
        let mut found = BTreeSet::new();
        let mut visited = HashSet::new();
        self.collect_members(group, now, &mut visited, &mut found);
        found
    }

    fn collect_members(
        &self,
        group: GroupId,
        now: DateTime<Utc>,
        visited: &mut HashSet<GroupId>,
        found: &mut BTreeSet<PrincipalId>,
    ) {
        if !visited.insert(group) {
            return;
        }
        for principal in self.direct_holders(group, Access::Member, now) {
            found.insert(principal);
            if self.live_group(GroupId(principal.0)).is_some() {
                self.collect_members(GroupId(principal.0), now, visited, found);
            }
        }
    }

    /// Groups `principal` is an active member of at `now`, directly.
    pub fn direct_member_of(
        &self,
        principal: PrincipalId,
        now: DateTime<Utc>,
    ) -> BTreeSet<GroupId> {
        if !self.principal_can_hold(principal) {
            return BTreeSet::new();
        }
        self.schedules_of_principal(principal)
            .filter(|s| s.access() == Access::Member && s.kind == ScheduleKind::Active)
            .filter(|s| s.is_in_force_at(now) && self.live_group(s.group_id()).is_some())
            .map(|s| s.group_id())
            .collect()
    }

    /// Groups `principal` is an effective member of at `now`, through nesting.
    pub fn transitive_member_of(
        &self,
        principal: PrincipalId,
        now: DateTime<Utc>,
    ) -> BTreeSet<GroupId> {
        let mut found = BTreeSet::new();
        let mut frontier = vec![principal];
        while let Some(next) = frontier.pop() {
            for group in self.direct_member_of(next, now) {
                if found.insert(group) {
                    frontier.push(group.into());
                }
            }
        }
        found
    }

    pub fn is_effective_member(
        &self,
        principal: PrincipalId,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> bool {
        self.transitive_member_of(principal, now).contains(&group)
    }

    pub fn is_owner(&self, user: UserId, group: GroupId, now: DateTime<Utc>) -> bool {
        self.direct_holders(group, Access::Owner, now)
            .contains(&user.into())
    }

    /// Roles `user` holds at `now`, directly or through role-assignable groups (D6).
    pub fn roles_of(&self, user: UserId, now: DateTime<Utc>) -> Vec<HeldRole> {
        let Some(account) = self.users.get(&user) else {
            return Vec::new();
        };
        if !account.account_enabled {
            return Vec::new();
        }
        let groups = self.transitive_member_of(user.into(), now);
        self.role_assignments
            .values()
            .filter(|assignment| assignment.is_active_at(now))
            .filter_map(|assignment| {
                let via_group = if assignment.principal_id == user.into() {
                    None
                } else {
                    let group = GroupId(assignment.principal_id.0);
                    groups.contains(&group).then_some(Some(group))?
                };
                Some(HeldRole {
                    role: assignment.role,
                    scope: assignment.scope,
                    via_group,
                })
            })
            .collect()
    }

    /// D4: whether making `child` a member of `parent` would close a cycle, counting
    /// every open group-in-group schedule, eligible or active.
    pub fn would_create_cycle(&self, child: GroupId, parent: GroupId, now: DateTime<Utc>) -> bool {
        if child == parent {
            return true;
        }
        let mut visited = HashSet::new();
        let mut frontier = vec![parent];
        while let Some(group) = frontier.pop() {
            if group == child {
                return true;
            }
            if !visited.insert(group) {
                continue;
            }
            let containers = self
                .schedules_of_principal(group.into())
                .filter(|s| s.access() == Access::Member && s.is_open_at(now))
                .map(|s| s.group_id());
            frontier.extend(containers);
        }
        false
    }

    /// Administrative units that contain `object`.
    pub fn units_containing(
        &self,
        object: uuid::Uuid,
    ) -> impl Iterator<Item = AdministrativeUnitId> + '_ {
        self.administrative_units
            .values()
            .filter(move |unit| unit.members.contains(&object))
            .map(|unit| unit.id)
    }
}

/// (key, id) pairs as sorted id sets by key, built from sorted runs rather than one insertion at
/// a time.
fn grouped<K: std::hash::Hash + Eq + Ord + Copy>(
    pairs: impl Iterator<Item = (K, ScheduleId)>,
) -> HashMap<K, BTreeSet<ScheduleId>> {
    let mut pairs: Vec<(K, ScheduleId)> = pairs.collect();
    pairs.sort_unstable();
    let mut sets = HashMap::new();
    for run in pairs.chunk_by(|a, b| a.0 == b.0) {
        let ids: BTreeSet<ScheduleId> = run.iter().map(|(_, id)| *id).collect();
        if let Some((key, _)) = run.first() {
            sets.insert(*key, ids);
        }
    }
    sets
}

#[cfg(test)]
#[path = "tests/state.rs"]
mod tests;
