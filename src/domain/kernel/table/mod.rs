//! The register's lists in memory: each entity kind's filter and sort fields, indexed so that a
//! filtered, sorted, counted page costs time in the page, not in the estate.

mod blocks;
mod compare;
mod grams;
mod key;
mod paging;
mod rows;
mod select;
mod specs;
#[cfg(test)]
mod tests;

pub use paging::{PageFailure, Paged};
pub use rows::{Table, Unindexed};
pub use specs::{listed, spec};
