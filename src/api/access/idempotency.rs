//! The `Idempotency-Key` header on GraphQL POSTs: a retry with the same key and body gets the
//! first answer back without running again; the same key with another body is refused.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::api::graphql::{Readiness, Transient};
use crate::domain::access::{Remembered, Verdict, fingerprint, slot, valid_key, verdict};
use crate::domain::kernel::EntityId;

/// One lock per key in use, so concurrent retries wait for the first instead of running too.
#[derive(Clone, Default)]
pub struct KeyLocks(Arc<std::sync::Mutex<HashMap<EntityId, Arc<tokio::sync::Mutex<()>>>>>);

impl KeyLocks {
    fn lock_for(&self, slot: &EntityId) -> Arc<tokio::sync::Mutex<()>> {
        self.0
            .lock()
            .expect("key locks")
            .entry(slot.clone())
            .or_default()
            .clone()
    }

    fn release(&self, slot: &EntityId, lock: Arc<tokio::sync::Mutex<()>>) {
        let mut locks = self.0.lock().expect("key locks");
        // Ours and the map's: nobody else is waiting on this key.
        if Arc::strong_count(&lock) <= 2 {
            locks.remove(slot);
        }
    }
}

fn reply(status: u16, body: String, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotency-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// Runs `run` at most once per (caller, key) and body; see the module doc.
pub async fn once<F>(
    readiness: &Readiness,
    locks: &KeyLocks,
    (caller, key): (&str, &HeaderValue),
    body: &Bytes,
    run: F,
) -> Response
where
    F: Future<Output = Response>,
{
    let Some(key) = key.to_str().ok().filter(|k| valid_key(k)) else {
        return crate::api::graphql::rejection(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "Idempotency-Key takes 1 to 255 visible ASCII characters",
        );
    };
    let Some(register) = readiness.get() else {
        return crate::api::graphql::rejection(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "the store is not reachable; try again shortly",
        );
    };
    let slot = slot(caller, key);
    let lock = locks.lock_for(&slot);
    let guard = lock.lock().await;
    let print = fingerprint(body);
    let now = Utc::now();
    let answer = match register.remembered(&slot).await {
        Err(e) => Err(e),
        Ok(remembered) => match verdict(remembered.as_ref(), &print, now) {
            Verdict::Replay { status, response } => Ok(reply(status, response, true)),
            Verdict::Reused => Ok(crate::api::graphql::rejection(
                StatusCode::UNPROCESSABLE_ENTITY,
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key was used with another request body",
            )),
            Verdict::InDoubt => Ok(crate::api::graphql::rejection(
                StatusCode::CONFLICT,
                "IDEMPOTENCY_IN_DOUBT",
                "a request with this Idempotency-Key did not finish; check whether its change was made before retrying with a new key",
            )),
            Verdict::Run => run_once(register, &slot, print, run).await,
        },
    };
    drop(guard);
    locks.release(&slot, lock);
    answer.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "idempotency key store failed");
        crate::api::graphql::rejection(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "the store is not reachable; try again shortly",
        )
    })
}

/// Marks the key taken, runs the request, and keeps its answer (or frees the key when the
/// answer says nothing was done).
async fn run_once<F>(
    register: &crate::service::kernel::Register,
    slot: &EntityId,
    print: String,
    run: F,
) -> Result<Response, crate::service::kernel::ServiceError>
where
    F: Future<Output = Response>,
{
    let mut remembered = Remembered {
        fingerprint: print,
        at: Utc::now(),
        status: None,
        response: None,
    };
    register.remember(slot, &remembered).await?;
    let response = run.await;
    let status = response.status();
    // The executor marks answers whose errors say the request did not run to a lasting result.
    let transient = response.extensions().get::<Transient>().is_some();
    let headers: HeaderMap = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body).into_owned();
    if status == StatusCode::OK && !transient {
        remembered.status = Some(status.as_u16());
        remembered.response = Some(text.clone());
        register.remember(slot, &remembered).await?;
    } else {
        register.forget(slot).await?;
    }
    let mut response = reply(status.as_u16(), text, false);
    for (name, value) in &headers {
        response.headers_mut().insert(name, value.clone());
    }
    Ok(response)
}
