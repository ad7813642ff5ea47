//! Groups as their PIM administrators see them (P1, P2): those they manage in PIM, those they
//! could bring under it, and a group's policy settings.

use stint_core::directory::Group;
use stint_core::ids::GroupId;
use stint_core::policy::PolicySettings;
use stint_core::rules::onboarding::discover;
use stint_core::schedule::Access;

use super::View;

impl View<'_> {
    /// P1: the managed groups the caller administers in PIM, by name.
    pub fn groups_i_manage(&self) -> Vec<&Group> {
        discover(&self.state, &self.caller, self.now, true)
    }

    /// P1: whether the caller administers any live group in PIM, managed or not.
    pub fn administers_any_group(&self) -> bool {
        let authority = self.authority();
        self.state
            .groups
            .values()
            .any(|group| !group.is_deleted() && authority.administers_pim(group))
    }

    /// P1: the groups the caller administers that PIM does not manage yet, by name.
    pub fn groups_to_discover(&self) -> Vec<&Group> {
        discover(&self.state, &self.caller, self.now, false)
    }

    /// The settings of a group's policy for `access` (the defaults until changed).
    pub fn policy_settings(&self, group: GroupId, access: Access) -> PolicySettings {
        self.state.policy_settings(group, access)
    }
}
