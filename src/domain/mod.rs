//! Pure types and rules of the asset register: no IO, no database, no HTTP.

pub mod approval;
pub mod audit;
pub mod catalog;
pub mod compliance;
pub mod contract;
pub mod custody;
pub mod depreciation;
pub mod entitlement;
pub mod entity;
pub mod finance;
pub mod ledger;
pub mod lifecycle;
pub mod maintenance;
pub mod money;
pub mod page;
pub mod party;
pub mod patch;
pub mod query;
pub mod register;
pub mod relation;
pub mod site;
pub mod software;
pub mod subscription;
pub mod supply;
pub mod synthetic;
pub mod validation;
