//! TODO

pub mod asset;
pub mod inputs;
pub mod mutations;
pub mod party;
pub mod queries;
pub mod site;
pub mod supply;
