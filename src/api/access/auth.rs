//! Authentication at the door: every request but the probes and the GraphiQL page presents an
//! API token (`Authorization: Bearer …`; over WebSocket, in `connection_init`), answered 401
//! when it is missing, unknown, revoked or expired.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::graphql::{Readiness, RequestContext};
use crate::domain::access::Actor;
use crate::service::access::AuthError;
use crate::service::kernel::Principal;

/// The secret after `Bearer ` (any case) in an `Authorization` value.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, secret) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim())
        .filter(|s| !s.is_empty())
}

/// Why a caller was not let in, as an HTTP answer shaped like a GraphQL error.
#[derive(Debug)]
pub enum Refusal {
    Unauthenticated(&'static str),
    Unavailable,
}

impl Refusal {
    pub fn message(&self) -> &'static str {
        match self {
            Refusal::Unauthenticated(why) => why,
            Refusal::Unavailable => "the store is not connected yet; try again shortly",
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, code) = match self {
            Refusal::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
            Refusal::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE"),
        };
        let mut response = crate::api::graphql::rejection(status, code, self.message());
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"assetgraph\""),
            );
        }
        response
    }
}

/// The caller a presented secret belongs to.
pub async fn principal(readiness: &Readiness, secret: Option<&str>) -> Result<Principal, Refusal> {
    let Some(register) = readiness.get() else {
        return Err(Refusal::Unavailable);
    };
    let Some(secret) = secret else {
        return Err(Refusal::Unauthenticated(
            "send an API token: Authorization: Bearer <token>",
        ));
    };
    match register.authenticate(secret).await {
        Ok(principal) => Ok(principal),
        Err(AuthError::Rejected) => Err(Refusal::Unauthenticated(
            "this token is unknown, revoked or expired",
        )),
        Err(AuthError::Service(e)) => {
            tracing::warn!(error = %e, "could not check a token");
            Err(Refusal::Unavailable)
        }
    }
}

/// The caller of an HTTP request.
pub async fn caller(readiness: &Readiness, headers: &HeaderMap) -> Result<Principal, Refusal> {
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer);
    principal(readiness, secret).await
}

/// The secret in a WebSocket `connection_init` payload: `{"Authorization": "Bearer …"}` (any
/// case of the key) or `{"token": "…"}`.
pub fn init_secret(payload: &serde_json::Value) -> Option<String> {
    let object = payload.as_object()?;
    object.iter().find_map(|(key, value)| {
        let value = value.as_str()?;
        if key.eq_ignore_ascii_case("authorization") {
            bearer(value).map(str::to_string)
        } else if key == "token" {
            Some(value.trim().to_string())
        } else {
            None
        }
    })
}

/// The client's own `X-Request-Id`, when it is one we can log and echo safely.
pub fn client_request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_string)
}

/// A fresh request id, ordered by time so logs sort by it.
pub fn new_request_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A request's context: who (the token's name and role) and which request (the client's own
/// id if it is a plain token, else a new one).
pub fn context(principal: &Principal, headers: &HeaderMap) -> RequestContext {
    let request_id = client_request_id(headers).unwrap_or_else(new_request_id);
    RequestContext {
        actor: Actor {
            name: principal.name.clone(),
            role: principal.role,
            request_id,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bearer_secrets_are_read_in_any_case() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer   abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("abc"), None);
    }

    #[test]
    fn websocket_init_payloads_carry_the_secret() {
        assert_eq!(
            init_secret(&json!({"Authorization": "Bearer s1"})),
            Some("s1".into())
        );
        assert_eq!(
            init_secret(&json!({"authorization": "Bearer s2"})),
            Some("s2".into())
        );
        assert_eq!(init_secret(&json!({"token": "s3"})), Some("s3".into()));
        assert_eq!(init_secret(&json!({})), None);
        assert_eq!(init_secret(&json!(null)), None);
    }
}
