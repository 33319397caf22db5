//! TODO

mod asset;
mod inputs;
mod mutations;
mod party;
mod queries;
mod site;
mod supply;

pub(crate) use mutations::RegisterMutations;
pub(crate) use queries::RegisterQueries;
