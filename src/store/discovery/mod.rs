//! Discovery's reads and bulk statements: sightings and the relationships around assets.

mod ingest;

pub use ingest::SightingRow;
