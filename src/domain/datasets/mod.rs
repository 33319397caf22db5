//! Synthetic estates, planned deterministically for `generate` and `bench`.

mod synthetic;

pub use synthetic::Estate;
pub(crate) use synthetic::{Layer, Rng};
