//! PIM use cases: onboarding (P1–P6) and schedule requests (A1–A10).

use stint_core::ids::{GroupId, RequestId};
use stint_core::request::ScheduleRequest;
use stint_core::rules::approval::{self, Review};
use stint_core::rules::assignments::{self, RequestInput};
use stint_core::rules::{activation, onboarding, requests};
use stint_core::schedule::ScheduleKind;

use crate::engine::Attempt;
use crate::error::AppResult;
use crate::use_cases::rule_use_cases;
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
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            let admin = ctx.authority(state).pim_admin_of(group)?;
            onboarding::manage(ctx, admin)
        })
        .await
    }

    /// A1–A10 for administrators' actions, V1–V8 and E1–E2 for a principal's own.
    pub async fn submit_request(
        &self,
        session: &Session,
        meta: &CallMeta,
        input: RequestInput,
    ) -> AppResult<Committed<ScheduleRequest>> {
        let attempt = Attempt::new(
            format!("request.{}", input.action),
            "group",
            input.target.group_id,
        )
        .about(Some(input.target.group_id), Some(input.principal_id));
        self.decide(session, meta, attempt, move |state, ctx| {
            if input.action.is_admin() {
                assignments::admin_request(state, ctx, input.clone())
            } else {
                activation::self_request(state, ctx, input.clone())
            }
        })
        .await
    }
}

rule_use_cases! {
    /// V4: cancel a pending request.
    cancel_request(id: RequestId, kind: ScheduleKind) -> () = decide_alone(
        Attempt::new("request.cancel", "request", id),
        requests::cancel);
}

impl App {
    /// V3, E3: an approver approves or denies a pending request.
    pub async fn review_request(
        &self,
        session: &Session,
        meta: &CallMeta,
        request: RequestId,
        stage: uuid::Uuid,
        review: Review,
    ) -> AppResult<Committed<()>> {
        let verb = if review.approve { "approve" } else { "deny" };
        let group = self.read(|state| {
            state
                .requests
                .get(&request)
                .map(|r| (r.target.group_id, r.principal_id))
        });
        let attempt = Attempt::new(format!("approval.{verb}"), "request", request)
            .about(group.map(|g| g.0), group.map(|g| g.1));
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            approval::review(state, ctx, request, stage, review.clone())
        })
        .await
    }
}
