//! assetgraph: an IT asset register with a CMDB relationship graph, served over GraphQL.

/// HTTP and GraphQL: the only layer that knows axum and async-graphql.
pub mod api;
/// Performance harness: index build, impact in memory and over HTTP, against the store's own query.
pub mod bench;
/// Command-line entry points: serve, seed, generate, bench, schema, import, export.
pub mod cli;
/// Settings from flags and environment.
pub mod config;
/// Pure types and rules.
pub mod domain;
/// The in-memory relationship index: impact analysis and paths.
pub mod graph;
/// Progress bars of long commands, for the CLI and file transfers alike.
pub mod progress;
/// Use cases: validation, rules, transactions, audit.
pub mod service;
/// SurrealDB persistence: the only layer that speaks SurrealQL.
pub mod store;
/// Logging set-up.
pub mod telemetry;
/// Discovery records in files: `import` and `export`.
pub mod transfer;
