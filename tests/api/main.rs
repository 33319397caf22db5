//! The integration suite: the real server, on a fresh in-memory store per test, driven over HTTP.

mod access;
mod architecture;
mod bad_input;
mod checkpoints;
mod concurrency;
mod crash;
mod crud;
mod discovery;
mod durability;
mod events;
mod extremes;
mod finance;
mod hardening;
mod helpers;
mod http;
mod idempotency;
mod import;
mod lifecycle;
mod listing;
mod loaders;
mod receiver;
mod relations;
mod seed;
mod software;
mod tickets;
mod webhooks;
