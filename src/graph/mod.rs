//! The relationship index: typed edges over dense node numbers, held in memory for fast traversal.
//! Pure and synchronous; a derived cache that can always be rebuilt from the store.

mod chains;
mod impact;
mod index;
mod paths;
mod region;
mod snapshot;

pub use chains::{Chains, Reached};
pub use impact::{Affected, Impact, ImpactQuery, State};
pub use index::{EdgeSpec, GraphIndex, Node, RelationMask};
pub use region::Rewind;
