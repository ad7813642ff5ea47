//! Where each principal's run starts, found from the principal's hash with one read.
//!
//! A check's first step is this table, and its second the principal's head in main memory, so
//! the table is laid out for a single read that stays in cache: one array of 4-byte entries, each
//! packing a run start (low bits) with the top bits of the principal's hash (a tag). A probe
//! reads entries from the hash's home on (linear probing, usually within one cache line) and
//! follows a start only where the tag matches, so it almost never reads a wrong head from main
//! memory. (A general hash table keeps its control bytes and its buckets apart: two dependent
//! reads, each one a miss once a check's far reads have evicted them.)
//!
//! The entries do not keep the hashes; whoever owns the runs supplies `hash_of(start)` for the
//! rare rebuilds (growth, or a start outgrowing its bits). Removed entries become tombstones,
//! cleared by the next rebuild.

/// No principal here; a probe stops.
const EMPTY: u32 = u32::MAX;
/// A principal was here; a probe goes on.
const TOMBSTONE: u32 = u32::MAX - 1;
/// Fewer start bits would leave more tag bits than a probe can use; it keeps small tables simple.
const MIN_START_BITS: u32 = 20;
/// At least one tag bit; a start never needs more (runs start below 2^31 cells).
const MAX_START_BITS: u32 = 31;

/// See the module documentation.
#[derive(Clone, Debug)]
pub(super) struct RunTable {
    /// A power of two in length (or empty).
    entries: Vec<u32>,
    /// How many low bits of an entry hold the start; the rest hold the tag.
    start_bits: u32,
    live: usize,
    tombstones: usize,
}

impl Default for RunTable {
    fn default() -> Self {
        RunTable {
            entries: Vec::new(),
            start_bits: MIN_START_BITS,
            live: 0,
            tombstones: 0,
        }
    }
}

impl RunTable {
    /// An empty table with room for `live` entries whose starts are at most `max_start`.
    pub(super) fn with_capacity(live: usize, max_start: u32) -> RunTable {
        RunTable {
            entries: vec![EMPTY; capacity_for(live)],
            start_bits: bits_for(max_start),
            live: 0,
            tombstones: 0,
        }
    }

    /// The position of the entry whose hash is `hash` and whose start `is_match`es.
    pub(super) fn find(&self, hash: u64, is_match: impl Fn(u32) -> bool) -> Option<usize> {
        let mask = self.entries.len().checked_sub(1)?;
        let tag = self.tag(hash);
        let mut at = hash as usize & mask;
        loop {
            let entry = self.entries[at];
            if entry == EMPTY {
                return None;
            }
            if entry != TOMBSTONE
                && entry >> self.start_bits == tag
                && is_match(self.start_of(entry))
            {
                return Some(at);
            }
            at = (at + 1) & mask;
        }
    }

    /// The start held at `at` (a position [`find`](Self::find) or [`insert`](Self::insert) gave).
    pub(super) fn start(&self, at: usize) -> u32 {
        self.start_of(self.entries[at])
    }

    /// Moves the entry at `at` (whose hash is `hash`) to `start`. The entry's old start must not be
    /// passed to `hash_of`: the run may have left it.
    pub(super) fn set_start(
        &mut self,
        at: usize,
        hash: u64,
        start: u32,
        hash_of: impl Fn(u32) -> u64,
    ) {
        if start > self.max_start() {
            self.remove(at);
            self.rebuild(self.entries.len(), bits_for(start), &hash_of);
            self.place(hash, start);
        } else {
            self.entries[at] = self.entry(self.tag(hash), start);
        }
    }

    /// Adds an entry for a principal not in the table; returns where it is.
    pub(super) fn insert(&mut self, hash: u64, start: u32, hash_of: impl Fn(u32) -> u64) -> usize {
        let full = (self.live + self.tombstones + 1) * 8 > self.entries.len() * 7;
        if full || start > self.max_start() {
            let capacity = match self.live * 2 < self.entries.len() {
                true => self.entries.len(),
                false => capacity_for(self.live + 1).max(self.entries.len() * 2),
            };
            let start_bits = self.start_bits.max(bits_for(start));
            self.rebuild(capacity, start_bits, &hash_of);
        }
        self.place(hash, start)
    }

    /// Removes the entry at `at`.
    pub(super) fn remove(&mut self, at: usize) {
        self.entries[at] = TOMBSTONE;
        self.tombstones += 1;
        self.live -= 1;
    }

    /// Keeps the entries whose start satisfies `keep`.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(u32) -> bool) {
        for at in 0..self.entries.len() {
            let entry = self.entries[at];
            if is_held(entry) && !keep(self.start_of(entry)) {
                self.remove(at);
            }
        }
    }

    /// Every start held.
    pub(super) fn starts(&self) -> impl Iterator<Item = u32> + '_ {
        (self.entries.iter())
            .filter(|&&entry| is_held(entry))
            .map(|&entry| self.start_of(entry))
    }

    pub(super) fn len(&self) -> usize {
        self.live
    }

    pub(super) fn bytes(&self) -> usize {
        self.entries.capacity() * size_of::<u32>()
    }

    /// Re-places every entry into `capacity` entries with `start_bits`, dropping the tombstones.
    fn rebuild(&mut self, capacity: usize, start_bits: u32, hash_of: &impl Fn(u32) -> u64) {
        let old = std::mem::take(self);
        *self = RunTable {
            entries: vec![EMPTY; capacity.max(capacity_for(old.live))],
            start_bits,
            live: 0,
            tombstones: 0,
        };
        for start in old.starts() {
            self.place(hash_of(start), start);
        }
    }

    /// Writes an entry at the first free position from the hash's home; the caller has made room.
    fn place(&mut self, hash: u64, start: u32) -> usize {
        let mask = self.entries.len() - 1;
        let mut at = hash as usize & mask;
        while is_held(self.entries[at]) {
            at = (at + 1) & mask;
        }
        if self.entries[at] == TOMBSTONE {
            self.tombstones -= 1;
        }
        self.entries[at] = self.entry(self.tag(hash), start);
        self.live += 1;
        at
    }

    fn tag(&self, hash: u64) -> u32 {
        (hash >> (32 + self.start_bits)) as u32
    }

    fn entry(&self, tag: u32, start: u32) -> u32 {
        tag << self.start_bits | start
    }

    fn start_of(&self, entry: u32) -> u32 {
        entry & ((1 << self.start_bits) - 1)
    }

    /// The largest start an entry can hold: the two largest values of the start bits are left
    /// out, so that no entry is [`EMPTY`] or [`TOMBSTONE`].
    fn max_start(&self) -> u32 {
        (1 << self.start_bits) - 3
    }
}

/// Whether `entry` holds a principal's start (it is neither [`EMPTY`] nor a [`TOMBSTONE`]).
fn is_held(entry: u32) -> bool {
    entry < TOMBSTONE
}

/// The table length for `live` entries: a power of two at least 16, at most 7/8 full.
fn capacity_for(live: usize) -> usize {
    (live * 8 / 7 + 1).next_power_of_two().max(16)
}

/// The start bits that hold `max_start` with room to double.
fn bits_for(max_start: u32) -> u32 {
    let needed = u32::BITS - max_start.saturating_add(3).leading_zeros();
    (needed + 1).clamp(MIN_START_BITS, MAX_START_BITS)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::hash::BuildHasher;

    use super::*;

    /// Keys at starts: `keys[start]` is the key whose run starts there (what a head would say).
    struct Model {
        table: RunTable,
        keys: HashMap<u32, u64>,
        hasher: foldhash::fast::FixedState,
    }

    impl Model {
        fn new() -> Model {
            Model {
                table: RunTable::default(),
                keys: HashMap::new(),
                hasher: foldhash::fast::FixedState::with_seed(7),
            }
        }

        fn hash(&self, key: u64) -> u64 {
            self.hasher.hash_one(key)
        }

        fn find(&self, key: u64) -> Option<usize> {
            (self.table).find(self.hash(key), |start| self.keys.get(&start) == Some(&key))
        }

        fn start_of(&self, key: u64) -> Option<u32> {
            self.find(key).map(|at| self.table.start(at))
        }

        fn insert(&mut self, key: u64, start: u32) {
            self.keys.insert(start, key);
            let (keys, hasher) = (&self.keys, &self.hasher);
            let hash = hasher.hash_one(key);
            (self.table).insert(hash, start, |start| hasher.hash_one(keys[&start]));
        }

        fn move_to(&mut self, key: u64, start: u32) {
            let at = self.find(key).unwrap();
            let old = self.table.start(at);
            self.keys.remove(&old);
            self.keys.insert(start, key);
            let (keys, hasher) = (&self.keys, &self.hasher);
            let hash = hasher.hash_one(key);
            (self.table).set_start(at, hash, start, |start| hasher.hash_one(keys[&start]));
        }

        fn remove(&mut self, key: u64) {
            let at = self.find(key).unwrap();
            self.keys.remove(&self.table.start(at));
            self.table.remove(at);
        }
    }

    #[test]
    fn every_inserted_key_is_found_at_its_start_and_no_other_key_is() {
        let mut model = Model::new();
        for key in 0..50_000u64 {
            model.insert(key, key as u32 * 3);
        }
        for key in 0..50_000u64 {
            assert_eq!(model.start_of(key), Some(key as u32 * 3), "key {key}");
        }
        assert!((50_000..60_000u64).all(|key| model.find(key).is_none()));
        assert_eq!(model.table.len(), 50_000);
        assert_eq!(model.table.entries.len(), 65_536, "at most 7/8 full");
    }

    #[test]
    fn removed_keys_are_gone_and_keys_after_them_on_a_probe_are_still_found() {
        let mut model = Model::new();
        for key in 0..10_000u64 {
            model.insert(key, key as u32);
        }
        for key in (0..10_000u64).step_by(2) {
            model.remove(key);
        }
        for key in 0..10_000u64 {
            let expected = (key % 2 == 1).then_some(key as u32);
            assert_eq!(model.start_of(key), expected, "key {key}");
        }
        for key in 10_000..30_000u64 {
            model.insert(key, key as u32);
        }
        assert!((1..30_000u64)
            .step_by(2)
            .all(|key| model.start_of(key) == Some(key as u32)));
        assert!(model.table.tombstones + model.table.live < model.table.entries.len());
    }

    #[test]
    fn a_start_beyond_the_start_bits_widens_them_and_keeps_every_entry() {
        let mut model = Model::new();
        for key in 0..1_000u64 {
            model.insert(key, key as u32);
        }
        let bits = model.table.start_bits;
        model.move_to(7, 1 << bits);
        model.insert(5_000, 1 << (bits + 3));
        assert!(model.table.start_bits > bits + 3);
        assert_eq!(model.start_of(7), Some(1 << bits));
        assert_eq!(model.start_of(5_000), Some(1 << (bits + 3)));
        assert!((0..1_000u64)
            .filter(|&key| key != 7)
            .all(|key| model.start_of(key) == Some(key as u32)));
    }

    #[test]
    fn retain_keeps_exactly_the_starts_it_is_told_to() {
        let mut model = Model::new();
        for key in 0..1_000u64 {
            model.insert(key, key as u32);
        }
        model.table.retain(|start| start % 3 == 0);
        for key in 0..1_000u64 {
            let expected = (key % 3 == 0).then_some(key as u32);
            assert_eq!(model.start_of(key), expected, "key {key}");
        }
        assert_eq!(model.table.starts().count(), 334);
    }

    #[test]
    fn an_empty_table_finds_nothing() {
        assert_eq!(RunTable::default().find(42, |_| true), None);
        assert_eq!(RunTable::with_capacity(0, 0).find(42, |_| true), None);
    }
}
