//! TODO

mod synthetic;

pub use synthetic::Estate;
pub(crate) use synthetic::{Layer, Rng};
