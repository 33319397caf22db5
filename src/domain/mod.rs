//! Pure types and rules of the asset register: no IO, no database, no HTTP.

pub mod access;
pub mod datasets;
pub mod depreciation;
pub mod discovery;
pub mod events;
pub mod finance;
pub mod kernel;
pub mod lifecycle;
pub mod register;
pub mod relationships;
pub mod servicedesk;
pub mod software;
