//! TODO

mod checkpoint;
pub(crate) mod edges;

pub use checkpoint::Checkpoint;
pub use edges::{EdgeChange, EdgeRow};
