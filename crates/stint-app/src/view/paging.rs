//! Pages of the name-ordered lists (issue 19 item 12): users, directory groups and PIM groups.
//! A page is read from the state's [`NameOrder`] after or before a cursor (the id of the last
//! or first item seen), so it costs the page and one pass of counting, never a sort.

use stint_core::directory::{Group, User};
use stint_core::ids::{GroupId, UserId};
use stint_core::name_order::{NameKey, NameOrder};

use super::View;

/// The largest page a list hands out.
pub const MAX_PAGE_SIZE: usize = 200;
/// The page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: usize = 50;

/// Where a page starts, by the id of an item of the previous or next page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Cursor<Id> {
    #[default]
    Start,
    /// The page holds the items after this one.
    After(Id),
    /// The page holds the items before this one.
    Before(Id),
}

/// Which page of a list to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageAsk<Id> {
    pub cursor: Cursor<Id>,
    /// Clamped to 1..=[`MAX_PAGE_SIZE`].
    pub size: usize,
    /// Case-insensitive text the items must contain (name, user name or mail as the list has
    /// them); blank finds everything.
    pub search: String,
}

impl<Id> PageAsk<Id> {
    pub fn first(size: usize) -> PageAsk<Id> {
        PageAsk {
            cursor: Cursor::Start,
            size,
            search: String::new(),
        }
    }

    /// The first `size` items that hold `search`.
    pub fn first_found(size: usize, search: &str) -> PageAsk<Id> {
        PageAsk {
            search: search.to_string(),
            ..PageAsk::first(size)
        }
    }

    fn size(&self) -> usize {
        self.size.clamp(1, MAX_PAGE_SIZE)
    }

    fn needle(&self) -> String {
        self.search.trim().to_lowercase()
    }
}

/// One page of a list.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items the whole list (with the search) holds.
    pub total: usize,
    /// How many of them come before this page's first.
    pub offset: usize,
}

impl<T> Page<T> {
    pub fn has_previous(&self) -> bool {
        self.offset > 0
    }

    pub fn has_next(&self) -> bool {
        self.offset + self.items.len() < self.total
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            offset: self.offset,
        }
    }
}

/// The page of `order` that `ask` names, of the ids `admit` lets through. `cursor_key` is where
/// the cursor's item stands now (`None` if it is gone: the list starts again).
fn page_of<Id: Ord + Clone>(
    order: &NameOrder<Id>,
    ask: &PageAsk<Id>,
    cursor_key: Option<NameKey<Id>>,
    admit: impl Fn(&Id) -> bool,
) -> Page<Id> {
    let needle = ask.needle();
    let admitted = |(key, text): &(&NameKey<Id>, &str)| text.contains(&needle) && admit(&key.id);
    let size = ask.size();
    let ids: Vec<Id> = match (ask.cursor.clone(), cursor_key) {
        (Cursor::Before(_), Some(key)) => {
            let mut before: Vec<Id> = (order.before(&key).rev())
                .filter(admitted)
                .take(size)
                .map(|(key, _)| key.id.clone())
                .collect();
            before.reverse();
            before
        }
        (Cursor::After(_), Some(key)) => (order.after(&key))
            .filter(admitted)
            .take(size)
            .map(|(key, _)| key.id.clone())
            .collect(),
        _ => (order.iter())
            .filter(admitted)
            .take(size)
            .map(|(key, _)| key.id.clone())
            .collect(),
    };
    let mut total = 0;
    let mut offset = None;
    for entry in order.iter().filter(admitted) {
        if ids.first() == Some(&entry.0.id) {
            offset = Some(total);
        }
        total += 1;
    }
    Page {
        items: ids,
        offset: offset.unwrap_or(total),
        total,
    }
}

impl View<'_> {
    /// A page of every user, by display name (D1; issue 19 item 12), found by name, user name or
    /// mail.
    pub fn users_page(&self, ask: &PageAsk<UserId>) -> Page<&User> {
        let key = match ask.cursor {
            Cursor::After(id) | Cursor::Before(id) => self.user(id).map(NameKey::of_user),
            Cursor::Start => None,
        };
        page_of(self.state.users_by_name(), ask, key, |_| true).map(|id| &self.state.users[&id])
    }

    /// Every user by display name, then id (the order of [`View::users_page`]).
    pub fn users_in_order(&self) -> impl Iterator<Item = &User> + '_ {
        (self.state.users_by_name().iter()).filter_map(|(key, _)| self.user(key.id))
    }

    /// Every live group by display name, then id.
    pub fn live_groups_in_order(&self) -> impl Iterator<Item = &Group> + '_ {
        (self.state.groups_by_name().iter()).filter_map(|(key, _)| self.live_group(key.id))
    }

    /// A page of the live groups, by display name (D2; issue 19 item 12), found by name.
    pub fn live_groups_page(&self, ask: &PageAsk<GroupId>) -> Page<&Group> {
        self.live_groups_page_where(ask, |_| true)
    }

    /// A page of the live groups that `admit` lets through, by display name, found by name.
    pub fn live_groups_page_where(
        &self,
        ask: &PageAsk<GroupId>,
        admit: impl Fn(&Group) -> bool,
    ) -> Page<&Group> {
        let key = match ask.cursor {
            Cursor::After(id) | Cursor::Before(id) => self.any_group(id).map(NameKey::of_group),
            Cursor::Start => None,
        };
        let live = |id: &GroupId| self.live_group(*id).is_some_and(&admit);
        page_of(self.state.groups_by_name(), ask, key, live).map(|id| &self.state.groups[&id])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(names: &[&str]) -> NameOrder<usize> {
        let mut order = NameOrder::default();
        for (id, name) in names.iter().enumerate() {
            order.replace(None, NameKey::new(name, id), name.to_lowercase());
        }
        order
    }

    fn ask(cursor: Cursor<usize>, size: usize, search: &str) -> PageAsk<usize> {
        PageAsk {
            cursor,
            size,
            search: search.into(),
        }
    }

    fn key(names: &[&str], id: usize) -> Option<NameKey<usize>> {
        Some(NameKey::new(names[id], id))
    }

    const NAMES: [&str; 5] = ["a1", "b2", "A3", "c4", "b5"];

    #[test]
    fn issue_19_item_12_pages_go_forward_and_back_by_cursor() {
        let order = order(&NAMES);
        let first = page_of(&order, &ask(Cursor::Start, 2, ""), None, |_| true);
        assert_eq!(
            (first.items.clone(), first.offset, first.total),
            (vec![0, 2], 0, 5)
        );
        assert!(first.has_next() && !first.has_previous());
        let second = page_of(
            &order,
            &ask(Cursor::After(2), 2, ""),
            key(&NAMES, 2),
            |_| true,
        );
        assert_eq!((second.items.clone(), second.offset), (vec![1, 4], 2));
        assert!(second.has_next() && second.has_previous());
        let last = page_of(
            &order,
            &ask(Cursor::After(4), 2, ""),
            key(&NAMES, 4),
            |_| true,
        );
        assert_eq!((last.items.clone(), last.offset), (vec![3], 4));
        assert!(!last.has_next());
        let back = page_of(
            &order,
            &ask(Cursor::Before(3), 2, ""),
            key(&NAMES, 3),
            |_| true,
        );
        assert_eq!((back.items, back.offset), (vec![1, 4], 2));
    }

    #[test]
    fn issue_19_item_12_search_and_filters_narrow_the_count() {
        let order = order(&NAMES);
        let found = page_of(&order, &ask(Cursor::Start, 1, " B "), None, |_| true);
        assert_eq!((found.items.clone(), found.total), (vec![1], 2));
        let odd = page_of(&order, &ask(Cursor::Start, 10, ""), None, |id| id % 2 == 1);
        assert_eq!((odd.items, odd.total), (vec![1, 3], 2));
        let nothing = page_of(&order, &ask(Cursor::Start, 10, "zz"), None, |_| true);
        assert!(nothing.items.is_empty() && !nothing.has_next() && !nothing.has_previous());
    }

    #[test]
    fn issue_19_item_12_a_vanished_cursor_starts_again() {
        let order = order(&NAMES);
        let page = page_of(&order, &ask(Cursor::After(9), 2, ""), None, |_| true);
        assert_eq!((page.items, page.offset), (vec![0, 2], 0));
    }
}
