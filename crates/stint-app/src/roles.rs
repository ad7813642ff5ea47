//! Directory role use cases through schedule requests (SPEC D5, D6, V1, V2, V5, V6): eligible and
//! time-bound role assignments made by administrators, and their activation.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use stint_core::authz::{self, Caller};
use stint_core::ids::{GroupId, PrincipalId};
use stint_core::role_request::RoleScheduleRequest;
use stint_core::rules::roles::{self, RoleRequestInput};
use stint_core::State;

use crate::engine::Attempt;
use crate::error::AppResult;
use crate::{App, CallMeta, Committed, Session};

impl App {
    /// `adminAssign`, `adminUpdate`, `adminExtend`, `adminRemove`, `selfActivate`, `selfDeactivate`
    /// of a directory role; refusals of business rules are audited as `roleRequest.<action>`.
    pub async fn submit_role_request(
        &self,
        session: &Session,
        meta: &CallMeta,
        input: RoleRequestInput,
    ) -> AppResult<Committed<RoleScheduleRequest>> {
        let attempt = Attempt::new(
            format!("roleRequest.{}", input.action),
            "roleRequest",
            input.role.id(),
        )
        .about(None, Some(input.principal_id));
        self.decide(session, meta, attempt, |state, ctx| {
            roles::role_request(state, ctx, input.clone())
        })
        .await
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
            sees_all: authz::may_manage_roles(caller),
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
