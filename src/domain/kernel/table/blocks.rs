//! An ordered list of row numbers in blocks, so that keeping it sorted under inserts moves a
//! block, not the whole list (a million rows: half a kilobyte per change, not four megabytes).

use std::cmp::Ordering;

/// Rows in ascending order of whatever the caller compares them by; blocks hold at most
/// `2 * BLOCK` rows and are never empty.
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    blocks: Vec<Vec<u32>>,
    len: usize,
}

const BLOCK: usize = 512;

/// A place between two rows: block number and offset within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    block: usize,
    offset: usize,
}

impl Blocks {
    /// The rows, sorted by `cmp`.
    pub fn build(mut rows: Vec<u32>, cmp: impl Fn(u32, u32) -> Ordering) -> Blocks {
        rows.sort_unstable_by(|a, b| cmp(*a, *b));
        let len = rows.len();
        Blocks {
            blocks: rows.chunks(BLOCK).map(<[u32]>::to_vec).collect(),
            len,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// The first place whose row is not `before` (`before` holds for a prefix of the list).
    pub fn partition(&self, before: impl Fn(u32) -> bool) -> Place {
        let block = self
            .blocks
            .partition_point(|b| b.last().is_some_and(|r| before(*r)));
        let offset = self
            .blocks
            .get(block)
            .map_or(0, |b| b.partition_point(|r| before(*r)));
        Place { block, offset }
    }

    pub fn insert(&mut self, row: u32, cmp: impl Fn(u32, u32) -> Ordering) {
        let mut place = self.partition(|r| cmp(r, row) == Ordering::Less);
        if self.blocks.is_empty() {
            self.blocks.push(Vec::new());
        }
        if place.block == self.blocks.len() {
            place.block -= 1;
            place.offset = self.blocks[place.block].len();
        }
        let block = &mut self.blocks[place.block];
        block.insert(place.offset, row);
        if block.len() > 2 * BLOCK {
            let tail = block.split_off(BLOCK);
            self.blocks.insert(place.block + 1, tail);
        }
        self.len += 1;
    }

    /// Removes `row`, found where `cmp` places it; false when it is not there.
    pub fn remove(&mut self, row: u32, cmp: impl Fn(u32, u32) -> Ordering) -> bool {
        let place = self.partition(|r| cmp(r, row) == Ordering::Less);
        let Some(block) = self.blocks.get_mut(place.block) else {
            return false;
        };
        if block.get(place.offset) != Some(&row) {
            return false;
        }
        block.remove(place.offset);
        if block.is_empty() {
            self.blocks.remove(place.block);
        }
        self.len -= 1;
        true
    }

    /// Rows from `place` to the end.
    pub fn up_from(&self, place: Place) -> impl Iterator<Item = u32> + '_ {
        self.blocks
            .iter()
            .enumerate()
            .skip(place.block)
            .flat_map(move |(i, b)| {
                let start = if i == place.block { place.offset } else { 0 };
                b[start.min(b.len())..].iter().copied()
            })
    }

    /// Rows before `place`, nearest first.
    pub fn down_from(&self, place: Place) -> impl Iterator<Item = u32> + '_ {
        let blocks = self.blocks.len();
        self.blocks
            .iter()
            .enumerate()
            .rev()
            .skip(blocks.saturating_sub(place.block + 1))
            .flat_map(move |(i, b)| {
                let end = if i == place.block {
                    place.offset
                } else {
                    b.len()
                };
                b[..end.min(b.len())].iter().rev().copied()
            })
    }

    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.blocks.iter().flatten().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Inserts and removes in any order keep the list sorted, and walks from any place
        /// visit what lies on their side of it.
        #[test]
        fn stays_sorted(values in proptest::collection::vec(0u32..5000, 0..3000), cut in 0u32..5000) {
            let mut blocks = Blocks::default();
            let cmp = |a: u32, b: u32| a.cmp(&b);
            for v in &values {
                blocks.insert(*v, cmp);
            }
            let mut sorted = values.clone();
            sorted.sort();
            prop_assert_eq!(blocks.iter().collect::<Vec<_>>(), sorted.clone());
            let place = blocks.partition(|r| r < cut);
            let up: Vec<u32> = blocks.up_from(place).collect();
            let mut down: Vec<u32> = blocks.down_from(place).collect();
            down.reverse();
            prop_assert!(up.iter().all(|r| *r >= cut) && down.iter().all(|r| *r < cut));
            prop_assert_eq!([down, up].concat(), sorted.clone());
            for v in values.iter().step_by(2) {
                prop_assert!(blocks.remove(*v, cmp));
                let at = sorted.binary_search(v).unwrap();
                sorted.remove(at);
            }
            prop_assert!(!blocks.remove(9999, cmp));
            prop_assert_eq!(blocks.iter().collect::<Vec<_>>(), sorted);
            prop_assert_eq!(blocks.len(), blocks.iter().count());
            prop_assert_eq!(Blocks::build(values.clone(), cmp).iter().count(), values.len());
        }
    }
}
