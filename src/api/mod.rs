//! The HTTP face of assetgraph: GraphQL at `/graphql`, GraphiQL at `/`, health and readiness probes.

pub mod access;
pub mod discovery;
pub mod events;
pub mod finance;
pub mod graphql;
pub mod http;
pub mod lifecycle;
pub mod register;
pub mod relationships;
mod schema;
pub mod servicedesk;
pub mod software;

pub use graphql::{Limits, Readiness, global_id};
pub use http::{BareAsset, Options, serve, spawn, spawn_bare, spawn_with};
pub use schema::sdl;
