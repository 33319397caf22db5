//! Impact and the other walks of the index, and the checkpoints of the index.

mod checkpoint;
mod impact;

pub use checkpoint::Written;
pub(crate) use impact::{Direction, Hit, Walk};
