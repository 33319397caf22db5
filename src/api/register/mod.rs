//! Assets, people, teams, locations, vendors and models: fields, lists and mutations.

mod asset;
mod inputs;
mod mutations;
mod party;
mod queries;
mod site;
mod supply;

pub(crate) use mutations::RegisterMutations;
pub(crate) use queries::RegisterQueries;
