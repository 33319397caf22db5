//! TODO

pub mod connection;
pub mod context;
pub mod enums;
pub mod errors;
pub mod filters;
pub mod guard;
pub mod ids;
pub mod inputs;
pub mod limits;
pub mod listing;
pub mod loaders;
pub mod nodes;
pub mod paged;
pub mod payload;
