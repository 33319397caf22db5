//! The last line of defence: a panic while answering becomes an `INTERNAL` error that names the
//! request id (and is logged with it), instead of a dropped connection.

use std::panic::AssertUnwindSafe;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;

use crate::api::access::auth::{client_request_id, new_request_id};

/// Gives every request an id before it runs, so that a panic can be answered with it.
pub(crate) async fn answer_panics(mut request: Request, next: Next) -> Response {
    let request_id = match client_request_id(request.headers()) {
        Some(id) => id,
        None => {
            let id = new_request_id();
            if let Ok(value) = HeaderValue::from_str(&id) {
                request.headers_mut().insert("x-request-id", value);
            }
            id
        }
    };
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => panicked(&request_id, panic.as_ref()),
    }
}

/// The answer to a request whose handler panicked.
pub(crate) fn panicked(request_id: &str, panic: &(dyn std::any::Any + Send)) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    tracing::error!(request_id, detail, "panic while answering a request");
    let body = serde_json::json!({"errors": [{
        "message": format!("internal error; quote request id {request_id}"),
        "extensions": {"code": "INTERNAL", "requestId": request_id},
    }]});
    let mut response = (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    async fn boom() -> &'static str {
        panic!("index out of bounds")
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_internal_with_the_request_id() {
        let app = Router::new()
            .route("/boom", get(boom))
            .route("/fine", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(answer_panics));
        let request = |path: &str| {
            axum::http::Request::get(path)
                .header("x-request-id", "client-42")
                .body(Body::empty())
                .unwrap()
        };
        let answer = app.clone().oneshot(request("/boom")).await.unwrap();
        assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(answer.headers()["x-request-id"], "client-42");
        let body = axum::body::to_bytes(answer.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL");
        assert_eq!(body["errors"][0]["extensions"]["requestId"], "client-42");
        assert!(!body.to_string().contains("out of bounds"), "{body}");
        // The same service goes on answering.
        let fine = app.oneshot(request("/fine")).await.unwrap();
        assert_eq!(fine.status(), StatusCode::OK);
    }
}
