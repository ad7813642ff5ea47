//! Group ids to the index's dense slots, and back.
//!
//! Every check probes its group here, so the probe's hot part is kept small: the hash table holds
//! only each group's 4-byte slot (64 KB of buckets for 10,000 groups, instead of 320 KB with the
//! 16-byte id inline), and the id a probe is matched against is read from `ids` by slot. That
//! read is only a confirmation: what the check reads next (the group's flags and descendants,
//! by slot) does not wait for it.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::ids::GroupId;

#[derive(Clone, Debug, Default)]
pub(super) struct GroupSlots {
    /// The slot of each group, found by the group id's hash.
    table: HashTable<u32>,
    /// By slot (slots are never reused: a group keeps its slot while the index lives).
    ids: Vec<GroupId>,
    hasher: foldhash::fast::RandomState,
}

impl GroupSlots {
    pub(super) fn get(&self, group: GroupId) -> Option<u32> {
        let hash = self.hasher.hash_one(group);
        let ids = &self.ids;
        let found = self
            .table
            .find(hash, |&slot| ids.get(slot as usize) == Some(&group));
        found.copied()
    }

    /// Gives `group` the next slot; the caller has checked that it has none.
    pub(super) fn push(&mut self, group: GroupId) -> u32 {
        let slot = u32::try_from(self.ids.len()).expect("fewer than 2^32 groups");
        self.ids.push(group);
        let (ids, hasher) = (&self.ids, &self.hasher);
        self.table
            .insert_unique(hasher.hash_one(group), slot, |&slot| {
                hasher.hash_one(ids[slot as usize])
            });
        slot
    }

    /// The group in `slot`, which must have been given out.
    pub(super) fn id_at(&self, slot: u32) -> GroupId {
        self.ids[slot as usize]
    }

    pub(super) fn shrink_to_fit(&mut self) {
        let (ids, hasher) = (&self.ids, &self.hasher);
        self.table
            .shrink_to_fit(|&slot| hasher.hash_one(ids[slot as usize]));
        self.ids.shrink_to_fit();
    }

    /// The heap it holds: the table's buckets with their control bytes, and the ids.
    pub(super) fn bytes(&self) -> usize {
        hash_table_bytes(self.table.capacity(), size_of::<u32>())
            + self.ids.capacity() * size_of::<GroupId>()
    }
}

/// The heap of a `hashbrown` table of `capacity` with `bucket`-byte buckets: a power of two of
/// buckets, 7/8 of them usable, one control byte each and one group of trailing control bytes.
fn hash_table_bytes(capacity: usize, bucket: usize) -> usize {
    const GROUP_WIDTH: usize = 16;
    match capacity {
        0 => 0,
        capacity => (capacity * 8 / 7).next_power_of_two() * (bucket + 1) + GROUP_WIDTH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_group_keeps_the_slot_it_was_given_and_unknown_groups_have_none() {
        let mut slots = GroupSlots::default();
        let group = |n: u128| GroupId(uuid::Uuid::from_u128(n.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        let groups: Vec<GroupId> = (1..=1000).map(group).collect();
        for (i, &group) in groups.iter().enumerate() {
            assert_eq!(slots.push(group), i as u32);
        }
        slots.shrink_to_fit();
        for (i, &group) in groups.iter().enumerate() {
            assert_eq!(slots.get(group), Some(i as u32));
            assert_eq!(slots.id_at(i as u32), group);
        }
        assert_eq!(slots.get(group(1001)), None);
    }
}
