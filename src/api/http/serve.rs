//! Serving: listening at once, connecting to the store in the background (readiness says when),
//! seeding the demo, and shutting down in order.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::api::graphql::Limits;
use crate::api::graphql::Readiness;
use crate::api::http::routes::router;
use crate::domain::kernel::Secret;
use crate::service::datasets::seed;
use crate::service::kernel::Register;
use crate::service::kernel::WebhookTargets;
use crate::store::Store;

/// Connects to the store (retrying while it is unreachable), seeds the demo data if asked, marks
/// ready, then keeps the index checkpoint current until cancelled.
async fn connect(readiness: Readiness, options: Options) {
    let Options {
        url,
        demo,
        fiscal_year_start,
        admin_token,
        webhook_targets,
        query_threads,
        limits: _,
    } = options;
    // An embedded store on disk keeps its files here; the first admin token's goes with them.
    let data_dir = url
        .strip_prefix("surrealkv://")
        .map(|rest| std::path::PathBuf::from(rest.split_once('?').map_or(rest, |(dir, _)| dir)));
    loop {
        match Store::open(&url).await {
            Ok(store) => {
                let opened = Register::open(store)
                    .await
                    .and_then(|r| r.with_fiscal_year_start(fiscal_year_start))
                    .map(|r| r.with_webhook_targets(webhook_targets.clone()))
                    .map(|r| match query_threads {
                        0 => r,
                        threads => r.with_query_threads(threads),
                    });
                let register = match opened {
                    Ok(register) => register,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not load the relationship index; retrying in 2 s");
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        continue;
                    }
                };
                if demo {
                    match register.store().is_empty().await {
                        Ok(true) => match seed::load(&register).await {
                            Ok(report) => {
                                tracing::info!(created = report.created, "loaded the demo company")
                            }
                            Err(e) => tracing::error!(error = %e, "could not load the demo data"),
                        },
                        Ok(false) => {
                            tracing::info!("store already holds data; demo data not loaded")
                        }
                        Err(e) => tracing::error!(error = %e, "could not inspect the store"),
                    }
                }
                if let Err(e) = register
                    .ensure_admin_token(
                        admin_token.as_ref().map(Secret::expose),
                        data_dir.as_deref(),
                    )
                    .await
                {
                    tracing::error!(error = %e, "could not set up the admin token");
                }
                let _ = readiness.set(register.clone());
                tracing::info!("store connected; ready");
                // Both run until the server stops (which aborts this task).
                let sender = register.clone();
                tokio::join!(register.keep_checkpoints(), sender.deliver_webhooks());
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "store not reachable; retrying in 2 s");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

/// What a server connects to and how the register is set up.
#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    /// Load the demo company into an empty store.
    pub demo: bool,
    /// First month (1–12) of the organisation's fiscal year.
    pub fiscal_year_start: u32,
    /// An admin token's secret to accept (stored hashed), instead of a generated first one.
    pub admin_token: Option<Secret>,
    /// Where webhooks may be sent: public addresses and what `--webhook-allow` names.
    pub webhook_targets: WebhookTargets,
    /// Threads CPU-heavy questions may use at once; 0 for one per core.
    pub query_threads: usize,
    pub limits: Limits,
}

/// Serves until `shutdown` resolves; the store connects in the background.
pub async fn serve(
    listener: TcpListener,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let readiness = Readiness::default();
    let app = router(readiness.clone(), options.limits.clone());
    let connecting = tokio::spawn(connect(readiness.clone(), options));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    connecting.abort();
    let _ = connecting.await;
    // The next start then reads the graph from one checkpoint instead of scanning it.
    if let Some(register) = readiness.get()
        && let Err(e) = register.checkpoint_if_changed().await
    {
        tracing::warn!(error = %e, "could not write a relationship index checkpoint at shutdown");
    }
    // Every request and task holding the register is gone now, so the store can close in order.
    if let Some(register) = std::sync::Arc::try_unwrap(readiness)
        .ok()
        .and_then(tokio::sync::OnceCell::into_inner)
    {
        register.close().await;
    }
    Ok(())
}

/// Starts a server in the background (for tests and embedding) and returns its readiness handle.
pub fn spawn(listener: TcpListener, options: Options) -> Readiness {
    let readiness = Readiness::default();
    let app = router(readiness.clone(), options.limits.clone());
    tokio::spawn(connect(readiness.clone(), options));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "server stopped");
        }
    });
    readiness
}

/// Serves an already-open register in the background (benchmarks, embedding).
pub fn spawn_with(
    listener: TcpListener,
    register: Register,
    limits: Limits,
) -> tokio::task::JoinHandle<()> {
    let readiness = Readiness::default();
    let _ = readiness.set(register);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router(readiness, limits)).await {
            tracing::error!(error = %e, "server stopped");
        }
    })
}
