//! Groups as their PIM administrators see them (P1, P2): whether they administer any, and a
//! group's policy settings (the lists are in `onboarding`).

use stint_core::ids::GroupId;
use stint_core::policy::PolicySettings;
use stint_core::schedule::Access;

use super::View;

impl View<'_> {
    /// P1: whether the caller administers any live group in PIM, managed or not.
    pub fn administers_any_group(&self) -> bool {
        let authority = self.authority();
        self.state
            .groups
            .values()
            .any(|group| !group.is_deleted() && authority.administers_pim(group))
    }

    /// The settings of a group's policy for `access` (the defaults until changed).
    pub fn policy_settings(&self, group: GroupId, access: Access) -> PolicySettings {
        self.state.policy_settings(group, access)
    }
}
