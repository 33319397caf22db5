//! The register's lists in memory: keyset paging under concurrent writes, reverse lists and
//! counts that follow every change at once, `verifyProjections`, and refused cursors.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, fixture, server_input, spawn_app};
use crate::relations::relate;

const PAGE: &str = "query($after: String) { assets(first: 7, after: $after, orderBy: {field: NAME}) { totalCount pageInfo { hasNextPage endCursor } edges { node { id name } } } }";

async fn named(app: &TestApp, name: &str) -> String {
    app.create(
        "Asset",
        json!({"name": name, "assetTag": name, "class": "SERVER"}),
    )
    .await
}

/// Creates assets sorting first and last and deletes them again, until told to stop.
async fn churn(
    client: reqwest::Client,
    url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> usize {
    let create = "mutation($i: CreateAssetInput!) { createAsset(input: $i) { node { id } } }";
    let delete = "mutation($i: DeleteInput!) { deleteAsset(input: $i) { deletedId } }";
    let mut rounds = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        for name in [format!("a-{rounds:03}"), format!("z-{rounds:03}")] {
            let made: Value = client
                .post(&url)
                .json(&json!({"query": create, "variables": {"i": {"name": name, "assetTag": name, "class": "SERVER"}}}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = made["data"]["createAsset"]["node"]["id"].clone();
            if rounds % 2 == 0 {
                client
                    .post(&url)
                    .json(&json!({"query": delete, "variables": {"i": {"id": id}}}))
                    .send()
                    .await
                    .unwrap();
            }
        }
        rounds += 1;
    }
    rounds
}

#[tokio::test]
async fn keyset_paging_visits_every_asset_once_while_others_come_and_go() {
    let app = spawn_app().await;
    let mut steady = HashSet::new();
    for i in 0..40 {
        steady.insert(named(&app, &format!("m-{i:02}")).await);
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = tokio::spawn(churn(app.client.clone(), app.url("/graphql"), stop.clone()));
    let mut seen: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app.data(PAGE, json!({"after": after})).await;
        let list = &page["assets"];
        seen.extend(
            list["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_string()),
        );
        // Let the writer get some changes in between pages.
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        if list["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = list["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let rounds = writer.await.unwrap();
    assert!(rounds > 2, "the writer ran alongside ({rounds} rounds)");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an asset came twice: {seen:?}");
    let missed: Vec<&String> = steady.iter().filter(|id| !unique.contains(id)).collect();
    assert!(
        missed.is_empty(),
        "assets present throughout were skipped: {missed:?}"
    );
}

#[tokio::test]
async fn reverse_lists_and_counts_follow_every_change_at_once() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let host = app.create("Asset", server_input(&f, "HOST-1")).await;
    let web = app
        .create(
            "Asset",
            json!({"name": "web", "assetTag": "WEB-1", "class": "SOFTWARE_APPLICATION"}),
        )
        .await;
    let counts = "query($h: ID!, $w: ID!, $t: ID!) { host: asset(id: $h) { dependents { totalCount edges { node { id } } } relationships { totalCount } } web: asset(id: $w) { dependencies(first: 1) { totalCount edges { node { id } } } } team(id: $t) { ownedAssets { totalCount } } }";
    let vars = json!({"h": host, "w": web, "t": f.team});
    let before = app.data(counts, vars.clone()).await;
    assert_eq!(before["host"]["dependents"]["totalCount"], 0);
    assert_eq!(before["team"]["ownedAssets"]["totalCount"], 1);

    let edge = relate(
        &app,
        json!({"source": web, "target": host, "type": "RUNS_ON"}),
    )
    .await;
    assert_eq!(edge["userErrors"], json!([]), "{edge}");
    let team_web = app
        .mutate(
            "updateAsset",
            "UpdateAssetInput",
            "node { id }",
            json!({"id": web, "owner": {"team": f.team}}),
        )
        .await;
    assert_eq!(team_web["userErrors"], json!([]), "{team_web}");
    let after = app.data(counts, vars.clone()).await;
    assert_eq!(after["host"]["dependents"]["totalCount"], 1);
    assert_eq!(after["host"]["dependents"]["edges"][0]["node"]["id"], web);
    assert_eq!(after["host"]["relationships"]["totalCount"], 1);
    assert_eq!(after["web"]["dependencies"]["edges"][0]["node"]["id"], host);
    assert_eq!(after["team"]["ownedAssets"]["totalCount"], 2);

    let id = edge["node"]["id"].as_str().unwrap();
    app.mutate("unrelate", "DeleteInput", "deletedId", json!({"id": id}))
        .await;
    let removed = app.data(counts, vars).await;
    assert_eq!(removed["host"]["dependents"]["totalCount"], 0);
    assert_eq!(removed["web"]["dependencies"]["totalCount"], 0);
    assert_eq!(removed["host"]["relationships"]["totalCount"], 0);
}

#[tokio::test]
async fn verify_reports_a_projection_that_strayed_from_the_store() {
    let app = spawn_app().await;
    let id = named(&app, "honest").await;
    let verify = "{ verifyProjections { projection entity problem } }";
    assert_eq!(
        app.data(verify, json!({})).await["verifyProjections"],
        json!([])
    );

    // Someone changes the store behind the server's back.
    let key = crate::listing::store_key(&id);
    let store = app.readiness.get().expect("ready").store().clone();
    store
        .run(
            &format!("UPDATE asset:`{key}` SET name = 'tampered', version = 1"),
            Default::default(),
        )
        .await
        .expect("the store takes the change");
    let found = app.data(verify, json!({})).await["verifyProjections"].clone();
    assert_eq!(
        found,
        json!([
            {"projection": "Asset list", "entity": key, "problem": "name differs"},
            {"projection": "Asset list", "entity": key, "problem": "searched text differs"},
        ]),
    );
}

#[tokio::test]
async fn foreign_malformed_and_negative_paging_is_refused() {
    let app = spawn_app().await;
    for i in 0..3 {
        named(&app, &format!("a{i}")).await;
    }
    app.create("Person", json!({"name": "Ada", "email": "ada@example.com"}))
        .await;
    let people = app
        .data("{ people(first: 1) { pageInfo { endCursor } } }", json!({}))
        .await;
    let foreign = people["people"]["pageInfo"]["endCursor"].clone();
    let asset_page = "query($after: String, $first: Int) { assets(first: $first, after: $after) { totalCount } }";
    let refused: Vec<(Value, &str)> = vec![
        (
            json!({"after": foreign, "first": 2}),
            "a cursor of another list",
        ),
        (
            json!({"after": "bm90LWEtY3Vyc29y", "first": 2}),
            "a made-up cursor",
        ),
        (json!({"after": null, "first": -1}), "a negative first"),
        (
            json!({"after": "cG9zOjE", "first": 2}),
            "an offset cursor on a register list",
        ),
    ];
    let before = app.snapshot().await;
    for (vars, what) in refused {
        let answer = app.post(asset_page, vars).await;
        assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{what}: {answer}");
    }
    assert_eq!(app.snapshot().await, before);
}
