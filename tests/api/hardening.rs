//! Hostile requests: every attack document refused quickly with a code while others are
//! served, batches capped, per-token rate limits, read timeouts, CORS, introspection switch,
//! random documents never crashing the server, and tricky strings kept byte for byte.

use std::time::{Duration, Instant};

use assetgraph::api::Limits;
use assetgraph::domain::access::Role;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fixture, options, server_input, spawn_app, spawn_app_with_options};

async fn app_with(limits: Limits) -> TestApp {
    let mut options = options("mem://", false);
    options.limits = limits;
    spawn_app_with_options(options).await
}

/// Sends a raw JSON body; returns the status and the parsed answer (null if not JSON).
async fn send(app: &TestApp, body: String) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn query_body(query: &str) -> String {
    json!({"query": query}).to_string()
}

#[tokio::test]
async fn attack_documents_are_refused_quickly_while_a_normal_query_is_served() {
    let app = spawn_app().await;
    let depth = format!("{}{}", "{ me ".repeat(10_000), "}".repeat(10_000));
    // Unclosed, so the million brackets fit within the body limit.
    let brackets = format!("{{ assets(first: {}", "[".repeat(1_000_000));
    let aliases: String = (0..10_000)
        .map(|i| format!("a{i}: me {{ name }} "))
        .collect();
    let mut fragments = String::from("query { ...F0 }\n");
    for i in 0..30 {
        fragments.push_str(&format!(
            "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
            i + 1,
            i + 1
        ));
    }
    fragments.push_str("fragment F30 on Query { me { name } }\n");
    let batch: Vec<Value> = (0..1000)
        .map(|_| json!({"query": "{ me { name } }"}))
        .collect();
    let attacks: Vec<(&str, String, u16, &str)> = vec![
        ("depth 10,000", query_body(&depth), 400, "nesting"),
        (
            "[ nested a million deep",
            query_body(&brackets),
            400,
            "nesting",
        ),
        (
            "10,000 aliases",
            query_body(&format!("{{ {aliases} }}")),
            400,
            "aliases",
        ),
        (
            "30 fragments spreading twice",
            query_body(&fragments),
            400,
            "fields",
        ),
        (
            "a batch of 1,000",
            Value::Array(batch).to_string(),
            400,
            "batch",
        ),
        (
            "first: 99999999",
            query_body("{ assets(first: 99999999) { edges { node { id name } } } }"),
            400,
            "complexity",
        ),
        (
            "directives",
            query_body(&format!(
                "{{ {} }}",
                "me @skip(if: false) { name } ".repeat(60)
            )),
            400,
            "directives",
        ),
    ];
    for (what, body, status, limit) in attacks {
        let started = Instant::now();
        let (refused, normal) = tokio::join!(
            send(&app, body),
            app.post("{ assets { totalCount } }", json!({}))
        );
        let took = started.elapsed();
        assert_eq!(refused.0, status, "{what}: {}", refused.1);
        assert_eq!(
            refused.1["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
            "{what}"
        );
        assert_eq!(
            refused.1["errors"][0]["extensions"]["limit"], limit,
            "{what}"
        );
        assert!(took < Duration::from_secs(5), "{what} took {took:?}");
        println!("{what}: refused in {took:?}, a normal query served meanwhile");
        assert_eq!(
            normal["data"]["assets"]["totalCount"], 0,
            "{what}: {normal}"
        );
    }
    // 10 MiB: refused from its declared length, before it is read.
    let started = Instant::now();
    let (status, _) = send(&app, format!("{{\"query\": \"{}\"}}", "a".repeat(10 << 20))).await;
    assert_eq!(status, 413);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        app.data("{ me { name } }", json!({})).await["me"]["name"],
        "tester"
    );
}

#[tokio::test]
async fn a_small_batch_runs_each_operation_in_order() {
    let app = spawn_app().await;
    let batch = json!([
        {"query": "mutation { createVendor(input: {name: \"A\"}) { node { name } } }"},
        {"query": "{ vendors { totalCount } }"},
        {"query": "{ noSuchField }"},
    ]);
    let (status, answers) = send(&app, batch.to_string()).await;
    assert_eq!(status, 200, "{answers}");
    assert_eq!(answers[0]["data"]["createVendor"]["node"]["name"], "A");
    assert_eq!(answers[1]["data"]["vendors"]["totalCount"], 1);
    assert_eq!(
        answers[2]["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn each_token_is_rate_limited_by_what_its_queries_cost() {
    let app = app_with(Limits {
        rate_per_second: 1,
        rate_burst: 100,
        ..Limits::default()
    })
    .await;
    let dear = query_body("{ assets(first: 50) { edges { node { id } } } }");
    let (first, _) = send(&app, dear.clone()).await;
    assert_eq!(first, 200);
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(dear)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=100).contains(&wait), "retry after {wait} s");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    // Another token has its own budget.
    let other = app.token("other", Role::Viewer).await;
    let served = app.post_with(&other, "{ me { name } }", json!({})).await;
    assert_eq!(served["data"]["me"]["name"], "other");
}

#[tokio::test]
async fn slow_reads_are_cut_off_but_writes_are_not() {
    let app = app_with(Limits {
        timeout: Duration::from_nanos(1),
        ..Limits::default()
    })
    .await;
    let f = fixture(&app).await;
    app.create("Asset", server_input(&f, "AG-1")).await;
    // Related records come through a loader, which waits a moment to batch: never instant.
    let (status, body) = send(
        &app,
        query_body("{ assets { edges { node { location { name } vendor { name } } } } }"),
    )
    .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT");
    let (status, body) = send(
        &app,
        query_body("mutation { createVendor(input: {name: \"Kept\"}) { node { name } } }"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["createVendor"]["node"]["name"], "Kept");
}

#[tokio::test]
async fn cross_origin_calls_only_from_listed_origins() {
    let preflight = |app: &TestApp, origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let closed = spawn_app().await;
    let answer = preflight(&closed, "https://dash.example.com")
        .await
        .unwrap();
    assert!(!answer.headers().contains_key("access-control-allow-origin"));
    let open = app_with(Limits {
        cors_origins: vec!["https://dash.example.com".into()],
        ..Limits::default()
    })
    .await;
    let answer = preflight(&open, "https://dash.example.com").await.unwrap();
    assert_eq!(
        answer.headers()["access-control-allow-origin"],
        "https://dash.example.com"
    );
    let answer = preflight(&open, "https://evil.example.net").await.unwrap();
    assert!(!answer.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn introspection_can_be_switched_off() {
    let on = spawn_app().await;
    let schema = on
        .data("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(schema["__schema"]["queryType"]["name"], "Query");
    let off = app_with(Limits {
        introspection: false,
        ..Limits::default()
    })
    .await;
    let refused = off
        .post("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(refused["data"]["__schema"], Value::Null, "{refused}");
}

#[tokio::test]
async fn random_documents_never_crash_the_server() {
    let app = spawn_app().await;
    let pieces = proptest::sample::select(vec![
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "...",
        "on",
        "query",
        "mutation",
        "subscription",
        "fragment",
        "me",
        "name",
        "assets",
        "first:",
        "1",
        "99999999",
        "$x",
        "\"",
        "\"\"\"",
        "#",
        ":",
        "@skip",
        "@include(if: true)",
        "__schema",
        "__typename",
        "node(id: \"x\")",
        "\\u0000",
        ",",
        "!",
        "createVendor(input: {name: \"q\"})",
        "{ id }",
        "a:",
    ]);
    let documents = proptest::collection::vec(pieces, 0..40).prop_map(|parts| parts.join(" "));
    let mut runner = TestRunner::deterministic();
    for _ in 0..300 {
        let document = documents.new_tree(&mut runner).unwrap().current();
        let (status, body) = send(&app, query_body(&document)).await;
        assert!(
            [200, 400].contains(&status),
            "{document:?} → {status} {body}"
        );
        assert!(
            body.get("data").is_some() || body["errors"].is_array(),
            "{document:?}: {body}"
        );
    }
    assert_eq!(
        app.data("{ me { name } }", json!({})).await["me"]["name"],
        "tester"
    );
}

#[tokio::test]
async fn tricky_strings_round_trip_byte_for_byte_or_are_refused_with_a_code() {
    let app = spawn_app().await;
    let characters = proptest::sample::select(vec![
        'a', 'Z', '0', ' ', '"', '\'', ';', '`', '$', '\\', '{', '}', '\u{0}', '\u{200F}',
        '\u{202E}', 'é', '漢', '🙂', '<', '>', '&', '%', '\n',
    ]);
    let strings = proptest::collection::vec(characters, 1..40)
        .prop_map(|chars| chars.into_iter().collect::<String>());
    let mut runner = TestRunner::deterministic();
    const CREATE: &str = "mutation($i: CreateVendorInput!) { createVendor(input: $i) { node { id name } userErrors { field code } } }";
    for n in 0..150 {
        let raw = strings.new_tree(&mut runner).unwrap().current();
        // Names are trimmed; a unique suffix keeps them apart.
        let name = format!("{} #{n}", raw.trim());
        let payload = app.data(CREATE, json!({"i": {"name": name}})).await["createVendor"].clone();
        if name.chars().any(|c| c.is_control() && c != '\n') {
            assert_eq!(
                payload["userErrors"][0]["code"], "INVALID",
                "{name:?}: {payload}"
            );
            continue;
        }
        assert_eq!(payload["userErrors"], json!([]), "{name:?}: {payload}");
        let id = payload["node"]["id"].clone();
        let read = app
            .data(
                "query($id: ID!) { vendor(id: $id) { name } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(
            read["vendor"]["name"].as_str(),
            Some(name.as_str()),
            "{name:?}"
        );
    }
}
