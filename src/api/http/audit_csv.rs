//! `/audit.csv`: the audit log as CSV for auditors and admins, filtered by the query string.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::access::audit_log;
use crate::api::access::auth;
use crate::api::graphql::rejection;
use crate::api::http::state::AppState;

/// The audit log as CSV, filtered by the query string (auditors and admins).
pub(crate) async fn audit_csv(
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
