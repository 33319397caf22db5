//! Discovery ingestion, the reconciliation queue, sightings and staleness over GraphQL.

mod reconciliation;

pub(crate) use reconciliation::{
    DiscoveryMutations, DiscoveryQueries, FieldSource, SourceSighting, sightings_of,
};
