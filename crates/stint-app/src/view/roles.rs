//! PIM reads of directory roles: role assignments (Graph's role schedules) and role schedule
//! requests, filtered by what the caller may see ([`stint_core::authz::RoleViewer`]).

use stint_core::directory::RoleAssignment;
use stint_core::ids::{RequestId, RoleAssignmentId};
use stint_core::role_request::RoleScheduleRequest;
use stint_core::schedule::ScheduleKind;

use super::{View, Whose};

impl View<'_> {
    /// Role assignments of `kind`, ended ones included, in no particular order: with
    /// [`Whose::Mine`] those held by the caller or a group they are a member of now, with
    /// [`Whose::Visible`] all the caller may see. Other scopes find nothing.
    pub fn role_schedules(&self, whose: Whose, kind: ScheduleKind) -> Vec<&RoleAssignment> {
        let viewer = self.authority().role_viewer();
        let eligible = kind == ScheduleKind::Eligible;
        self.state
            .role_assignments
            .values()
            .filter(|a| a.eligible == eligible)
            .filter(|a| match whose {
                Whose::Visible => viewer.may_view(a.principal_id),
                Whose::Mine => viewer.is_mine(a.principal_id),
                _ => false,
            })
            .collect()
    }

    /// Role schedule requests of `kind`, in no particular order: with [`Whose::Mine`] those for
    /// the caller, with [`Whose::CreatedByMe`] those they made, with [`Whose::Visible`] all the
    /// caller may see (and those they made). Other scopes find nothing.
    pub fn role_requests(&self, whose: Whose, kind: ScheduleKind) -> Vec<&RoleScheduleRequest> {
        let viewer = self.authority().role_viewer();
        let me = self.caller.user;
        self.state
            .role_requests
            .values()
            .filter(|r| r.kind == kind)
            .filter(|r| match whose {
                Whose::Visible => viewer.may_view(r.principal_id) || r.created_by == me,
                Whose::Mine => r.principal_id == me.into(),
                Whose::CreatedByMe => r.created_by == me,
                _ => false,
            })
            .collect()
    }

    /// One role assignment, if the caller may see it.
    pub fn role_schedule(&self, id: RoleAssignmentId) -> Option<&RoleAssignment> {
        let viewer = self.authority().role_viewer();
        self.state
            .role_assignments
            .get(&id)
            .filter(|a| viewer.may_view(a.principal_id))
    }

    /// One role schedule request, if the caller may see it or made it.
    pub fn role_request(&self, id: RequestId) -> Option<&RoleScheduleRequest> {
        let viewer = self.authority().role_viewer();
        self.state
            .role_requests
            .get(&id)
            .filter(|r| viewer.may_view(r.principal_id) || r.created_by == self.caller.user)
    }
}
