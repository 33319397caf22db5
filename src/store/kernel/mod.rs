//! TODO

pub mod connection;
pub mod error;
pub mod filter_sql;
pub mod migrate;
pub mod params;
pub mod records;
pub mod writes;
