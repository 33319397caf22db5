//! TODO

pub mod ingest;
pub mod outcome;
pub mod plan;
pub mod plan_edges;
pub mod policy;
pub mod queries;
pub mod reconcile;
pub mod writes;
