//! Discovery batches planned in memory and written in one transaction, and reconciliation.

mod ingest;
mod outcome;
mod plan;
mod plan_edges;
mod policy;
mod queries;
mod reconcile;
mod writes;

pub(crate) use outcome::{Decision, IngestReport, Outcome};
pub(crate) use reconcile::Resolution;
