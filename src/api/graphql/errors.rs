//! How failures reach clients: `userErrors` for input problems, coded GraphQL errors otherwise.

use async_graphql::{ErrorExtensions, SimpleObject};

use crate::api::graphql::enums::UserErrorCode;
use crate::domain::kernel::FieldError;
use crate::service::kernel::ServiceError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A problem with one input field of a mutation; nothing was changed.
#[derive(Debug, Clone, SimpleObject)]
pub struct UserError {
    /// Path of the offending input field, e.g. `purchase.cost.currency`.
    pub field: String,
    pub message: String,
    /// Why, for programs to act on.
    pub code: UserErrorCode,
}

impl From<FieldError> for UserError {
    fn from(e: FieldError) -> Self {
        UserError {
            field: e.field,
            message: e.message,
            code: e.code.into(),
        }
    }
}

/// Codes saying a request did not run to an answer worth keeping: asking again may succeed.
const TRANSIENT: [&str; 2] = ["UNAVAILABLE", "INTERNAL"];

/// Marks an HTTP response whose errors carry a transient code (a response extension: it is
/// for the server's own layers, never sent), so an idempotency key is not held to it.
#[derive(Debug, Clone, Copy)]
pub struct Transient;

/// Whether any of `errors` carries a transient code.
pub fn transient(errors: &[async_graphql::ServerError]) -> bool {
    errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .is_some_and(|code| {
                matches!(code, async_graphql::Value::String(code) if TRANSIENT.contains(&code.as_str()))
            })
    })
}

/// A GraphQL error carrying `extensions.code`.
pub fn coded(code: &str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
}

pub fn bad_input(message: impl Into<String>) -> async_graphql::Error {
    coded("BAD_USER_INPUT", message)
}

/// Failures that are not the client's fault: logged in full, shown only as a code and the request id.
pub fn internal(request_id: &str, detail: &str) -> async_graphql::Error {
    tracing::error!(request_id, detail, "internal error");
    coded(
        "INTERNAL",
        format!("internal error; quote request id {request_id}"),
    )
    .extend_with(|_, e| e.set("requestId", request_id))
}

/// Maps a service error from a read into a GraphQL error.
pub fn from_service(request_id: &str, e: ServiceError) -> async_graphql::Error {
    match e {
        ServiceError::BadRequest(m) => bad_input(m),
        ServiceError::NotFound { kind } => coded("NOT_FOUND", format!("no such {kind}")),
        ServiceError::Forbidden(m) => coded("FORBIDDEN", m),
        ServiceError::Invalid(errors) => bad_input(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        ServiceError::Unavailable(detail) => {
            tracing::warn!(request_id, detail, "store unavailable");
            coded(
                "UNAVAILABLE",
                "the store is not reachable; try again shortly",
            )
        }
        ServiceError::Internal(detail) => internal(request_id, &detail),
    }
}

/// A GraphQL-shaped error for requests that never reached the executor.
pub fn rejection(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_errors_saying_nothing_lasting_happened_are_transient() {
        let error = |e: async_graphql::Error| e.into_server_error(Default::default());
        assert!(transient(&[
            error(bad_input("no")),
            error(coded("UNAVAILABLE", "later"))
        ]));
        assert!(transient(&[error(internal("r-1", "boom"))]));
        assert!(!transient(&[
            error(bad_input("no")),
            error(coded("NOT_FOUND", "gone")),
            error(async_graphql::Error::new("no code")),
        ]));
        assert!(!transient(&[]));
    }
}
