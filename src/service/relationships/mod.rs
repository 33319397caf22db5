//! Impact and the other walks of the index, and the checkpoints of the index.

mod checkpoint;
mod hops;
mod impact;

pub use checkpoint::Written;
pub use hops::{Ends, Hop};
pub(crate) use impact::{Direction, Hit, Walk};
