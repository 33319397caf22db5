//! The SurrealDB store: the source of truth. The only module that speaks SurrealQL.

pub mod access;
pub mod datasets;
pub mod discovery;
pub mod events;
pub mod kernel;
pub mod relationships;
pub mod servicedesk;

pub use discovery::SightingRow;
pub use kernel::{Batch, OutboxRoute, Store, StoreError};
pub use relationships::{Checkpoint, EdgeChange, EdgeRow};
