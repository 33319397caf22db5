//! What the relationship index needs of the store: its scan, change feed and checkpoint.

mod checkpoint;
pub(crate) mod edges;

pub use checkpoint::Checkpoint;
pub use edges::{EdgeChange, EdgeRow};
