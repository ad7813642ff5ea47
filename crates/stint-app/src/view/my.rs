//! The caller's own PIM records as "My roles" and "My requests" show them: their assignments
//! with what they may ask for each (E1, E2, V6, V8), their requests, and the approvals they
//! decided.

use stint_core::ids::{GroupId, PrincipalId, RequestId};
use stint_core::request::{RequestAction, ScheduleRequest};
use stint_core::rules::activation::{is_extendable, is_renewable};
use stint_core::rules::assignments::RENEWAL_WINDOW;
use stint_core::schedule::{Access, EndReason, Schedule, ScheduleKind};

use super::{View, Whose};

/// One of the caller's assignments, with what they may ask for it now.
#[derive(Clone, Copy, Debug)]
pub struct MyAssignment<'v> {
    pub schedule: &'v Schedule,
    /// The group it comes through (V6): an eligibility of a group the caller is a member of.
    pub through: Option<GroupId>,
    /// E1: the caller may ask to extend it, and has not asked yet.
    pub extendable: bool,
    /// E2: the caller may ask to renew it, and has not asked yet.
    pub renewable: bool,
    /// An activation of it waits for approval.
    pub activation_pending: bool,
}

/// The caller's assignments by tab: eligible and active ones in force or scheduled (oldest
/// first), and those that ended within the renewal window (latest end first).
#[derive(Clone, Debug, Default)]
pub struct MyAssignments<'v> {
    pub eligible: Vec<MyAssignment<'v>>,
    pub active: Vec<MyAssignment<'v>>,
    pub expired: Vec<MyAssignment<'v>>,
}

impl View<'_> {
    /// The caller's assignments in live groups, with the eligibilities of groups they are a
    /// member of now (V6).
    pub fn my_assignments(&self) -> MyAssignments<'_> {
        let me: PrincipalId = self.caller.user.into();
        let (mut own, through_groups): (Vec<&Schedule>, Vec<&Schedule>) =
            [ScheduleKind::Eligible, ScheduleKind::Active]
                .into_iter()
                .flat_map(|kind| self.schedules(Whose::Mine, kind))
                .filter(|s| !is_superseded(s) && self.live_group(s.group_id()).is_some())
                .partition(|s| s.principal_id == me);
        own.sort_by_key(|s| (s.effective_window().start, s.id));
        let through_groups = through_groups
            .into_iter()
            .filter(|s| s.is_open_at(self.now));
        let mut lists = MyAssignments::default();
        for schedule in own.into_iter().chain(through_groups) {
            let is_own = schedule.principal_id == me;
            let mut item = MyAssignment {
                schedule,
                through: (!is_own).then_some(GroupId(schedule.principal_id.0)),
                extendable: false,
                renewable: false,
                activation_pending: false,
            };
            let (group, access, kind) = (schedule.group_id(), schedule.access(), schedule.kind);
            let asked = |kind: ScheduleKind, action: RequestAction| {
                self.my_pending_request(group, access, kind, action)
            };
            if schedule.is_open_at(self.now) {
                item.extendable = is_own
                    && is_extendable(schedule, self.now)
                    && !asked(kind, RequestAction::SelfExtend);
                match kind {
                    ScheduleKind::Eligible => {
                        item.activation_pending =
                            asked(ScheduleKind::Active, RequestAction::SelfActivate);
                        lists.eligible.push(item);
                    }
                    ScheduleKind::Active => lists.active.push(item),
                }
            } else if schedule
                .effective_window()
                .end
                .is_some_and(|end| self.now - end <= RENEWAL_WINDOW)
            {
                let has_open = self
                    .state
                    .schedules_for(group, me, access, kind)
                    .any(|s| s.is_open_at(self.now));
                item.renewable = is_own
                    && is_renewable(schedule, self.now)
                    && !has_open
                    && !asked(kind, RequestAction::SelfRenew);
                lists.expired.push(item);
            }
        }
        lists
            .expired
            .sort_by_key(|item| std::cmp::Reverse(item.schedule.effective_window().end));
        lists
    }

    /// The caller's requests for themselves (validations aside), newest first.
    pub fn my_requests(&self) -> Vec<&ScheduleRequest> {
        let mut requests: Vec<&ScheduleRequest> = [ScheduleKind::Eligible, ScheduleKind::Active]
            .into_iter()
            .flat_map(|kind| self.requests(Whose::Mine, kind))
            .filter(|r| !r.is_validation_only)
            .collect();
        requests.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        requests
    }

    /// Requests whose approval the caller decided, latest decision first.
    pub fn requests_decided_by_me(&self) -> Vec<&ScheduleRequest> {
        let me = self.caller.user;
        let mut decided: Vec<&ScheduleRequest> = self
            .state
            .requests
            .values()
            .filter(|r| {
                r.approval
                    .as_ref()
                    .and_then(|a| a.decision.as_ref())
                    .is_some_and(|d| d.reviewed_by == Some(me))
            })
            .collect();
        decided.sort_by_key(|r| (std::cmp::Reverse(r.completed_at), r.id));
        decided
    }

    /// Which family (eligibility or assignment requests) a request belongs to, so that a cancel
    /// goes to it; whether the caller may cancel it is the rule's to say (V4), in its own words.
    pub fn request_family(&self, id: RequestId) -> Option<ScheduleKind> {
        self.state.requests.get(&id).map(|r| r.kind)
    }

    /// Whether the caller holds any directory role now: the console then shows its directory
    /// pages (each of which asks for its own authority).
    pub fn holds_directory_roles(&self) -> bool {
        !self.caller.roles.is_empty()
    }

    fn my_pending_request(
        &self,
        group: GroupId,
        access: Access,
        kind: ScheduleKind,
        action: RequestAction,
    ) -> bool {
        self.requests(Whose::Mine, kind).into_iter().any(|r| {
            r.status.is_pending()
                && r.target.group_id == group
                && r.target.access == access
                && r.action == action
        })
    }
}

fn is_superseded(schedule: &Schedule) -> bool {
    matches!(
        schedule.ended.map(|e| e.reason),
        Some(EndReason::Superseded)
    )
}
