//! The ancestor slots of every group, packed into one contiguous arena: the part of the index a
//! nested check touches once per direct group of the principal, so it is kept small and in one
//! place (10,000 groups a few ancestors deep fit in a few hundred kilobytes, and stay in cache).
//!
//! A group's list is rewritten in place when it does not grow, appended otherwise; the arena is
//! compacted when more than half of it is stale.

/// Per slot, a short sorted list of `u32`s, all in one vector. See the module documentation.
#[derive(Clone, Debug, Default)]
pub(super) struct SlotLists {
    /// By slot: where its list starts in `arena`, and its length.
    ranges: Vec<(u32, u32)>,
    arena: Vec<u32>,
    /// How many entries of `arena` are in some list.
    used: usize,
}

impl SlotLists {
    /// Adds an empty list for the next slot.
    pub(super) fn push_empty(&mut self) {
        self.ranges.push((0, 0));
    }

    pub(super) fn get(&self, slot: u32) -> &[u32] {
        let (start, len) = self.ranges[slot as usize];
        &self.arena[start as usize..(start + len) as usize]
    }

    /// Replaces the list of `slot` by `items` (sorted, deduplicated).
    pub(super) fn set(&mut self, slot: u32, mut items: Vec<u32>) {
        items.sort_unstable();
        items.dedup();
        let (start, len) = self.ranges[slot as usize];
        let new_len = u32::try_from(items.len()).expect("fewer than 2^32 ancestors");
        self.used = self.used + items.len() - len as usize;
        if new_len <= len {
            let start = start as usize;
            self.arena[start..start + items.len()].copy_from_slice(&items);
            self.ranges[slot as usize] = (start as u32, new_len);
        } else {
            let start = u32::try_from(self.arena.len()).expect("an arena under 2^32 entries");
            self.arena.extend_from_slice(&items);
            self.ranges[slot as usize] = (start, new_len);
        }
        if self.arena.len() > 2 * self.used + 1024 {
            self.compact();
        }
    }

    /// Rewrites the arena with no stale entries.
    fn compact(&mut self) {
        let mut arena = Vec::with_capacity(self.used);
        for range in &mut self.ranges {
            let (start, len) = *range;
            let start_now = u32::try_from(arena.len()).expect("an arena under 2^32 entries");
            arena.extend_from_slice(&self.arena[start as usize..(start + len) as usize]);
            *range = (start_now, len);
        }
        self.arena = arena;
    }

    pub(super) fn shrink_to_fit(&mut self) {
        self.compact();
        self.arena.shrink_to_fit();
        self.ranges.shrink_to_fit();
    }

    /// The heap it holds, at capacity.
    pub(super) fn bytes(&self) -> usize {
        self.ranges.capacity() * size_of::<(u32, u32)>() + self.arena.capacity() * size_of::<u32>()
    }
}
