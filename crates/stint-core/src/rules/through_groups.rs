//! V6 to its end: an activation made through a group's eligibility holds only while its holder
//! still reaches that group. Whatever ends a membership — the groups API, PIM removal or
//! deactivation, expiry, SCIM, a deleted group — the activations it leaves without their source
//! end in the same commit. The write path applies [`ends_following`] to every decision, so no door
//! can forget it.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::{AuditRecord, Outcome};
use crate::change::{Change, Decision};
use crate::ids::{GroupId, PrincipalId, ScheduleId, UserId};
use crate::rules::assignment::Assigned;
use crate::schedule::{Access, EndReason, MemberType, Schedule, ScheduleKind};
use crate::state::State;

/// What `decision` leaves without a source: the activations through a group whose holders no
/// longer reach that group once `decision` is applied, each ended at `now` with its audit event.
/// Follows the chain (an ended activation may itself have been the way to another group), so the
/// result needs no second pass.
pub fn ends_following(
    state: &State,
    decision: &Decision,
    now: DateTime<Utc>,
    fresh_id: &mut impl FnMut() -> Uuid,
) -> Decision {
    let mut after = After::of(state, decision);
    let mut follow_up = Decision::new();
    let mut ending = after.memberships_ended();
    while !ending.is_empty() {
        let mut next = Vec::new();
        for user in after.users_below(&ending, now) {
            for (activation, via) in after.activations_through_groups(user, now) {
                if after.reaches(user.into(), via, now) {
                    continue;
                }
                let ended = activation.ended_at(now, EndReason::Removed);
                let cause = decision.audit.first();
                follow_up.record(ended_event(state, fresh_id(), now, &ended, via, cause));
                follow_up.push(Change::Schedule(ended.clone()));
                next.push(ended);
            }
        }
        ending = next.iter().map(|s| s.principal_id).collect();
        after.overlay(next);
    }
    follow_up
}

/// The schedules as they stand once the decision (and the ends found so far) are applied.
struct After<'a> {
    state: &'a State,
    changed: HashMap<ScheduleId, Schedule>,
    deleted_groups: HashSet<GroupId>,
}

impl<'a> After<'a> {
    fn of(state: &'a State, decision: &Decision) -> Self {
        let mut after = After {
            state,
            changed: HashMap::new(),
            deleted_groups: HashSet::new(),
        };
        for change in &decision.changes {
            match change {
                Change::Schedule(schedule) => {
                    after.changed.insert(schedule.id, schedule.clone());
                }
                Change::Group(group) if group.is_deleted() => {
                    after.deleted_groups.insert(group.id);
                }
                _ => {}
            }
        }
        after
    }

    fn overlay(&mut self, schedules: Vec<Schedule>) {
        self.changed.extend(
            schedules
                .into_iter()
                .map(|schedule| (schedule.id, schedule)),
        );
    }

    /// The principals whose active membership of some group the decision ends.
    fn memberships_ended(&self) -> BTreeSet<PrincipalId> {
        self.changed
            .values()
            .filter(|s| s.kind == ScheduleKind::Active && s.access() == Access::Member)
            .filter(|s| s.ended.is_some())
            .filter(|s| {
                self.state
                    .schedules
                    .get(&s.id)
                    .is_some_and(|before| before.ended.is_none())
            })
            .map(|s| s.principal_id)
            .collect()
    }

    /// The users among `principals` and below them (members of those that are groups).
    fn users_below(
        &self,
        principals: &BTreeSet<PrincipalId>,
        now: DateTime<Utc>,
    ) -> BTreeSet<UserId> {
        let mut users = BTreeSet::new();
        for principal in principals {
            if self.state.users.contains_key(&UserId(principal.0)) {
                users.insert(UserId(principal.0));
            } else {
                let below = self.state.transitive_members(GroupId(principal.0), now);
                users.extend(
                    below
                        .into_iter()
                        .map(|p| UserId(p.0))
                        .filter(|u| self.state.users.contains_key(u)),
                );
            }
        }
        users
    }

    /// Every schedule of `principal`, with the decision's version where it changes one.
    fn schedules_of(&self, principal: PrincipalId) -> impl Iterator<Item = &Schedule> {
        let stored = self
            .state
            .schedules_of_principal(principal)
            .map(|s| self.changed.get(&s.id).unwrap_or(s));
        let added = self.changed.values().filter(move |s| {
            s.principal_id == principal && !self.state.schedules.contains_key(&s.id)
        });
        stored.chain(added)
    }

    /// The user's open activations made through a group's eligibility, with that group.
    fn activations_through_groups(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Vec<(Schedule, GroupId)> {
        self.schedules_of(user.into())
            .filter(|s| s.member_type == MemberType::Group && s.kind == ScheduleKind::Active)
            .filter(|s| s.ended.is_none() && s.is_open_at(now))
            .filter_map(|s| Some((s.clone(), self.source_group(s)?)))
            .collect()
    }

    /// The group whose eligibility the activation was made through.
    fn source_group(&self, activation: &Schedule) -> Option<GroupId> {
        let request = self.state.requests.get(&activation.created_using?)?;
        let source = request.activated_using.as_ref()?;
        let eligibility = self.state.schedules.get(&source.eligibility)?;
        Some(GroupId(eligibility.principal_id.0))
    }

    /// Whether `principal` is an effective member of `group` at `now` once the decision applies.
    fn reaches(&self, principal: PrincipalId, group: GroupId, now: DateTime<Utc>) -> bool {
        let mut seen = HashSet::new();
        let mut frontier = vec![principal];
        while let Some(next) = frontier.pop() {
            for reached in self.direct_member_of(next, now) {
                if reached == group {
                    return true;
                }
                if seen.insert(reached) {
                    frontier.push(reached.into());
                }
            }
        }
        false
    }

    fn direct_member_of(&self, principal: PrincipalId, now: DateTime<Utc>) -> Vec<GroupId> {
        self.schedules_of(principal)
            .filter(|s| s.kind == ScheduleKind::Active && s.access() == Access::Member)
            .filter(|s| s.is_in_force_at(now))
            .map(Schedule::group_id)
            .filter(|g| !self.deleted_groups.contains(g) && self.state.live_group(*g).is_some())
            .collect()
    }
}

fn ended_event(
    state: &State,
    id: Uuid,
    now: DateTime<Utc>,
    ended: &Schedule,
    via: GroupId,
    cause: Option<&AuditRecord>,
) -> AuditRecord {
    let who = state.users.get(&UserId(ended.principal_id.0)).map_or_else(
        || ended.principal_id.to_string(),
        |u| u.display_name.clone(),
    );
    let name = |group: GroupId| {
        state
            .groups
            .get(&group)
            .map_or_else(|| group.to_string(), |g| g.display_name.clone())
    };
    AuditRecord {
        id,
        at: now,
        actor: cause.and_then(|c| c.actor),
        action: "schedule.end".to_string(),
        outcome: Outcome::Success,
        target_type: "schedule".to_string(),
        target_id: ended.id.to_string(),
        group_id: Some(ended.group_id()),
        principal_id: Some(ended.principal_id),
        justification: None,
        ticket: None,
        correlation_id: cause.and_then(|c| c.correlation_id.clone()),
        client: cause.and_then(|c| c.client.clone()),
        message: format!(
            "Ended {who}'s membership of {} because {who} no longer belongs to {}, through which it was activated (V6).",
            name(ended.group_id()),
            name(via)
        ),
    }
}

#[cfg(test)]
#[path = "tests/through_groups.rs"]
mod tests;
