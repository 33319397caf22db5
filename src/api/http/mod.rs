//! HTTP: routes, GraphQL over HTTP and WebSocket, the audit CSV, probes and serving.

mod audit_csv;
mod bare;
mod graphql;
mod panics;
mod routes;
mod serve;
mod state;
mod websocket;

pub use bare::{BareAsset, spawn_bare};
pub use serve::{Options, serve, spawn, spawn_with};
