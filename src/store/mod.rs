//! The SurrealDB store: the source of truth. The only module that speaks SurrealQL.

/// Audit log reads, API tokens and idempotency slots.
pub mod access;
/// Bulk writes of generated estates.
pub mod datasets;
/// Sightings and the batch statements of a discovery ingestion.
pub mod discovery;
/// Webhook deliveries: the outbox and its attempts.
pub mod events;
/// The store handle, parameters, migrations, record reads and the one commit path.
pub mod kernel;
/// The relationship scan and live feed, and the index checkpoint.
pub mod relationships;
/// Tickets by key, planned changes and recent audited changes.
pub mod servicedesk;

pub use crate::store::access::AuditFilter;
pub use crate::store::discovery::SightingRow;
pub use crate::store::kernel::Batch;
pub use crate::store::kernel::StoreError;
pub use crate::store::kernel::{OutboxRoute, Store};
pub use crate::store::relationships::Checkpoint;
pub use crate::store::relationships::{EdgeChange, EdgeRow};
