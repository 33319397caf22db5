//! The store handle, bound parameters, migrations, record reads and the one commit path.

mod connection;
mod error;
#[cfg(test)]
mod error_tests;
mod migrate;
mod params;
mod records;
pub(crate) mod writes;

pub(crate) use connection::json_docs;
pub use connection::{OutboxRoute, Store};
pub use error::StoreError;
pub(crate) use error::{MISSING_REFERENCE, NOT_FOUND, STALE_VERSION};
pub(crate) use params::Params;
pub(crate) use records::{decode, key_ranges};
pub use writes::Batch;
pub(crate) use writes::{content, document, insert_row};
