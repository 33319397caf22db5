//! The HTTP face of assetgraph: GraphQL at `/graphql`, GraphiQL at `/`, health and readiness probes.

/// Tokens and roles: authentication, per-field authorisation, the audit log, idempotency keys.
pub mod access;
/// Discovery ingestion and the reconciliation queue.
pub mod discovery;
/// Subscriptions and webhooks.
pub mod events;
/// Finance summaries, depreciation and cost roll-ups.
pub mod finance;
/// Schema plumbing every room uses: ids, cursors, filters, loaders, node types, errors, limits.
pub mod graphql;
/// HTTP: routes, GraphQL over HTTP and WebSocket, probes, serving.
pub mod http;
/// Transitions, approvals, custody and maintenance.
pub mod lifecycle;
/// Assets, people, teams, locations, vendors and models: their types, lists and mutations.
pub mod register;
/// Relationships, impact and dependency paths.
pub mod relationships;
/// Every room's queries, mutations and subscriptions merged into one schema.
mod schema;
/// Tickets and change impact.
pub mod servicedesk;
/// Software catalogue, entitlements, subscriptions, contracts and compliance.
pub mod software;

pub use crate::api::graphql::Limits;
pub use crate::api::graphql::Readiness;
pub use crate::api::graphql::global_id;
pub use crate::api::http::{Options, serve, spawn, spawn_with};
pub use crate::api::schema::sdl;
