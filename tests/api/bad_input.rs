//! Every kind of bad input gets a clear error with a code, and the store is left exactly as it was.

use serde_json::{Value, json};

use crate::helpers::{TestApp, codes, error_code, fixture, server_input, spawn_app};

/// Runs a mutation that must be refused with `code` at `field`, and checks nothing changed.
async fn refused(
    app: &TestApp,
    name: &str,
    input_type: &str,
    input: Value,
    field: &str,
    code: &str,
) {
    let before = app.snapshot().await;
    let payload = app.mutate(name, input_type, "node { id }", input).await;
    assert_eq!(
        payload["node"],
        json!(null),
        "{name} should have been refused: {payload}"
    );
    let errors = payload["userErrors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e["field"] == field
            && e["code"] == code
            && !e["message"].as_str().unwrap().is_empty()),
        "{name}: expected {code} at {field}, got {payload}"
    );
    assert_eq!(
        app.snapshot().await,
        before,
        "{name} changed the store although it was refused"
    );
}

fn with(mut input: Value, key: &str, value: Value) -> Value {
    input[key] = value;
    input
}

#[tokio::test]
async fn invalid_asset_fields_are_refused() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let base = server_input(&f, "AG-1");
    let cases = [
        (with(base.clone(), "name", json!("   ")), "name", "REQUIRED"),
        (
            with(base.clone(), "assetTag", json!("x".repeat(201))),
            "assetTag",
            "TOO_LONG",
        ),
        (
            with(
                base.clone(),
                "purchase",
                json!({"cost": {"amount": "-1.00", "currency": "EUR"}}),
            ),
            "purchase.cost.amount",
            "NEGATIVE",
        ),
        (
            with(
                base.clone(),
                "purchase",
                json!({"cost": {"amount": "12,5", "currency": "EUR"}}),
            ),
            "purchase.cost.amount",
            "INVALID",
        ),
        (
            with(
                base.clone(),
                "purchase",
                json!({"cost": {"amount": "10", "currency": "EUX"}}),
            ),
            "purchase.cost.currency",
            "UNKNOWN_CURRENCY",
        ),
        (
            with(base.clone(), "warrantyEnd", json!("2020-01-01")),
            "warrantyEnd",
            "INVALID",
        ),
        (
            with(
                base.clone(),
                "owner",
                json!({"team": f.team, "person": f.person}),
            ),
            "owner",
            "INVALID",
        ),
        (
            with(base.clone(), "owner", json!({"team": f.person})),
            "owner.team",
            "INVALID",
        ),
        (
            with(base.clone(), "location", json!("bm90LWFuLWlk")),
            "location",
            "INVALID",
        ),
        (
            with(base.clone(), "attributes", json!([1, 2])),
            "attributes",
            "INVALID",
        ),
        (
            with(
                base.clone(),
                "externalIds",
                json!([{"source": "sccm", "key": "1"}, {"source": "sccm", "key": "2"}]),
            ),
            "externalIds[1].source",
            "INVALID",
        ),
        (
            with(
                with(base.clone(), "manufacturer", json!(null)),
                "serialNumber",
                json!("S1"),
            ),
            "manufacturer",
            "REQUIRED",
        ),
    ];
    for (input, field, code) in cases {
        refused(&app, "createAsset", "CreateAssetInput", input, field, code).await;
    }
}

#[tokio::test]
async fn references_to_missing_entities_are_refused() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let team = app.create("Team", json!({"name": "Doomed"})).await;
    app.mutate(
        "deleteTeam",
        "DeleteInput",
        "deletedId",
        json!({"id": team}),
    )
    .await;
    let input = with(server_input(&f, "AG-1"), "owner", json!({"team": team}));
    refused(
        &app,
        "createAsset",
        "CreateAssetInput",
        input,
        "owner.team",
        "NOT_FOUND",
    )
    .await;
    refused(
        &app,
        "createPerson",
        "CreatePersonInput",
        json!({"name": "X", "email": "x@example.com", "team": team}),
        "team",
        "NOT_FOUND",
    )
    .await;
}

#[tokio::test]
async fn duplicates_and_stale_versions_conflict() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let first = app.create("Asset", server_input(&f, "AG-1")).await;
    let same_tag = with(server_input(&f, "AG-2"), "assetTag", json!("AG-1"));
    refused(
        &app,
        "createAsset",
        "CreateAssetInput",
        same_tag,
        "assetTag",
        "CONFLICT",
    )
    .await;
    let same_serial = with(server_input(&f, "AG-3"), "serialNumber", json!("SN-AG-1"));
    refused(
        &app,
        "createAsset",
        "CreateAssetInput",
        same_serial,
        "serialNumber",
        "CONFLICT",
    )
    .await;
    let same_external = with(
        server_input(&f, "AG-4"),
        "externalIds",
        json!([{"source": "sccm", "key": "SCCM-AG-1"}]),
    );
    refused(
        &app,
        "createAsset",
        "CreateAssetInput",
        same_external,
        "externalIds",
        "CONFLICT",
    )
    .await;
    // The same serial from another manufacturer is a different asset.
    let other_maker = with(
        with(server_input(&f, "AG-5"), "serialNumber", json!("SN-AG-1")),
        "manufacturer",
        json!("HPE"),
    );
    app.create("Asset", other_maker).await;

    app.mutate(
        "updateAsset",
        "UpdateAssetInput",
        "node { id }",
        json!({"id": first, "name": "renamed"}),
    )
    .await;
    refused(
        &app,
        "updateAsset",
        "UpdateAssetInput",
        json!({"id": first, "expectedVersion": 1, "name": "stale"}),
        "expectedVersion",
        "CONFLICT",
    )
    .await;
    refused(
        &app,
        "createPerson",
        "CreatePersonInput",
        json!({"name": "Ada 2", "email": "ADA@example.com"}),
        "email",
        "CONFLICT",
    )
    .await;
    refused(
        &app,
        "createTeam",
        "CreateTeamInput",
        json!({"name": "IT Infrastructure"}),
        "name",
        "CONFLICT",
    )
    .await;
    // Values that look like our internal markers are just values.
    app.create("Team", json!({"name": "ag-stale-version"}))
        .await;
    refused(
        &app,
        "createTeam",
        "CreateTeamInput",
        json!({"name": "ag-stale-version"}),
        "name",
        "CONFLICT",
    )
    .await;
    // Serials are unique per manufacturer whatever its case; separators inside values cannot collide.
    let shouting = with(
        with(server_input(&f, "AG-6"), "serialNumber", json!("SN-AG-1")),
        "manufacturer",
        json!("DELL"),
    );
    refused(
        &app,
        "createAsset",
        "CreateAssetInput",
        shouting,
        "serialNumber",
        "CONFLICT",
    )
    .await;
    let piped = with(
        with(server_input(&f, "AG-7"), "manufacturer", json!("A|B")),
        "serialNumber",
        json!("C"),
    );
    app.create("Asset", piped).await;
    let repiped = with(
        with(server_input(&f, "AG-8"), "manufacturer", json!("A")),
        "serialNumber",
        json!("B|C"),
    );
    app.create("Asset", repiped).await;

    let stale_delete = app
        .mutate(
            "deleteAsset",
            "DeleteInput",
            "deletedId",
            json!({"id": first, "expectedVersion": 1}),
        )
        .await;
    assert_eq!(codes(&stale_delete), ["CONFLICT"]);
}

#[tokio::test]
async fn hierarchies_cannot_become_cycles() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let rack = app
        .create(
            "Location",
            json!({"name": "Rack A1", "kind": "RACK", "parent": f.room}),
        )
        .await;
    refused(
        &app,
        "updateLocation",
        "UpdateLocationInput",
        json!({"id": f.site, "parent": rack, "kind": "ROOM"}),
        "parent",
        "CYCLE",
    )
    .await;
    refused(
        &app,
        "updateLocation",
        "UpdateLocationInput",
        json!({"id": f.site, "parent": f.site}),
        "parent",
        "CYCLE",
    )
    .await;
    refused(
        &app,
        "createLocation",
        "CreateLocationInput",
        json!({"name": "Room in a rack", "kind": "ROOM", "parent": rack}),
        "parent",
        "INVALID",
    )
    .await;
    // A room holding a rack cannot become a rack itself.
    refused(
        &app,
        "updateLocation",
        "UpdateLocationInput",
        json!({"id": f.room, "kind": "RACK"}),
        "kind",
        "INVALID",
    )
    .await;
    let sub = app
        .create("Team", json!({"name": "Sub", "parent": f.team}))
        .await;
    refused(
        &app,
        "updateTeam",
        "UpdateTeamInput",
        json!({"id": f.team, "parent": sub}),
        "parent",
        "CYCLE",
    )
    .await;
    let report = app
        .create(
            "Person",
            json!({"name": "Bob", "email": "bob@example.com", "manager": f.person}),
        )
        .await;
    refused(
        &app,
        "updatePerson",
        "UpdatePersonInput",
        json!({"id": f.person, "manager": report}),
        "manager",
        "CYCLE",
    )
    .await;
}

#[tokio::test]
async fn unknown_targets_and_bad_ids_are_reported() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let asset = app.create("Asset", server_input(&f, "AG-1")).await;
    app.mutate(
        "deleteAsset",
        "DeleteInput",
        "deletedId",
        json!({"id": asset}),
    )
    .await;
    refused(
        &app,
        "updateAsset",
        "UpdateAssetInput",
        json!({"id": asset, "name": "ghost"}),
        "id",
        "NOT_FOUND",
    )
    .await;
    refused(
        &app,
        "updateAsset",
        "UpdateAssetInput",
        json!({"id": f.team, "name": "wrong kind"}),
        "id",
        "INVALID",
    )
    .await;
    let gone = app
        .mutate(
            "deleteAsset",
            "DeleteInput",
            "deletedId",
            json!({"id": asset}),
        )
        .await;
    assert_eq!(codes(&gone), ["NOT_FOUND"]);

    let wrong_kind = app
        .post(
            "query($id: ID!) { asset(id: $id) { id } }",
            json!({"id": f.team}),
        )
        .await;
    assert_eq!(error_code(&wrong_kind), "BAD_USER_INPUT");
    let garbage = app.post("{ node(id: \"%%%\") { id } }", json!({})).await;
    assert_eq!(error_code(&garbage), "BAD_USER_INPUT");
}

#[tokio::test]
async fn malformed_requests_get_coded_errors() {
    let app = spawn_app().await;
    let before = app.snapshot().await;
    let bad_json = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), 400);
    let body: Value = bad_json.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_REQUEST");

    let syntax = app
        .post("{ assets(first: 1 { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&syntax), "BAD_USER_INPUT");
    let unknown_field = app.post("{ assets { nope } }", json!({})).await;
    assert_eq!(error_code(&unknown_field), "BAD_USER_INPUT");
    let bad_date = app
        .post("mutation { createAsset(input: {name: \"x\", assetTag: \"x\", class: SERVER, warrantyEnd: \"2024-13-45\"}) { node { id } } }", json!({}))
        .await;
    assert_eq!(error_code(&bad_date), "BAD_USER_INPUT");
    let bad_enum = app.post("mutation { createAsset(input: {name: \"x\", assetTag: \"x\", class: TOASTER}) { node { id } } }", json!({})).await;
    assert_eq!(error_code(&bad_enum), "BAD_USER_INPUT");
    let too_many = app
        .post("{ assets(first: 501) { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&too_many), "BAD_USER_INPUT");
    let bad_cursor = app
        .post("{ assets(after: \"bogus\") { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&bad_cursor), "BAD_USER_INPUT");
    let negative = app
        .post("{ assets(first: -1) { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&negative), "BAD_USER_INPUT");
    let empty_text = app
        .post(
            "{ assets(filter: {text: \"  \"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&empty_text), "BAD_USER_INPUT");
    let bad_range = app
        .post(
            "{ assets(filter: {purchaseCost: {min: \"ten\"}}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad_range), "BAD_USER_INPUT");

    let get_mutation = app
        .client
        .get(app.url("/graphql"))
        .query(&[(
            "query",
            "mutation { createVendor(input: {name: \"Sneaky\"}) { node { id } } }",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(get_mutation.status(), 405);
    let too_big = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(vec![b' '; 2 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 413);
    assert_eq!(app.snapshot().await, before);
}
