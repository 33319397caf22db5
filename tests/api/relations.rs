//! Relationships: relate, update, unrelate, the rules they obey, and impact analysis over them.

use assetgraph::domain::kernel::{EntityId, EntityKind, NodeRef};
use assetgraph::graph::State;
use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::{TestApp, codes, spawn_app};

pub(crate) async fn asset(app: &TestApp, name: &str, class: &str) -> String {
    app.create(
        "Asset",
        json!({"name": name, "assetTag": name, "class": class}),
    )
    .await
}

pub(crate) async fn relate(app: &TestApp, input: Value) -> Value {
    app.mutate("relate", "RelateInput", "node { id version type inverseName carriesFailure source { id } target { id } redundancyGroup minUp criticality }", input).await
}

#[tokio::test]
async fn relate_update_and_unrelate_with_audit() {
    let app = spawn_app().await;
    let app_id = asset(&app, "erp", "SOFTWARE_APPLICATION").await;
    let vm = asset(&app, "vm-erp-01", "VIRTUAL_MACHINE").await;
    let created = relate(
        &app,
        json!({"source": app_id, "target": vm, "type": "RUNS_ON", "criticality": 5}),
    )
    .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let edge = &created["node"];
    assert_eq!(edge["type"], "RUNS_ON");
    assert_eq!(edge["inverseName"], "RUNS");
    assert_eq!(edge["carriesFailure"], true);
    assert_eq!(edge["source"]["id"], app_id);
    assert_eq!(edge["target"]["id"], vm);
    let id = edge["id"].as_str().unwrap();

    let updated = app
        .mutate(
            "updateRelationship",
            "UpdateRelationshipInput",
            "node { version criticality note history { totalCount } }",
            json!({"id": id, "expectedVersion": 1, "criticality": 3, "note": "moved to cluster"}),
        )
        .await;
    assert_eq!(updated["userErrors"], json!([]), "{updated}");
    assert_eq!(updated["node"]["version"], 2);
    assert_eq!(updated["node"]["history"]["totalCount"], 2);

    // An asset with relationships cannot be deleted until they are removed.
    let refused = app
        .mutate("deleteAsset", "DeleteInput", "deletedId", json!({"id": vm}))
        .await;
    assert_eq!(codes(&refused), ["IN_USE"]);
    let removed = app
        .mutate("unrelate", "DeleteInput", "deletedId", json!({"id": id}))
        .await;
    assert_eq!(removed["deletedId"], id);
    let deleted = app
        .mutate("deleteAsset", "DeleteInput", "deletedId", json!({"id": vm}))
        .await;
    assert_eq!(deleted["deletedId"], vm);
}

#[tokio::test]
async fn bad_relationships_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let a = asset(&app, "a", "SERVER").await;
    let b = asset(&app, "b", "SERVER").await;
    let laptop = asset(&app, "l", "LAPTOP").await;
    let team = app.create("Team", json!({"name": "Ops"})).await;
    assert_eq!(
        relate(
            &app,
            json!({"source": a, "target": b, "type": "DEPENDS_ON"})
        )
        .await["userErrors"],
        json!([])
    );
    let gone = asset(&app, "gone", "SERVER").await;
    app.mutate(
        "deleteAsset",
        "DeleteInput",
        "deletedId",
        json!({"id": gone}),
    )
    .await;
    let cases = [
        (
            json!({"source": a, "target": a, "type": "DEPENDS_ON"}),
            "target",
            "SELF_LOOP",
        ),
        (
            json!({"source": a, "target": b, "type": "DEPENDS_ON"}),
            "type",
            "CONFLICT",
        ),
        (
            json!({"source": laptop, "target": b, "type": "RUNS_ON"}),
            "type",
            "NOT_ALLOWED",
        ),
        (
            json!({"source": a, "target": team, "type": "LOCATED_AT"}),
            "type",
            "NOT_ALLOWED",
        ),
        (
            json!({"source": a, "target": gone, "type": "DEPENDS_ON"}),
            "target",
            "NOT_FOUND",
        ),
        (
            json!({"source": "garbage", "target": b, "type": "DEPENDS_ON"}),
            "source",
            "INVALID",
        ),
        (
            json!({"source": a, "target": b, "type": "CONNECTED_TO", "criticality": 7}),
            "criticality",
            "INVALID",
        ),
        (
            json!({"source": a, "target": b, "type": "CONNECTED_TO", "minUp": 2}),
            "minUp",
            "INVALID",
        ),
    ];
    for (input, field, code) in cases {
        let before = app.snapshot().await;
        let payload = relate(&app, input.clone()).await;
        let errors = payload["userErrors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "{input}: expected {code} at {field}, got {payload}"
        );
        assert_eq!(app.snapshot().await, before, "{input} changed the store");
    }
    let ok = relate(
        &app,
        json!({"source": a, "target": team, "type": "OWNED_BY"}),
    )
    .await;
    assert_eq!(ok["userErrors"], json!([]));
}

/// An e-mail service on a clustered application, on VMs, on a host with two uplinks.
async fn estate(app: &TestApp) -> [String; 7] {
    let email = asset(app, "email", "BUSINESS_SERVICE").await;
    let exchange = asset(app, "exchange", "SOFTWARE_APPLICATION").await;
    let vm1 = asset(app, "vm1", "VIRTUAL_MACHINE").await;
    let vm2 = asset(app, "vm2", "VIRTUAL_MACHINE").await;
    let host = asset(app, "host", "SERVER").await;
    let switch_a = asset(app, "switch-a", "SWITCH").await;
    let switch_b = asset(app, "switch-b", "SWITCH").await;
    for input in [
        json!({"source": email, "target": exchange, "type": "DEPENDS_ON"}),
        json!({"source": exchange, "target": vm1, "type": "RUNS_ON", "redundancyGroup": "cluster"}),
        json!({"source": exchange, "target": vm2, "type": "RUNS_ON", "redundancyGroup": "cluster"}),
        json!({"source": vm1, "target": host, "type": "HOSTED_ON"}),
        json!({"source": host, "target": switch_a, "type": "CONNECTED_TO", "redundancyGroup": "uplink", "minUp": 1}),
        json!({"source": host, "target": switch_b, "type": "CONNECTED_TO", "redundancyGroup": "uplink", "minUp": 1}),
    ] {
        assert_eq!(relate(app, input).await["userErrors"], json!([]));
    }
    [email, exchange, vm1, vm2, host, switch_a, switch_b]
}

const IMPACT: &str = "query($failed: [ID!]!, $depth: Int) { impact(input: {failed: $failed, maxDepth: $depth}) {
    totals { affected down degraded } affected { edges { node { depth state node { ... on Asset { name } } path { ... on Asset { name } } } } } } }";

/// (name, depth, state) of every affected asset, and the explaining chain of each.
async fn impact(
    app: &TestApp,
    failed: &[&String],
) -> (Vec<(String, u64, String)>, Vec<Vec<String>>) {
    let data = app.data(IMPACT, json!({"failed": failed})).await;
    let edges = data["impact"]["affected"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    let hits = edges
        .iter()
        .map(|e| {
            (
                e["node"]["node"]["name"].as_str().unwrap().to_string(),
                e["node"]["depth"].as_u64().unwrap(),
                e["node"]["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let paths = edges
        .iter()
        .map(|e| {
            e["node"]["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    (hits, paths)
}

fn hit(name: &str, depth: u64, state: &str) -> (String, u64, String) {
    (name.to_string(), depth, state.to_string())
}

#[tokio::test]
async fn impact_follows_dependencies_and_respects_redundancy() {
    let app = spawn_app().await;
    let [email, exchange, vm1, vm2, host, switch_a, switch_b] = estate(&app).await;

    let (hits, _) = impact(&app, &[&switch_a]).await;
    assert_eq!(
        hits,
        [
            hit("host", 1, "DEGRADED"),
            hit("vm1", 2, "DEGRADED"),
            hit("exchange", 3, "DEGRADED"),
            hit("email", 4, "DEGRADED")
        ]
    );

    let (hits, _) = impact(&app, &[&switch_a, &switch_b]).await;
    assert_eq!(
        hits,
        [
            hit("host", 1, "DOWN"),
            hit("vm1", 2, "DOWN"),
            hit("exchange", 3, "DEGRADED"),
            hit("email", 4, "DEGRADED")
        ]
    );

    let (hits, paths) = impact(&app, &[&vm1, &vm2]).await;
    assert_eq!(hits[1], hit("email", 2, "DOWN"));
    assert_eq!(hits[0], hit("exchange", 1, "DOWN"));
    assert_eq!(paths[1].len(), 3);
    assert_eq!(paths[1][1..], ["exchange", "email"]);

    let (hits, _) = impact(&app, &[&email]).await;
    assert!(hits.is_empty(), "nothing relies on the service");

    let shallow = app
        .data(IMPACT, json!({"failed": [switch_a, switch_b], "depth": 2}))
        .await;
    assert_eq!(
        shallow["impact"]["totals"],
        json!({"affected": 2, "down": 2, "degraded": 0})
    );

    // One hop views from both sides, and the relationships themselves.
    let around = app
        .data(
            "query($id: ID!) { asset(id: $id) { dependencies { edges { node { name } } } dependents { edges { node { name } } } relationships(direction: OUTGOING) { totalCount } } }",
            json!({"id": exchange}),
        )
        .await;
    let names = |v: &Value| {
        v["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let mut deps = names(&around["asset"]["dependencies"]);
    deps.sort();
    assert_eq!(deps, ["vm1", "vm2"]);
    assert_eq!(names(&around["asset"]["dependents"]), ["email"]);
    assert_eq!(around["asset"]["relationships"]["totalCount"], 2);

    // Removing a relationship changes the answer at once.
    let edge = app.data("query($id: ID!) { asset(id: $id) { relationships(direction: OUTGOING) { edges { node { id } } } } }", json!({"id": vm1})).await;
    let edge_id = edge["asset"]["relationships"]["edges"][0]["node"]["id"].clone();
    app.mutate(
        "unrelate",
        "DeleteInput",
        "deletedId",
        json!({"id": edge_id}),
    )
    .await;
    let (hits, _) = impact(&app, &[&host]).await;
    assert!(hits.is_empty(), "vm1 no longer runs on the host: {hits:?}");
}

#[tokio::test]
async fn impact_rejects_bad_questions() {
    let app = spawn_app().await;
    let [_, _, _, _, host, ..] = estate(&app).await;
    for (failed, depth) in [
        (json!([]), json!(null)),
        (json!(["nonsense"]), json!(null)),
        (json!([host]), json!(0)),
        (json!([host]), json!(5000)),
    ] {
        let response = app
            .post(IMPACT, json!({"failed": failed, "depth": depth}))
            .await;
        assert_eq!(
            crate::helpers::error_code(&response),
            "BAD_USER_INPUT",
            "{failed} {depth}: {response}"
        );
    }
    let edge = app
        .data(
            "query($id: ID!) { asset(id: $id) { relationships { edges { node { id } } } } }",
            json!({"id": host}),
        )
        .await;
    let edge_id = edge["asset"]["relationships"]["edges"][0]["node"]["id"].clone();
    for (query, variables) in [
        (
            "query($a: ID!) { dependencyPath(from: $a, to: \"nonsense\") { id } }",
            json!({"a": host}),
        ),
        (
            "query($a: ID!) { dependencyPath(from: $a, to: $a) { id } }",
            json!({"a": edge_id}),
        ),
        ("{ dependencyCycles(first: -1) { id } }", json!({})),
        (
            "query($a: ID!) { impact(input: {failed: [$a]}) { totals { affected } } }",
            json!({"a": edge_id}),
        ),
    ] {
        let response = app.post(query, variables).await;
        assert_eq!(
            crate::helpers::error_code(&response),
            "BAD_USER_INPUT",
            "{query}: {response}"
        );
    }
    // Bad attribute changes on an existing relationship are refused and change nothing.
    for (change, field) in [
        (json!({"criticality": 0}), "criticality"),
        (json!({"minUp": 2, "redundancyGroup": null}), "minUp"),
        (json!({"allocationPercent": "-1"}), "allocationPercent"),
        (
            json!({"validFrom": "2026-02-01", "validTo": "2026-01-01"}),
            "validTo",
        ),
        (json!({"expectedVersion": 9}), "expectedVersion"),
    ] {
        let before = app.snapshot().await;
        let mut input = change.clone();
        input["id"] = edge_id.clone();
        let payload = app
            .mutate(
                "updateRelationship",
                "UpdateRelationshipInput",
                "node { id }",
                input,
            )
            .await;
        assert!(
            payload["userErrors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{change}: {payload}"
        );
        assert_eq!(app.snapshot().await, before, "{change} changed the store");
    }
}

#[tokio::test]
async fn the_index_rebuilt_from_the_store_answers_the_same() {
    let app = spawn_app().await;
    let [_, _, vm1, vm2, ..] = estate(&app).await;
    let register = app.readiness.get().unwrap();
    let reopened = assetgraph::service::Register::open(register.store().clone())
        .await
        .unwrap();
    let failed: Vec<NodeRef> = [&vm1, &vm2].iter().map(|id| node_ref(id)).collect();
    let answer = async |register: &assetgraph::service::Register| {
        let walk = register.impact(&failed, None, None).await.unwrap();
        let mut hits: Vec<_> = (0..walk.hits.len())
            .map(|i| {
                let hit = &walk.hits[i];
                (hit.node.clone(), hit.depth, hit.state, walk.path(i))
            })
            .collect();
        hits.sort();
        hits
    };
    let live = answer(register).await;
    assert_eq!(live, answer(&reopened).await);
    assert_eq!(live.len(), 2);
}

pub(crate) fn node_ref(global: &str) -> NodeRef {
    let text = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(global)
            .unwrap(),
    )
    .unwrap();
    let (kind, key) = text.split_once(':').unwrap();
    NodeRef {
        kind: EntityKind::from_name(kind).unwrap(),
        id: EntityId::parse(key).unwrap(),
    }
}

#[tokio::test]
async fn impact_reports_services_people_money_and_needs() {
    let app = spawn_app().await;
    let [email, exchange, vm1, vm2, host, switch_a, _] = estate(&app).await;
    let team = app.create("Team", json!({"name": "Messaging"})).await;
    let person = app
        .create("Person", json!({"name": "Ada", "email": "ada@example.com"}))
        .await;
    app.mutate(
        "updateAsset",
        "UpdateAssetInput",
        "node { id }",
        json!({"id": email, "owner": {"team": team}}),
    )
    .await;
    app.mutate(
        "updateAsset",
        "UpdateAssetInput",
        "node { id }",
        json!({"id": exchange, "assignee": person}),
    )
    .await;
    for (id, amount) in [(&vm1, "100.50"), (&vm2, "99.50"), (&exchange, "1000")] {
        app.mutate(
            "updateAsset",
            "UpdateAssetInput",
            "node { id }",
            json!({"id": id, "purchase": {"cost": {"amount": amount, "currency": "EUR"}}}),
        )
        .await;
    }
    let report = app
        .data(
            "query($failed: [ID!]!) { impact(input: {failed: $failed}) {
                services { state node { ... on Asset { name } } }
                notify { __typename ... on Team { name } ... on Person { name } }
                totals { byClass { class count } purchaseCostAtRisk { amount currency } }
                affected { edges { node { asset { name } } } } } }",
            json!({"failed": [vm1, vm2]}),
        )
        .await;
    let answer = &report["impact"];
    assert_eq!(
        answer["services"],
        json!([{"state": "DOWN", "node": {"name": "email"}}])
    );
    assert_eq!(
        answer["notify"],
        json!([{"__typename": "Team", "name": "Messaging"}, {"__typename": "Person", "name": "Ada"}])
    );
    assert_eq!(
        answer["totals"]["byClass"],
        json!([{"class": "BUSINESS_SERVICE", "count": 1}, {"class": "SOFTWARE_APPLICATION", "count": 1}])
    );
    assert_eq!(
        answer["totals"]["purchaseCostAtRisk"],
        json!([{"amount": "1000.00", "currency": "EUR"}])
    );

    let affected: Vec<&Value> = answer["affected"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["asset"]["name"])
        .collect();
    assert_eq!(affected, [&json!("exchange"), &json!("email")]);

    // UPSTREAM: what the e-mail service needs, nearest first, without states.
    let needs = app
        .data("query($s: [ID!]!) { impact(input: {failed: $s, direction: UPSTREAM}) { affected { edges { node { depth state node { ... on Asset { name } } } } } } }", json!({"s": [email]}))
        .await;
    let names: Vec<(String, u64)> = needs["impact"]["affected"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["node"]["name"].as_str().unwrap().to_string(),
                e["node"]["depth"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(names.len(), 6);
    assert_eq!(names[0], ("exchange".to_string(), 1));
    assert_eq!(names.last().unwrap().1, 4);
    assert!(
        needs["impact"]["affected"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["state"].is_null())
    );

    let path = app
        .data("query($from: ID!, $to: ID!) { dependencyPath(from: $from, to: $to) { ... on Asset { name } } }", json!({"from": email, "to": switch_a}))
        .await;
    assert_eq!(
        path["dependencyPath"],
        json!([{"name": "email"}, {"name": "exchange"}, {"name": "vm1"}, {"name": "host"}, {"name": "switch-a"}])
    );
    let none = app
        .data(
            "query($from: ID!, $to: ID!) { dependencyPath(from: $from, to: $to) { id } }",
            json!({"from": switch_a, "to": email}),
        )
        .await;
    assert_eq!(none["dependencyPath"], json!(null));

    // The service survives losing either VM of the cluster, but not the application itself.
    let spof = app
        .data(
            "query($id: ID!) { asset(id: $id) { singlePointsOfFailure { name } } }",
            json!({"id": email}),
        )
        .await;
    assert_eq!(
        spof["asset"]["singlePointsOfFailure"],
        json!([{"name": "exchange"}])
    );

    // A cycle, as real CMDBs have: the host also depends on the application it serves.
    relate(
        &app,
        json!({"source": host, "target": exchange, "type": "DEPENDS_ON"}),
    )
    .await;
    let cycles = app
        .data("{ dependencyCycles { ... on Asset { name } } }", json!({}))
        .await;
    let mut cycle: Vec<&str> = cycles["dependencyCycles"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    cycle.sort();
    assert_eq!(cycle, ["exchange", "host", "vm1"]);
    let (hits, _) = impact(&app, &[&host]).await;
    assert!(
        !hits.iter().any(|h| h.0 == "host") && hits.iter().any(|h| h.0 == "exchange"),
        "cycles terminate: {hits:?}"
    );
    // The impact report names the loop it met; a failure outside the loop meets none.
    let met = |failed: &str| {
        let query = "query($f: [ID!]!) { impact(input: {failed: $f}) { cycles { ... on Asset { name } } } }";
        app.data(query, json!({"f": [failed]}))
    };
    let report = met(&host).await;
    let mut cycle: Vec<&str> = report["impact"]["cycles"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    cycle.sort();
    assert_eq!(cycle, ["exchange", "host", "vm1"]);
    assert_eq!(report["impact"]["cycles"].as_array().unwrap().len(), 1);
    assert_eq!(met(&email).await["impact"]["cycles"], json!([]));
}

async fn relate_many(app: &TestApp, items: Value, all_or_nothing: bool) -> Value {
    let query = "mutation($input: RelateManyInput!) { relateMany(input: $input) {
        written results { node { id type source { id } target { id } } userErrors { field code } } } }";
    app.data(
        query,
        json!({"input": {"items": items, "allOrNothing": all_or_nothing}}),
    )
    .await["relateMany"]
        .clone()
}

fn result_codes(payload: &Value) -> Vec<Vec<String>> {
    payload["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["userErrors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["code"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn relate_many_reports_each_item_and_can_be_all_or_nothing() {
    let app = spawn_app().await;
    let service = asset(&app, "payroll", "BUSINESS_SERVICE").await;
    let app_id = asset(&app, "payroll-app", "SOFTWARE_APPLICATION").await;
    let vm1 = asset(&app, "vm1", "VIRTUAL_MACHINE").await;
    let vm2 = asset(&app, "vm2", "VIRTUAL_MACHINE").await;
    let on = |source: &str, target: &str, kind: &str| json!({"source": source, "target": target, "type": kind, "redundancyGroup": "vms"});

    // All or nothing: one refused item (software cannot run on a business service) writes nothing.
    let before = app.snapshot().await;
    let refused = relate_many(
        &app,
        json!([
            on(&app_id, &vm1, "RUNS_ON"),
            on(&app_id, &service, "RUNS_ON"),
            on(&app_id, &vm2, "RUNS_ON")
        ]),
        true,
    )
    .await;
    assert_eq!(refused["written"], 0);
    assert_eq!(
        result_codes(&refused),
        [
            vec!["NOT_APPLIED"],
            vec!["NOT_ALLOWED"],
            vec!["NOT_APPLIED"]
        ]
    );
    assert!(
        refused["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["node"].is_null())
    );
    // The same edge twice in one batch, and a malformed id, are refused per item too.
    let twice = relate_many(
        &app,
        json!([
            on(&app_id, &vm1, "RUNS_ON"),
            on(&app_id, &vm1, "RUNS_ON"),
            on("nope", &vm2, "RUNS_ON")
        ]),
        true,
    )
    .await;
    assert_eq!(
        result_codes(&twice),
        [vec!["NOT_APPLIED"], vec!["NOT_APPLIED"], vec!["INVALID"]]
    );
    let twice = relate_many(
        &app,
        json!([on(&app_id, &vm1, "RUNS_ON"), on(&app_id, &vm1, "RUNS_ON")]),
        true,
    )
    .await;
    assert_eq!(
        result_codes(&twice),
        [vec!["NOT_APPLIED"], vec!["CONFLICT"]]
    );
    assert_eq!(
        app.snapshot().await,
        before,
        "refused batches change nothing"
    );

    // All or nothing, all valid: every edge written, audited, and in the index at once.
    let written = relate_many(
        &app,
        json!([on(&app_id, &vm1, "RUNS_ON"), on(&app_id, &vm2, "RUNS_ON")]),
        true,
    )
    .await;
    assert_eq!(written["written"], 2, "{written}");
    assert_eq!(result_codes(&written), [Vec::<String>::new(), vec![]]);
    let (hits, _) = impact(&app, &[&vm1]).await;
    assert_eq!(
        hits,
        [("payroll-app".to_string(), 1, "DEGRADED".to_string())]
    );
    let edge = written["results"][0]["node"]["id"].as_str().unwrap();
    let history = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Relationship { history { totalCount } } } }",
            json!({"id": edge}),
        )
        .await;
    assert_eq!(history["node"]["history"]["totalCount"], 1);

    // Item by item: the good ones are written, the bad ones say why.
    let mixed = relate_many(
        &app,
        json!([
            {"source": service, "target": app_id, "type": "DEPENDS_ON"},
            {"source": service, "target": service, "type": "DEPENDS_ON"},
            on(&app_id, &vm1, "RUNS_ON"),
        ]),
        false,
    )
    .await;
    assert_eq!(mixed["written"], 1);
    assert_eq!(
        result_codes(&mixed),
        [
            vec![],
            vec!["SELF_LOOP".to_string()],
            vec!["CONFLICT".to_string()]
        ]
    );
    assert_eq!(mixed["results"][0]["node"]["source"]["id"], service);

    // An empty batch or an oversized one is a bad request.
    for items in [json!([]), json!(vec![on(&app_id, &vm1, "RUNS_ON"); 1001])] {
        let response = app
            .post(
                "mutation($input: RelateManyInput!) { relateMany(input: $input) { written } }",
                json!({"input": {"items": items}}),
            )
            .await;
        assert_eq!(crate::helpers::error_code(&response), "BAD_USER_INPUT");
    }
}

/// The id of the latest change of an entity.
async fn last_change(app: &TestApp, id: &str) -> String {
    let data = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Relationship { history(last: 1) { nodes { id } } } } }",
            json!({"id": id}),
        )
        .await;
    data["node"]["history"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn impact_as_of(app: &TestApp, failed: &str, change: &str) -> Value {
    let query = "query($f: [ID!]!, $c: ID) { impact(input: {failed: $f, asOfChange: $c}) {
        affected { edges { node { state asset { name } } } } } }";
    app.post(query, json!({"f": [failed], "c": change})).await
}

fn states(response: &Value) -> Vec<(String, String)> {
    response["data"]["impact"]["affected"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["asset"]["name"].as_str().unwrap().to_string(),
                e["node"]["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn impact_answers_for_the_graph_as_of_an_earlier_change() {
    let app = spawn_app().await;
    let erp = asset(&app, "erp", "SOFTWARE_APPLICATION").await;
    let vm1 = asset(&app, "vm1", "VIRTUAL_MACHINE").await;
    let vm2 = asset(&app, "vm2", "VIRTUAL_MACHINE").await;
    let on_vm1 = relate(
        &app,
        json!({"source": erp, "target": vm1, "type": "RUNS_ON"}),
    )
    .await;
    let on_vm1 = on_vm1["node"]["id"].as_str().unwrap().to_string();
    let only_vm1 = last_change(&app, &on_vm1).await;
    let on_vm2 = relate(
        &app,
        json!({"source": erp, "target": vm2, "type": "RUNS_ON"}),
    )
    .await;
    let on_vm2 = on_vm2["node"]["id"].as_str().unwrap().to_string();
    let both_single = last_change(&app, &on_vm2).await;
    for edge in [&on_vm1, &on_vm2] {
        let grouped = app
            .mutate(
                "updateRelationship",
                "UpdateRelationshipInput",
                "node { version }",
                json!({"id": edge, "redundancyGroup": "cluster"}),
            )
            .await;
        assert_eq!(grouped["userErrors"], json!([]));
    }
    let clustered = last_change(&app, &on_vm2).await;
    let removed = app
        .mutate(
            "unrelate",
            "DeleteInput",
            "deletedId",
            json!({"id": on_vm1}),
        )
        .await;
    assert_eq!(removed["deletedId"], on_vm1.as_str());

    let down = vec![("erp".to_string(), "DOWN".to_string())];
    let degraded = vec![("erp".to_string(), "DEGRADED".to_string())];
    // Now erp runs on vm2 only; before, it ran on vm1 alone, then on both, then on a cluster of both.
    assert_eq!(
        states(&app.post(IMPACT, json!({"failed": [vm1]})).await),
        []
    );
    assert_eq!(states(&impact_as_of(&app, &vm1, &only_vm1).await), down);
    assert_eq!(states(&impact_as_of(&app, &vm2, &only_vm1).await), []);
    assert_eq!(states(&impact_as_of(&app, &vm1, &both_single).await), down);
    assert_eq!(
        states(&impact_as_of(&app, &vm1, &clustered).await),
        degraded
    );
    // The index itself is untouched by questions about the past.
    assert_eq!(
        states(&impact_as_of(&app, &vm2, &clustered).await),
        degraded
    );
    let now = app.post(IMPACT, json!({"failed": [vm2]})).await;
    assert_eq!(now["data"]["impact"]["totals"]["down"], 1);

    for bad in ["0192f0c0ffee0000000000000000dead", "not a change id"] {
        let response = impact_as_of(&app, &vm1, bad).await;
        assert_eq!(
            crate::helpers::error_code(&response),
            "BAD_USER_INPUT",
            "{response}"
        );
    }
}

/// Polls until `ready` holds, for changes that reach another server asynchronously.
async fn eventually(mut ready: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if ready() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn a_second_server_on_the_same_store_follows_relationship_changes() {
    let app = spawn_app().await;
    let erp = asset(&app, "erp", "SOFTWARE_APPLICATION").await;
    let vm1 = asset(&app, "vm1", "VIRTUAL_MACHINE").await;
    let vm2 = asset(&app, "vm2", "VIRTUAL_MACHINE").await;
    let register = app.readiness.get().unwrap();
    let replica = assetgraph::service::Register::open_following(register.store().clone())
        .await
        .unwrap();
    let edges = |r: &assetgraph::service::Register| r.with_index(|i| i.edges());
    let failed = [node_ref(&vm1)];
    // Read straight from the index: the check runs inside a synchronous wait.
    let down = |r: &assetgraph::service::Register| {
        r.with_index(|index| {
            let Some(vm) = index.number(&failed[0]) else {
                return 0;
            };
            let query = assetgraph::graph::ImpactQuery {
                failed: vec![vm],
                relations: assetgraph::graph::RelationMask::failure_carrying(),
                max_depth: None,
            };
            let impact = index.impact(&query);
            impact
                .affected
                .iter()
                .filter(|a| a.state == State::Down)
                .count()
        })
    };

    let first = relate(
        &app,
        json!({"source": erp, "target": vm1, "type": "RUNS_ON"}),
    )
    .await;
    let first = first["node"]["id"].as_str().unwrap().to_string();
    assert!(
        eventually(|| down(&replica) == 1).await,
        "creation reached the replica"
    );
    let second = relate(
        &app,
        json!({"source": erp, "target": vm2, "type": "RUNS_ON"}),
    )
    .await;
    let second = second["node"]["id"].as_str().unwrap().to_string();
    for edge in [&first, &second] {
        app.mutate(
            "updateRelationship",
            "UpdateRelationshipInput",
            "node { id }",
            json!({"id": edge, "redundancyGroup": "pair"}),
        )
        .await;
    }
    assert!(
        eventually(|| down(&replica) == 0 && edges(&replica) == edges(register)).await,
        "updates reached the replica"
    );
    app.mutate(
        "unrelate",
        "DeleteInput",
        "deletedId",
        json!({"id": second}),
    )
    .await;
    assert!(
        eventually(|| edges(&replica) == edges(register)).await,
        "deletion reached the replica"
    );
    assert_eq!(edges(&replica).len(), 1);
    assert_eq!(
        down(&replica),
        1,
        "alone in its group again, vm1 takes erp down"
    );
}
