//! The `Idempotency-Key` header: a retry with the same key and body returns the first answer and
//! changes nothing more; another body under the same key is refused; keys are per caller.

use serde_json::{Value, json};

use assetgraph::domain::access::Role;

use crate::helpers::{TestApp, spawn_app};

const CREATE: &str = "mutation($i: CreateVendorInput!) { createVendor(input: $i) { node { id } } }";

async fn send(app: &TestApp, actor: &str, key: &str, name: &str) -> (u16, Option<String>, Value) {
    let secret = app.token(actor, Role::Admin).await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(secret)
        .header("idempotency-key", key)
        .json(&json!({"query": CREATE, "variables": {"i": {"name": name}}}))
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
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
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
