//! PIM reads of groups: schedules, requests and approvals, each filtered by what the caller may
//! see (their own, and every record of a group they administer in PIM, P2).

use stint_core::authz::Approver;
use stint_core::ids::{GroupId, PrincipalId, RequestId, ScheduleId};
use stint_core::request::ScheduleRequest;
use stint_core::schedule::{Access, Schedule, ScheduleKind};

use super::View;

/// Whose records a list is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whose {
    /// Every record of a group (those the caller may see).
    Group(GroupId),
    /// Every record of a principal (those the caller may see).
    Principal(PrincipalId),
    /// The caller's own; for schedules, with the eligibilities of groups they are a member of now,
    /// which they may activate for themselves (V6).
    Mine,
    /// Requests the caller created.
    CreatedByMe,
    /// Pending requests waiting for the caller's decision (V3).
    AwaitingMe,
    /// Every record the caller may see. Directory roles list so; group lists name a group or a
    /// principal, and find nothing with this.
    Visible,
}

/// A pending request the caller may decide (V3), with the authority to decide it.
#[derive(Clone, Copy, Debug)]
pub struct Awaiting<'v> {
    pub request: &'v ScheduleRequest,
    pub approver: Approver<'v>,
}

impl View<'_> {
    /// Schedules of `kind`, ended ones included, in no particular order.
    pub fn schedules(&self, whose: Whose, kind: ScheduleKind) -> Vec<&Schedule> {
        let state = &*self.state;
        let me: PrincipalId = self.caller.user.into();
        let found: Vec<&Schedule> = match whose {
            Whose::Group(group) => state.schedules_of_group(group).collect(),
            Whose::Principal(principal) => state.schedules_of_principal(principal).collect(),
            Whose::Mine => {
                let through_groups = state
                    .transitive_member_of(me, self.now)
                    .into_iter()
                    .flat_map(|group| state.schedules_of_principal(group.into()))
                    .filter(|s| s.kind == ScheduleKind::Eligible && s.access() == Access::Member);
                state
                    .schedules_of_principal(me)
                    .chain(through_groups)
                    .collect()
            }
            Whose::CreatedByMe | Whose::AwaitingMe | Whose::Visible => Vec::new(),
        };
        // Every record of a group the caller reads in PIM is theirs to see: asked once, not per
        // record (a big group has thousands, issue 19 item 12).
        let all_seen = match whose {
            Whose::Mine => true,
            Whose::Group(group) => self.authority().pim_reader(group).is_some(),
            _ => false,
        };
        found
            .into_iter()
            .filter(|s| s.kind == kind)
            .filter(|s| all_seen || self.sees_record(s.group_id(), s.principal_id))
            .collect()
    }

    /// Requests of `kind`, in no particular order.
    pub fn requests(&self, whose: Whose, kind: ScheduleKind) -> Vec<&ScheduleRequest> {
        let state = &*self.state;
        let me = self.caller.user;
        let found: Vec<&ScheduleRequest> = match whose {
            Whose::Group(group) => state.requests_of_group(group).collect(),
            Whose::Principal(principal) => state.requests_of_principal(principal).collect(),
            Whose::Mine => state.requests_of_principal(me.into()).collect(),
            Whose::CreatedByMe => state
                .requests
                .values()
                .filter(|r| r.created_by == me)
                .collect(),
            Whose::AwaitingMe => self
                .requests_awaiting_me()
                .into_iter()
                .map(|awaiting| awaiting.request)
                .collect(),
            Whose::Visible => Vec::new(),
        };
        let awaiting = whose == Whose::AwaitingMe;
        found
            .into_iter()
            .filter(|r| r.kind == kind)
            .filter(|r| awaiting || self.sees_record(r.target.group_id, r.principal_id))
            .collect()
    }

    /// One schedule, if the caller may see it.
    pub fn schedule(&self, id: ScheduleId) -> Option<&Schedule> {
        self.state
            .schedules
            .get(&id)
            .filter(|s| self.sees_record(s.group_id(), s.principal_id))
    }

    /// One request, if the caller may see it.
    pub fn request(&self, id: RequestId) -> Option<&ScheduleRequest> {
        self.state
            .requests
            .get(&id)
            .filter(|r| self.sees_record(r.target.group_id, r.principal_id))
    }

    /// V3: the pending requests waiting for the caller's decision, oldest first.
    pub fn requests_awaiting_me(&self) -> Vec<Awaiting<'_>> {
        let authority = self.authority();
        let mut waiting: Vec<Awaiting<'_>> = self
            .state
            .requests
            .values()
            .filter(|request| request.status.is_pending())
            .filter_map(|request| {
                authority
                    .approver(request)
                    .map(|approver| Awaiting { request, approver })
            })
            .collect();
        waiting.sort_by_key(|awaiting| (awaiting.request.created_at, awaiting.request.id));
        waiting
    }

    /// One pending request, if it waits for the caller's decision.
    pub fn request_awaiting_me(&self, id: RequestId) -> Option<Awaiting<'_>> {
        let request = self.state.requests.get(&id)?;
        if !request.status.is_pending() {
            return None;
        }
        let approver = self.authority().approver(request)?;
        Some(Awaiting { request, approver })
    }

    /// The approval of a request with whether the caller may decide it, if they may read it.
    pub fn approval(&self, id: RequestId) -> Option<(&ScheduleRequest, bool)> {
        let request = self.state.requests.get(&id)?;
        request.approval.as_ref()?;
        let authority = self.authority();
        authority
            .sees_approval(request)
            .then(|| (request, authority.approver(request).is_some()))
    }

    /// Whether request `id` exists and has an approval, whoever may read it: an approval the
    /// caller may not read is refused rather than not found.
    pub fn has_approval(&self, id: RequestId) -> bool {
        self.state
            .requests
            .get(&id)
            .is_some_and(|request| request.approval.is_some())
    }

    fn sees_record(&self, group: GroupId, principal: PrincipalId) -> bool {
        self.authority().sees_record(group, principal)
    }
}
