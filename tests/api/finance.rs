//! Money over GraphQL: depreciation and book values, total cost of ownership, cost roll-ups,
//! the finance summary and the watch lists, with bad questions refused.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, fixture, spawn_app};
use crate::relations::relate;

async fn asset(app: &TestApp, input: Value) -> String {
    app.create("Asset", input).await
}

fn laptop(tag: &str, cost: &str, currency: &str, bought: &str) -> Value {
    json!({"name": tag, "assetTag": tag, "class": "LAPTOP", "manufacturer": "Lenovo", "lifecycleStage": "IN_STOCK",
           "purchase": {"date": bought, "cost": {"amount": cost, "currency": currency}}})
}

const MONEY: &str = "{ amount currency }";

#[tokio::test]
async fn book_values_and_schedules_follow_the_profile() {
    let app = spawn_app().await;
    let id = asset(&app, laptop("LT-1", "3600", "EUR", "2024-01-15")).await;
    let query = format!(
        "query($id: ID!) {{ asset(id: $id) {{
            depreciation {{ method usefulLifeMonths salvage {MONEY} inServiceDate convention fiscalYearStartMonth factor }}
            end2024: bookValue(asOf: \"2024-12-31\") {MONEY}
            mid2024: bookValue(asOf: \"2024-06-15\") {MONEY}
            accumulatedDepreciation(asOf: \"2024-12-31\") {MONEY}
            depreciationSchedule {{ fiscalYear opening {{ amount }} depreciation {{ amount }} closing {{ amount }} }}
        }} }}"
    );
    let answer = app.data(&query, json!({"id": id})).await["asset"].clone();
    assert_eq!(
        answer["depreciation"],
        json!({"method": "STRAIGHT_LINE", "usefulLifeMonths": 36, "salvage": {"amount": "0.00", "currency": "EUR"},
               "inServiceDate": "2024-01-15", "convention": "FULL_MONTH", "fiscalYearStartMonth": 1, "factor": "2"})
    );
    assert_eq!(
        answer["end2024"],
        json!({"amount": "2400.00", "currency": "EUR"})
    );
    // Five whole months by mid-June.
    assert_eq!(answer["mid2024"]["amount"], "3100.00");
    assert_eq!(answer["accumulatedDepreciation"]["amount"], "1200.00");
    let rows: Vec<(i64, String)> = answer["depreciationSchedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["fiscalYear"].as_i64().unwrap(),
                r["depreciation"]["amount"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (2024, "1200.00".into()),
            (2025, "1200.00".into()),
            (2026, "1200.00".into())
        ]
    );

    // The asset's own settings win over its class: double declining over two years, switching.
    let changed = app
        .mutate("updateAsset", "UpdateAssetInput", "node { depreciationSchedule { depreciation { amount } } }",
            json!({"id": id, "depreciation": {"method": "DECLINING_BALANCE", "usefulLifeMonths": 24, "salvage": {"amount": "600", "currency": "EUR"}}}))
        .await;
    assert_eq!(changed["userErrors"], json!([]));
    let amounts: Vec<&str> = changed["node"]["depreciationSchedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["depreciation"]["amount"].as_str().unwrap())
        .collect();
    // 3600 at 100%: 3000 the first year would leave 600 = salvage; 2024 holds 12 of those months.
    assert_eq!(amounts, ["3000.00", "0.00"]);
    // No cost: no book value; no date: the cost stays.
    let free = asset(
        &app,
        json!({"name": "free", "assetTag": "F-1", "class": "LAPTOP"}),
    )
    .await;
    let undated = asset(&app, json!({"name": "u", "assetTag": "U-1", "class": "LAPTOP", "purchase": {"cost": {"amount": "10", "currency": "EUR"}}})).await;
    let values = app.data("query($a: ID!, $b: ID!) { a: asset(id: $a) { bookValue { amount } depreciation { method } } b: asset(id: $b) { bookValue { amount } depreciation { method } } }", json!({"a": free, "b": undated})).await;
    assert_eq!(
        values["a"],
        json!({"bookValue": null, "depreciation": null})
    );
    assert_eq!(
        values["b"],
        json!({"bookValue": {"amount": "10.00"}, "depreciation": null})
    );
}

#[tokio::test]
async fn total_cost_of_ownership_counts_maintenance_up_to_the_date() {
    let app = spawn_app().await;
    let id = asset(&app, laptop("LT-2", "1500", "EUR", "2024-02-01")).await;
    for (date, amount, currency) in [
        ("2024-06-01", "200", "EUR"),
        ("2025-03-01", "80.50", "EUR"),
        ("2024-07-01", "30", "USD"),
    ] {
        let recorded = app.mutate("recordMaintenance", "RecordMaintenanceInput", "node { id }",
            json!({"asset": id, "kind": "REPAIR", "date": date, "cost": {"amount": amount, "currency": currency}})).await;
        assert_eq!(recorded["userErrors"], json!([]));
    }
    let tco = app.data(&format!("query($id: ID!) {{ asset(id: $id) {{ all: totalCostOfOwnership {{ purchase {MONEY} maintenance {MONEY} maintenanceRecords total {MONEY} }} early: totalCostOfOwnership(asOf: \"2024-12-31\") {{ total {MONEY} maintenanceRecords }} }} }}"), json!({"id": id})).await["asset"].clone();
    assert_eq!(
        tco["all"]["total"],
        json!([{"amount": "1780.50", "currency": "EUR"}, {"amount": "30.00", "currency": "USD"}])
    );
    assert_eq!(tco["all"]["maintenanceRecords"], 3);
    assert_eq!(
        tco["early"],
        json!({"total": [{"amount": "1700.00", "currency": "EUR"}, {"amount": "30.00", "currency": "USD"}], "maintenanceRecords": 2})
    );
}

#[tokio::test]
async fn a_service_carries_its_share_of_shared_infrastructure() {
    let app = spawn_app().await;
    let priced = |name: &str, class: &str, cost: &str| {
        json!({"name": name, "assetTag": name, "class": class, "manufacturer": "X", "lifecycleStage": "IN_STOCK",
               "purchase": {"date": "2024-01-01", "cost": {"amount": cost, "currency": "EUR"}}})
    };
    let mail = asset(
        &app,
        json!({"name": "mail", "assetTag": "mail", "class": "BUSINESS_SERVICE"}),
    )
    .await;
    let web = asset(
        &app,
        json!({"name": "web", "assetTag": "web", "class": "SOFTWARE_APPLICATION"}),
    )
    .await;
    let exchange = asset(
        &app,
        json!({"name": "exchange", "assetTag": "exchange", "class": "SOFTWARE_APPLICATION"}),
    )
    .await;
    let host = asset(&app, priced("host", "SERVER", "12000")).await;
    let san = asset(&app, priced("san", "STORAGE", "50000")).await;
    // Mail carries all of exchange; the host serves exchange and the web app (an equal split);
    // the SAN bills 10% to the host; a loop back from the SAN to exchange is cut, not counted
    // twice.
    for edge in [
        json!({"source": mail, "target": exchange, "type": "DEPENDS_ON", "allocationPercent": "100"}),
        json!({"source": exchange, "target": host, "type": "RUNS_ON"}),
        json!({"source": web, "target": host, "type": "RUNS_ON"}),
        json!({"source": host, "target": san, "type": "DEPENDS_ON", "allocationPercent": "10"}),
        json!({"source": san, "target": exchange, "type": "DEPENDS_ON"}),
    ] {
        let related = relate(&app, edge.clone()).await;
        assert_eq!(related["userErrors"], json!([]), "{edge}");
    }
    let rollup = app.data(&format!("query($id: ID!) {{ asset(id: $id) {{ costRollup(asOf: \"2025-01-01\") {{ total {MONEY} breakdown {{ asset {{ name }} depth share amount {{ amount }} }} cutEdges {{ from {{ name }} to {{ name }} }} }} }} }}"), json!({"id": mail})).await["asset"]["costRollup"].clone();
    // 12000 / 2 + 50000 × 10% / 2 = 6000 + 2500.
    assert_eq!(
        rollup["total"],
        json!([{"amount": "8500.00", "currency": "EUR"}])
    );
    let shares: Vec<(String, u64, String)> = rollup["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["asset"]["name"].as_str().unwrap().to_string(),
                s["depth"].as_u64().unwrap(),
                s["share"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        shares,
        [
            ("mail".into(), 0, "1".into()),
            ("exchange".into(), 1, "1".into()),
            ("host".into(), 2, "0.5".into()),
            ("san".into(), 3, "0.05".into())
        ]
    );
    assert_eq!(
        rollup["cutEdges"],
        json!([{"from": {"name": "san"}, "to": {"name": "exchange"}}])
    );
}

#[tokio::test]
async fn the_summary_groups_money_per_currency_and_follows_every_write() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let mut owned = laptop("LT-3", "3600", "EUR", "2024-01-15");
    owned["owner"] = json!({"team": f.team});
    let a = asset(&app, owned).await;
    asset(&app, laptop("LT-4", "1000", "USD", "2024-01-15")).await;
    asset(&app, json!({"name": "app", "assetTag": "APP-1", "class": "SOFTWARE_APPLICATION", "owner": {"team": f.team}})).await;
    let query = format!(
        "{{ financeSummary(groupBy: TEAM, asOf: \"2024-12-31\") {{ team {{ name }} count currencies {{ currency assets purchaseCost {MONEY} accumulatedDepreciation {{ amount }} bookValue {{ amount }} }} }} }}"
    );
    let summary = app.data(&query, json!({})).await["financeSummary"].clone();
    assert_eq!(summary.as_array().unwrap().len(), 2);
    let group = |summary: &Value, owned: bool| {
        summary
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["team"].is_null() != owned)
            .unwrap()
            .clone()
    };
    let team = group(&summary, true);
    assert_eq!(team["team"]["name"], "IT Infrastructure");
    assert_eq!(team["count"], 2);
    assert_eq!(
        team["currencies"],
        json!([{"currency": "EUR", "assets": 1, "purchaseCost": {"amount": "3600.00", "currency": "EUR"}, "accumulatedDepreciation": {"amount": "1200.00"}, "bookValue": {"amount": "2400.00"}}])
    );
    assert_eq!(group(&summary, false)["currencies"][0]["currency"], "USD");

    // A change of cost shows at once.
    app.mutate(
        "updateAsset",
        "UpdateAssetInput",
        "node { id }",
        json!({"id": a, "purchase": {"cost": {"amount": "7200", "currency": "EUR"}}}),
    )
    .await;
    let summary = app.data(&query, json!({})).await["financeSummary"].clone();
    assert_eq!(
        group(&summary, true)["currencies"][0]["bookValue"]["amount"],
        "4800.00"
    );

    let by_class = app
        .data(
            "{ financeSummary(groupBy: CLASS) { class count } }",
            json!({}),
        )
        .await;
    assert_eq!(
        by_class["financeSummary"],
        json!([{"class": "LAPTOP", "count": 2}, {"class": "SOFTWARE_APPLICATION", "count": 1}])
    );
    let response = app
        .post("{ financeSummary(groupBy: COLOUR) { count } }", json!({}))
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
}

#[tokio::test]
async fn watch_lists_name_what_needs_action() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let today = chrono::Utc::now().date_naive();
    let day = |offset: i64| (today + chrono::TimeDelta::days(offset)).to_string();
    let model = app.create("Model", json!({"name": "T14", "manufacturer": "Lenovo", "category": "MOBILE", "endOfSupport": day(-10)})).await;
    let mut old = laptop("OLD", "900", "EUR", "2019-01-01");
    old["lifecycleStage"] = json!("DEPLOYED");
    old["location"] = json!(f.room);
    old["warrantyEnd"] = json!(day(-400));
    old["model"] = json!(model);
    let old = asset(&app, old).await;
    let mut soon = laptop("SOON", "900", "EUR", &day(-100));
    soon["warrantyEnd"] = json!(day(20));
    soon["endOfSupport"] = json!(day(45));
    let soon = asset(&app, soon).await;

    let lists = app.data("{ expiringWarranties(withinDays: 30) { totalCount edges { node { asset { id } date daysLeft } } }
        endOfSupport(withinDays: 60) { totalCount edges { node { asset { id } daysLeft } } }
        replacementCandidates { totalCount edges { node { asset { id } reasons } } } }", json!({})).await;
    assert_eq!(lists["expiringWarranties"]["totalCount"], 1);
    assert_eq!(
        lists["expiringWarranties"]["edges"][0]["node"]["asset"]["id"],
        soon
    );
    assert_eq!(
        lists["expiringWarranties"]["edges"][0]["node"]["daysLeft"],
        20
    );
    let support: Vec<(&str, i64)> = lists["endOfSupport"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["asset"]["id"].as_str().unwrap(),
                e["node"]["daysLeft"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(support, [(old.as_str(), -10), (soon.as_str(), 45)]);
    assert_eq!(lists["replacementCandidates"]["totalCount"], 1);
    assert_eq!(
        lists["replacementCandidates"]["edges"][0]["node"]["reasons"],
        json!([
            "FULLY_DEPRECIATED",
            "OUT_OF_WARRANTY",
            "PAST_END_OF_SUPPORT"
        ])
    );
    for bad in [
        "{ expiringWarranties(withinDays: -1) { totalCount } }",
        "{ endOfSupport(withinDays: 100000) { totalCount } }",
    ] {
        assert_eq!(
            error_code(&app.post(bad, json!({})).await),
            "BAD_USER_INPUT",
            "{bad}"
        );
    }
}
