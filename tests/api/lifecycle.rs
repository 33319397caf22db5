//! The lifecycle over GraphQL: transitions and their required facts, retirement approvals,
//! custody and maintenance, and every refusal leaving the store unchanged.

use serde_json::{Value, json};

use crate::helpers::{Fixture, TestApp, codes, error_code, fixture, spawn_app};

const ASSET: &str = "node { id version lifecycleStage assignee { id } location { id } custody { holder { ... on Person { name } } expectedReturn overdue } disposal { method sanitisation { method } } }";

async fn laptop(app: &TestApp, tag: &str) -> String {
    app.create(
        "Asset",
        json!({"name": tag, "assetTag": tag, "class": "LAPTOP", "manufacturer": "Lenovo",
               "purchase": {"date": "2025-01-15", "cost": {"amount": "1500.00", "currency": "EUR"}}}),
    )
    .await
}

async fn transition(app: &TestApp, actor: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: TransitionAssetInput!) {{ transitionAsset(input: $input) {{ {ASSET} userErrors {{ field message code }} }} }}"
    );
    let response = app.post_as(actor, &query, json!({"input": input})).await;
    assert!(response.get("errors").is_none(), "{response}");
    response["data"]["transitionAsset"].clone()
}

async fn as_actor(
    app: &TestApp,
    actor: &str,
    name: &str,
    input_type: &str,
    selection: &str,
    input: Value,
) -> Value {
    let query = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} userErrors {{ field message code }} }} }}"
    );
    let response = app.post_as(actor, &query, json!({"input": input})).await;
    assert!(response.get("errors").is_none(), "{response}");
    response["data"][name].clone()
}

/// Runs a mutation that must be refused with `code`, and checks the store did not change.
async fn refused(
    app: &TestApp,
    actor: &str,
    name: &str,
    input_type: &str,
    input: Value,
    code: &str,
) {
    let before = app.snapshot().await;
    let payload = as_actor(app, actor, name, input_type, "__typename", input.clone()).await;
    assert_eq!(codes(&payload), [code], "{name} {input}: {payload}");
    assert_eq!(
        app.snapshot().await,
        before,
        "{name} {input} changed the store"
    );
}

async fn request_status(app: &TestApp, id: &impl serde::Serialize) -> Value {
    let answer = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on ApprovalRequest { status } } }",
            json!({"id": id}),
        )
        .await;
    answer["node"]["status"].clone()
}

fn disposal(sanitised: bool) -> Value {
    let mut d =
        json!({"method": "RECYCLED", "date": "2026-03-02", "recipient": "GreenIT Recycling"});
    if sanitised {
        d["sanitisation"] = json!({"method": "PURGE", "date": "2026-03-01", "performedBy": "Service desk", "certificateRef": "CERT-77"});
    }
    d
}

#[tokio::test]
async fn an_asset_goes_from_stock_to_disposal_with_approval_and_records() {
    let app = spawn_app().await;
    let Fixture { person, room, .. } = fixture(&app).await;
    let id = laptop(&app, "LT-1").await;

    // DEPLOYED needs an assignee or a location; given with the move, it is set with it.
    refused(
        &app,
        "alice",
        "transitionAsset",
        "TransitionAssetInput",
        json!({"asset": id, "to": "DEPLOYED"}),
        "REQUIRED",
    )
    .await;
    let deployed = transition(&app, "alice", json!({"asset": id, "to": "DEPLOYED", "assignee": person, "reason": "new starter", "ticketRef": "REQ-1"})).await;
    assert_eq!(deployed["userErrors"], json!([]));
    assert_eq!(deployed["node"]["assignee"]["id"], person);
    for to in ["IN_MAINTENANCE", "DEPLOYED", "RETIRING"] {
        let moved = transition(&app, "alice", json!({"asset": id, "to": to})).await;
        assert_eq!(moved["node"]["lifecycleStage"], to, "{moved}");
    }

    // Retiring needs someone else's approval.
    refused(
        &app,
        "alice",
        "transitionAsset",
        "TransitionAssetInput",
        json!({"asset": id, "to": "RETIRED"}),
        "APPROVAL_REQUIRED",
    )
    .await;
    let request = as_actor(
        &app,
        "alice",
        "requestRetirement",
        "RequestRetirementInput",
        "node { id status requestedBy }",
        json!({"asset": id, "reason": "battery swollen", "ticketRef": "INC-9"}),
    )
    .await;
    assert_eq!(request["node"]["status"], "PENDING");
    let request_id = request["node"]["id"].as_str().unwrap().to_string();
    refused(
        &app,
        "alice",
        "requestRetirement",
        "RequestRetirementInput",
        json!({"asset": id}),
        "CONFLICT",
    )
    .await;
    let pending = app.data("{ pendingApprovals { totalCount edges { node { asset { id } requestedBy reason } } } }", json!({})).await;
    assert_eq!(pending["pendingApprovals"]["totalCount"], 1);
    assert_eq!(
        pending["pendingApprovals"]["edges"][0]["node"]["asset"]["id"],
        id
    );
    refused(
        &app,
        "alice",
        "approveRequest",
        "DecideRequestInput",
        json!({"request": request_id}),
        "NOT_ALLOWED",
    )
    .await;
    refused(
        &app,
        "alice",
        "transitionAsset",
        "TransitionAssetInput",
        json!({"asset": id, "to": "RETIRED"}),
        "APPROVAL_REQUIRED",
    )
    .await;
    let approved = as_actor(
        &app,
        "bob",
        "approveRequest",
        "DecideRequestInput",
        "node { status decidedBy decisionNote }",
        json!({"request": request_id, "note": "ok"}),
    )
    .await;
    assert_eq!(
        approved["node"],
        json!({"status": "APPROVED", "decidedBy": "bob", "decisionNote": "ok"})
    );
    refused(
        &app,
        "carol",
        "rejectRequest",
        "DecideRequestInput",
        json!({"request": request_id}),
        "CONFLICT",
    )
    .await;
    let retired = transition(
        &app,
        "alice",
        json!({"asset": id, "to": "RETIRED", "reason": "approved"}),
    )
    .await;
    assert_eq!(retired["node"]["lifecycleStage"], "RETIRED");
    assert_eq!(request_status(&app, &request_id).await, "COMPLETED");

    // Disposal needs its record, and a laptop holds data: how it was wiped.
    refused(
        &app,
        "alice",
        "transitionAsset",
        "TransitionAssetInput",
        json!({"asset": id, "to": "DISPOSED"}),
        "REQUIRED",
    )
    .await;
    refused(
        &app,
        "alice",
        "transitionAsset",
        "TransitionAssetInput",
        json!({"asset": id, "to": "DISPOSED", "disposal": disposal(false)}),
        "REQUIRED",
    )
    .await;
    let disposed = transition(
        &app,
        "alice",
        json!({"asset": id, "to": "DISPOSED", "disposal": disposal(true), "ticketRef": "CHG-3"}),
    )
    .await;
    assert_eq!(
        disposed["node"]["disposal"],
        json!({"method": "RECYCLED", "sanitisation": {"method": "PURGE"}})
    );
    refused(
        &app,
        "alice",
        "transitionAsset",
        "TransitionAssetInput",
        json!({"asset": id, "to": "IN_STOCK", "location": room}),
        "INVALID_TRANSITION",
    )
    .await;

    let history = app.data("query($id: ID!) { asset(id: $id) { lifecycleHistory { from to actor reason ticketRef } } }", json!({"id": id})).await;
    let steps: Vec<(Value, Value)> = history["asset"]["lifecycleHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["from"].clone(), s["to"].clone()))
        .collect();
    let stage = |s: &str| json!(s);
    assert_eq!(
        steps,
        [
            (json!(null), stage("IN_STOCK")),
            (stage("IN_STOCK"), stage("DEPLOYED")),
            (stage("DEPLOYED"), stage("IN_MAINTENANCE")),
            (stage("IN_MAINTENANCE"), stage("DEPLOYED")),
            (stage("DEPLOYED"), stage("RETIRING")),
            (stage("RETIRING"), stage("RETIRED")),
            (stage("RETIRED"), stage("DISPOSED")),
        ]
    );
    let first_move = &history["asset"]["lifecycleHistory"][1];
    assert_eq!(first_move["actor"], "alice");
    assert_eq!(first_move["reason"], "new starter");
    assert_eq!(first_move["ticketRef"], "REQ-1");
    assert_eq!(
        history["asset"]["lifecycleHistory"][6]["ticketRef"],
        "CHG-3"
    );
}

#[tokio::test]
async fn withdrawing_a_retirement_withdraws_its_approval() {
    let app = spawn_app().await;
    let id = laptop(&app, "LT-2").await;
    transition(&app, "alice", json!({"asset": id, "to": "RETIRING"})).await;
    let request = as_actor(
        &app,
        "alice",
        "requestRetirement",
        "RequestRetirementInput",
        "node { id }",
        json!({"asset": id}),
    )
    .await;
    let request_id = request["node"]["id"].clone();
    as_actor(
        &app,
        "bob",
        "approveRequest",
        "DecideRequestInput",
        "node { id }",
        json!({"request": request_id}),
    )
    .await;
    let back = transition(
        &app,
        "alice",
        json!({"asset": id, "to": "IN_STOCK", "reason": "still good"}),
    )
    .await;
    assert_eq!(back["node"]["lifecycleStage"], "IN_STOCK");
    assert_eq!(request_status(&app, &request_id).await, "WITHDRAWN");
    // The old approval no longer counts.
    transition(&app, "alice", json!({"asset": id, "to": "RETIRING"})).await;
    refused(
        &app,
        "alice",
        "transitionAsset",
        "TransitionAssetInput",
        json!({"asset": id, "to": "RETIRED"}),
        "APPROVAL_REQUIRED",
    )
    .await;
}

#[tokio::test]
async fn every_refused_pair_of_stages_changes_nothing() {
    let app = spawn_app().await;
    let id = laptop(&app, "LT-3").await;
    // From IN_STOCK, only DEPLOYED, RETIRING, MISSING and DEFECTIVE are allowed.
    for to in [
        "PLANNED",
        "ORDERED",
        "IN_STOCK",
        "IN_MAINTENANCE",
        "RETIRED",
        "DISPOSED",
    ] {
        refused(
            &app,
            "alice",
            "transitionAsset",
            "TransitionAssetInput",
            json!({"asset": id, "to": to}),
            "INVALID_TRANSITION",
        )
        .await;
    }
    for to in ["MISSING", "IN_STOCK", "DEFECTIVE", "IN_MAINTENANCE"] {
        let moved = transition(&app, "alice", json!({"asset": id, "to": to})).await;
        assert_eq!(moved["userErrors"], json!([]), "{to}: {moved}");
    }
    // Stale versions, unknown stages and foreign ids are refused too.
    refused(
        &app,
        "alice",
        "transitionAsset",
        "TransitionAssetInput",
        json!({"asset": id, "to": "DEPLOYED", "expectedVersion": 1}),
        "CONFLICT",
    )
    .await;
    let response = app
        .post(
            "mutation { transitionAsset(input: {asset: \"x\", to: SOLD}) { __typename } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    let f = fixture(&app).await;
    refused(
        &app,
        "alice",
        "transitionAsset",
        "TransitionAssetInput",
        json!({"asset": f.person, "to": "DEPLOYED"}),
        "INVALID",
    )
    .await;
    // The stage moves only by transitions.
    let response = app.post("mutation($id: ID!) { updateAsset(input: {id: $id, lifecycleStage: RETIRED}) { __typename } }", json!({"id": id})).await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
}

#[tokio::test]
async fn check_out_and_in_with_history_and_overdue_loans() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let id = laptop(&app, "LT-4").await;
    let due = (chrono::Utc::now().date_naive() + chrono::Days::new(7)).to_string();
    let out = as_actor(
        &app,
        "alice",
        "checkOut",
        "CheckOutInput",
        ASSET,
        json!({"asset": id, "to": f.person, "expectedReturn": due, "note": "conference"}),
    )
    .await;
    assert_eq!(out["userErrors"], json!([]));
    assert_eq!(
        out["node"]["custody"],
        json!({"holder": {"name": "Ada Lovelace"}, "expectedReturn": due, "overdue": false})
    );
    // Not twice; not to a team; not back in the past.
    refused(
        &app,
        "alice",
        "checkOut",
        "CheckOutInput",
        json!({"asset": id, "to": f.room}),
        "CONFLICT",
    )
    .await;
    let other = laptop(&app, "LT-5").await;
    refused(
        &app,
        "alice",
        "checkOut",
        "CheckOutInput",
        json!({"asset": other, "to": f.team}),
        "INVALID",
    )
    .await;
    refused(
        &app,
        "alice",
        "checkOut",
        "CheckOutInput",
        json!({"asset": other, "to": f.room, "expectedReturn": "2020-01-01"}),
        "INVALID",
    )
    .await;
    refused(
        &app,
        "alice",
        "checkOut",
        "CheckOutInput",
        json!({"asset": other, "to": other}),
        "SELF_LOOP",
    )
    .await;
    refused(
        &app,
        "alice",
        "checkIn",
        "CheckInInput",
        json!({"asset": other}),
        "CONFLICT",
    )
    .await;

    // Overdue once its day has passed.
    let register = app.readiness.get().unwrap();
    let later = chrono::Utc::now().date_naive() + chrono::Days::new(30);
    let page = assetgraph::domain::kernel::PageRequest::default();
    let overdue = register.overdue_checkouts(later, &page).await.unwrap();
    assert_eq!(overdue.total, 1);
    let today = app
        .data("{ overdueCheckouts { totalCount } }", json!({}))
        .await;
    assert_eq!(today["overdueCheckouts"]["totalCount"], 0);

    let back = as_actor(
        &app,
        "bob",
        "checkIn",
        "CheckInInput",
        ASSET,
        json!({"asset": id, "note": "returned with charger"}),
    )
    .await;
    assert_eq!(back["node"]["custody"], json!(null));
    let history = app.data("query($id: ID!) { asset(id: $id) { checkouts { custody { note expectedReturn holder { id } } checkedOutBy checkedInBy checkInNote checkedInAt } } }", json!({"id": id})).await;
    let loans = history["asset"]["checkouts"].as_array().unwrap();
    assert_eq!(loans.len(), 1);
    assert_eq!(loans[0]["custody"]["note"], "conference");
    assert_eq!(loans[0]["custody"]["holder"]["id"], f.person);
    assert_eq!(loans[0]["checkedOutBy"], "alice");
    assert_eq!(loans[0]["checkedInBy"], "bob");
    assert_eq!(loans[0]["checkInNote"], "returned with charger");
    assert!(loans[0]["checkedInAt"].is_string());

    // Custody is not for assets on their way out, and is not edited by hand.
    transition(&app, "alice", json!({"asset": other, "to": "RETIRING"})).await;
    refused(
        &app,
        "alice",
        "checkOut",
        "CheckOutInput",
        json!({"asset": other, "to": f.room}),
        "INVALID_TRANSITION",
    )
    .await;
}

#[tokio::test]
async fn maintenance_is_recorded_against_the_asset() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let id = laptop(&app, "LT-6").await;
    for (kind, date, amount) in [
        ("REPAIR", "2025-06-01", "180.00"),
        ("UPGRADE", "2025-09-10", "95.50"),
    ] {
        let recorded = as_actor(&app, "alice", "recordMaintenance", "RecordMaintenanceInput", "node { id kind cost { amount currency } vendor { name } }",
            json!({"asset": id, "kind": kind, "date": date, "cost": {"amount": amount, "currency": "EUR"}, "vendor": f.vendor, "description": "keyboard", "ticketRef": "INC-4"})).await;
        assert_eq!(recorded["userErrors"], json!([]), "{recorded}");
        assert_eq!(recorded["node"]["vendor"]["name"], "Dell Technologies");
    }
    let listed = app.data("query($id: ID!) { asset(id: $id) { maintenance { totalCount edges { node { kind date cost { amount } } } } } }", json!({"id": id})).await;
    assert_eq!(listed["asset"]["maintenance"]["totalCount"], 2);
    assert_eq!(
        listed["asset"]["maintenance"]["edges"][0]["node"]["kind"], "UPGRADE",
        "latest first"
    );

    let valid = json!({"asset": id, "kind": "PATCH", "date": "2025-10-01"});
    let with = |field: &str, value: Value| {
        let mut input = valid.clone();
        input[field] = value;
        input
    };
    refused(
        &app,
        "alice",
        "recordMaintenance",
        "RecordMaintenanceInput",
        with("cost", json!({"amount": "-5", "currency": "EUR"})),
        "NEGATIVE",
    )
    .await;
    refused(
        &app,
        "alice",
        "recordMaintenance",
        "RecordMaintenanceInput",
        with("cost", json!({"amount": "5", "currency": "EURO"})),
        "UNKNOWN_CURRENCY",
    )
    .await;
    refused(
        &app,
        "alice",
        "recordMaintenance",
        "RecordMaintenanceInput",
        with("asset", json!(f.person)),
        "INVALID",
    )
    .await;
    // An asset with maintenance history is retired, not deleted.
    let deleted = app
        .mutate("deleteAsset", "DeleteInput", "deletedId", json!({"id": id}))
        .await;
    assert_eq!(codes(&deleted), ["IN_USE"]);
}

#[tokio::test]
async fn bad_depreciation_settings_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let base = json!({"name": "srv", "assetTag": "SRV-9", "class": "SERVER", "manufacturer": "Dell",
                      "purchase": {"date": "2025-01-15", "cost": {"amount": "1000", "currency": "EUR"}}});
    for (depreciation, field, code) in [
        (
            json!({"usefulLifeMonths": -12}),
            "depreciation.usefulLifeMonths",
            "NEGATIVE",
        ),
        (
            json!({"usefulLifeMonths": 0}),
            "depreciation.usefulLifeMonths",
            "INVALID",
        ),
        (
            json!({"salvage": {"amount": "1000.01", "currency": "EUR"}}),
            "depreciation.salvage",
            "INVALID",
        ),
        (
            json!({"salvage": {"amount": "10", "currency": "USD"}}),
            "depreciation.salvage.currency",
            "INVALID",
        ),
        (
            json!({"method": "SUM_OF_YEARS_DIGITS", "usefulLifeMonths": 30}),
            "depreciation.usefulLifeMonths",
            "INVALID",
        ),
        (
            json!({"method": "DECLINING_BALANCE", "factor": "0"}),
            "depreciation.factor",
            "INVALID",
        ),
    ] {
        let before = app.snapshot().await;
        let mut input = base.clone();
        input["depreciation"] = depreciation.clone();
        let payload = app
            .mutate("createAsset", "CreateAssetInput", "node { id }", input)
            .await;
        let errors = payload["userErrors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "{depreciation}: {payload}"
        );
        assert_eq!(app.snapshot().await, before);
    }
}
