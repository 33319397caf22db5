//! Relationships: their fields and mutations, impact, dependency paths and cycles.

mod impact;
mod inputs;
mod mutations;
mod queries;
mod relationship;

pub(crate) use impact::{ImpactReport, ImpactState};
pub(crate) use mutations::RelationshipMutations;
pub(crate) use queries::RelationshipQueries;
pub(crate) use relationship::{Direction, adjacent_assets, asset_relationships};
