//! The HTTP face of assetgraph: GraphQL at `/graphql`, GraphiQL at `/`, health and readiness probes.

mod access;
mod audit_log;
mod auth;
mod connection;
mod context;
mod contracts;
mod discovery;
mod enums;
mod errors;
mod events;
mod filters;
mod finance;
mod guard;
mod idempotency;
mod ids;
mod impact;
mod inputs;
mod lifecycle;
mod limits;
mod loaders;
mod mutation;
mod query;
mod software;
mod tickets;
mod types;
mod webhooks;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql::{MergedObject, SDLExportOptions, Schema};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

pub use context::Readiness;
pub use limits::Limits;
use mutation::MutationRoot;
use query::QueryRoot;

use crate::domain::kernel::entity::{EntityId, EntityKind};
use crate::service::datasets::seed;
use crate::service::kernel::register::Register;
use crate::store::Store;

/// Every query, from each part of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoots(
    QueryRoot,
    lifecycle::LifecycleQueries,
    finance::FinanceQueries,
    software::SoftwareQueries,
    contracts::ContractQueries,
    discovery::DiscoveryQueries,
    tickets::TicketQueries,
    webhooks::WebhookQueries,
    access::AccessQueries,
    audit_log::AuditLogQueries,
);

/// Every mutation, from each part of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoots(
    MutationRoot,
    lifecycle::LifecycleMutations,
    software::SoftwareMutations,
    discovery::DiscoveryMutations,
    tickets::TicketMutations,
    webhooks::WebhookMutations,
    access::AccessMutations,
);

type AppSchema = Schema<QueryRoots, MutationRoots, events::SubscriptionRoot>;

fn schema(readiness: Readiness, limits: &Limits) -> AppSchema {
    let builder = Schema::build(
        QueryRoots::default(),
        MutationRoots::default(),
        events::SubscriptionRoot,
    )
    .data(readiness)
    .extension(access::Authorize)
    // Second lines behind `guard::analyse`, for operations over WebSocket as well.
    .limit_depth(limits.depth)
    .limit_complexity(usize::try_from(limits.complexity).unwrap_or(usize::MAX))
    .limit_directives(limits.directives)
    .limit_recursive_depth(32);
    if limits.introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The GraphQL schema as SDL, fields, arguments and enum values sorted for stable diffs.
pub fn sdl() -> String {
    schema(Readiness::default(), &Limits::default()).sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    )
}

#[derive(Clone)]
struct AppState {
    schema: AppSchema,
    readiness: Readiness,
    keys: idempotency::KeyLocks,
    limits: Arc<Limits>,
    rates: Arc<limits::RateLimiter>,
}

/// The routes, over a register that may not be connected yet.
pub fn router(readiness: Readiness, limits: Limits) -> Router {
    let state = AppState {
        schema: schema(readiness.clone(), &limits),
        readiness,
        keys: idempotency::KeyLocks::default(),
        rates: Arc::new(limits::RateLimiter::new(&limits)),
        limits: Arc::new(limits),
    };
    let cors = cors(&state.limits.cors_origins);
    Router::new()
        .route("/", get(graphiql))
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(events::websocket))
        .route("/audit.csv", get(audit_csv))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .layer(DefaultBodyLimit::max(state.limits.body))
        .layer(cors)
        .with_state(state)
}

/// Cross-origin calls from browsers: none unless origins are listed.
fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin.trim()).ok())
        .collect();
    if allowed.is_empty() {
        return CorsLayer::new();
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            axum::http::HeaderName::from_static("idempotency-key"),
            axum::http::HeaderName::from_static("x-request-id"),
        ])
}

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .title("assetgraph")
            .finish(),
    )
}

/// The audit log as CSV, filtered by the query string (auditors and admins).
async fn audit_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let principal = match auth::caller(&state.readiness, &headers).await {
        Ok(principal) => principal,
        Err(refusal) => return refusal.into_response(),
    };
    if !principal.role.reads_audit_log() {
        return rejection(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            &format!(
                "the {} role may not read the audit log",
                principal.role.name()
            ),
        );
    }
    let filter = match audit_log::AuditLogFilter::from_query(&params).and_then(|f| f.decode()) {
        Ok(filter) => filter,
        Err(e) => return rejection(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &e),
    };
    let Some(register) = state.readiness.get() else {
        return auth::Refusal::Unavailable.into_response();
    };
    match audit_log::csv_export(register, filter).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"audit-log.csv\"",
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "audit export failed");
            rejection(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "the export failed",
            )
        }
    }
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.readiness.get() {
        None => (StatusCode::SERVICE_UNAVAILABLE, "store not connected").into_response(),
        Some(register) => match register.ready().await {
            Ok(()) => "ready".into_response(),
            Err(e) => {
                tracing::warn!(error = %e, "readiness check failed");
                (StatusCode::SERVICE_UNAVAILABLE, "store not answering").into_response()
            }
        },
    }
}

/// A GraphQL-shaped error for requests that never reached the executor.
pub(crate) fn rejection(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A limit breach: a bad request the client can fix, naming the limit.
fn breach_response(breach: &guard::Breach) -> Response {
    let body = serde_json::json!({"errors": [{
        "message": breach.message,
        "extensions": {"code": "LIMIT_EXCEEDED", "limit": breach.limit},
    }]});
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/graphql-response+json")],
        body.to_string(),
    )
        .into_response()
}

async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    request: async_graphql::Request,
) -> Response {
    let analysis = match guard::analyse(&request.query, &request.variables, &state.limits) {
        Ok(analysis) => analysis,
        Err(breach) => return breach_response(&breach),
    };
    let principal = match auth::caller(&state.readiness, headers).await {
        Ok(principal) => principal,
        Err(refusal) => return refusal.into_response(),
    };
    // Each token spends from its own budget, dear queries more than cheap ones.
    if let Err(wait) = state
        .rates
        .take(principal.token.as_str(), analysis.cost.max(1))
    {
        let mut response = rejection(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "this token has used its request budget; retry after the time given",
        );
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        return response;
    }
    let context = auth::context(&principal, headers);
    let request_id = context.actor.request_id.clone();
    let request = loaders::attach(request.data(context), &state.readiness);
    // On the heap: the executor's future is large, and debug builds poll it on small stacks.
    let running = Box::pin(state.schema.execute(request));
    // Reads are cut off when too slow; a write never is, or the caller could not know whether
    // it landed.
    let mut response = if analysis.writes {
        running.await
    } else {
        match tokio::time::timeout(state.limits.timeout, running).await {
            Ok(response) => response,
            Err(_) => {
                return rejection(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "TIMEOUT",
                    &format!(
                        "the query ran longer than {} s; ask for less",
                        state.limits.timeout.as_secs_f64()
                    ),
                );
            }
        }
    };
    // Errors that stopped the document before it ran (parse, validation, limits) name no field.
    let not_run = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // Parse, validation and limit errors come without a code; they are all the client's to fix.
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
        }
    }
    let body = serde_json::to_string(&response)
        .unwrap_or_else(|_| r#"{"errors":[{"message":"unserialisable response"}]}"#.into());
    // GraphQL over HTTP: a document that could not run is a bad request, said in the
    // graphql-response media type; one that ran answers 200, even with field errors.
    let mut http = if not_run {
        (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/graphql-response+json")],
            body,
        )
            .into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        http.headers_mut().insert("x-request-id", value);
    }
    http
}

async fn graphql_post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    // Browsers send forms and text/plain across sites without asking first: refusing them keeps
    // another site from posting mutations with a user's credentials (CSRF).
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return rejection(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "POST a JSON body with Content-Type: application/json",
        );
    }
    let run = async {
        match serde_json::from_slice::<async_graphql::BatchRequest>(&body) {
            Ok(async_graphql::BatchRequest::Single(request)) => {
                execute(&state, &headers, request).await
            }
            Ok(async_graphql::BatchRequest::Batch(requests)) => {
                execute_batch(&state, &headers, requests).await
            }
            Err(e) => rejection(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("the body is not a GraphQL request: {e}"),
            ),
        }
    };
    match headers.get("idempotency-key") {
        None => run.await,
        Some(key) => {
            // Keys are the caller's own: two tokens may use the same key for different work.
            let caller = match auth::caller(&state.readiness, &headers).await {
                Ok(principal) => principal.token.to_string(),
                Err(refusal) => return refusal.into_response(),
            };
            idempotency::once(&state.readiness, &state.keys, (&caller, key), &body, run).await
        }
    }
}

/// A JSON array of requests, run in order, answered as an array of their answers (each one
/// authenticated, checked and charged like a request of its own).
async fn execute_batch(
    state: &AppState,
    headers: &HeaderMap,
    requests: Vec<async_graphql::Request>,
) -> Response {
    if requests.len() > state.limits.batch {
        return breach_response(&guard::Breach {
            limit: "batch",
            message: format!(
                "a batch holds at most {} operations, not {}",
                state.limits.batch,
                requests.len()
            ),
        });
    }
    let mut answers = Vec::with_capacity(requests.len());
    for request in requests {
        let answer = execute(state, headers, request).await;
        if answer.status() == StatusCode::UNAUTHORIZED {
            return answer;
        }
        let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        answers.push(serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null));
    }
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::Value::Array(answers).to_string(),
    )
        .into_response()
}

/// GET serves queries only, so a link or a crawler can never change data.
async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(query) = params.get("query") else {
        return rejection(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "missing query parameter `query`",
        );
    };
    let mut request = async_graphql::Request::new(query.clone());
    if let Some(name) = params.get("operationName") {
        request = request.operation_name(name.clone());
    }
    if let Some(variables) = params.get("variables") {
        match serde_json::from_str(variables) {
            Ok(vars) => request = request.variables(async_graphql::Variables::from_json(vars)),
            Err(_) => {
                return rejection(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "`variables` is not a JSON object",
                );
            }
        }
    }
    let is_mutation = match request.parsed_query() {
        Ok(doc) => doc
            .operations
            .iter()
            .any(|(_, op)| op.node.ty != OperationType::Query),
        Err(_) => false,
    };
    if is_mutation {
        return rejection(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_REQUEST",
            "mutations must be sent with POST",
        );
    }
    execute(&state, &headers, request).await
}

/// Connects to the store (retrying while it is unreachable), seeds the demo data if asked, marks
/// ready, then keeps the index checkpoint current until cancelled.
async fn connect(readiness: Readiness, options: Options) {
    let Options {
        url,
        demo,
        fiscal_year_start,
        admin_token,
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
                    .and_then(|r| r.with_fiscal_year_start(fiscal_year_start));
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
                    .ensure_admin_token(admin_token.as_deref(), data_dir.as_deref())
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
    pub admin_token: Option<String>,
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
pub fn spawn_with(listener: TcpListener, register: Register) -> tokio::task::JoinHandle<()> {
    let readiness = Readiness::default();
    let _ = readiness.set(register);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router(readiness, Limits::default())).await {
            tracing::error!(error = %e, "server stopped");
        }
    })
}

/// The opaque global id clients use for an entity.
pub fn global_id(kind: EntityKind, id: &EntityId) -> String {
    ids::encode(kind, id).0
}
