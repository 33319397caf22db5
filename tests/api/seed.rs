//! The demo company: large enough to explore, and loading it twice changes nothing.

use assetgraph::service::datasets::seed;
use serde_json::json;

use crate::helpers::spawn_demo_app;

#[tokio::test]
async fn demo_company_is_realistic_and_seeding_is_idempotent() {
    let app = spawn_demo_app().await;
    let counts = app
        .data("{ assets { totalCount } people { totalCount } teams { totalCount } locations(filter: {kind: [SITE]}) { totalCount } vendors { totalCount } models { totalCount } }", json!({}))
        .await;
    assert!(counts["assets"]["totalCount"].as_u64().unwrap() >= 300);
    assert_eq!(counts["people"]["totalCount"], 80);
    assert_eq!(counts["teams"]["totalCount"], 10);
    assert!(counts["locations"]["totalCount"].as_u64().unwrap() >= 6);
    assert!(counts["vendors"]["totalCount"].as_u64().unwrap() >= 15);

    let classes = app
        .data(
            "{ __type(name: \"AssetClass\") { enumValues { name } } }",
            json!({}),
        )
        .await;
    for class in classes["__type"]["enumValues"].as_array().unwrap() {
        let name = class["name"].as_str().unwrap();
        let n = app
            .data(
                &format!("{{ assets(filter: {{class: [{name}]}}) {{ totalCount }} }}"),
                json!({}),
            )
            .await;
        assert!(
            n["assets"]["totalCount"].as_u64().unwrap() > 0,
            "no demo asset of class {name}"
        );
    }
    let today = chrono::Utc::now().date_naive();
    let soon = today + chrono::Duration::days(120);
    let warranties = app
        .data(
            "query($today: NaiveDate!, $soon: NaiveDate!) { expired: assets(filter: {warrantyEnd: {to: $today}}) { totalCount } expiring: assets(filter: {warrantyEnd: {from: $today, to: $soon}}) { totalCount } }",
            json!({"today": today, "soon": soon}),
        )
        .await;
    assert!(warranties["expired"]["totalCount"].as_u64().unwrap() > 0);
    assert!(warranties["expiring"]["totalCount"].as_u64().unwrap() > 0);

    // The demo estate is wired: services need applications, VMs, hosts, switches; a cycle exists.
    let wired = app
        .data(
            "{ assetByTag(tag: \"NW-BSV-0001\") { id name dependencies { totalCount } } dependencyCycles { ... on Asset { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(wired["assetByTag"]["name"], "Order to Cash");
    assert!(
        wired["assetByTag"]["dependencies"]["totalCount"]
            .as_u64()
            .unwrap()
            >= 3
    );
    assert!(
        wired["dependencyCycles"].to_string().contains("ERP"),
        "{wired}"
    );
    let needs = app
        .data(
            "query($s: [ID!]!) { impact(input: {failed: $s, direction: UPSTREAM}) { totals { affected byClass { class count } } } }",
            json!({"s": [wired["assetByTag"]["id"]]}),
        )
        .await;
    let classes = needs["impact"]["totals"]["byClass"].to_string();
    for class in [
        "SOFTWARE_APPLICATION",
        "VIRTUAL_MACHINE",
        "SERVER",
        "SWITCH",
    ] {
        assert!(
            classes.contains(class),
            "Order to Cash should need a {class}: {classes}"
        );
    }

    // The lifecycle and the money side have something to show: loans (one overdue), approvals,
    // maintenance, depreciation, and assets due for replacement.
    let lifecycle = app
        .data(
            "{ overdueCheckouts { totalCount } pendingApprovals { totalCount } replacementCandidates { totalCount }
               expiringWarranties(withinDays: 120) { totalCount } financeSummary(groupBy: CATEGORY) { count currencies { bookValue { amount } } }
               assetByTag(tag: \"NW-SRV-0001\") { maintenance { totalCount } depreciation { method } totalCostOfOwnership { maintenanceRecords } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        lifecycle["overdueCheckouts"]["totalCount"], 1,
        "{lifecycle}"
    );
    assert_eq!(lifecycle["pendingApprovals"]["totalCount"], 1);
    assert!(
        lifecycle["replacementCandidates"]["totalCount"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(
        lifecycle["expiringWarranties"]["totalCount"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(lifecycle["financeSummary"].as_array().unwrap().len() >= 4);
    assert_eq!(
        lifecycle["assetByTag"]["depreciation"]["method"],
        "DECLINING_BALANCE"
    );

    // A software estate: every licence metric, under- and over-licensed families, products past
    // end of support, subscriptions with idle seats, support and lease contracts.
    let software = app
        .data(
            "{ licenseCompliance { edges { node { family metric status } } } subscriptionUtilization { edges { node { idleSeats } } }
               unsupportedSoftware { totalCount } duplicatePurchases { edges { node { family } } }
               contracts { edges { node { kind coveredAssets { totalCount } } } }
               upcomingRenewals(withinDays: 90) { totalCount } }",
            json!({}),
        )
        .await;
    let rows = software["licenseCompliance"].to_string();
    for wanted in [
        "UNDER_LICENSED",
        "OVER_LICENSED",
        "PER_DEVICE",
        "PER_USER",
        "PER_CORE",
        "CONCURRENT",
        "SITE",
    ] {
        assert!(rows.contains(wanted), "no {wanted} in {rows}");
    }
    assert!(
        software["unsupportedSoftware"]["totalCount"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(
        software["subscriptionUtilization"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["node"]["idleSeats"].as_u64().unwrap() > 0)
    );
    assert_eq!(
        software["duplicatePurchases"]["edges"][0]["node"]["family"],
        "Microsoft Office"
    );
    let contracts = software["contracts"].to_string();
    assert!(contracts.contains("SUPPORT") && contracts.contains("LEASE"));
    assert!(software["upcomingRenewals"]["totalCount"].as_u64().unwrap() > 0);

    let before = app.snapshot().await;
    let report = seed::load(app.readiness.get().unwrap()).await.unwrap();
    assert_eq!(report.created, 0);
    assert!(report.skipped > 500);
    assert_eq!(app.snapshot().await, before);
}
