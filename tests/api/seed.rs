//! The demo company: large enough to explore, and loading it twice changes nothing.

use assetgraph::service::datasets::seed;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_demo_app};

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

/// The ids of the demo assets with these tags.
async fn ids_by_tag(app: &TestApp, tags: &[&str]) -> Vec<Value> {
    let mut ids = Vec::new();
    for tag in tags {
        let found = app
            .data(
                "query($tag: String!) { assetByTag(tag: $tag) { id } }",
                json!({"tag": tag}),
            )
            .await;
        assert!(!found["assetByTag"].is_null(), "no demo asset {tag}");
        ids.push(found["assetByTag"]["id"].clone());
    }
    ids
}

/// What failing the assets with these tags together does: how many entities go down, and each
/// affected business service with its state.
async fn outage(app: &TestApp, tags: &[&str]) -> (u64, Vec<(String, String)>) {
    let failed = ids_by_tag(app, tags).await;
    let impact = app
        .data(
            "query($f: [ID!]!) { impact(input: {failed: $f}) { totals { down } services { state asset { name } } } }",
            json!({"f": failed}),
        )
        .await;
    let services = impact["impact"]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["asset"]["name"].as_str().unwrap().to_string(),
                s["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (
        impact["impact"]["totals"]["down"].as_u64().unwrap(),
        services,
    )
}

#[tokio::test]
async fn every_demo_service_rests_on_redundant_network_and_power() {
    let app = spawn_demo_app().await;
    let services = app
        .data(
            "{ assets(first: 50, filter: {class: [BUSINESS_SERVICE]}) { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    let services = services["assets"]["edges"].as_array().unwrap().clone();
    assert!(services.len() >= 6, "{services:?}");
    // Each service needs, through its applications, VMs or containers and hosts, switches,
    // firewalls, WAN routers and power: PDUs fed by UPSs (the register has no facilities class,
    // so the demo keeps them as peripherals tagged NW-PDU and NW-UPS).
    for service in &services {
        let name = service["node"]["name"].as_str().unwrap();
        let needs = app
            .data(
                "query($s: [ID!]!) { impact(input: {failed: $s, direction: UPSTREAM}) { totals { byClass { class } } affected(first: 500) { nodes { asset { assetTag } } } } }",
                json!({"s": [service["node"]["id"]]}),
            )
            .await;
        let classes = needs["impact"]["totals"]["byClass"].to_string();
        for class in ["SERVER", "SWITCH", "FIREWALL", "ROUTER", "PERIPHERAL"] {
            assert!(
                classes.contains(class),
                "{name} should need a {class}: {classes}"
            );
        }
        let tags: Vec<&str> = needs["impact"]["affected"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["asset"]["assetTag"].as_str())
            .collect();
        for power in ["NW-PDU-", "NW-UPS-"] {
            assert!(
                tags.iter().any(|t| t.starts_with(power)),
                "{name} should need a {power}: {tags:?}"
            );
        }
    }

    // Losing one device of a pair takes nothing down and only degrades services; losing both
    // takes services down. Frankfurt carries every service, Hamburg some.
    let pairs: [(&str, &str, &str); 4] = [
        ("NW-SWI-0015", "NW-SWI-0016", "Order to Cash"), // fra-swi15/16
        ("NW-SWI-0009", "NW-SWI-0012", "Payroll & HR"),  // ham-swi09/12
        ("NW-FW-0005", "NW-FW-0008", "Order to Cash"),   // fra-fw05/08
        ("NW-UPS-0001", "NW-UPS-0002", "Order to Cash"), // fra-ups01/02
    ];
    for (first, second, victim) in pairs {
        for one in [first, second] {
            let (down, hit) = outage(&app, &[one]).await;
            assert!(!hit.is_empty(), "{one} carries services");
            assert!(
                hit.iter().all(|(_, state)| state == "DEGRADED"),
                "{one} alone must only degrade services: {hit:?}"
            );
            // A UPS alone takes down the PDU it feeds, and nothing behind that.
            let expected = u64::from(one.starts_with("NW-UPS-"));
            assert_eq!(down, expected, "{one} alone");
        }
        let (_, hit) = outage(&app, &[first, second]).await;
        assert!(
            hit.contains(&(victim.to_string(), "DOWN".to_string())),
            "{first} and {second} together should take {victim} down: {hit:?}"
        );
    }
}
