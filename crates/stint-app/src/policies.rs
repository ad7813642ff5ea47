//! Settings use cases (SPEC S1–S5, P6): changing the rules of a group's member or owner policy.

use stint_core::ids::GroupId;
use stint_core::policy::Policy;
use stint_core::policy_rules::{PolicyRuleId, RuleSetting};
use stint_core::rules::policies;
use stint_core::schedule::Access;

use crate::engine::Attempt;
use crate::error::AppResult;
use crate::{App, CallMeta, Committed, Session};

impl App {
    /// S3: sets one rule of `group`'s `access` policy, onboarding the group if needed (P6).
    pub async fn update_policy_rule(
        &self,
        session: &Session,
        meta: &CallMeta,
        group: GroupId,
        access: Access,
        rule: PolicyRuleId,
        setting: RuleSetting,
    ) -> AppResult<Committed<Policy>> {
        self.update_policy_rules(session, meta, group, access, vec![(rule, setting)])
            .await
    }

    /// Sets several rules of one policy in one decision: all or none.
    pub async fn update_policy_rules(
        &self,
        session: &Session,
        meta: &CallMeta,
        group: GroupId,
        access: Access,
        rules: Vec<(PolicyRuleId, RuleSetting)>,
    ) -> AppResult<Committed<Policy>> {
        let attempt = Attempt::new("policy.update", "policy", format!("{group}/{access}"))
            .about(Some(group), None);
        self.decide(session, meta, attempt, move |state, ctx| {
            let admin = ctx.authority(state).policy_admin_of(group)?;
            policies::update_rules(state, ctx, admin, access, rules.clone())
        })
        .await
    }
}
