//! The `Idempotency-Key` header: a retry with the same key and body returns the first answer and
//! changes nothing more; another body under the same key is refused; keys are per caller.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use assetgraph::domain::access::Role;

use crate::helpers::{TestApp, spawn_app};

const CREATE: &str = "mutation($i: CreateVendorInput!) { createVendor(input: $i) { node { id } } }";

async fn send(app: &TestApp, actor: &str, key: &str, name: &str) -> (u16, Option<String>, Value) {
    let secret = app.token(actor, Role::Admin).await;
    let body = json!({"query": CREATE, "variables": {"i": {"name": name}}}).to_string();
    post_with_key(app, &secret, key, &body).await
}

async fn vendor_count(app: &TestApp) -> u64 {
    app.data("{ vendors { totalCount } }", json!({})).await["vendors"]["totalCount"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_first_answer_and_writes_nothing() {
    let app = spawn_app().await;
    let (status, replayed, first) = send(&app, "alice", "order-42", "Acme").await;
    assert_eq!((status, replayed), (200, None));
    let id = first["data"]["createVendor"]["node"]["id"].clone();
    assert!(id.is_string(), "{first}");
    let (status, replayed, again) = send(&app, "alice", "order-42", "Acme").await;
    assert_eq!((status, replayed.as_deref()), (200, Some("true")));
    assert_eq!(again, first, "the very same answer");
    assert_eq!(vendor_count(&app).await, 1, "applied once");

    // Concurrent retries wait for the first and get its answer.
    let retries: Vec<_> = (0..5)
        .map(|_| send(&app, "alice", "order-43", "Globex"))
        .collect();
    let answers = futures_util::future::join_all(retries).await;
    let ids: Vec<&Value> = answers
        .iter()
        .map(|(_, _, body)| &body["data"]["createVendor"]["node"]["id"])
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    assert_eq!(vendor_count(&app).await, 2);

    // Another caller's key of the same name is another key.
    let (status, replayed, other) = send(&app, "bob", "order-42", "Initech").await;
    assert_eq!((status, replayed), (200, None));
    assert_ne!(other["data"]["createVendor"]["node"]["id"], id);
    assert_eq!(vendor_count(&app).await, 3);
}

#[tokio::test]
async fn an_idempotent_retry_sends_no_second_webhook_delivery() {
    let app = spawn_app().await;
    let receiver = crate::receiver::Receiver::start(0, 0);
    app.data(
        "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { node { id } } }",
        json!({"i": {"url": receiver.url, "events": ["vendor.created"]}}),
    )
    .await;
    send(&app, "alice", "order-42", "Acme").await;
    send(&app, "alice", "order-42", "Acme").await;
    assert_eq!(receiver.until(1, 10).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        receiver.received.lock().unwrap().len(),
        1,
        "one change, one event"
    );
}

#[tokio::test]
async fn the_same_key_with_another_body_or_a_bad_key_is_refused() {
    let app = spawn_app().await;
    send(&app, "alice", "order-42", "Acme").await;
    let (status, _, refused) = send(&app, "alice", "order-42", "Not Acme").await;
    assert_eq!(status, 422);
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "IDEMPOTENCY_KEY_REUSED"
    );
    let (status, _, bad) = send(&app, "alice", &"k".repeat(300), "Acme").await;
    assert_eq!(status, 400);
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(vendor_count(&app).await, 1, "nothing else was written");
}

/// A discovery batch of new machines: one transaction that takes a while to write.
fn slow_ingest(machines: usize) -> String {
    let records: Vec<Value> = (0..machines)
        .map(|i| {
            json!({"hostname": format!("rack-host-{i}"), "class": "SERVER",
                   "serialNumber": format!("SN-{i:06}"), "manufacturer": "Dell"})
        })
        .collect();
    json!({
        "query": "mutation($i: IngestDiscoveryInput!) { ingestDiscovery(input: $i) { report { created } } }",
        "variables": {"i": {"source": "scan", "records": records}},
    })
    .to_string()
}

/// Sends a POST on a connection of its own and closes it after `patience`, answered or not.
async fn post_and_hang_up(app: &TestApp, secret: &str, key: &str, body: &str, patience: Duration) {
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {secret}\r\n\
         Idempotency-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        app.addr,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    tokio::time::sleep(patience).await;
    drop(stream);
}

async fn post_with_key(
    app: &TestApp,
    secret: &str,
    key: &str,
    body: &str,
) -> (u16, Option<String>, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(secret)
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("idempotency-replayed")
        .map(|v| v.to_str().unwrap().to_string());
    (status, replayed, response.json().await.unwrap())
}

#[tokio::test]
async fn a_client_gone_mid_request_leaves_its_retry_a_prompt_definite_answer() {
    let app = spawn_app().await;
    let secret = app.token("alice", Role::Admin).await;
    // Three hundred new machines take seconds to write; half a second in, the request is
    // running, and the client hangs up.
    let body = slow_ingest(300);
    post_and_hang_up(&app, &secret, "scan-7", &body, Duration::from_millis(500)).await;

    // Whether that change was made is unknown: retries say so at once, every time, and
    // never run it again.
    for _ in 0..2 {
        let (status, _, answer) = tokio::time::timeout(
            Duration::from_secs(5),
            post_with_key(&app, &secret, "scan-7", &body),
        )
        .await
        .expect("a retry is not held up");
        assert_eq!(status, 409, "{answer}");
        assert_eq!(
            answer["errors"][0]["extensions"]["code"],
            "IDEMPOTENCY_IN_DOUBT"
        );
    }
    // Other keys are served as ever.
    let (status, replayed, created) = send(&app, "alice", "order-8", "Acme").await;
    assert_eq!((status, replayed), (200, None));
    assert!(
        created["data"]["createVendor"]["node"]["id"].is_string(),
        "{created}"
    );
}
