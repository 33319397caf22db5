//! The `Idempotency-Key` header on GraphQL POSTs: a retry with the same key and body gets the
//! first answer back without running again; the same key with another body is refused.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::api::access::key_locks::KeyGuard;
pub use crate::api::access::key_locks::KeyLocks;
use crate::api::graphql::{Readiness, Transient};
use crate::domain::access::{Remembered, Verdict, fingerprint, slot, valid_key, verdict};
use crate::domain::kernel::EntityId;
use crate::service::kernel::{Register, ServiceError};

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
    let guard = locks.acquire(&slot).await;
    let print = fingerprint(body);
    let answer = match register.remembered(&slot).await {
        Err(e) => Err(e),
        Ok(remembered) => match verdict(remembered.as_ref(), &print, Utc::now()) {
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
            Verdict::Run => {
                let settle = Settle {
                    readiness: readiness.clone(),
                    slot,
                    answer: None,
                    _guard: guard,
                };
                run_once(register, settle, print, run).await
            }
        },
    };
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
/// answer says nothing lasting was done).
///
/// A request is dropped at an await when its client goes away. Before it starts, that forgets
/// the key: nothing ran, so a retry may run afresh. While it runs, the key's mark stays and a
/// retry is told the request is in doubt: its change may or may not have been made, so running
/// it again could make it twice. Once it has answered, the answer is kept regardless.
async fn run_once<F>(
    register: &Register,
    mut settle: Settle,
    print: String,
    run: F,
) -> Result<Response, ServiceError>
where
    F: Future<Output = Response>,
{
    let mut remembered = Remembered {
        fingerprint: print,
        at: Utc::now(),
        status: None,
        response: None,
    };
    let slot = settle.slot.clone();
    let unstarted = Unstarted(Some(settle));
    register.remember(&slot, &remembered).await?;
    settle = unstarted.start();
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
        settle.answer = Some(remembered);
    }
    // In a task of its own, which finishes even if this request is dropped meanwhile; a panic
    // there leaves the key in doubt, which is all that can be said then.
    let _ = tokio::spawn(settle.keep()).await;
    let mut response = reply(status.as_u16(), text, false);
    for (name, value) in &headers {
        response.headers_mut().insert(name, value.clone());
    }
    Ok(response)
}

/// What becomes of a claimed key: its answer kept, or the key forgotten. It holds the key's
/// lock until then, so a retry never reads the key half-way.
struct Settle {
    readiness: Readiness,
    slot: EntityId,
    /// The answer to keep; the key is forgotten without one.
    answer: Option<Remembered>,
    _guard: KeyGuard,
}

impl Settle {
    async fn keep(self) {
        // Set before any key is claimed, and never unset.
        let Some(register) = self.readiness.get() else {
            return;
        };
        let kept = match &self.answer {
            Some(answer) => register.remember(&self.slot, answer).await,
            None => register.forget(&self.slot).await,
        };
        if let Err(e) = kept {
            tracing::warn!(error = %e, "could not settle an idempotency key; a retry will be told it is in doubt");
        }
    }
}

/// A claimed key whose request has not started: dropped as such, it forgets the key.
struct Unstarted(Option<Settle>);

impl Unstarted {
    fn start(mut self) -> Settle {
        self.0.take().expect("a request starts once")
    }
}

impl Drop for Unstarted {
    fn drop(&mut self) {
        // Without a runtime (the server is stopping) the mark stays, and a retry is told the
        // request is in doubt.
        if let (Some(settle), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current())
        {
            runtime.spawn(settle.keep());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn ready() -> Readiness {
        let store = crate::store::Store::open("mem://").await.unwrap();
        let readiness = Readiness::default();
        let _ = readiness.set(Register::open(store).await.unwrap());
        readiness
    }

    async fn answer(body: &'static str, transient: bool) -> Response {
        let mut response = body.into_response();
        if transient {
            response.extensions_mut().insert(Transient);
        }
        response
    }

    async fn kept(readiness: &Readiness, key: &str) -> Option<Remembered> {
        let register = readiness.get().unwrap();
        register.remembered(&slot("alice", key)).await.unwrap()
    }

    #[tokio::test]
    async fn a_transient_answer_frees_the_key_and_a_lasting_one_is_replayed() {
        let (readiness, locks) = (ready().await, KeyLocks::default());
        let key = HeaderValue::from_static("k-1");
        let body = Bytes::from_static(b"{}");
        let caller = ("alice", &key);
        let first = once(&readiness, &locks, caller, &body, answer("later", true)).await;
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(kept(&readiness, "k-1").await, None);

        once(&readiness, &locks, caller, &body, answer("done", false)).await;
        let again = once(&readiness, &locks, caller, &body, answer("twice", false)).await;
        assert_eq!(again.headers()["idempotency-replayed"], "true");
        let text = axum::body::to_bytes(again.into_body(), 1 << 10)
            .await
            .unwrap();
        assert_eq!(&text[..], b"done");
        assert_eq!(locks.in_use(), 0);
    }

    #[tokio::test]
    async fn a_request_dropped_while_running_is_in_doubt_and_leaves_no_lock() {
        let (readiness, locks) = (ready().await, KeyLocks::default());
        let (started, running) = tokio::sync::oneshot::channel();
        let request = tokio::spawn({
            let (readiness, locks) = (readiness.clone(), locks.clone());
            async move {
                let key = HeaderValue::from_static("k-2");
                let run = async move {
                    let _ = started.send(());
                    std::future::pending::<Response>().await
                };
                once(&readiness, &locks, ("alice", &key), &Bytes::new(), run).await
            }
        });
        running.await.unwrap();
        request.abort();
        assert!(request.await.unwrap_err().is_cancelled());
        assert_eq!(locks.in_use(), 0);

        let (key, body) = (HeaderValue::from_static("k-2"), Bytes::new());
        let retry = once(
            &readiness,
            &locks,
            ("alice", &key),
            &body,
            answer("", false),
        );
        let retry = tokio::time::timeout(Duration::from_secs(5), retry)
            .await
            .unwrap();
        assert_eq!(retry.status(), StatusCode::CONFLICT);
        assert_eq!(locks.in_use(), 0);
    }

    #[tokio::test]
    async fn a_request_dropped_before_it_ran_forgets_its_key_before_a_retry_reads_it() {
        let (readiness, locks) = (ready().await, KeyLocks::default());
        let slot = slot("alice", "k-3");
        let mark = Remembered {
            fingerprint: fingerprint(b""),
            at: Utc::now(),
            status: None,
            response: None,
        };
        readiness
            .get()
            .unwrap()
            .remember(&slot, &mark)
            .await
            .unwrap();
        let guard = locks.acquire(&slot).await;
        drop(Unstarted(Some(Settle {
            readiness: readiness.clone(),
            slot: slot.clone(),
            answer: None,
            _guard: guard,
        })));
        let _next = locks.acquire(&slot).await;
        assert_eq!(kept(&readiness, "k-3").await, None);
    }
}
