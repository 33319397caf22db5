//! Use cases: one function per business operation; owns validation, rules, transactions and audit.

pub mod access;
pub mod datasets;
pub mod discovery;
pub mod events;
pub mod finance;
pub mod kernel;
pub mod lifecycle;
pub mod relationships;
pub mod servicedesk;
pub mod software;

pub use kernel::{Register, ServiceError};
pub use relationships::Written;
