//! TODO

pub mod catalog;
pub mod class;
pub mod entity;
pub mod money;
pub mod page;
pub mod patch;
pub mod query;
pub mod validation;
