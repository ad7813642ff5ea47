//! The principals' side of the index: each principal with direct active memberships, and those
//! memberships, laid out so that a check finds them with one trip to main memory.
//!
//! A principal is a [`Run`] of [`Cell`]s in one [`Arena`]: a head (its id, whether it can hold
//! anything (D1), its run's length), then its direct memberships sorted by group slot. The table
//! ([`RunTable`]) holds only where each run starts, with a tag of the principal's hash (4 bytes a
//! principal, one read, so that it stays in cache); the id it is matched against is in the head,
//! in the same cache lines as the memberships the check reads next. (On this project's 2-core
//! machine a random read costs ~15 ns within 4 MB and ~160 ns beyond 16 MB: a check can afford
//! one of the latter.)

use std::hash::BuildHasher;

use super::arena::{Arena, Run};
use super::edges::{insertion_point, position_of, Keyed, MemberEdge};
use super::run_table::RunTable;
use crate::ids::PrincipalId;
use crate::schedule::Window;

/// One cell of a principal's run. See the module documentation.
#[derive(Clone, Copy, Debug)]
pub(super) enum Cell {
    Head(Head),
    Member(MemberEdge),
}

/// The first cell of a principal's run: who it is, whether it can hold memberships (D1), and the
/// run's length and room (its start is what the table holds).
#[derive(Clone, Copy, Debug)]
pub(super) struct Head {
    id: PrincipalId,
    len: u32,
    room: u32,
    can_hold: bool,
}

/// A window no instant is in: what a head answers when asked for one.
const NEVER: Window = Window {
    start: chrono::DateTime::<chrono::Utc>::MAX_UTC,
    end: Some(chrono::DateTime::<chrono::Utc>::MIN_UTC),
};

impl Keyed for Cell {
    type Key = u32;

    /// The group slot of a membership; a head sorts after every slot.
    fn key(&self) -> u32 {
        match self {
            Cell::Member(edge) => edge.slot,
            Cell::Head(_) => u32::MAX,
        }
    }

    fn window(&self) -> &Window {
        match self {
            Cell::Member(edge) => &edge.window,
            Cell::Head(_) => &NEVER,
        }
    }
}

/// A principal found in the table: whether it can hold memberships, and its direct memberships
/// (sorted by group slot; every cell is a [`Cell::Member`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct Found<'a> {
    pub can_hold: bool,
    pub members: &'a [Cell],
}

/// Every principal with direct active memberships. See the module documentation.
#[derive(Clone, Debug, Default)]
pub(super) struct Principals {
    /// Where each principal's run starts in `cells`.
    table: RunTable,
    cells: Arena<Cell>,
    hasher: foldhash::fast::RandomState,
}

impl Principals {
    pub(super) fn get(&self, principal: PrincipalId) -> Option<Found<'_>> {
        let hash = self.hasher.hash_one(principal);
        let at = self
            .table
            .find(hash, |start| is_run_of(&self.cells, start, principal))?;
        let (run, head) = load(&self.cells, self.table.start(at))?;
        Some(Found {
            can_hold: head.can_hold,
            members: self.cells.get(run).get(1..)?,
        })
    }

    /// The direct memberships of `principal` (none if it has none).
    pub(super) fn members(&self, principal: PrincipalId) -> &[Cell] {
        self.get(principal).map_or(&[], |found| found.members)
    }

    /// Adds a direct membership of `principal`, recording whether it can hold memberships.
    pub(super) fn add(&mut self, principal: PrincipalId, can_hold: bool, edge: MemberEdge) {
        let hash = self.hasher.hash_one(principal);
        let (cells, hasher) = (&mut self.cells, &self.hasher);
        let found = self
            .table
            .find(hash, |start| is_run_of(cells, start, principal));
        let at = match found {
            Some(at) => at,
            None => {
                let mut run = Run::default();
                let head = Head {
                    id: principal,
                    len: 0,
                    room: 0,
                    can_hold,
                };
                cells.insert(&mut run, 0, Cell::Head(head));
                store(cells, run, head);
                (self.table).insert(hash, run.start, |start| hash_at(cells, hasher, start))
            }
        };
        let Some((mut run, head)) = load(cells, self.table.start(at)) else {
            return;
        };
        let position = 1 + insertion_point(&cells.get(run)[1..], edge.slot);
        cells.insert(&mut run, position, Cell::Member(edge));
        store(cells, run, Head { can_hold, ..head });
        (self.table).set_start(at, hash, run.start, |start| hash_at(cells, hasher, start));
        if cells.wants_compaction() {
            self.compact();
        }
    }

    /// Removes one direct membership of `principal` in the group in `slot` with `window`, if any;
    /// forgets the principal when it has none left.
    pub(super) fn remove(&mut self, principal: PrincipalId, slot: u32, window: &Window) {
        let hash = self.hasher.hash_one(principal);
        let cells = &mut self.cells;
        let Some(at) = (self.table).find(hash, |start| is_run_of(cells, start, principal)) else {
            return;
        };
        let Some((mut run, head)) = load(cells, self.table.start(at)) else {
            return;
        };
        if let Some(position) = position_of(&cells.get(run)[1..], slot, window) {
            cells.remove(&mut run, position + 1);
        }
        if run.len() <= 1 {
            cells.release(&mut run);
            self.table.remove(at);
        } else {
            store(cells, run, head);
        }
    }

    /// Records whether `principal` can hold memberships (D1), if it has any.
    pub(super) fn set_can_hold(&mut self, principal: PrincipalId, can_hold: bool) {
        let hash = self.hasher.hash_one(principal);
        let cells = &mut self.cells;
        let found = (self.table).find(hash, |start| is_run_of(cells, start, principal));
        if let Some((run, head)) = found.and_then(|at| load(cells, self.table.start(at))) {
            store(cells, run, Head { can_hold, ..head });
        }
    }

    /// Keeps the memberships whose window satisfies `keep`; forgets principals left with none.
    pub(super) fn retain(&mut self, keep: impl Fn(&Window) -> bool) {
        let cells = &mut self.cells;
        self.table.retain(|start| {
            let Some((mut run, head)) = load(cells, start) else {
                return false;
            };
            cells.retain(&mut run, |cell| match cell {
                Cell::Head(_) => true,
                Cell::Member(edge) => keep(&edge.window),
            });
            let kept = run.len() > 1;
            if kept {
                store(cells, run, head);
            } else {
                cells.release(&mut run);
            }
            kept
        });
        if self.cells.wants_compaction() {
            self.compact();
        }
    }

    /// How many direct memberships are held.
    pub(super) fn member_count(&self) -> usize {
        (self.table.starts())
            .filter_map(|start| load(&self.cells, start))
            .map(|(run, _)| run.len() - 1)
            .sum()
    }

    /// Packs the arena and rebuilds the table for it, dropping what moved, was released or was
    /// removed.
    fn compact(&mut self) {
        let mut fresh = self.cells.fresh();
        let mut packed_runs = Vec::with_capacity(self.table.len());
        for start in self.table.starts() {
            if let Some((run, head)) = load(&self.cells, start) {
                let packed = self.cells.compact_into(&mut fresh, run);
                store(&mut fresh, packed, head);
                packed_runs.push((self.hasher.hash_one(head.id), packed.start));
            }
        }
        let max_start = packed_runs.iter().map(|&(_, start)| start).max();
        let mut table = RunTable::with_capacity(packed_runs.len(), max_start.unwrap_or(0));
        for (hash, start) in packed_runs {
            table.insert(hash, start, |start| hash_at(&fresh, &self.hasher, start));
        }
        self.cells = fresh;
        self.table = table;
    }

    /// Releases every spare byte (once, after a bulk load).
    pub(super) fn shrink_to_fit(&mut self) {
        self.compact();
        self.cells.shrink_capacity();
    }

    /// The heap it holds: the table and the arena.
    pub(super) fn bytes(&self) -> usize {
        self.table.bytes() + self.cells.bytes()
    }
}

/// The run starting at `start` and its head.
fn load(cells: &Arena<Cell>, start: u32) -> Option<(Run, Head)> {
    match cells.item(start)? {
        Cell::Head(head) => Some((
            Run {
                start,
                len: head.len,
                room: head.room,
            },
            *head,
        )),
        Cell::Member(_) => None,
    }
}

/// Writes `head` with the length and room of `run` as the first cell of `run`.
fn store(cells: &mut Arena<Cell>, run: Run, head: Head) {
    let head = Head {
        len: run.len,
        room: run.room,
        ..head
    };
    cells.set_item(run, 0, Cell::Head(head));
}

/// Whether the run starting at `start` is the run of `principal`.
fn is_run_of(cells: &Arena<Cell>, start: u32, principal: PrincipalId) -> bool {
    matches!(cells.item(start), Some(Cell::Head(head)) if head.id == principal)
}

/// The hash of the principal whose run starts at `start`.
fn hash_at(cells: &Arena<Cell>, hasher: &foldhash::fast::RandomState, start: u32) -> u64 {
    match cells.item(start) {
        Some(Cell::Head(head)) => hasher.hash_one(head.id),
        _ => 0,
    }
}
