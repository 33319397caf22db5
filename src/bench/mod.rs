//! `assetgraph bench`: the performance table the README describes.

/// Impact in memory, over HTTP and against the store's own query.
mod impact;
/// Discovery ingestion rates.
mod ingest;
/// Register lists and one asset's hop, in memory.
mod lists;
/// Finance summaries and licence compliance over a generated estate.
mod money;
/// The command: which figures to take, on which estate.
mod run;
/// Requests per second against a bare server, and a dashboard's mix.
mod throughput;
/// Milliseconds, percentiles and memory.
mod timing;

pub use run::run;
