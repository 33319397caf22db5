//! TODO

pub mod audit_csv;
pub mod graphql;
pub mod routes;
pub mod serve;
pub mod state;
pub mod websocket;
