//! Groups to bring under PIM (P1) and groups PIM manages, as their administrators see them.

use stint_core::directory::Group;
use stint_core::rules::onboarding::discover;

use super::View;

impl View<'_> {
    /// The groups the caller administers that PIM manages (`managed`) or may still manage.
    pub fn pim_groups(&self, managed: bool) -> Vec<&Group> {
        discover(&self.state, &self.caller, self.now, managed)
    }
}
