//! TODO

mod reconciliation;

pub(crate) use reconciliation::{
    DiscoveryMutations, DiscoveryQueries, FieldSource, SourceSighting, sightings_of,
};
