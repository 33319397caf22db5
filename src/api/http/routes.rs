//! The routes: GraphiQL, GraphQL over HTTP and WebSocket, the audit CSV and the probes, with CORS
//! and the body limit.

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::api::access::idempotency;
use crate::api::graphql::Limits;
use crate::api::graphql::Readiness;
use crate::api::graphql::limits;
use crate::api::http::audit_csv::audit_csv;
use crate::api::http::graphql::graphql_get;
use crate::api::http::graphql::graphql_post;
use crate::api::http::panics;
use crate::api::http::state::AppState;
use crate::api::schema::schema;

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
        .route("/graphql/ws", get(crate::api::http::websocket::websocket))
        .route("/audit.csv", get(audit_csv))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .layer(DefaultBodyLimit::max(state.limits.body))
        .layer(cors)
        .layer(axum::middleware::from_fn(panics::answer_panics))
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

async fn readyz(State(state): State<AppState>) -> Response {
    match state.readiness.get() {
        None => (StatusCode::SERVICE_UNAVAILABLE, "store not connected").into_response(),
        Some(register) => match register.ready().await {
            Ok(()) if !register.lists_loaded() => {
                (StatusCode::SERVICE_UNAVAILABLE, "register lists loading").into_response()
            }
            Ok(()) => "ready".into_response(),
            Err(e) => {
                tracing::warn!(error = %e, "readiness check failed");
                (StatusCode::SERVICE_UNAVAILABLE, "store not answering").into_response()
            }
        },
    }
}
