//! Software asset management over GraphQL: products, installations, entitlements, subscriptions
//! and contracts, the compliance position per metric, and bad input refused with nothing written.

use serde_json::{Value, json};

use crate::helpers::{TestApp, codes, spawn_app};
use crate::relations::relate;

async fn person(app: &TestApp, name: &str, left_on: Option<&str>) -> String {
    app.create(
        "Person",
        json!({"name": name, "email": format!("{name}@example.com"), "leftOn": left_on}),
    )
    .await
}

/// A deployed server in a data centre of its own.
async fn device(app: &TestApp, tag: &str, user: Option<&str>, cores: u32) -> String {
    let site = app
        .create(
            "Location",
            json!({"name": format!("DC {tag}"), "kind": "SITE"}),
        )
        .await;
    app.create(
        "Asset",
        json!({"name": tag, "assetTag": tag, "class": "SERVER", "manufacturer": "Dell",
               "lifecycleStage": "DEPLOYED", "assignee": user, "location": site,
               "attributes": {"cpuCores": cores}}),
    )
    .await
}

async fn product(app: &TestApp, name: &str, version: &str, needs_licence: bool) -> String {
    app.create(
        "SoftwareProduct",
        json!({"publisher": "Acme", "name": name, "productVersion": version, "needsLicence": needs_licence}),
    )
    .await
}

async fn install(app: &TestApp, product: &str, device: &str, last_used: Option<&str>) {
    let made = relate(
        app,
        json!({"source": product, "target": device, "type": "INSTALLED_ON",
               "installation": {"version": "build 42", "lastUsed": last_used}}),
    )
    .await;
    assert_eq!(made["userErrors"], json!([]), "{made}");
}

async fn entitle(app: &TestApp, input: Value) -> String {
    app.create("Entitlement", input).await
}

const POSITION: &str = "family metric entitled consumed position shortfall surplus status \
    unitCost { amount currency } trueUpCost { amount } reclaimable potentialSavings { amount } \
    installations entitlements { name }";

async fn compliance(app: &TestApp, filter: Value) -> Vec<Value> {
    let query = format!(
        "query($f: ComplianceFilter) {{ licenseCompliance(filter: $f) {{ totalCount edges {{ node {{ {POSITION} }} }} }} }}"
    );
    let answer = app.data(&query, json!({"f": filter})).await;
    nodes(&answer["licenseCompliance"])
}

/// The nodes of a connection.
fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn row<'a>(rows: &'a [Value], family: &str, metric: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["family"] == family && r["metric"] == metric)
        .unwrap_or_else(|| panic!("no {family} {metric} row in {rows:?}"))
}

#[tokio::test]
async fn compliance_counts_each_metric_with_versions_terms_and_people() {
    let app = spawn_app().await;
    let ada = person(&app, "ada", None).await;
    let bob = person(&app, "bob", Some("2026-01-31")).await;
    let d1 = device(&app, "D1", Some(&ada), 16).await;
    let d2 = device(&app, "D2", Some(&ada), 8).await;
    let d3 = device(&app, "D3", None, 4).await;

    // Office: two versions, per device, three devices, with downgrade rights for two.
    let office19 = product(&app, "Office", "2019", true).await;
    let office21 = product(&app, "Office", "2021", true).await;
    install(&app, &office21, &d1, Some("2026-11-20")).await;
    install(&app, &office19, &d2, Some("2026-01-10")).await;
    install(&app, &office19, &d3, None).await;
    entitle(
        &app,
        json!({"name": "Office 2021 volume", "products": [office21], "metric": "PER_DEVICE", "quantity": 2,
               "downgradeRights": true, "unitCost": {"amount": "450.00", "currency": "EUR"},
               "termStart": "2025-01-01"}),
    )
    .await;
    // An expired term entitles nothing.
    entitle(
        &app,
        json!({"name": "Office 2019 lapsed", "products": [office19], "metric": "PER_DEVICE", "quantity": 10,
               "termStart": "2019-01-01", "termEnd": "2025-12-31"}),
    )
    .await;

    // A database licensed per core on two servers (16 + 8 cores), 20 cores bought.
    let db = product(&app, "Database", "19c", true).await;
    install(&app, &db, &d1, None).await;
    install(&app, &db, &d2, None).await;
    entitle(
        &app,
        json!({"name": "DB cores", "products": [db], "metric": "PER_CORE", "quantity": 20,
               "unitCost": {"amount": "1000.00", "currency": "EUR"}}),
    )
    .await;

    // CAD: concurrent use peaked at 4 in the window; 6 bought.
    let cad = product(&app, "CAD", "7", true).await;
    for (at, users) in [("2026-11-01T10:00:00Z", 3), ("2026-11-15T10:00:00Z", 4)] {
        let recorded = app
            .mutate(
                "recordSoftwareUsage",
                "RecordSoftwareUsageInput",
                "node { concurrentUsers product { family } }",
                json!({"product": cad, "measuredAt": at, "concurrentUsers": users}),
            )
            .await;
        assert_eq!(
            recorded["node"]["product"]["family"], "Acme CAD",
            "{recorded}"
        );
    }
    entitle(
        &app,
        json!({"name": "CAD floating", "products": [cad], "metric": "CONCURRENT", "quantity": 6}),
    )
    .await;

    // Chat: seats named to people, one of whom has left.
    let chat = product(&app, "Chat", "1", true).await;
    entitle(
        &app,
        json!({"name": "Chat seats", "products": [chat], "metric": "SUBSCRIPTION_SEAT", "quantity": 2,
               "assignedPeople": [ada, bob], "unitCost": {"amount": "8.00", "currency": "EUR"}}),
    )
    .await;

    // Free software consumes nothing and makes no row.
    let zip = product(&app, "Zip", "24", false).await;
    install(&app, &zip, &d1, None).await;

    let rows = compliance(&app, json!({"asOf": "2026-12-01"})).await;
    assert_eq!(rows.len(), 4, "{rows:?}");
    let office = row(&rows, "Acme Office", "PER_DEVICE");
    assert_eq!(
        (
            &office["entitled"],
            &office["consumed"],
            &office["shortfall"],
            &office["status"]
        ),
        (&json!(2), &json!(3), &json!(1), &json!("UNDER_LICENSED"))
    );
    assert_eq!(office["position"], -1);
    assert_eq!(office["trueUpCost"]["amount"], "450.00");
    // D2's Office was last used in January: reclaimable after 90 days unused.
    assert_eq!(office["reclaimable"], 1);
    assert_eq!(office["installations"], 3);
    assert_eq!(office["entitlements"].as_array().unwrap().len(), 2);

    let db_row = row(&rows, "Acme Database", "PER_CORE");
    assert_eq!(
        (&db_row["consumed"], &db_row["surplus"], &db_row["status"]),
        (&json!(24), &json!(0), &json!("UNDER_LICENSED"))
    );
    assert_eq!(db_row["trueUpCost"]["amount"], "4000.00");

    let cad_row = row(&rows, "Acme CAD", "CONCURRENT");
    assert_eq!(
        (
            &cad_row["consumed"],
            &cad_row["surplus"],
            &cad_row["status"]
        ),
        (&json!(4), &json!(2), &json!("OVER_LICENSED"))
    );

    let chat_row = row(&rows, "Acme Chat", "SUBSCRIPTION_SEAT");
    assert_eq!(
        (
            &chat_row["consumed"],
            &chat_row["reclaimable"],
            &chat_row["status"]
        ),
        (&json!(2), &json!(1), &json!("COMPLIANT"))
    );
    assert_eq!(chat_row["potentialSavings"]["amount"], "8.00");

    // Filters narrow the answer.
    let under = compliance(
        &app,
        json!({"asOf": "2026-12-01", "status": ["UNDER_LICENSED"]}),
    )
    .await;
    assert_eq!(under.len(), 2);
    let only_cad = compliance(&app, json!({"asOf": "2026-12-01", "family": "Acme CAD"})).await;
    assert_eq!(only_cad.len(), 1);
    // Before bob left, his seat was not reclaimable; a wider unused window reclaims nothing.
    let earlier = compliance(
        &app,
        json!({"asOf": "2026-01-15", "unusedDays": 365, "family": "Acme Chat"}),
    )
    .await;
    assert_eq!(earlier[0]["reclaimable"], 0);
}

#[tokio::test]
async fn retiring_a_device_releases_its_installations() {
    let app = spawn_app().await;
    let d1 = device(&app, "R1", None, 2).await;
    let d2 = device(&app, "R2", None, 2).await;
    let office = product(&app, "Office", "2021", true).await;
    install(&app, &office, &d1, None).await;
    install(&app, &office, &d2, None).await;
    entitle(
        &app,
        json!({"name": "Office", "products": [office], "metric": "PER_DEVICE", "quantity": 1}),
    )
    .await;
    let rows = compliance(&app, json!({})).await;
    assert_eq!(rows[0]["status"], "UNDER_LICENSED");

    let step = |to: &str| json!({"asset": d2, "to": to, "reason": "end of life"});
    let moved = app
        .mutate(
            "transitionAsset",
            "TransitionAssetInput",
            "node { lifecycleStage }",
            step("RETIRING"),
        )
        .await;
    assert_eq!(moved["userErrors"], json!([]), "{moved}");
    let request = app
        .mutate(
            "requestRetirement",
            "RequestRetirementInput",
            "node { id }",
            json!({"asset": d2}),
        )
        .await;
    let request_id = request["node"]["id"].as_str().unwrap().to_string();
    let query = "mutation($input: DecideRequestInput!) { approveRequest(input: $input) { userErrors { code } } }";
    let approved = app
        .post_as("approver", query, json!({"input": {"request": request_id}}))
        .await;
    assert_eq!(
        approved["data"]["approveRequest"]["userErrors"],
        json!([]),
        "{approved}"
    );
    let retired = app
        .mutate(
            "transitionAsset",
            "TransitionAssetInput",
            "node { lifecycleStage }",
            step("RETIRED"),
        )
        .await;
    assert_eq!(retired["node"]["lifecycleStage"], "RETIRED", "{retired}");

    let rows = compliance(&app, json!({})).await;
    assert_eq!(
        (
            &rows[0]["consumed"],
            &rows[0]["installations"],
            &rows[0]["status"]
        ),
        (&json!(1), &json!(1), &json!("COMPLIANT"))
    );
}

#[tokio::test]
async fn contracts_and_subscriptions_keep_terms_seats_and_coverage() {
    let app = spawn_app().await;
    let ada = person(&app, "ada", None).await;
    let bob = person(&app, "bob", None).await;
    let server = device(&app, "S1", None, 8).await;
    let contract = app
        .mutate(
            "createContract",
            "CreateContractInput",
            "node { id noticeDeadline annualCost { amount currency } kind }",
            json!({"name": "Server support", "kind": "SUPPORT", "start": "2025-01-01", "end": "2027-12-31",
                   "noticeDays": 90, "autoRenew": true, "cost": {"amount": "300.00", "currency": "EUR"},
                   "costPeriod": "QUARTERLY", "documents": ["https://docs.example.com/c/17"]}),
        )
        .await;
    assert_eq!(contract["userErrors"], json!([]), "{contract}");
    assert_eq!(contract["node"]["noticeDeadline"], "2027-10-02");
    assert_eq!(
        contract["node"]["annualCost"],
        json!({"amount": "1200.00", "currency": "EUR"})
    );
    let contract_id = contract["node"]["id"].as_str().unwrap().to_string();
    let covered = relate(
        &app,
        json!({"source": server, "target": contract_id, "type": "COVERED_BY"}),
    )
    .await;
    assert_eq!(covered["userErrors"], json!([]), "{covered}");
    let read = app
        .data(
            "query($id: ID!) { contract(id: $id) { coveredAssets { totalCount edges { node { assetTag } } } } }",
            json!({"id": contract_id}),
        )
        .await;
    assert_eq!(
        read["contract"]["coveredAssets"]["edges"][0]["node"]["assetTag"],
        "S1"
    );

    let subscription = app
        .mutate(
            "createSubscription",
            "CreateSubscriptionInput",
            "node { id seats periodCost { amount } annualCost { amount } users { name } activity { person { name } lastActive } }",
            json!({"name": "Design suite", "price": {"amount": "55.00", "currency": "EUR"}, "seats": 3,
                   "start": "2026-01-01", "users": [ada, bob],
                   "activity": [{"person": ada, "lastActive": "2026-11-28"}]}),
        )
        .await;
    assert_eq!(subscription["userErrors"], json!([]), "{subscription}");
    let node = &subscription["node"];
    assert_eq!(node["periodCost"]["amount"], "165.00");
    assert_eq!(node["annualCost"]["amount"], "1980.00");
    assert_eq!(node["users"], json!([{"name": "ada"}, {"name": "bob"}]));
    assert_eq!(
        node["activity"],
        json!([{"person": {"name": "ada"}, "lastActive": "2026-11-28"}])
    );
    // The server carries all of the support contract and half of the subscription.
    let subscription_id = node["id"].as_str().unwrap();
    let licensed = relate(
        &app,
        json!({"source": server, "target": subscription_id, "type": "LICENSED_BY", "allocationPercent": "50"}),
    )
    .await;
    assert_eq!(licensed["userErrors"], json!([]), "{licensed}");
    let tco = app
        .data(
            "query($id: ID!) { asset(id: $id) { totalCostOfOwnership(asOf: \"2026-12-01\") { contracts { amount currency } licences { amount } total { amount } } } }",
            json!({"id": server}),
        )
        .await;
    // Eight quarters of 300 begun since January 2025; twelve months of 165 since January 2026, halved.
    assert_eq!(
        tco["asset"]["totalCostOfOwnership"],
        json!({"contracts": [{"amount": "2400.00", "currency": "EUR"}], "licences": [{"amount": "990.00"}],
               "total": [{"amount": "3390.00"}]})
    );
    let listed = app
        .data(
            "{ subscriptions { totalCount } contracts { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed,
        json!({"subscriptions": {"totalCount": 1}, "contracts": {"totalCount": 1}})
    );

    // A contract that still covers an asset cannot be deleted.
    let deleted = app
        .mutate(
            "deleteContract",
            "DeleteInput",
            "deletedId",
            json!({"id": contract_id}),
        )
        .await;
    assert_eq!(codes(&deleted), ["IN_USE"]);
}

#[tokio::test]
async fn bad_software_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ada = person(&app, "ada", None).await;
    let server = device(&app, "B1", None, 4).await;
    let office = product(&app, "Office", "2021", true).await;
    let other = app
        .create(
            "SoftwareProduct",
            json!({"publisher": "Other", "name": "Suite"}),
        )
        .await;
    let before = app.snapshot().await;
    let base = || json!({"name": "x", "products": [office], "metric": "PER_DEVICE", "quantity": 5});
    let with = |changes: Value| {
        let mut input = base();
        for (k, v) in changes.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    let cases = [
        (with(json!({"quantity": -1})), "NEGATIVE"),
        (
            with(json!({"termStart": "2026-05-01", "termEnd": "2026-04-30"})),
            "INVALID",
        ),
        (
            with(json!({"products": ["U29mdHdhcmVQcm9kdWN0Om5vLXN1Y2g"]})),
            "NOT_FOUND",
        ),
        (with(json!({"products": [office, other]})), "NOT_ALLOWED"),
        (with(json!({"assignedPeople": [ada]})), "NOT_ALLOWED"),
        (
            with(json!({"metric": "PER_USER", "quantity": 0, "assignedPeople": [ada]})),
            "INVALID",
        ),
        (with(json!({"metric": "SITE"})), "NOT_ALLOWED"),
        (with(json!({"metric": "SUBSCRIPTION_SEAT"})), "REQUIRED"),
        (with(json!({"products": []})), "REQUIRED"),
        (with(json!({"products": [server]})), "INVALID"),
    ];
    for (input, code) in cases {
        let payload = app
            .mutate(
                "createEntitlement",
                "CreateEntitlementInput",
                "node { id }",
                input.clone(),
            )
            .await;
        assert_eq!(codes(&payload), [code], "{input}: {payload}");
    }
    let duplicate = app
        .mutate(
            "createSoftwareProduct",
            "CreateSoftwareProductInput",
            "node { id }",
            json!({"publisher": "acme", "name": "office", "productVersion": "2021"}),
        )
        .await;
    assert_eq!(codes(&duplicate), ["CONFLICT"]);
    let usage = app
        .mutate(
            "recordSoftwareUsage",
            "RecordSoftwareUsageInput",
            "node { id }",
            json!({"product": office, "measuredAt": "2026-11-01T00:00:00Z", "concurrentUsers": -3}),
        )
        .await;
    assert_eq!(codes(&usage), ["NEGATIVE"]);
    // Software is installed on devices, by a product; an installation is described only there.
    let backwards = relate(
        &app,
        json!({"source": server, "target": office, "type": "INSTALLED_ON"}),
    )
    .await;
    assert_eq!(codes(&backwards), ["NOT_ALLOWED"]);
    let misplaced = relate(
        &app,
        json!({"source": server, "target": ada, "type": "ASSIGNED_TO", "installation": {"version": "1"}}),
    )
    .await;
    assert_eq!(codes(&misplaced), ["NOT_ALLOWED"]);
    let subscription = app
        .mutate(
            "createSubscription",
            "CreateSubscriptionInput",
            "node { id }",
            json!({"name": "s", "price": {"amount": "1", "currency": "EUR"}, "seats": 1, "start": "2026-01-01",
                   "users": [ada], "renewalDate": "2025-12-31"}),
        )
        .await;
    assert_eq!(codes(&subscription), ["INVALID"]);
    let contract = app
        .mutate(
            "createContract",
            "CreateContractInput",
            "node { id }",
            json!({"name": "c", "kind": "LEASE", "start": "2026-01-01", "end": "2025-01-01"}),
        )
        .await;
    assert_eq!(codes(&contract), ["INVALID"]);
    assert_eq!(app.snapshot().await, before);
    // Compliance questions out of range are refused.
    let response = app
        .post(
            "{ licenseCompliance(filter: {unusedDays: 99999}) { family } }",
            json!({}),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&response), "BAD_USER_INPUT");
}

#[tokio::test]
async fn watch_lists_cover_renewals_seats_support_and_duplicates() {
    let app = spawn_app().await;
    let ada = person(&app, "ada", None).await;
    let bob = person(&app, "bob", Some("2026-10-31")).await;
    let bare = device(&app, "W1", None, 2).await;
    let warranted = device(&app, "W2", None, 2).await;
    let supported = device(&app, "W3", None, 2).await;
    let lapsed = device(&app, "W4", None, 2).await;
    let updated = app
        .mutate(
            "updateAsset",
            "UpdateAssetInput",
            "node { warrantyEnd }",
            json!({"id": warranted, "warrantyEnd": "2027-06-30"}),
        )
        .await;
    assert_eq!(updated["userErrors"], json!([]), "{updated}");
    let contract = |name: &str, end: &str| {
        json!({"name": name, "kind": "SUPPORT", "start": "2024-01-01", "end": end, "autoRenew": true,
               "noticeDays": 30, "cost": {"amount": "1200.00", "currency": "EUR"}})
    };
    let current = app
        .create("Contract", contract("Current support", "2027-01-31"))
        .await;
    let old = app
        .create("Contract", contract("Old support", "2025-12-31"))
        .await;
    // The old one ended without renewing.
    let stopped = app
        .mutate(
            "updateContract",
            "UpdateContractInput",
            "node { autoRenew }",
            json!({"id": old, "autoRenew": false}),
        )
        .await;
    assert_eq!(stopped["userErrors"], json!([]));
    for (asset, c) in [(&supported, &current), (&lapsed, &old)] {
        let made = relate(
            &app,
            json!({"source": asset, "target": c, "type": "COVERED_BY"}),
        )
        .await;
        assert_eq!(made["userErrors"], json!([]), "{made}");
    }
    let old_os = app
        .create(
            "SoftwareProduct",
            json!({"publisher": "Acme", "name": "OS", "productVersion": "7", "endOfSupport": "2025-06-30"}),
        )
        .await;
    install(&app, &old_os, &bare, None).await;
    let office = product(&app, "Office", "2021", true).await;
    for team in ["Sales", "Finance"] {
        let team_id = app.create("Team", json!({"name": team})).await;
        entitle(
            &app,
            json!({"name": format!("Office for {team}"), "products": [office], "metric": "PER_USER",
                   "quantity": 5, "team": team_id, "termEnd": "2027-02-01"}),
        )
        .await;
    }
    app.create(
        "Subscription",
        json!({"name": "Design", "price": {"amount": "55.00", "currency": "EUR"}, "seats": 3,
               "start": "2026-01-15", "renewalDate": "2026-01-15", "users": [ada, bob],
               "activity": [{"person": ada, "lastActive": "2026-11-28"}, {"person": bob, "lastActive": "2026-10-30"}]}),
    )
    .await;

    let answer = app
        .data(
            "{ upcomingRenewals(withinDays: 90, asOf: \"2026-12-01\") { edges { node { kind name date daysLeft autoRenew noticeDeadline annualCost { amount } item { id } } } }
               subscriptionUtilization(asOf: \"2026-12-01\") { edges { node { subscription { name } purchased assigned active30Days active90Days idleSeats idleAnnualCost { amount } annualCostPerActiveUser { amount } } } }
               uncoveredAssets(asOf: \"2026-12-01\") { totalCount edges { node { assetTag } } }
               unsupportedSoftware(asOf: \"2026-12-01\") { totalCount edges { node { product { name } device { assetTag } endOfSupport daysPastEndOfSupport } } }
               duplicatePurchases(asOf: \"2026-12-01\") { edges { node { family entitlements { name } teams { name } contracts { name } } } } }",
            json!({}),
        )
        .await;
    let renewals: Vec<(String, String, i64, Value)> = nodes(&answer["upcomingRenewals"])
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().into(),
                r["date"].as_str().unwrap().into(),
                r["daysLeft"].as_i64().unwrap(),
                r["noticeDeadline"].clone(),
            )
        })
        .collect();
    assert_eq!(
        renewals,
        [
            ("Design".into(), "2026-12-15".into(), 14, json!(null)),
            (
                "Current support".into(),
                "2027-01-31".into(),
                61,
                json!("2027-01-01")
            ),
            (
                "Office for Finance".into(),
                "2027-02-01".into(),
                62,
                json!(null)
            ),
            (
                "Office for Sales".into(),
                "2027-02-01".into(),
                62,
                json!(null)
            ),
        ]
    );
    assert_eq!(
        nodes(&answer["upcomingRenewals"])[1]["annualCost"]["amount"],
        "1200.00"
    );
    assert_eq!(
        Value::Array(nodes(&answer["subscriptionUtilization"])),
        json!([{"subscription": {"name": "Design"}, "purchased": 3, "assigned": 2, "active30Days": 1,
                "active90Days": 1, "idleSeats": 2, "idleAnnualCost": {"amount": "1320.00"},
                "annualCostPerActiveUser": {"amount": "1980.00"}}])
    );
    let uncovered: Vec<&str> = answer["uncoveredAssets"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["assetTag"].as_str().unwrap())
        .collect();
    assert_eq!(uncovered, ["W1", "W4"]);
    assert_eq!(
        answer["unsupportedSoftware"]["edges"][0]["node"],
        json!({"product": {"name": "OS"}, "device": {"assetTag": "W1"}, "endOfSupport": "2025-06-30",
               "daysPastEndOfSupport": 519})
    );
    let duplicates = nodes(&answer["duplicatePurchases"]);
    assert_eq!(duplicates[0]["family"], "Acme Office");
    assert_eq!(duplicates[0]["teams"].as_array().unwrap().len(), 2);
    assert_eq!(duplicates[0]["contracts"], json!([]));
}

#[tokio::test]
async fn reassigning_devices_and_seats_moves_the_count() {
    let app = spawn_app().await;
    let ada = person(&app, "ada", None).await;
    let bob = person(&app, "bob", None).await;
    let d1 = device(&app, "A1", Some(&ada), 4).await;
    let d2 = device(&app, "A2", Some(&ada), 4).await;
    let ide = product(&app, "IDE", "2025", true).await;
    install(&app, &ide, &d1, None).await;
    install(&app, &ide, &d2, None).await;
    let entitlement = entitle(
        &app,
        json!({"name": "IDE", "products": [ide], "metric": "PER_USER", "quantity": 1}),
    )
    .await;
    let count = |rows: Vec<Value>| (rows[0]["consumed"].clone(), rows[0]["status"].clone());
    // One person on two machines needs one licence.
    assert_eq!(
        count(compliance(&app, json!({})).await),
        (json!(1), json!("COMPLIANT"))
    );
    let moved = app
        .mutate(
            "updateAsset",
            "UpdateAssetInput",
            "node { assignee { id } }",
            json!({"id": d2, "assignee": bob}),
        )
        .await;
    assert_eq!(moved["userErrors"], json!([]), "{moved}");
    assert_eq!(
        count(compliance(&app, json!({})).await),
        (json!(2), json!("UNDER_LICENSED"))
    );
    // Naming a third person on the licence counts them too, installed or not.
    let carol = person(&app, "carol", None).await;
    let named = app
        .mutate(
            "updateEntitlement",
            "UpdateEntitlementInput",
            "node { assignedPeople { name } }",
            json!({"id": entitlement, "quantity": 3, "assignedPeople": [carol]}),
        )
        .await;
    assert_eq!(named["userErrors"], json!([]), "{named}");
    let rows = compliance(&app, json!({})).await;
    assert_eq!(count(rows.clone()), (json!(3), json!("COMPLIANT")));
    // Carol has nothing installed: her named licence can be reclaimed.
    assert_eq!(rows[0]["reclaimable"], 1);
}
