//! Relation fields are batched: a page costs the same number of store queries whatever its size.

use serde_json::json;

use crate::helpers::{TestApp, spawn_demo_app};

const PAGE_WITH_RELATIONS: &str = "query($n: Int!) { assets(first: $n, filter: {category: [HARDWARE, MOBILE]}) { totalCount edges { node {
    name owner { ... on Team { name } ... on Person { name } } assignee { name team { name } } location { name parent { name } } model { name vendor { name } } vendor { name } } } } }";

/// Store queries needed to answer the page of `n` assets.
async fn round_trips_for(app: &TestApp, n: usize) -> u64 {
    let before = app.round_trips();
    let data = app.data(PAGE_WITH_RELATIONS, json!({"n": n})).await;
    let edges = data["assets"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), n);
    assert!(
        edges
            .iter()
            .filter(|e| !e["node"]["location"].is_null())
            .count()
            > n / 2,
        "the demo assets have locations"
    );
    assert!(
        edges
            .iter()
            .filter(|e| !e["node"]["model"].is_null())
            .count()
            > n / 2,
        "the demo assets have models"
    );
    app.round_trips() - before
}

#[tokio::test]
async fn a_page_of_assets_with_relations_costs_constant_round_trips() {
    let app = spawn_demo_app().await;
    let small = round_trips_for(&app, 5).await;
    let large = round_trips_for(&app, 100).await;
    let largest = round_trips_for(&app, 250).await;
    // One for the page and its count, then one per kind and level: teams and people (owners and
    // assignees), locations, models, vendors; then the assignees' teams, parent locations, model vendors.
    // A small page may need fewer queries (no personally owned asset on it, say), never more.
    assert!(
        small <= large && large <= 9,
        "5 assets took {small} store queries, 100 took {large}"
    );
    assert_eq!(large, largest, "the cost must not grow with the page size");
}
