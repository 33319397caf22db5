//! TODO

mod audit_csv;
mod graphql;
mod routes;
mod serve;
mod state;
mod websocket;

pub use serve::{Options, serve, spawn, spawn_with};
