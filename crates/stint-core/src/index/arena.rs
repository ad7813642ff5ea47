//! Many short lists packed into one vector: an [`Arena`] holds the items, a [`Run`] (kept by
//! whoever owns the list) says where one list lives. The index keeps the parts a check touches this
//! way (each principal's direct memberships; each group's ancestor spans and descendant slots), so
//! that they are dense and free of per-list allocations, and cost no pointer chase.
//!
//! A run has room to grow in place; a list that outgrows its room moves to the end of the arena
//! with room for twice as many. The space left behind is garbage until the owner compacts the
//! arena, which it does when the garbage outweighs what is in use ([`Arena::wants_compaction`]).

/// Where one list lives in an [`Arena`]: its first item, how many items it has, and how many
/// it may grow to in place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Run {
    pub(super) start: u32,
    pub(super) len: u32,
    pub(super) room: u32,
}

impl Run {
    pub(super) fn len(self) -> usize {
        self.len as usize
    }
}

/// The items of many [`Run`]s. See the module documentation.
#[derive(Clone, Debug)]
pub(super) struct Arena<T> {
    items: Vec<T>,
    /// How many items are reserved by some run (their room, used or not).
    reserved: usize,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena {
            items: Vec::new(),
            reserved: 0,
        }
    }
}

impl<T: Copy> Arena<T> {
    pub(super) fn get(&self, run: Run) -> &[T] {
        &self.items[run.start as usize..][..run.len as usize]
    }

    fn get_mut(&mut self, run: Run) -> &mut [T] {
        &mut self.items[run.start as usize..][..run.len as usize]
    }

    /// The item at `index` of the arena, if there is one.
    pub(super) fn item(&self, index: u32) -> Option<&T> {
        self.items.get(index as usize)
    }

    /// Overwrites the item at position `at` of `run`.
    pub(super) fn set_item(&mut self, run: Run, at: usize, item: T) {
        self.get_mut(run)[at] = item;
    }

    /// Replaces the items of `run` by `items`: in place when they fit its room, else at the end.
    pub(super) fn set(&mut self, run: &mut Run, items: &[T]) {
        let len = to_u32(items.len());
        if let (true, Some(&first)) = (len > run.room, items.first()) {
            self.move_to_end(run, len, first);
        }
        run.len = len;
        self.get_mut(*run).copy_from_slice(items);
    }

    /// Inserts `item` at position `at` of `run`.
    pub(super) fn insert(&mut self, run: &mut Run, at: usize, item: T) {
        if run.len == run.room {
            self.move_to_end(run, run.len + run.len / 2 + 1, item);
        }
        let start = run.start as usize;
        let end = start + run.len as usize;
        self.items[end] = item;
        self.items[start + at..=end].rotate_right(1);
        run.len += 1;
    }

    /// Removes the item at position `at` of `run` (its room stays reserved).
    pub(super) fn remove(&mut self, run: &mut Run, at: usize) {
        self.get_mut(*run)[at..].rotate_left(1);
        run.len -= 1;
    }

    /// Keeps the items of `run` for which `keep` holds, in order.
    pub(super) fn retain(&mut self, run: &mut Run, mut keep: impl FnMut(&T) -> bool) {
        let items = self.get_mut(*run);
        let mut kept = 0;
        for at in 0..items.len() {
            if keep(&items[at]) {
                items[kept] = items[at];
                kept += 1;
            }
        }
        run.len = to_u32(kept);
    }

    /// Gives up `run`'s room: it becomes garbage until the next compaction.
    pub(super) fn release(&mut self, run: &mut Run) {
        self.reserved -= run.room as usize;
        *run = Run::default();
    }

    /// Moves `run` to the end of the arena with room for `room` items, the spare ones filled with
    /// copies of `filler`.
    fn move_to_end(&mut self, run: &mut Run, room: u32, filler: T) {
        let start = to_u32(self.items.len());
        if self.items.capacity() - self.items.len() < room as usize {
            // Grow by a quarter rather than double: the arena is most of the index's memory.
            self.items
                .reserve_exact((room as usize).max(self.items.len() / 4));
        }
        let from = run.start as usize;
        self.items.extend_from_within(from..from + run.len as usize);
        let spare = (room - run.len) as usize;
        self.items.extend(std::iter::repeat_n(filler, spare));
        self.reserved = self.reserved + room as usize - run.room as usize;
        *run = Run {
            start,
            len: run.len,
            room,
        };
    }

    /// Whether the garbage outweighs the items in use, so that the owner should compact.
    pub(super) fn wants_compaction(&self) -> bool {
        self.items.len() > self.reserved + self.reserved / 2 + 4096
    }

    /// An arena with room for `items` items, holding none.
    fn with_capacity(items: usize) -> Self {
        Arena {
            items: Vec::with_capacity(items),
            reserved: 0,
        }
    }

    /// Appends `items` as a new run with no room to spare.
    fn push_packed(&mut self, items: &[T]) -> Run {
        let start = to_u32(self.items.len());
        self.items.extend_from_slice(items);
        self.reserved += items.len();
        let len = to_u32(items.len());
        Run {
            start,
            len,
            room: len,
        }
    }

    /// A new arena for [`compact_into`](Self::compact_into), with an eighth more capacity than
    /// the items in use, to grow into.
    pub(super) fn fresh(&self) -> Self {
        let used = self.reserved.min(self.items.len());
        Arena::with_capacity(used + used / 8)
    }

    /// Copies the items of `run` into `fresh` (from [`fresh`](Self::fresh)), packed; returns
    /// where they are now.
    pub(super) fn compact_into(&self, fresh: &mut Arena<T>, run: Run) -> Run {
        fresh.push_packed(self.get(run))
    }

    /// Rewrites the arena with every run in `runs` (which must be all of them) packed, with no
    /// room to spare, in the order given; the arena keeps an eighth more capacity to grow into.
    pub(super) fn compact<'a>(&mut self, runs: impl IntoIterator<Item = &'a mut Run>) {
        let mut fresh = self.fresh();
        for run in runs {
            *run = self.compact_into(&mut fresh, *run);
        }
        *self = fresh;
    }

    /// Releases the capacity beyond the items held.
    pub(super) fn shrink_capacity(&mut self) {
        self.items.shrink_to_fit();
    }

    /// The heap it holds, at capacity.
    pub(super) fn bytes(&self) -> usize {
        self.items.capacity() * size_of::<T>()
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("an arena under 2^32 items")
}

/// Per group slot, a short list (the slots of its ancestors; its ancestor spans), all in one
/// [`Arena`].
#[derive(Clone, Debug)]
pub(super) struct Lists<T> {
    /// By slot.
    runs: Vec<Run>,
    arena: Arena<T>,
}

impl<T> Default for Lists<T> {
    fn default() -> Self {
        Lists {
            runs: Vec::new(),
            arena: Arena::default(),
        }
    }
}

impl<T: Copy> Lists<T> {
    /// Adds an empty list for the next slot.
    pub(super) fn push_empty(&mut self) {
        self.runs.push(Run::default());
    }

    pub(super) fn get(&self, slot: u32) -> &[T] {
        self.arena.get(self.runs[slot as usize])
    }

    /// Replaces the list of `slot` by `items`.
    pub(super) fn set(&mut self, slot: u32, items: &[T]) {
        self.arena.set(&mut self.runs[slot as usize], items);
        if self.arena.wants_compaction() {
            self.arena.compact(&mut self.runs);
        }
    }

    pub(super) fn shrink_to_fit(&mut self) {
        self.arena.compact(&mut self.runs);
        self.arena.shrink_capacity();
        self.runs.shrink_to_fit();
    }

    /// The heap it holds, at capacity.
    pub(super) fn bytes(&self) -> usize {
        self.runs.capacity() * size_of::<Run>() + self.arena.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_grow_shrink_and_survive_compaction() {
        let mut arena = Arena::default();
        let mut runs = vec![Run::default(); 3];
        for n in 0..20u32 {
            let run = &mut runs[(n % 3) as usize];
            let at = run.len() / 2;
            arena.insert(run, at, n);
        }
        arena.remove(&mut runs[0], 0);
        arena.retain(&mut runs[1], |n| n % 2 == 0);
        arena.set(&mut runs[2], &[7, 8]);
        let before: Vec<Vec<u32>> = runs.iter().map(|run| arena.get(*run).to_vec()).collect();
        assert_eq!(before[2], vec![7, 8]);
        assert!(before[1].iter().all(|n| n % 2 == 0));
        assert_eq!(before[0].len(), 6);
        arena.compact(&mut runs);
        let after: Vec<Vec<u32>> = runs.iter().map(|run| arena.get(*run).to_vec()).collect();
        assert_eq!(before, after);
        assert_eq!(arena.items.len(), after.iter().map(Vec::len).sum::<usize>());
        arena.release(&mut runs[2]);
        assert_eq!(runs[2].len(), 0);
        arena.insert(&mut runs[2], 0, 1);
        assert_eq!(arena.get(runs[2]), &[1]);
    }
}
