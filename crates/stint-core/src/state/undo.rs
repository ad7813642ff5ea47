//! Applying a decision ahead of its commit and taking it back: group commit decides each decision
//! of a batch on the state with the batch's earlier decisions applied, then restores the state
//! before readers see it again (ADR 0017).
//!
//! A change is taken back by writing the object's previous version again, or, for an object the
//! change created, by removing it from the tables and indexes that [`State::apply`] filed it in.
//! A new group that schedules already name as a member cannot be taken back exactly (its
//! appearance turns them into nesting edges), so a decision creating one is not applied ahead.

use crate::change::Change;
use crate::ids::GroupId;
use crate::name_order::NameKey;
use crate::State;

use super::unfile;

/// How to restore the state as it was before some changes were applied ahead.
#[derive(Debug, Default)]
pub struct Undo {
    /// In the order the changes were applied; taken back in reverse.
    steps: Vec<Step>,
}

/// How to take back one change.
#[derive(Debug)]
enum Step {
    /// Write the object's previous version again.
    Restore(Change),
    /// The tenant as it was (there may have been none).
    Tenant(Option<crate::directory::Tenant>),
    /// Remove the object the change created.
    Remove(Change),
    /// The change altered nothing (a revoked token that was not there).
    Nothing,
}

impl Undo {
    pub fn new() -> Undo {
        Undo::default()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

impl State {
    /// Whether [`apply_ahead`](Self::apply_ahead) can take `changes` back exactly.
    pub fn can_take_back(&self, changes: &[Change]) -> bool {
        changes.iter().all(|change| match change {
            Change::Group(group) => {
                self.groups.contains_key(&group.id) || !self.index.names_as_member(group.id.into())
            }
            _ => true,
        })
    }

    /// Applies `changes` in order and records in `undo` how to take them back. Check
    /// [`can_take_back`](Self::can_take_back) first.
    pub fn apply_ahead(&mut self, changes: &[Change], undo: &mut Undo) {
        for change in changes {
            let step = self.step_back_from(change);
            undo.steps.push(step);
            self.apply(change.clone());
        }
    }

    /// Takes back everything recorded in `undo`, newest first.
    pub fn take_back(&mut self, undo: Undo) {
        for step in undo.steps.into_iter().rev() {
            match step {
                Step::Restore(previous) => self.apply(previous),
                Step::Tenant(previous) => self.tenant = previous,
                Step::Remove(created) => self.remove_created(created),
                Step::Nothing => {}
            }
        }
    }

    /// How to take back `change`, read before it is applied.
    fn step_back_from(&self, change: &Change) -> Step {
        let previous = match change {
            Change::Tenant(_) => return Step::Tenant(self.tenant.clone()),
            Change::User(user) => self.users.get(&user.id).cloned().map(Change::User),
            Change::Group(group) => self.groups.get(&group.id).cloned().map(Change::Group),
            Change::AdministrativeUnit(unit) => (self.administrative_units.get(&unit.id))
                .cloned()
                .map(Change::AdministrativeUnit),
            Change::RoleAssignment(assignment) => (self.role_assignments.get(&assignment.id))
                .cloned()
                .map(Change::RoleAssignment),
            Change::Policy(policy) => (self.policies.get(&(policy.group_id, policy.access)))
                .cloned()
                .map(Change::Policy),
            Change::Schedule(schedule) => (self.schedules.get(&schedule.id))
                .cloned()
                .map(Change::Schedule),
            Change::Request(request) => (self.requests.get(&request.id))
                .cloned()
                .map(Change::Request),
            Change::RoleRequest(request) => (self.role_requests.get(&request.id))
                .cloned()
                .map(Change::RoleRequest),
            Change::Token(token) => self.tokens.get(&token.hash).cloned().map(Change::Token),
            Change::TokenRevoked(hash) => {
                return match self.tokens.get(hash) {
                    Some(token) => Step::Restore(Change::Token(token.clone())),
                    None => Step::Nothing,
                }
            }
            Change::Webhook(webhook) => (self.webhooks.get(&webhook.id))
                .cloned()
                .map(Change::Webhook),
            Change::ScimToken(token) => (self.scim_tokens.get(&token.id))
                .cloned()
                .map(Change::ScimToken),
            Change::ScimObject(object) => (self.scim_objects.get(&object.id))
                .cloned()
                .map(Change::ScimObject),
            Change::Connector(connector) => (self.connectors.get(&connector.id))
                .cloned()
                .map(Change::Connector),
        };
        match previous {
            Some(previous) => Step::Restore(previous),
            None => Step::Remove(change.clone()),
        }
    }

    /// Removes the object `created` made, from its table and every index it was filed in.
    fn remove_created(&mut self, created: Change) {
        match created {
            Change::User(user) => {
                if let Some(removed) = self.users.remove(&user.id) {
                    self.users_by_name.remove(&NameKey::of_user(&removed));
                }
                // Unknown principals hold nothing (D1), as before the user was made.
                self.index.principal_changed(user.id.into(), false);
            }
            Change::Group(group) => {
                // Its slot stays, not live, as a deleted group's does.
                if let Some(removed) = self.groups.remove(&group.id) {
                    self.groups_by_name.remove(&NameKey::of_group(&removed));
                }
                self.index.group_changed(group.id, false, false, false);
            }
            Change::AdministrativeUnit(unit) => {
                self.administrative_units.remove(&unit.id);
            }
            Change::RoleAssignment(assignment) => {
                self.role_assignments.remove(&assignment.id);
            }
            Change::Policy(policy) => {
                let key = (policy.group_id, policy.access);
                for approver in &policy.settings.approval.approvers {
                    unfile(&mut self.policies_by_approver, &approver.principal(), &key);
                }
                self.policies.remove(&key);
            }
            Change::Schedule(schedule) => {
                self.index.remove_schedule(&schedule);
                self.due.remove_schedule(&schedule);
                unfile(
                    &mut self.schedules_by_group,
                    &schedule.group_id(),
                    &schedule.id,
                );
                let ownerships = &mut self.ownerships_by_group;
                unfile(ownerships, &schedule.group_id(), &schedule.id);
                let by_principal = &mut self.schedules_by_principal;
                unfile(by_principal, &schedule.principal_id, &schedule.id);
                self.schedules.remove(&schedule.id);
            }
            Change::Request(request) => {
                self.due.remove_request(&request);
                let group: GroupId = request.target.group_id;
                unfile(&mut self.requests_by_group, &group, &request.id);
                let by_principal = &mut self.requests_by_principal;
                unfile(by_principal, &request.principal_id, &request.id);
                self.requests.remove(&request.id);
            }
            Change::RoleRequest(request) => {
                self.role_requests.remove(&request.id);
            }
            Change::Token(token) => {
                self.tokens.remove(&token.hash);
            }
            Change::Webhook(webhook) => {
                self.webhooks.remove(&webhook.id);
            }
            Change::ScimToken(token) => {
                self.scim_tokens.remove(&token.id);
            }
            Change::ScimObject(object) => {
                self.scim_objects.remove(&object.id);
            }
            Change::Connector(connector) => {
                self.connectors.remove(&connector.id);
            }
            // Recorded as their own steps.
            Change::Tenant(_) | Change::TokenRevoked(_) => {}
        }
    }
}

#[cfg(test)]
#[path = "../tests/undo.rs"]
mod tests;
