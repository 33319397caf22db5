//! TODO

pub mod asset;
pub mod party;
pub mod site;
pub mod supply;
