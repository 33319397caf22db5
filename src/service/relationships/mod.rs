//! TODO

mod checkpoint;
mod impact;

pub use checkpoint::Written;
pub(crate) use impact::{Direction, Hit, Walk};
