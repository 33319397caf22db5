//! Command-line entry points: `serve`, `seed`, `generate`, `bench`, `schema`, `import` and
//! `export`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{GenerateConfig, LimitsConfig, ServeConfig, StoreConfig};
use crate::domain::datasets::Estate;
use crate::progress::Progress;
use crate::service::datasets::Phase;
use crate::service::datasets::generate;
use crate::service::datasets::seed;
use crate::service::kernel::Register;
use crate::service::kernel::WebhookTargets;
use crate::store::Store;
use crate::{api, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "assetgraph",
    version,
    about = "IT asset management with a CMDB relationship graph, over GraphQL"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the GraphQL server.
    Serve(ServeConfig),
    /// Load the demo data set into a store (running it again changes nothing).
    Seed(StoreConfig),
    /// Write a synthetic layered estate (about five relationships per asset) into an empty store.
    Generate(GenerateConfig),
    /// Measure the graph index and impact analysis on a store and print a table.
    Bench(crate::config::BenchConfig),
    /// Compare every in-memory projection, built as a server builds it (the relationship index
    /// from its checkpoint), with the store; exit 1 and list where they differ.
    Verify(StoreConfig),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Fold discovery records from a CSV or JSON file into the register.
    Import(crate::transfer::ImportConfig),
    /// Write every asset out as discovery records (re-imported, all UNCHANGED).
    Export(crate::transfer::ExportConfig),
}

pub async fn run() -> ExitCode {
    telemetry::init();
    let result = match Cli::parse().command {
        Command::Serve(config) => serve(config).await,
        Command::Seed(config) => load_seed(config).await,
        Command::Generate(config) => generate_estate(config).await,
        Command::Bench(config) => crate::bench::run(config).await,
        Command::Verify(config) => match verify(config).await {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(e),
        },
        Command::Schema => {
            print!("{}", api::sdl());
            Ok(())
        }
        Command::Export(config) => crate::transfer::export(config).await,
        Command::Import(config) => match crate::transfer::import(config).await {
            // Some rows were refused (the good ones went in unless --atomic): say so by the exit code.
            Ok(false) => return ExitCode::from(2),
            other => other.map(|_| ()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn load_seed(config: StoreConfig) -> Result<(), String> {
    let store = Store::open(&config.url).await.map_err(|e| e.to_string())?;
    let register = Register::open(store).await.map_err(|e| e.to_string())?;
    let report = seed::load(&register).await.map_err(|e| e.to_string())?;
    register.close().await;
    tracing::info!(
        created = report.created,
        skipped = report.skipped,
        "seed loaded"
    );
    Ok(())
}

/// Prints each difference between the projections and the store; true when there is none.
async fn verify(config: StoreConfig) -> Result<bool, String> {
    let store = Store::open(&config.url).await.map_err(|e| e.to_string())?;
    let register = Register::open(store).await.map_err(|e| e.to_string())?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    while !register.lists_loaded() {
        if std::time::Instant::now() > deadline {
            return Err("the register's lists did not load within 10 minutes".into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let found = register
        .verify_projections()
        .await
        .map_err(|e| e.to_string())?;
    for d in &found {
        println!("{}\t{}\t{}", d.projection, d.entity, d.problem);
    }
    println!("{} differences", found.len());
    register.close().await;
    Ok(found.is_empty())
}

async fn generate_estate(config: GenerateConfig) -> Result<(), String> {
    let store = Store::open(&config.store.url)
        .await
        .map_err(|e| e.to_string())?;
    let estate = Estate::plan(config.assets, config.seed, chrono::Utc::now());
    let started = std::time::Instant::now();
    let mut bar = Progress::default();
    let written = generate::generate(&store, &estate, |phase, done, total| {
        let label = match phase {
            Phase::Assets => "assets       ",
            Phase::Relationships => "relationships",
        };
        bar.show(label, done, total);
    })
    .await
    .map_err(|e| e.to_string())?;
    store.close().await;
    tracing::info!(
        assets = written.assets,
        relationships = written.relationships,
        seconds = started.elapsed().as_secs_f64(),
        "synthetic estate written"
    );
    Ok(())
}

async fn serve(config: ServeConfig) -> Result<(), String> {
    let webhook_targets = WebhookTargets::allowing(&config.webhook_allow)
        .map_err(|e| format!("--webhook-allow: {e}"))?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    tracing::info!(address = %listener.local_addr().map_err(|e| e.to_string())?, db = %config.store.url, "serving GraphQL at /graphql, GraphiQL at /");
    let options = api::Options {
        url: config.store.url,
        demo: config.demo,
        fiscal_year_start: config.fiscal_year_start,
        admin_token: config.admin_token,
        webhook_targets,
        query_threads: config.query_threads,
        limits: limits(&config.limits),
    };
    api::serve(listener, options, shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

/// The server's limits as the flags and environment set them.
fn limits(config: &LimitsConfig) -> api::Limits {
    api::Limits {
        depth: config.max_depth,
        complexity: config.max_complexity,
        aliases: config.max_aliases,
        directives: config.max_directives,
        fields: config.max_fields,
        nesting: api::Limits::default().nesting,
        batch: config.max_batch,
        body: config.max_body,
        timeout: std::time::Duration::from_secs(config.request_timeout),
        rate_per_second: config.rate_per_second,
        rate_burst: config.rate_burst,
        introspection: !config.no_introspection,
        cors_origins: config.cors_origins.clone(),
    }
}

/// Resolves on SIGINT or SIGTERM so in-flight requests finish before the store closes.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
