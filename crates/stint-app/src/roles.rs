//! Directory role use cases through schedule requests (SPEC D5, D6, V1, V2, V5, V6): eligible and
//! time-bound role assignments made by administrators, and their activation.

use stint_core::role_request::RoleScheduleRequest;
use stint_core::rules::roles::{self, RoleRequestInput};

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
            input.target.role.id(),
        )
        .about(None, Some(input.principal_id));
        self.decide(session, meta, attempt, move |state, ctx| {
            roles::role_request(state, ctx, input.clone())
        })
        .await
    }
}
