//! Groups to bring under PIM (P1) and groups PIM manages, as their administrators see them.

use stint_core::directory::Group;
use stint_core::ids::GroupId;

use super::{Page, PageAsk, View};

impl View<'_> {
    /// A page of the live groups the caller administers in PIM that PIM manages (`managed`) or
    /// may still manage (P1; issue 19 item 12), by display name, found by name.
    pub fn pim_groups_page(&self, managed: bool, ask: &PageAsk<GroupId>) -> Page<&Group> {
        let authority = self.authority();
        self.live_groups_page_where(ask, |group| {
            group.is_managed() == managed && authority.administers_pim(group)
        })
    }
}
