//! Service-desk tickets over GraphQL: blind idempotent upserts, links to assets, a change's impact
//! and recorded assessment, colliding changes, an incident's context, and bad input refused with
//! nothing written.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::helpers::{TestApp, codes, spawn_app, spawn_demo_app};

/// The global id of a demo entity.
fn gid(kind: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{key}"))
}

const TICKET: &str = "id version system key kind status open priority summary plannedStart plannedEnd history { totalCount }";

async fn upsert(app: &TestApp, input: Value) -> Value {
    app.mutate(
        "upsertTicket",
        "UpsertTicketInput",
        &format!("node {{ {TICKET} }}"),
        input,
    )
    .await
}

async fn by_key(app: &TestApp, key: &str) -> Value {
    app.data(
        &format!(
            "query($key: String!) {{ ticketByKey(system: \"jira\", key: $key) {{ {TICKET} }} }}"
        ),
        json!({"key": key}),
    )
    .await["ticketByKey"]
        .clone()
}

fn change(key: &str) -> Value {
    json!({"system": "jira", "key": key, "kind": "CHANGE", "status": "SCHEDULED",
           "summary": "Reboot the core switch", "priority": 2,
           "plannedStart": "2030-01-10T22:00:00Z", "plannedEnd": "2030-01-11T01:00:00Z"})
}

async fn link(app: &TestApp, ticket: &str, assets: &[&str], role: &str) -> Value {
    app.mutate(
        "linkTicket",
        "LinkTicketInput",
        "relationships { id type ticketRole }",
        json!({"ticket": ticket, "assets": assets, "role": role}),
    )
    .await
}

/// A change ticket `key` and a switch to link to it: their global ids.
async fn change_and_switch(app: &TestApp, key: &str) -> (String, String) {
    let ticket = upsert(app, change(key)).await["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let asset = app
        .create(
            "Asset",
            json!({"name": "core-sw", "assetTag": "SW-1", "class": "SWITCH"}),
        )
        .await;
    (ticket, asset)
}

async fn unlink(app: &TestApp, ticket: &str, asset: &str) -> Value {
    app.mutate(
        "unlinkTicket",
        "UnlinkTicketInput",
        "relationships { id }",
        json!({"ticket": ticket, "assets": [asset]}),
    )
    .await
}

#[tokio::test]
async fn upserting_the_same_ticket_again_changes_nothing() {
    let app = spawn_app().await;
    let first = upsert(&app, change("CHG-7")).await;
    assert_eq!(first["userErrors"], json!([]), "{first}");
    assert_eq!(first["node"]["version"], 1);
    let again = upsert(&app, change("CHG-7")).await;
    assert_eq!(again["node"]["id"], first["node"]["id"]);
    assert_eq!(
        again["node"]["version"], 1,
        "nothing changed: no new version"
    );
    assert_eq!(
        again["node"]["history"]["totalCount"], 1,
        "and no audit entry"
    );
    // Blanks around the key name the same ticket; absent fields keep their values.
    let moved = upsert(
        &app,
        json!({"system": "jira", "key": " CHG-7 ", "kind": "CHANGE", "status": "CLOSED",
               "summary": "Reboot the core switch", "closedAt": "2030-01-11T01:30:00Z"}),
    )
    .await;
    assert_eq!(moved["userErrors"], json!([]), "{moved}");
    assert_eq!(moved["node"]["id"], first["node"]["id"]);
    assert_eq!(moved["node"]["version"], 2);
    assert_eq!(moved["node"]["open"], false);
    assert_eq!(
        moved["node"]["priority"], 2,
        "absent fields keep their values"
    );
    assert_eq!(moved["node"]["plannedStart"], "2030-01-10T22:00:00+00:00");
    assert_eq!(by_key(&app, "CHG-7").await["status"], "CLOSED");
}

#[tokio::test]
async fn bad_tickets_and_links_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let mut backwards = change("CHG-8");
    backwards["plannedEnd"] = json!("2030-01-10T21:00:00Z");
    let refused = upsert(&app, backwards).await;
    assert_eq!(codes(&refused), ["INVALID"]);
    assert_eq!(refused["userErrors"][0]["field"], "plannedEnd");
    let mut ftp = change("CHG-8");
    ftp["url"] = json!("ftp://desk.example.com/CHG-8");
    assert_eq!(upsert(&app, ftp).await["userErrors"][0]["field"], "url");
    let mut incident_window = change("INC-8");
    incident_window["kind"] = json!("INCIDENT");
    assert_eq!(codes(&upsert(&app, incident_window).await), ["NOT_ALLOWED"]);
    assert_eq!(
        by_key(&app, "CHG-8").await,
        Value::Null,
        "nothing was created"
    );

    let (ticket, asset) = change_and_switch(&app, "CHG-9").await;
    let unknown = gid("Asset", "no-such-asset");
    let refused = link(&app, &ticket, &[&asset, &unknown], "CHANGED").await;
    assert_eq!(codes(&refused), ["NOT_FOUND"]);
    assert_eq!(refused["userErrors"][0]["field"], "assets.1");
    let wrong_kind = link(&app, &ticket, &[&ticket], "CHANGED").await;
    assert_eq!(codes(&wrong_kind), ["INVALID"]);
    let not_linked = unlink(&app, &ticket, &asset).await;
    assert_eq!(codes(&not_linked), ["NOT_FOUND"]);
    let tickets = app
        .data(
            "query($id: ID!) { asset(id: $id) { tickets { key } } }",
            json!({"id": asset}),
        )
        .await;
    assert_eq!(tickets["asset"]["tickets"], json!([]), "nothing was linked");
    // A window ending before it starts in the calendar question is refused too.
    let response = app
        .post(
            "{ changeCalendar(from: \"2030-02-01T00:00:00Z\", to: \"2030-01-01T00:00:00Z\") { change { key } } }",
            json!({}),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&response), "BAD_USER_INPUT");
}

#[tokio::test]
async fn links_carry_a_role_and_show_on_the_asset() {
    let app = spawn_app().await;
    let (ticket, asset) = change_and_switch(&app, "CHG-10").await;
    let linked = link(&app, &ticket, &[&asset], "AFFECTED").await;
    assert_eq!(linked["userErrors"], json!([]), "{linked}");
    assert_eq!(linked["relationships"][0]["type"], "AFFECTS");
    let relinked = link(&app, &ticket, &[&asset], "CHANGED").await;
    assert_eq!(
        relinked["relationships"][0]["id"],
        linked["relationships"][0]["id"]
    );
    assert_eq!(relinked["relationships"][0]["ticketRole"], "CHANGED");
    let query = "query($id: ID!) { asset(id: $id) { tickets(kind: [CHANGE]) { key assets { role asset { assetTag } } } incidents: tickets(kind: [INCIDENT]) { key } } }";
    let seen = app.data(query, json!({"id": asset})).await;
    assert_eq!(seen["asset"]["tickets"][0]["key"], "CHG-10");
    assert_eq!(
        seen["asset"]["tickets"][0]["assets"],
        json!([{"role": "CHANGED", "asset": {"assetTag": "SW-1"}}])
    );
    assert_eq!(seen["asset"]["incidents"], json!([]));
    let unlinked = unlink(&app, &ticket, &asset).await;
    assert_eq!(unlinked["userErrors"], json!([]));
    let seen = app.data(query, json!({"id": asset})).await;
    assert_eq!(seen["asset"]["tickets"], json!([]));
}

const CONFLICTS: &str = "query($id: ID!) { changeConflicts(ticket: $id) { change { key } overlapStart overlapEnd sharedAssets { name } } }";

#[tokio::test]
async fn overlapping_changes_on_shared_assets_collide_on_the_demo_data() {
    let app = spawn_demo_app().await;
    let storage = gid("Ticket", "ticket-chg-1001");
    let conflicts = app.data(CONFLICTS, json!({"id": storage})).await["changeConflicts"].clone();
    let keys: Vec<&str> = conflicts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["CHG0001002"],
        "the switch change is another week; {conflicts}"
    );
    let shared: Vec<&str> = conflicts[0]["sharedAssets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(shared.contains(&"fra-srv01"), "{shared:?}");
    assert!(shared.contains(&"Order to Cash"), "{shared:?}");
    // The overlap is the hypervisor change's window, inside the storage change's.
    let hypervisor = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Ticket { plannedStart plannedEnd } } }",
            json!({"id": gid("Ticket", "ticket-chg-1002")}),
        )
        .await;
    assert_eq!(
        conflicts[0]["overlapStart"],
        hypervisor["node"]["plannedStart"]
    );
    assert_eq!(conflicts[0]["overlapEnd"], hypervisor["node"]["plannedEnd"]);

    let calendar = app
        .data(
            "query($from: DateTime!, $to: DateTime!) { changeCalendar(from: $from, to: $to) { change { key } conflicts { change { key } } } }",
            json!({"from": chrono::Utc::now().to_rfc3339(), "to": (chrono::Utc::now() + chrono::TimeDelta::days(30)).to_rfc3339()}),
        )
        .await["changeCalendar"]
        .clone();
    assert_eq!(
        calendar,
        json!([
            {"change": {"key": "CHG0001001"}, "conflicts": [{"change": {"key": "CHG0001002"}}]},
            {"change": {"key": "CHG0001002"}, "conflicts": [{"change": {"key": "CHG0001001"}}]},
            {"change": {"key": "CHG0001003"}, "conflicts": []},
        ])
    );
    // An incident has no window: asking for its collisions is refused.
    let response = app
        .post(CONFLICTS, json!({"id": gid("Ticket", "ticket-inc-2001")}))
        .await;
    assert!(response.get("errors").is_some(), "{response}");
}

#[tokio::test]
async fn a_change_impact_is_assessed_and_frozen_on_the_ticket() {
    let app = spawn_demo_app().await;
    let storage = gid("Ticket", "ticket-chg-1001");
    let impact = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Ticket { impact { totals { affected down } services { asset { name } state } notify { ... on Team { name } } } } } }",
            json!({"id": storage}),
        )
        .await["node"]["impact"]
        .clone();
    assert!(
        impact["totals"]["affected"].as_u64().unwrap() > 10,
        "{impact}"
    );
    let services: Vec<&str> = impact["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["asset"]["name"].as_str().unwrap())
        .collect();
    assert!(services.contains(&"Order to Cash"), "{services:?}");

    let record = |input: Value| {
        let app = &app;
        async move {
            app.mutate(
                "recordImpactAssessment",
                "RecordImpactAssessmentInput",
                "node { version history(last: 1) { edges { node { reason } } } assessment { assessedBy changed { name } entries { asset { name } mark state depth note } } }",
                input,
            )
            .await
        }
    };
    let srv01 = gid("Asset", "asset-0001");
    let unrelated = gid("Asset", "asset-0262");
    let no_reason = record(json!({"ticket": storage, "exclude": [{"asset": srv01}]})).await;
    assert_eq!(codes(&no_reason), ["REQUIRED"], "{no_reason}");
    let recorded = record(json!({
        "ticket": storage,
        "add": [{"asset": unrelated, "note": "same maintenance window on the switch"}],
        "exclude": [{"asset": srv01, "note": "runs from the DR array that night"}],
    }))
    .await;
    assert_eq!(recorded["userErrors"], json!([]), "{recorded}");
    let ticket = &recorded["node"];
    assert_eq!(ticket["version"], 2, "the refused attempt wrote nothing");
    assert_eq!(
        ticket["history"]["edges"][0]["node"]["reason"],
        "impact assessment recorded"
    );
    let assessment = &ticket["assessment"];
    assert_eq!(assessment["assessedBy"], "tester");
    assert_eq!(assessment["changed"], json!([{"name": "fra-sto02"}]));
    let entries = assessment["entries"].as_array().unwrap();
    assert_eq!(
        entries.len() as u64,
        impact["totals"]["affected"].as_u64().unwrap() + 1
    );
    let entry = |name: &str| {
        entries
            .iter()
            .find(|e| e["asset"]["name"] == name)
            .unwrap_or_else(|| panic!("{name} not assessed"))
    };
    assert_eq!(entry("fra-srv01")["mark"], "EXCLUDED");
    assert_eq!(
        entry("fra-srv01")["note"],
        "runs from the DR array that night"
    );
    assert_eq!(entry("ham-swi09")["mark"], "MANUAL");
    assert_eq!(entry("ham-swi09")["state"], Value::Null);
    assert_eq!(entry("Order to Cash")["mark"], "COMPUTED");
    // An assessment is not something a ticketing system can overwrite.
    let mut smuggled = change("CHG-11");
    smuggled["assessment"] = json!({});
    let response = app
        .post(
            "mutation($input: UpsertTicketInput!) { upsertTicket(input: $input) { node { id } } }",
            json!({"input": smuggled}),
        )
        .await;
    assert!(
        response.get("errors").is_some(),
        "not an input field: {response}"
    );
}

#[tokio::test]
async fn an_incident_shows_recent_changes_and_related_incidents_as_likely_causes() {
    let app = spawn_demo_app().await;
    let context = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Ticket { context(days: 7) { assets { name } dependencies { ... on Asset { name } } recentChangeTickets { key } relatedIncidents { key } recentChanges { operation entityId } } } } }",
            json!({"id": gid("Ticket", "ticket-inc-2001")}),
        )
        .await["node"]["context"]
        .clone();
    assert_eq!(context["assets"], json!([{"name": "ERP (SAP S/4HANA)"}]));
    let dependencies: Vec<&str> = context["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert!(dependencies.contains(&"vm-crm-01"), "{dependencies:?}");
    assert_eq!(
        context["recentChangeTickets"],
        json!([{"key": "CHG0000990"}]),
        "the memory change on the VM the ERP runs on, two days ago"
    );
    assert_eq!(
        context["relatedIncidents"],
        json!([{"key": "INC0002002"}]),
        "the data warehouse relies on the ERP"
    );
    let bad = app
        .post(
            "query($id: ID!) { node(id: $id) { ... on Ticket { context(days: 0) { assets { name } } } } }",
            json!({"id": gid("Ticket", "ticket-inc-2001")}),
        )
        .await;
    assert!(bad.get("errors").is_some(), "{bad}");
}
