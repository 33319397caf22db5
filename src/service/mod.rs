//! Use cases: one function per business operation; owns validation, rules, transactions and audit.

/// Tokens, the audit log and idempotency slots.
pub mod access;
/// The demo company and generated estates.
pub mod datasets;
/// Discovery ingestion, its policy and queue, and reconciliation.
pub mod discovery;
/// Webhook deliveries: listing and the worker that sends them.
pub mod events;
/// Summaries, watch lists and cost roll-ups.
pub mod finance;
/// The register, its records, rules and projections.
pub mod kernel;
/// Transitions, approvals, custody and maintenance.
pub mod lifecycle;
/// Impact and the other walks of the index, and its checkpoints.
pub mod relationships;
/// Tickets, their links, impact, collisions and context.
pub mod servicedesk;
/// Licence compliance, contracts, renewals and seat use.
pub mod software;

pub use crate::service::kernel::Register;
pub use crate::service::kernel::ServiceError;
pub use crate::service::relationships::Written;
