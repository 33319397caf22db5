//! GraphQL over HTTP: one document or a batch, by POST or GET, each through the document walk,
//! authentication, the rate limit and idempotency before the executor.

use std::collections::HashMap;

use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::access::auth;
use crate::api::access::idempotency;
use crate::api::graphql::guard;
use crate::api::graphql::{Transient, rejection};
use crate::api::http::panics::panicked;
use crate::api::http::state::AppState;

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
    let request = crate::api::graphql::attach(request.data(context), &state.readiness);
    // Reads are cut off when too slow; a write never is, or the caller could not know whether
    // it landed. A write also runs to its end when the client hangs up: its commit and the
    // in-memory projections it then updates must not part.
    let mut response = if analysis.writes {
        let schema = state.schema.clone();
        match tokio::spawn(async move { schema.execute(request).await }).await {
            Ok(response) => response,
            Err(stopped) if stopped.is_panic() => {
                return panicked(&request_id, stopped.into_panic().as_ref());
            }
            Err(stopped) => {
                return rejection(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "UNAVAILABLE",
                    &format!("the server is stopping ({stopped}); try again shortly"),
                );
            }
        }
    } else {
        // On the heap: the executor's future is large, and debug builds poll it on small stacks.
        let running = Box::pin(state.schema.execute(request));
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
    let transient = crate::api::graphql::transient(&response.errors);
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
    if transient {
        http.extensions_mut().insert(Transient);
    }
    http
}

pub(crate) async fn graphql_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
    let mut transient = false;
    for request in requests {
        let answer = execute(state, headers, request).await;
        if answer.status() == StatusCode::UNAUTHORIZED {
            return answer;
        }
        transient |= answer.extensions().get::<Transient>().is_some();
        let bytes = axum::body::to_bytes(answer.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        answers.push(serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null));
    }
    let mut response = (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::Value::Array(answers).to_string(),
    )
        .into_response();
    if transient {
        response.extensions_mut().insert(Transient);
    }
    response
}

/// GET serves queries only, so a link or a crawler can never change data.
pub(crate) async fn graphql_get(
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
