//! Webhooks: signed deliveries to a receiver on loopback, retried after 500s and logged; events
//! and filters decide who hears what; bad webhooks are refused with nothing written.

use serde_json::{Value, json};

use crate::helpers::{TestApp, codes, spawn_app};
use crate::receiver::{Receiver, verify};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn hook(app: &TestApp, input: Value) -> Value {
    let query = "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret node { id events active history { edges { node { changes { field after } } } } } userErrors { field code } } }";
    app.data(query, json!({"input": input})).await["createWebhook"].clone()
}

async fn deliveries(app: &TestApp, webhook: &str) -> Vec<Value> {
    let query = "query($id: ID!) { webhook(id: $id) { deliveries { eventId eventType status attempts { statusCode } body } } }";
    app.data(query, json!({"id": webhook})).await["webhook"]["deliveries"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn deliveries_are_signed_retried_after_500s_and_logged() {
    let app = spawn_app().await;
    let receiver = Receiver::start(0, 2);
    let created = hook(
        &app,
        json!({"url": receiver.url, "events": ["asset.*"], "secret": SECRET}),
    )
    .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    assert_eq!(created["secret"], SECRET, "shown once, at creation");
    let changes = &created["node"]["history"]["edges"][0]["node"]["changes"];
    let secret = changes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "secret")
        .unwrap();
    assert_eq!(secret["after"], "(redacted)", "never in the audit trail");
    let webhook = created["node"]["id"].as_str().unwrap().to_string();

    let asset = app
        .create(
            "Asset",
            json!({"name": "sw", "assetTag": "W-1", "class": "SWITCH"}),
        )
        .await;
    let got = receiver.until(3, 15).await;
    assert_eq!(got.len(), 3, "two 500s, then a success: {got:?}");
    let ids: Vec<&String> = got.iter().map(|r| &r.headers["webhook-id"]).collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one event id on every attempt"
    );
    for request in &got {
        assert!(verify(SECRET, request), "bad signature on {request:?}");
        assert!(!verify("whsec_c29tZXRoaW5nIGVsc2UgZW50aXJlbHk=", request));
    }
    let event: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(event["type"], "asset.created");
    assert_eq!(event["id"].as_str(), Some(ids[0].as_str()));
    assert_eq!(event["data"]["actor"], "tester");
    let global: Value = app
        .data(
            "query($id: ID!) { asset(id: $id) { assetTag } }",
            json!({"id": asset}),
        )
        .await;
    assert_eq!(global["asset"]["assetTag"], "W-1");

    let log = deliveries(&app, &webhook).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "DELIVERED");
    assert_eq!(
        log[0]["attempts"],
        json!([{"statusCode": 500}, {"statusCode": 500}, {"statusCode": 204}])
    );
}

#[tokio::test]
async fn events_and_filters_decide_who_hears_what() {
    let app = spawn_app().await;
    let receiver = Receiver::start(0, 0);
    let tickets = hook(
        &app,
        json!({"url": receiver.url, "events": ["ticket.created"]}),
    )
    .await;
    assert!(
        tickets["secret"].as_str().unwrap().starts_with("whsec_"),
        "a secret is made when none is given"
    );
    let asset = app
        .create(
            "Asset",
            json!({"name": "sw", "assetTag": "W-1", "class": "SWITCH"}),
        )
        .await;
    let names = hook(
        &app,
        json!({"url": receiver.url, "events": ["asset.updated"], "filter": {"entities": [asset], "fields": ["name"]}}),
    )
    .await;
    let names_id = names["node"]["id"].as_str().unwrap().to_string();
    let update = |input: Value| {
        let app = &app;
        async move {
            app.mutate("updateAsset", "UpdateAssetInput", "node { version }", input)
                .await
        }
    };
    update(json!({"id": asset, "notes": "not a name change"})).await;
    update(json!({"id": asset, "name": "core switch"})).await;
    app.data(
        "mutation($input: UpsertTicketInput!) { upsertTicket(input: $input) { node { id } } }",
        json!({"input": {"system": "jira", "key": "INC-1", "kind": "INCIDENT", "status": "OPEN", "summary": "down"}}),
    )
    .await;
    let got = receiver.until(2, 10).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let got_all = receiver.received.lock().unwrap().clone();
    assert_eq!(got_all.len(), 2, "{got:?}");
    let mut types: Vec<String> = got_all
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    types.sort();
    assert_eq!(types, ["asset.updated", "ticket.created"]);
    let log = deliveries(&app, &names_id).await;
    let body: Value = serde_json::from_str(log[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["data"]["changes"][0]["field"], "name");

    // Switched off, it hears nothing more.
    let off = app
        .mutate(
            "updateWebhook",
            "UpdateWebhookInput",
            "node { active }",
            json!({"id": names_id, "active": false}),
        )
        .await;
    assert_eq!(off["node"]["active"], false);
    update(json!({"id": asset, "name": "edge switch"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(receiver.received.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_webhooks_are_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let refused = hook(
        &app,
        json!({"url": "ftp://hooks.example.com/in", "events": ["asset.*"]}),
    )
    .await;
    assert_eq!(codes(&refused), ["INVALID"]);
    assert_eq!(refused["userErrors"][0]["field"], "url");
    assert_eq!(refused["secret"], Value::Null);
    let unknown = hook(
        &app,
        json!({"url": "https://hooks.example.com/in", "events": ["asset.renamed"]}),
    )
    .await;
    assert_eq!(unknown["userErrors"][0]["field"], "events.0");
    let bad_entity = hook(
        &app,
        json!({"url": "https://hooks.example.com/in", "events": ["*"], "filter": {"entities": ["%%%"]}}),
    )
    .await;
    assert_eq!(bad_entity["userErrors"][0]["field"], "entities.0");
    let listed = app.data("{ webhooks { id } }", json!({})).await;
    assert_eq!(listed["webhooks"], json!([]));
}
