//! The register's records: assets and the people, teams, places, vendors and models around them.

mod asset;
mod party;
mod site;
mod supply;

#[cfg(test)]
pub(crate) use asset::AssetDraft;
pub(crate) use asset::{Asset, OperationalStatus, Owner, Purchase};
pub(crate) use party::{Person, Team};
pub(crate) use site::{Location, LocationKind};
pub(crate) use supply::{Model, Vendor};
