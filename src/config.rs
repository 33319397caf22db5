//! Server settings, each from a flag or an environment variable.

use std::net::SocketAddr;

use clap::Args;

use crate::domain::kernel::Secret;

#[derive(Debug, Clone, Args)]
pub struct StoreConfig {
    /// Store URL: surrealkv://<dir> (embedded, durable), mem:// (throw-away) or ws://host:port (SurrealDB server).
    #[arg(
        long = "db",
        env = "ASSETGRAPH_DB",
        default_value = "surrealkv://./data"
    )]
    pub url: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    #[command(flatten)]
    pub store: StoreConfig,
    /// Address to listen on.
    #[arg(long, env = "ASSETGRAPH_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Load the demo company when the store holds no assets.
    #[arg(long, env = "ASSETGRAPH_DEMO", default_value_t = false)]
    pub demo: bool,
    /// First month (1–12) of the organisation's fiscal year, for depreciation schedules.
    #[arg(long, env = "ASSETGRAPH_FISCAL_YEAR_START", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=12))]
    pub fiscal_year_start: u32,
    /// An admin token to accept (any 16–256 printable characters; stored hashed). Without it,
    /// a store with no token gets one, written to `admin-token` in the data directory.
    #[arg(long, env = "ASSETGRAPH_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<Secret>,
    /// Threads that CPU-heavy questions (impact, cycles, summaries, compliance) may use at once;
    /// 0 means one per core.
    #[arg(long, env = "ASSETGRAPH_QUERY_THREADS", default_value_t = 0)]
    pub query_threads: usize,
    /// Hosts or address ranges webhooks may reach although they are loopback, link-local,
    /// private, multicast or unspecified (e.g. `hooks.internal,10.20.0.0/16`); none by default.
    #[arg(long, env = "ASSETGRAPH_WEBHOOK_ALLOW", value_delimiter = ',')]
    pub webhook_allow: Vec<String>,
    #[command(flatten)]
    pub limits: LimitsConfig,
}

/// The request limits; every one is on by default.
#[derive(Debug, Clone, Args)]
pub struct LimitsConfig {
    /// Deepest field nesting of a query.
    #[arg(long, env = "ASSETGRAPH_MAX_DEPTH", default_value_t = 16)]
    pub max_depth: usize,
    /// Highest estimated query cost (list fields cost `first` × their fields).
    #[arg(long, env = "ASSETGRAPH_MAX_COMPLEXITY", default_value_t = 50_000)]
    pub max_complexity: u64,
    /// Most aliases in one document.
    #[arg(long, env = "ASSETGRAPH_MAX_ALIASES", default_value_t = 100)]
    pub max_aliases: usize,
    /// Most directives in one document.
    #[arg(long, env = "ASSETGRAPH_MAX_DIRECTIVES", default_value_t = 50)]
    pub max_directives: usize,
    /// Most fields selected once fragments are expanded.
    #[arg(long, env = "ASSETGRAPH_MAX_FIELDS", default_value_t = 5_000)]
    pub max_fields: usize,
    /// Most operations in one batched request.
    #[arg(long, env = "ASSETGRAPH_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Largest request body in bytes.
    #[arg(long, env = "ASSETGRAPH_MAX_BODY", default_value_t = 1 << 20)]
    pub max_body: usize,
    /// Seconds a query may run before it is cut off (mutations never are).
    #[arg(long, env = "ASSETGRAPH_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,
    /// Query cost units each token regains per second.
    #[arg(long, env = "ASSETGRAPH_RATE_PER_SECOND", default_value_t = 100_000)]
    pub rate_per_second: u64,
    /// Most cost units a token may save up.
    #[arg(long, env = "ASSETGRAPH_RATE_BURST", default_value_t = 500_000)]
    pub rate_burst: u64,
    /// Refuse schema introspection, even to authenticated callers.
    #[arg(long, env = "ASSETGRAPH_NO_INTROSPECTION", default_value_t = false)]
    pub no_introspection: bool,
    /// Browser origins allowed to call the API (CORS), comma-separated; none by default.
    #[arg(long, env = "ASSETGRAPH_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct GenerateConfig {
    #[command(flatten)]
    pub store: StoreConfig,
    /// How many assets to create (about five relationships each).
    #[arg(long, env = "ASSETGRAPH_GENERATE_ASSETS")]
    pub assets: usize,
    /// Seed of the estate: the same size and seed always give the same estate.
    #[arg(long, env = "ASSETGRAPH_GENERATE_SEED", default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Clone, Args)]
pub struct BenchConfig {
    #[command(flatten)]
    pub store: StoreConfig,
    /// Random assets whose failure is analysed.
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// How many of the typical samples SurrealDB's recursive query also answers (it is slow).
    #[arg(long, default_value_t = 5)]
    pub store_samples: usize,
    /// Asset tag of the hub to measure (default: the generated estate's edge router).
    #[arg(long, default_value = "SYN-00000000")]
    pub hub: String,
    /// Also time SurrealDB's recursive query on the hub (can take minutes on a large store).
    #[arg(long)]
    pub store_hub: bool,
    /// Seed for picking the samples.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Skip the store: build the index straight from a generated estate of this many assets.
    #[arg(long)]
    pub synthetic: Option<usize>,
    /// Seed of the generated estate for `--synthetic` (as `generate --seed`).
    #[arg(long, default_value_t = 1)]
    pub estate_seed: u64,
    /// Forget the stored index checkpoint first, so the start is timed with a full scan too.
    #[arg(long)]
    pub scan: bool,
    /// Time discovery ingestion of this many new records, then of the same again, into the
    /// (empty) store given by `--db`.
    #[arg(long)]
    pub ingest: Option<usize>,
    /// Software titles per record for `--ingest`.
    #[arg(long, default_value_t = 0)]
    pub ingest_software: usize,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Serve {
        #[command(flatten)]
        config: ServeConfig,
    }

    #[test]
    fn the_admin_token_is_kept_but_never_shown() {
        let secret = "ops-provided-secret-123456";
        let Serve { config } = Serve::parse_from(["assetgraph", "--admin-token", secret]);
        assert_eq!(
            config.admin_token.as_ref().map(Secret::expose),
            Some(secret)
        );
        let shown = format!("{config:?}");
        assert!(shown.contains("admin_token: Some((redacted))") && !shown.contains(secret));
    }
}
