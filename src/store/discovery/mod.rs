//! TODO

mod ingest;

pub use ingest::SightingRow;
