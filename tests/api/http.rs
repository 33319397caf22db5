//! The HTTP surface: probes, GraphiQL, GET queries, and the committed schema matching the code.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn probes_graphiql_and_get_queries() {
    let app = spawn_app().await;
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let page = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("graphiql"), "GraphiQL page expected");
    let get: Value = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query($n: Int) { assets(first: $n) { totalCount } }",
            ),
            ("variables", "{\"n\": 1}"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(get, json!({"data": {"assets": {"totalCount": 0}}}));
}

#[tokio::test]
async fn health_is_served_before_the_store_is_reachable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Nothing listens on port 9 (discard); the store stays unreachable.
    let _readiness =
        assetgraph::api::spawn(listener, crate::helpers::options("ws://127.0.0.1:9", false));
    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = client
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    // Without the store no token can be checked: every GraphQL request is told to come back.
    for query in [
        "{ assets { totalCount } }",
        "{ node(id: \"QXNzZXQ6YQ\") { id } }",
        "{ __schema { queryType { name } } }",
    ] {
        let response = client
            .post(format!("http://{addr}/graphql"))
            .bearer_auth("agt_some-token-0000000000")
            .json(&json!({"query": query}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 503, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
    }
}

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/assetgraph.graphql"
    ))
    .unwrap_or_default();
    let current = assetgraph::api::sdl();
    if committed != current {
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/schema/assetgraph.graphql"),
                &current,
            )
            .unwrap();
        } else {
            panic!(
                "schema/assetgraph.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test committed_schema` and commit it"
            );
        }
    }
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = spawn_app().await;
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", content_type)
            .body(r#"{"query": "mutation { createVendor(input: {name: \"x\"}) { node { id } } }"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415, "{content_type}");
    }
    let vendors = app.data("{ vendors { totalCount } }", json!({})).await;
    assert_eq!(
        vendors["vendors"]["totalCount"], 0,
        "no cross-site post got through"
    );
}

#[tokio::test]
async fn documents_that_cannot_run_answer_400_in_the_graphql_response_type() {
    let app = spawn_app().await;
    for query in [
        "{ assets { totalCount ",
        "{ noSuchField }",
        "mutation { createVendor }",
    ] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({"query": query}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
        assert_eq!(
            response.headers()["content-type"],
            "application/graphql-response+json"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
    }
    // A document that runs answers 200, even when a field fails.
    let ran = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({"query": "{ asset(id: \"bm9wZQ\") { name } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ran.status(), 200);
}
