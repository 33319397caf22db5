//! Webhooks: signed deliveries to a receiver on loopback, retried after 500s and logged; events
//! and filters decide who hears what; bad webhooks are refused with nothing written.

use serde_json::{Value, json};

use crate::helpers::{Names, TestApp, codes, options, spawn_app, spawn_app_with_options, targets};
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
    assert_eq!(event["data"]["entityId"], asset, "the API's global id");
    assert!(event["data"]["entityKey"].is_string());
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

/// A server whose webhooks may reach only public addresses and what `allow` names, resolving
/// host names from `names`.
async fn guarded_app(allow: &[&str], names: &Names) -> TestApp {
    let mut options = options("mem://", false);
    options.webhook_targets = targets(allow, names);
    spawn_app_with_options(options).await
}

#[tokio::test]
async fn webhooks_to_reserved_addresses_are_refused_at_registration() {
    let names = Names::default();
    let ranges = [
        ("loopback.test", "127.0.0.1", "loopback"),
        ("loopback6.test", "::1", "loopback"),
        ("metadata.test", "169.254.169.254", "link-local"),
        ("linklocal6.test", "fe80::1", "link-local"),
        ("ten.test", "10.1.2.3", "private"),
        ("oneseventwo.test", "172.16.5.4", "private"),
        ("oneninetwo.test", "192.168.1.1", "private"),
        ("cgnat.test", "100.64.0.1", "private"),
        ("ula.test", "fd00::7", "private"),
        ("mapped.test", "::ffff:10.0.0.1", "private"),
        ("mapped-loopback.test", "::ffff:127.0.0.1", "loopback"),
        ("multicast.test", "224.0.0.251", "multicast"),
        ("multicast6.test", "ff02::1", "multicast"),
        ("zero.test", "0.0.0.0", "unspecified"),
        ("zero6.test", "::", "unspecified"),
    ];
    for (host, address, _) in ranges {
        names.set(host, &[address]);
    }
    // One private address among public ones is enough: the connection may use any of them.
    names.set("mixed.test", &["93.184.216.34", "192.168.0.9"]);
    let app = guarded_app(&[], &names).await;
    let mut cases: Vec<(String, &str)> = ranges
        .iter()
        .map(|(host, _, range)| (format!("https://{host}/hook"), *range))
        .collect();
    cases.push(("https://mixed.test/hook".into(), "private"));
    for (literal, range) in [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://127.0.0.1:8080/", "loopback"),
        ("http://[::ffff:127.0.0.1]:9000/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0:8080/", "unspecified"),
        ("http://10.0.0.1/", "private"),
    ] {
        cases.push((literal.to_string(), range));
    }
    for (url, range) in &cases {
        let refused = hook(&app, json!({"url": url, "events": ["asset.*"]})).await;
        assert_eq!(codes(&refused), ["NOT_ALLOWED"], "{url}: {refused}");
        assert_eq!(refused["userErrors"][0]["field"], "url");
        let message = app
            .data(
                "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { userErrors { message } } }",
                json!({"i": {"url": url, "events": ["asset.*"]}}),
            )
            .await["createWebhook"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.contains(&format!("a {range} address")),
            "{url}: {message}"
        );
    }
    let unknown = hook(
        &app,
        json!({"url": "https://nowhere.test/", "events": ["asset.*"]}),
    )
    .await;
    assert_eq!(codes(&unknown), ["INVALID"], "{unknown}");
    let listed = app.data("{ webhooks { id } }", json!({})).await;
    assert_eq!(listed["webhooks"], json!([]), "nothing was registered");
}

#[tokio::test]
async fn an_admin_may_allow_named_hosts_and_ranges() {
    let names = Names::default();
    names.set("hooks.internal.test", &["10.9.9.9"]);
    names.set("ranged.test", &["10.20.1.1"]);
    names.set("outside.test", &["10.21.0.1"]);
    let app = guarded_app(&["hooks.internal.test", "10.20.0.0/16"], &names).await;
    for url in [
        "https://hooks.internal.test/in",
        "https://ranged.test/in",
        "http://10.20.3.4/in",
    ] {
        let made = hook(&app, json!({"url": url, "events": ["ticket.created"]})).await;
        assert_eq!(made["userErrors"], json!([]), "{url}: {made}");
    }
    let refused = hook(
        &app,
        json!({"url": "https://outside.test/in", "events": ["ticket.created"]}),
    )
    .await;
    assert_eq!(codes(&refused), ["NOT_ALLOWED"]);
    // A new URL is vetted like a first one.
    let id = app.data("{ webhooks { id } }", json!({})).await["webhooks"][0]["id"].clone();
    let moved = app
        .data(
            "mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { userErrors { field code } } }",
            json!({"i": {"id": id, "url": "https://outside.test/in"}}),
        )
        .await;
    assert_eq!(
        moved["updateWebhook"]["userErrors"],
        json!([{"field": "url", "code": "NOT_ALLOWED"}])
    );
}

#[tokio::test]
async fn a_host_that_turns_private_after_registration_is_refused_at_delivery() {
    let names = Names::default();
    // Public when registered; the test turns it private before anything is owed, so no
    // request ever leaves for either address.
    names.set("rebind.test", &["93.184.216.34"]);
    let app = guarded_app(&[], &names).await;
    let made = hook(
        &app,
        json!({"url": "https://rebind.test/in", "events": ["asset.*"]}),
    )
    .await;
    assert_eq!(made["userErrors"], json!([]), "{made}");
    let webhook = made["node"]["id"].as_str().unwrap().to_string();
    names.set("rebind.test", &["10.0.0.5"]);
    app.create(
        "Asset",
        json!({"name": "sw", "assetTag": "R-1", "class": "SWITCH"}),
    )
    .await;
    let query = "query($id: ID!) { webhook(id: $id) { deliveries { status attempts { statusCode error } } } }";
    let mut attempts = json!([]);
    for _ in 0..100 {
        let log = app.data(query, json!({"id": webhook})).await;
        attempts = log["webhook"]["deliveries"][0]["attempts"].clone();
        if attempts.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let first = &attempts[0];
    assert_eq!(first["statusCode"], Value::Null, "{attempts}");
    let error = first["error"].as_str().unwrap();
    assert!(
        error.starts_with("target: ") && error.contains("a private address"),
        "{error}"
    );
    assert!(
        !error.contains("10.0.0.5"),
        "the address is not told: {error}"
    );
}

#[tokio::test]
async fn delivery_errors_say_what_kind_of_failure_it_was() {
    let app = spawn_app().await;
    // A loopback port nobody listens on (allowed in tests, as an admin could).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let made = hook(&app, json!({"url": url, "events": ["asset.*"]})).await;
    let webhook = made["node"]["id"].as_str().unwrap().to_string();
    app.create(
        "Asset",
        json!({"name": "sw", "assetTag": "C-1", "class": "SWITCH"}),
    )
    .await;
    let query =
        "query($id: ID!) { webhook(id: $id) { deliveries { attempts { statusCode error } } } }";
    for _ in 0..100 {
        let log = app.data(query, json!({"id": webhook})).await;
        if let Some(error) = log["webhook"]["deliveries"][0]["attempts"][0]["error"].as_str() {
            assert_eq!(error, "connect: the receiver could not be reached");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no attempt was logged");
}
