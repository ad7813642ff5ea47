//! PIM use cases: onboarding (P1–P6) and schedule requests (A1–A10).

use stint_core::authz::{self, Caller};
use stint_core::ids::{GroupId, RequestId};
use stint_core::request::ScheduleRequest;
use stint_core::rules::assignments::{self, RequestInput};
use stint_core::rules::{onboarding, requests};
use stint_core::schedule::ScheduleKind;
use stint_core::State;

use crate::engine::Attempt;
use crate::error::AppResult;
use crate::{App, CallMeta, Committed, Session};

impl App {
    /// P2: bring a group under PIM.
    pub async fn manage_group(
        &self,
        session: &Session,
        meta: &CallMeta,
        group: GroupId,
    ) -> AppResult<Committed<()>> {
        let attempt = Attempt::new("group.manage", "group", group).about(Some(group), None);
        self.decide(session, meta, attempt, |state, ctx| {
            onboarding::manage(state, ctx, group).map(|decision| (decision, ()))
        })
        .await
    }

    /// A1–A10: an administrator's eligibility or assignment schedule request.
    pub async fn submit_request(
        &self,
        session: &Session,
        meta: &CallMeta,
        input: RequestInput,
    ) -> AppResult<Committed<ScheduleRequest>> {
        let attempt = Attempt::new(format!("request.{}", input.action), "group", input.group_id)
            .about(Some(input.group_id), Some(input.principal_id));
        self.decide(session, meta, attempt, |state, ctx| {
            assignments::admin_request(state, ctx, input.clone())
        })
        .await
    }

    /// The caller with the roles they hold now.
    pub fn caller(&self, session: &Session) -> Caller {
        let now = self.now();
        self.read(|state| Caller::of(state, session.user, now))
    }
}

/// Who may see PIM data of a group: its PIM administrators (P2), and anyone for their own records.
pub fn may_view_group(
    state: &State,
    caller: &Caller,
    group: GroupId,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    caller.has_any_directory_role(&[
        stint_core::directory::BuiltInRole::GlobalAdministrator,
        stint_core::directory::BuiltInRole::PrivilegedRoleAdministrator,
    ]) || state
        .groups
        .get(&group)
        .is_some_and(|group| authz::may_administer_pim(state, caller, group, now))
}

/// Whether `caller` may see a record about `principal` in `group`.
pub fn may_view_record(
    state: &State,
    caller: &Caller,
    group: GroupId,
    principal: stint_core::ids::PrincipalId,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    principal == caller.user.into() || may_view_group(state, caller, group, now)
}

impl App {
    /// V4: cancel a pending request.
    pub async fn cancel_request(
        &self,
        session: &Session,
        meta: &CallMeta,
        id: RequestId,
        kind: ScheduleKind,
    ) -> AppResult<Committed<()>> {
        let attempt = Attempt::new("request.cancel", "request", id);
        self.decide(session, meta, attempt, |state, ctx| {
            requests::cancel(state, ctx, id, kind).map(|decision| (decision, ()))
        })
        .await
    }
}
