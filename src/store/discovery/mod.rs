//! TODO

pub mod ingest;
