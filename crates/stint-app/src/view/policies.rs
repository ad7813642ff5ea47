//! A group's member and owner policies (S1–S5), for those who may read its PIM settings (P2):
//! its PIM administrators and the privileged; and the summary of its activation rules, for those
//! eligible too.

use stint_core::ids::GroupId;
use stint_core::policy::{ActivationRules, Policy};
use stint_core::rules::policies::{
    policies_of, policy_of, resolve_policy_assignment_id, resolve_policy_id,
};
use stint_core::schedule::Access;
use stint_core::Violation;

use super::View;

impl View<'_> {
    /// Both policies of `group`, member first; none for a group that is not live.
    pub fn policies_of(&self, group: GroupId) -> Result<Vec<Policy>, Violation> {
        self.may_read_policies(group)?;
        Ok(self
            .live_group(group)
            .map(|group| policies_of(&self.state, group))
            .unwrap_or_default())
    }

    /// The policy with Graph id `Group_{groupId}_{guid}`.
    pub fn policy_by_id(&self, id: &str) -> Result<Policy, Violation> {
        self.policy_of(self.policy_key(id)?)
    }

    /// The policy of the assignment with Graph id `Group_{groupId}_{guid}_{member|owner}`.
    pub fn policy_by_assignment_id(&self, id: &str) -> Result<Policy, Violation> {
        self.policy_of(resolve_policy_assignment_id(&self.state, id)?)
    }

    /// The (group, access) a Graph policy id names, for changing that policy. Says nothing of the
    /// policy itself, so it needs no permission to read it: the change is checked where it is made.
    pub fn policy_key(&self, id: &str) -> Result<(GroupId, Access), Violation> {
        resolve_policy_id(&self.state, id)
    }

    /// What an activation of `group` for `access` must meet, for those eligible for it and its
    /// PIM administrators; a group that is not live has none.
    pub fn activation_rules(
        &self,
        group: GroupId,
        access: Access,
    ) -> Result<ActivationRules, Violation> {
        let reader = self.authority().activation_rules_reader(group, access)?;
        policy_of(&self.state, reader.group(), reader.access())
            .map(|policy| ActivationRules::of(&policy.settings))
            .ok_or_else(|| Violation::not_found(format!("Group '{group}'")))
    }

    fn policy_of(&self, (group, access): (GroupId, Access)) -> Result<Policy, Violation> {
        self.may_read_policies(group)?;
        policy_of(&self.state, group, access)
            .ok_or_else(|| Violation::not_found(format!("Group '{group}'")))
    }

    fn may_read_policies(&self, group: GroupId) -> Result<(), Violation> {
        match self.authority().pim_reader(group) {
            Some(_) => Ok(()),
            None => Err(Violation::forbidden(
                "Only the group's PIM administrators (P2) may read its policies.",
            )),
        }
    }
}
