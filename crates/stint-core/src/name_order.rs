//! Users and groups in the order people read lists (issue 19 item 12): by display name ignoring
//! case, then as written, then by id. Kept by [`State::apply`](crate::State::apply) so that a page
//! of a list is a range of a B-tree instead of a sort of every object.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::directory::{Group, User};
use crate::ids::{GroupId, UserId};

/// Where an object stands in its list.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NameKey<Id> {
    folded: String,
    name: String,
    pub id: Id,
}

impl<Id> NameKey<Id> {
    pub fn new(display_name: &str, id: Id) -> NameKey<Id> {
        NameKey {
            folded: display_name.to_lowercase(),
            name: display_name.to_string(),
            id,
        }
    }
}

impl NameKey<UserId> {
    pub fn of_user(user: &User) -> NameKey<UserId> {
        NameKey::new(&user.display_name, user.id)
    }
}

impl NameKey<GroupId> {
    pub fn of_group(group: &Group) -> NameKey<GroupId> {
        NameKey::new(&group.display_name, group.id)
    }
}

/// What a search finds a user by, lower-cased: display name, user name and mail.
pub fn user_search_text(user: &User) -> String {
    let mut text = format!("{}\n{}", user.display_name, user.user_principal_name);
    if let Some(mail) = &user.mail {
        text.push('\n');
        text.push_str(mail);
    }
    text.to_lowercase()
}

/// What a search finds a group by, lower-cased: its display name.
pub fn group_search_text(group: &Group) -> String {
    group.display_name.to_lowercase()
}

/// Objects by [`NameKey`], each with the lower-cased text a search looks in.
#[derive(Clone, Debug)]
pub struct NameOrder<Id> {
    entries: BTreeMap<NameKey<Id>, String>,
}

impl<Id> Default for NameOrder<Id> {
    fn default() -> Self {
        NameOrder {
            entries: BTreeMap::new(),
        }
    }
}

impl<Id: Ord + Clone> NameOrder<Id> {
    /// Files `key`, replacing `previous` (the key the object had before a change), if any.
    pub fn replace(
        &mut self,
        previous: Option<NameKey<Id>>,
        key: NameKey<Id>,
        search_text: String,
    ) {
        if let Some(previous) = previous {
            self.entries.remove(&previous);
        }
        self.entries.insert(key, search_text);
    }

    pub fn remove(&mut self, key: &NameKey<Id>) {
        self.entries.remove(key);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry in order, with its search text.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&NameKey<Id>, &str)> + '_ {
        self.entries.iter().map(|(key, text)| (key, text.as_str()))
    }

    /// The entries after `key`, in order.
    pub fn after<'a>(
        &'a self,
        key: &NameKey<Id>,
    ) -> impl DoubleEndedIterator<Item = (&'a NameKey<Id>, &'a str)> + 'a {
        self.entries
            .range((Bound::Excluded(key), Bound::Unbounded))
            .map(|(key, text)| (key, text.as_str()))
    }

    /// The entries before `key`, in order.
    pub fn before<'a>(
        &'a self,
        key: &NameKey<Id>,
    ) -> impl DoubleEndedIterator<Item = (&'a NameKey<Id>, &'a str)> + 'a {
        self.entries
            .range((Bound::Unbounded, Bound::Excluded(key)))
            .map(|(key, text)| (key, text.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_19_item_12_orders_by_name_ignoring_case_then_id() {
        let mut order = NameOrder::default();
        for (name, id) in [("bob", 2), ("Alice", 3), ("alice", 1), ("Carol", 0)] {
            order.replace(None, NameKey::new(name, id), name.to_lowercase());
        }
        let ids: Vec<i32> = order.iter().map(|(key, _)| key.id).collect();
        assert_eq!(ids, [3, 1, 2, 0]);
        let after_alice: Vec<i32> = order
            .after(&NameKey::new("alice", 1))
            .map(|(key, _)| key.id)
            .collect();
        assert_eq!(after_alice, [2, 0]);
        let before_bob: Vec<i32> = order
            .before(&NameKey::new("bob", 2))
            .map(|(key, _)| key.id)
            .collect();
        assert_eq!(before_bob, [3, 1]);
    }

    #[test]
    fn issue_19_item_12_a_rename_moves_the_entry() {
        let mut order = NameOrder::default();
        order.replace(None, NameKey::new("Zed", 1), "zed".into());
        order.replace(None, NameKey::new("Max", 2), "max".into());
        order.replace(
            Some(NameKey::new("Zed", 1)),
            NameKey::new("Abe", 1),
            "abe".into(),
        );
        let ids: Vec<i32> = order.iter().map(|(key, _)| key.id).collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(order.len(), 2);
    }
}
