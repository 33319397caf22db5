//! Server settings, each from a flag or an environment variable.

use std::net::SocketAddr;

use clap::Args;

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
    pub admin_token: Option<String>,
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
