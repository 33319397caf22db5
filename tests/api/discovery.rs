//! Discovery ingestion over GraphQL: the realistic duplicate scenarios (re-imaged laptop, NIC
//! swap, two sources, shared serials, rebuilt cloud VM, placeholder serials), the reconciliation
//! queue, precedence, idempotent re-ingest, dry runs, staleness and malformed records.

use serde_json::{Value, json};

use crate::helpers::{TestApp, codes, error_code, spawn_app};

const REPORT: &str = "report { source dryRun created updated unchanged conflicts rejected \
    relationshipsCreated installationsCreated installationsUpdated productsCreated \
    records { index decision rule assetId changedFields notes errors { field code message } \
    candidates { asset { id } rules } reconciliationItem { id status } } } \
    userErrors { field code message }";

pub async fn ingest(app: &TestApp, source: &str, records: Value, dry_run: bool) -> Value {
    let query = format!(
        "mutation($input: IngestDiscoveryInput!) {{ ingestDiscovery(input: $input) {{ {REPORT} }} }}"
    );
    app.data(
        &query,
        json!({"input": {"source": source, "records": records, "dryRun": dry_run}}),
    )
    .await["ingestDiscovery"]
        .clone()
}

fn decisions(payload: &Value) -> Vec<String> {
    payload["report"]["records"]
        .as_array()
        .unwrap_or_else(|| panic!("no report in {payload}"))
        .iter()
        .map(|r| r["decision"].as_str().unwrap().to_string())
        .collect()
}

fn record(payload: &Value, i: usize) -> Value {
    payload["report"]["records"][i].clone()
}

const ASSET: &str = "id name serialNumber manufacturer assetTag managed attributes \
    externalIds { source key } fieldSources { field source } sightings { source firstSeen lastSeen } \
    warrantyEnd mergedFrom history { totalCount edges { node { operation actor changes { field } } } }";

async fn asset(app: &TestApp, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ node(id: $id) {{ ... on Asset {{ {ASSET} }} }} }}");
    app.data(&query, json!({"id": id})).await["node"].clone()
}

async fn asset_count(app: &TestApp) -> u64 {
    app.data("{ assets(first: 1) { totalCount } }", json!({}))
        .await["assets"]["totalCount"]
        .as_u64()
        .unwrap()
}

fn laptop(serial: &str, hostname: &str, mac: &str) -> Value {
    json!({"serialNumber": serial, "manufacturer": "Lenovo", "hostname": hostname,
           "macAddresses": [mac], "class": "LAPTOP", "os": "Windows 11", "cpuCores": 8})
}

#[tokio::test]
async fn new_machines_arrive_unmanaged_and_the_same_payload_again_changes_nothing() {
    let app = spawn_app().await;
    let records = json!([
        {"sourceNativeKey": "agent-1", "serialNumber": "PF3ABC12", "manufacturer": "Lenovo",
         "hostname": "lt-0001.corp.example.com", "macAddresses": ["00:1A:2B:3C:4D:5E"],
         "ipAddresses": ["10.1.2.3"], "class": "LAPTOP", "os": "Windows 11", "osVersion": "23H2",
         "cpuCores": 8, "memoryMb": 16384,
         "software": [{"publisher": "Microsoft", "name": "Office", "version": "16.0.17029", "lastUsed": "2026-11-20"}]},
        {"sourceNativeKey": "agent-2", "serialNumber": "CZJ99887", "manufacturer": "HPE",
         "hostname": "esx01", "class": "SERVER", "cpuCores": 64}
    ]);
    let dry = ingest(&app, "sccm", records.clone(), true).await;
    assert_eq!(decisions(&dry), ["CREATED", "CREATED"]);
    assert_eq!(dry["report"]["dryRun"], json!(true));
    let before = app.snapshot().await;
    assert_eq!(
        before["assets"]["totalCount"],
        json!(0),
        "a dry run writes nothing"
    );

    let first = ingest(&app, "sccm", records.clone(), false).await;
    assert_eq!(decisions(&first), ["CREATED", "CREATED"], "{first}");
    assert_eq!(first["report"]["installationsCreated"], json!(1));
    assert_eq!(first["report"]["productsCreated"], json!(1));
    let laptop_id = record(&first, 0)["assetId"].as_str().unwrap().to_string();
    let made = asset(&app, &laptop_id).await;
    assert_eq!(made["managed"], json!(false));
    assert_eq!(made["name"], json!("lt-0001.corp.example.com"));
    assert_eq!(made["attributes"]["hostname"], json!("lt-0001"));
    assert_eq!(
        made["attributes"]["macAddresses"],
        json!(["00:1a:2b:3c:4d:5e"])
    );
    assert_eq!(
        made["externalIds"],
        json!([{"source": "sccm", "key": "agent-1"}])
    );
    assert_eq!(made["sightings"][0]["source"], json!("sccm"));
    assert!(
        made["fieldSources"]
            .as_array()
            .unwrap()
            .contains(&json!({"field": "attributes.os", "source": "sccm"}))
    );
    let unmanaged = app
        .data("{ unmanagedAssets(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(unmanaged["unmanagedAssets"]["totalCount"], json!(2));

    let written = app.snapshot().await;
    let again = ingest(&app, "sccm", records.clone(), false).await;
    assert_eq!(decisions(&again), ["UNCHANGED", "UNCHANGED"], "{again}");
    assert_eq!(record(&again, 0)["rule"], json!("SOURCE_NATIVE_KEY"));
    assert_eq!(
        app.snapshot().await,
        written,
        "a repeated payload writes no change and no audit entry"
    );

    // Accepting takes them into the managed register.
    let accepted = app
        .mutate(
            "acceptAssets",
            "AcceptAssetsInput",
            "assets { managed }",
            json!({"ids": [laptop_id]}),
        )
        .await;
    assert_eq!(accepted["assets"], json!([{"managed": true}]));
    let unmanaged = app
        .data("{ unmanagedAssets(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(unmanaged["unmanagedAssets"]["totalCount"], json!(1));
    let unknown = app
        .mutate(
            "acceptAssets",
            "AcceptAssetsInput",
            "assets { id }",
            json!({"ids": ["QXNzZXQ6bm9uZQ"]}),
        )
        .await;
    assert_eq!(codes(&unknown), ["NOT_FOUND"]);
}

#[tokio::test]
async fn a_re_imaged_laptop_and_a_nic_swap_stay_one_asset() {
    let app = spawn_app().await;
    let first = ingest(
        &app,
        "intune",
        json!([laptop("PF0AAAA1", "LT-ALICE", "00:11:22:33:44:55")]),
        false,
    )
    .await;
    let id = record(&first, 0)["assetId"].clone();
    // Re-imaged: a new host name, same serial.
    let reimaged = ingest(
        &app,
        "intune",
        json!([laptop("PF0AAAA1", "LT-0042", "00:11:22:33:44:55")]),
        false,
    )
    .await;
    assert_eq!(decisions(&reimaged), ["UPDATED"]);
    assert_eq!(
        record(&reimaged, 0)["rule"],
        json!("SERIAL_AND_MANUFACTURER")
    );
    assert_eq!(record(&reimaged, 0)["assetId"], id);
    let changed = record(&reimaged, 0)["changedFields"].clone();
    assert!(
        changed
            .as_array()
            .unwrap()
            .contains(&json!("attributes.hostname")),
        "{changed}"
    );
    // NIC swap: a new MAC, same serial.
    let swapped = ingest(
        &app,
        "intune",
        json!([laptop("PF0AAAA1", "LT-0042", "00:11:22:33:44:99")]),
        false,
    )
    .await;
    assert_eq!(decisions(&swapped), ["UPDATED"]);
    assert_eq!(record(&swapped, 0)["assetId"], id);
    assert_eq!(
        record(&swapped, 0)["changedFields"],
        json!(["attributes.macAddresses"])
    );
    // A replacement laptop that took over the old host name is another machine.
    let replacement = ingest(
        &app,
        "intune",
        json!([laptop("PF0BBBB2", "LT-0042", "00:aa:bb:cc:dd:ee")]),
        false,
    )
    .await;
    assert_eq!(decisions(&replacement), ["CREATED"]);
    assert!(
        record(&replacement, 0)["notes"]
            .to_string()
            .contains("another machine")
    );
    assert_eq!(asset_count(&app).await, 2);
    // The audit entry names the source.
    let history = asset(&app, id.as_str().unwrap()).await["history"].clone();
    assert_eq!(history["totalCount"], json!(3));
}

#[tokio::test]
async fn two_sources_one_server_and_a_serial_shared_by_two_manufacturers() {
    let app = spawn_app().await;
    let sccm = ingest(&app, "sccm", json!([{"sourceNativeKey": "R-17", "serialNumber": "SRV00042", "manufacturer": "Dell Inc.", "hostname": "db01", "class": "SERVER"}]), false).await;
    let nmap = ingest(&app, "nmap", json!([{"sourceNativeKey": "10.0.0.5", "serialNumber": "srv00042", "manufacturer": "DELL", "macAddresses": ["00-50-56-aa-bb-cc"], "class": "SERVER"}]), false).await;
    assert_eq!(decisions(&nmap), ["UPDATED"]);
    assert_eq!(record(&nmap, 0)["rule"], json!("SERIAL_AND_MANUFACTURER"));
    let id = record(&sccm, 0)["assetId"].as_str().unwrap().to_string();
    assert_eq!(record(&nmap, 0)["assetId"], json!(id));
    let server = asset(&app, &id).await;
    let sources: Vec<&str> = server["sightings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["nmap", "sccm"]);
    assert_eq!(server["externalIds"].as_array().unwrap().len(), 2);
    // The same serial from another manufacturer is another machine.
    let hp = ingest(&app, "nmap", json!([{"serialNumber": "SRV00042", "manufacturer": "HP", "hostname": "print01", "class": "PRINTER"}]), false).await;
    assert_eq!(decisions(&hp), ["CREATED"]);
    assert_eq!(asset_count(&app).await, 2);
}

#[tokio::test]
async fn a_rebuilt_cloud_vm_and_placeholder_serials() {
    let app = spawn_app().await;
    let vm = json!({"cloudResourceId": "i-0aaa", "hostname": "web-1", "class": "VIRTUAL_MACHINE",
                    "serialNumber": "To be filled by O.E.M.", "manufacturer": "System manufacturer"});
    let first = ingest(&app, "aws", json!([vm]), false).await;
    assert_eq!(decisions(&first), ["CREATED"]);
    assert!(
        record(&first, 0)["notes"]
            .to_string()
            .contains("placeholder")
    );
    let rebuilt = ingest(
        &app,
        "aws",
        json!([{"cloudResourceId": "i-0bbb", "hostname": "web-1", "class": "VIRTUAL_MACHINE"}]),
        false,
    )
    .await;
    assert_eq!(decisions(&rebuilt), ["UPDATED"]);
    assert_eq!(record(&rebuilt, 0)["rule"], json!("HOSTNAME"));
    assert_eq!(
        record(&rebuilt, 0)["changedFields"],
        json!(["attributes.cloudResourceId"])
    );
    // Two machines with filler serials are two machines, and the filler is not stored.
    let fillers = ingest(&app, "agent", json!([
        {"serialNumber": "To be filled by O.E.M.", "manufacturer": "System manufacturer", "hostname": "vm-a", "class": "VIRTUAL_MACHINE"},
        {"serialNumber": "0000000000", "manufacturer": "VMware, Inc.", "hostname": "vm-b", "class": "VIRTUAL_MACHINE"},
        {"serialNumber": "0000000000", "manufacturer": "VMware, Inc.", "hostname": "vm-c", "class": "VIRTUAL_MACHINE"}
    ]), false).await;
    assert_eq!(
        decisions(&fillers),
        ["CREATED", "CREATED", "CREATED"],
        "{fillers}"
    );
    let made = asset(&app, record(&fillers, 1)["assetId"].as_str().unwrap()).await;
    assert_eq!(made["serialNumber"], Value::Null);
    assert_eq!(asset_count(&app).await, 4);
}

/// A person's asset with a serial, and a discovered one with a MAC: a record carrying both
/// points at two assets.
async fn two_candidates(app: &TestApp) -> (String, String, Value) {
    let person_made = app
        .create(
            "Asset",
            json!({"name": "Finance server", "assetTag": "FIN-1", "class": "SERVER",
                                "serialNumber": "MXQ1234", "manufacturer": "HPE"}),
        )
        .await;
    let discovered = ingest(
        app,
        "nmap",
        json!([{"macAddresses": ["3c:22:fb:00:00:01"], "hostname": "fin-srv", "class": "SERVER"}]),
        false,
    )
    .await;
    let other = record(&discovered, 0)["assetId"]
        .as_str()
        .unwrap()
        .to_string();
    let service = app
        .create(
            "Asset",
            json!({"name": "Payroll", "assetTag": "SVC-1", "class": "BUSINESS_SERVICE"}),
        )
        .await;
    let edge = crate::relations::relate(
        app,
        json!({"source": service, "target": other, "type": "DEPENDS_ON"}),
    )
    .await;
    assert_eq!(edge["userErrors"], json!([]));
    let conflicting = json!([{"serialNumber": "MXQ1234", "manufacturer": "Hewlett Packard Enterprise",
                              "macAddresses": ["3c:22:fb:00:00:01"], "class": "SERVER", "os": "RHEL 9"}]);
    (person_made, other, conflicting)
}

const ITEM: &str = "item { id status resultAsset { id } candidates { asset { id } rules } } \
    report { records { decision rule assetId } }";

#[tokio::test]
async fn a_record_pointing_at_two_assets_is_queued_and_a_merge_moves_everything() {
    let app = spawn_app().await;
    let (survivor, merged, record_json) = two_candidates(&app).await;
    let before = app.snapshot().await;
    let conflict = ingest(&app, "sccm", record_json.clone(), false).await;
    assert_eq!(decisions(&conflict), ["CONFLICT"], "{conflict}");
    let candidates = record(&conflict, 0)["candidates"].clone();
    assert_eq!(
        candidates,
        json!([
            {"asset": {"id": survivor}, "rules": ["SERIAL_AND_MANUFACTURER"]},
            {"asset": {"id": merged}, "rules": ["MAC_ADDRESS"]}
        ])
    );
    let item = record(&conflict, 0)["reconciliationItem"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let after = app.snapshot().await;
    assert_eq!(
        before["assets"], after["assets"],
        "nothing is merged silently"
    );
    // The same record again joins the same item.
    let again = ingest(&app, "sccm", record_json.clone(), false).await;
    assert_eq!(record(&again, 0)["reconciliationItem"]["id"], json!(item));
    let queue = app.data("{ reconciliationQueue(first: 10) { totalCount edges { node { source status record } } } }", json!({})).await;
    assert_eq!(queue["reconciliationQueue"]["totalCount"], json!(1));

    // A survivor that is not a candidate is refused.
    let stranger = app
        .create(
            "Asset",
            json!({"name": "x", "assetTag": "X-1", "class": "SERVER"}),
        )
        .await;
    let refused = app
        .mutate(
            "resolveConflict",
            "ResolveConflictInput",
            ITEM,
            json!({"id": item, "action": "MERGE", "survivor": stranger}),
        )
        .await;
    assert_eq!(codes(&refused), ["INVALID"]);
    let missing = app
        .mutate(
            "resolveConflict",
            "ResolveConflictInput",
            ITEM,
            json!({"id": item, "action": "MERGE"}),
        )
        .await;
    assert_eq!(codes(&missing), ["REQUIRED"]);

    let resolved = app
        .mutate(
            "resolveConflict",
            "ResolveConflictInput",
            ITEM,
            json!({"id": item, "action": "MERGE", "survivor": survivor, "note": "same box"}),
        )
        .await;
    assert_eq!(resolved["userErrors"], json!([]), "{resolved}");
    assert_eq!(resolved["item"]["status"], json!("MERGED"));
    assert_eq!(
        resolved["report"]["records"][0]["decision"],
        json!("UPDATED")
    );
    assert_eq!(resolved["report"]["records"][0]["assetId"], json!(survivor));
    let gone = app
        .data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": merged}),
        )
        .await;
    assert_eq!(gone["node"], Value::Null);
    let kept = asset(&app, &survivor).await;
    assert_eq!(kept["mergedFrom"], json!([merged]));
    assert_eq!(
        kept["attributes"]["macAddresses"],
        json!(["3c:22:fb:00:00:01"])
    );
    assert_eq!(
        kept["attributes"]["hostname"],
        json!("fin-srv"),
        "empty fields filled from the merged asset"
    );
    assert_eq!(
        kept["name"],
        json!("Finance server"),
        "the survivor's own values win"
    );
    let actors: Vec<String> = kept["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["operation"].as_str().unwrap().to_string())
        .collect();
    assert!(
        actors.iter().filter(|o| *o == "CREATE").count() == 2,
        "the merged asset's history came along: {actors:?}"
    );
    let edges = app.data("query($id: ID!) { node(id: $id) { ... on Asset { relationships(direction: INCOMING) { edges { node { type } } } } } }", json!({"id": survivor})).await;
    assert_eq!(
        edges["node"]["relationships"]["edges"][0]["node"]["type"],
        json!("DEPENDS_ON"),
        "{edges}"
    );
    // Resolved once is resolved.
    let twice = app
        .mutate(
            "resolveConflict",
            "ResolveConflictInput",
            ITEM,
            json!({"id": item, "action": "IGNORE"}),
        )
        .await;
    assert_eq!(codes(&twice), ["CONFLICT"]);
    // The record now matches the survivor alone.
    let later = ingest(&app, "sccm", record_json, false).await;
    assert_eq!(decisions(&later), ["UNCHANGED"], "{later}");
}

#[tokio::test]
async fn keep_separate_and_ignore_settle_a_conflict_without_merging() {
    let app = spawn_app().await;
    let (survivor, other, record_json) = two_candidates(&app).await;
    let conflict = ingest(&app, "sccm", record_json.clone(), false).await;
    let item = record(&conflict, 0)["reconciliationItem"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let kept = app
        .mutate(
            "resolveConflict",
            "ResolveConflictInput",
            ITEM,
            json!({"id": item, "action": "KEEP_SEPARATE"}),
        )
        .await;
    assert_eq!(kept["item"]["status"], json!("KEPT_SEPARATE"), "{kept}");
    assert_eq!(kept["report"]["records"][0]["decision"], json!("UPDATED"));
    assert_eq!(
        kept["report"]["records"][0]["assetId"],
        json!(survivor),
        "the first rule decides"
    );
    assert_eq!(asset_count(&app).await, 3, "nothing merged, nothing new");
    let distinct = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Asset { distinctFrom { id } } } }",
            json!({"id": other}),
        )
        .await;
    assert_eq!(distinct["node"]["distinctFrom"], json!([{"id": survivor}]));

    // Ignore: nothing changes and the same record stays ignored, not queued again.
    let app = spawn_app().await;
    let (_, _, record_json) = two_candidates(&app).await;
    let conflict = ingest(&app, "sccm", record_json.clone(), false).await;
    let item = record(&conflict, 0)["reconciliationItem"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = app.snapshot().await;
    let ignored = app
        .mutate(
            "resolveConflict",
            "ResolveConflictInput",
            ITEM,
            json!({"id": item, "action": "IGNORE"}),
        )
        .await;
    assert_eq!(ignored["item"]["status"], json!("IGNORED"));
    assert_eq!(ignored["report"], Value::Null);
    assert_eq!(before["assets"], app.snapshot().await["assets"]);
    let again = ingest(&app, "sccm", record_json, false).await;
    assert_eq!(decisions(&again), ["CONFLICT"]);
    assert_eq!(
        record(&again, 0)["reconciliationItem"],
        json!({"id": item, "status": "IGNORED"})
    );
    assert!(record(&again, 0)["notes"].to_string().contains("ignore"));
}

#[tokio::test]
async fn discovery_never_overwrites_what_people_set_on_money_ownership_or_lifecycle() {
    let app = spawn_app().await;
    let id = app
        .create(
            "Asset",
            json!({"name": "Alice's laptop", "assetTag": "LT-77", "class": "LAPTOP",
                                "serialNumber": "PF1ZZZ99", "manufacturer": "Lenovo",
                                "warrantyEnd": "2027-01-31", "purchase": {"date": "2024-02-01"},
                                "attributes": {"os": "Windows 10"}}),
        )
        .await;
    let report = ingest(&app, "dell-api", json!([{"serialNumber": "PF1ZZZ99", "manufacturer": "Lenovo",
        "name": "lt-77", "warrantyEnd": "2030-12-31", "purchaseDate": "2023-01-01", "os": "Windows 11"}]), false).await;
    assert_eq!(decisions(&report), ["UPDATED"]);
    assert_eq!(
        record(&report, 0)["changedFields"],
        json!(["attributes.os"])
    );
    let notes = record(&report, 0)["notes"].to_string();
    assert!(
        notes.contains("warrantyEnd: set by a person")
            && notes.contains("purchase.date")
            && notes.contains("name"),
        "{notes}"
    );
    let stored = asset(&app, &id).await;
    assert_eq!(stored["warrantyEnd"], json!("2027-01-31"));
    assert_eq!(stored["name"], json!("Alice's laptop"));
    let update = &stored["history"]["edges"][1]["node"];
    assert_eq!(update["actor"], json!("tester"));
    let source = app
        .data("query($id: ID!) { node(id: $id) { ... on Asset { history { edges { node { source } } } } } }", json!({"id": id}))
        .await;
    assert_eq!(
        source["node"]["history"]["edges"][1]["node"]["source"],
        json!("dell-api")
    );
    // A person's correction takes the field back from discovery.
    let fixed = app
        .mutate(
            "updateAsset",
            "UpdateAssetInput",
            "node { fieldSources { field } }",
            json!({"id": id, "attributes": {"os": "Windows 11 Pro"}}),
        )
        .await;
    assert_eq!(fixed["node"]["fieldSources"], json!([]), "{fixed}");
    // A policy that would let discovery overwrite people's money is refused.
    let refused = app
        .mutate(
            "updateDiscoveryPolicy",
            "UpdateDiscoveryPolicyInput",
            "node { version }",
            json!({"fields": [{"field": "warrantyEnd", "overridesPeople": true}]}),
        )
        .await;
    assert_eq!(codes(&refused), ["NOT_ALLOWED"]);
    // Sources can be ranked: only sccm may set the OS now, so another tool's OS is kept out.
    let ranked = app
        .mutate("updateDiscoveryPolicy", "UpdateDiscoveryPolicyInput", "node { version rules fields { field sources } }",
                json!({"fields": [{"field": "attributes.os", "sources": ["sccm"], "overridesPeople": true}]}))
        .await;
    assert_eq!(ranked["userErrors"], json!([]), "{ranked}");
    let kept_out = ingest(
        &app,
        "nmap",
        json!([{"serialNumber": "PF1ZZZ99", "manufacturer": "Lenovo", "os": "Linux"}]),
        false,
    )
    .await;
    assert_eq!(decisions(&kept_out), ["UNCHANGED"]);
    assert!(
        record(&kept_out, 0)["notes"]
            .to_string()
            .contains("nmap may not set it")
    );
}

#[tokio::test]
async fn malformed_records_are_rejected_while_the_rest_go_in() {
    let app = spawn_app().await;
    let report = ingest(
        &app,
        "scanner",
        json!([
            {"class": "SERVER", "name": "no identifiers"},
            {"hostname": "ok-1", "macAddresses": ["00:11:22:33:44:zz"], "class": "SERVER"},
            {"hostname": "toaster-1", "class": "TOASTER"},
            {"hostname": "ok-2", "class": "SERVER"},
            {"hostname": "no-class-yet"}
        ]),
        false,
    )
    .await;
    assert_eq!(
        decisions(&report),
        ["REJECTED", "REJECTED", "REJECTED", "CREATED", "REJECTED"]
    );
    assert_eq!(
        record(&report, 0)["errors"][0]["field"],
        json!("identifiers")
    );
    assert_eq!(
        record(&report, 1)["errors"][0]["field"],
        json!("macAddresses")
    );
    assert_eq!(record(&report, 2)["errors"][0]["field"], json!("class"));
    assert_eq!(record(&report, 4)["errors"][0]["code"], json!("REQUIRED"));
    assert_eq!(asset_count(&app).await, 1);
    // A bad source name refuses the batch and writes nothing.
    let before = app.snapshot().await;
    let bad = ingest(
        &app,
        "bad source!",
        json!([{"hostname": "x", "class": "SERVER"}]),
        false,
    )
    .await;
    assert_eq!(codes(&bad), ["INVALID"]);
    assert_eq!(app.snapshot().await, before);
    let too_many: Vec<Value> = (0..5001)
        .map(|i| json!({"hostname": format!("h{i}"), "class": "SERVER"}))
        .collect();
    let query = format!(
        "mutation($input: IngestDiscoveryInput!) {{ ingestDiscovery(input: $input) {{ {REPORT} }} }}"
    );
    let response = app
        .post(
            &query,
            json!({"input": {"source": "s", "records": too_many}}),
        )
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
}

#[tokio::test]
async fn software_and_observed_relationships_become_edges_and_go_stale_when_no_longer_reported() {
    let app = spawn_app().await;
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(40)).to_rfc3339();
    let records = json!([
        {"hostname": "esx01", "serialNumber": "CZ3000111", "manufacturer": "HPE", "class": "SERVER", "seenAt": long_ago},
        {"hostname": "app01", "cloudResourceId": "vm-123", "class": "VIRTUAL_MACHINE", "seenAt": long_ago,
         "relationships": [{"type": "RUNS_ON", "target": {"hostname": "esx01"}},
                           {"type": "DEPENDS_ON", "target": {"hostname": "nowhere"}}],
         "software": [{"publisher": "Oracle", "name": "Java", "version": "21.0.2", "lastUsed": "2026-10-01"}]}
    ]);
    let first = ingest(&app, "vcenter", records, false).await;
    assert_eq!(decisions(&first), ["CREATED", "CREATED"], "{first}");
    assert_eq!(first["report"]["relationshipsCreated"], json!(1));
    assert_eq!(first["report"]["installationsCreated"], json!(1));
    assert!(
        record(&first, 1)["notes"]
            .to_string()
            .contains("no asset matches the other end")
    );
    let stale = app.data("{ staleAssets(notSeenForDays: 30) { totalCount edges { node { asset { name } lastSeen } } } \
                            staleRelationships(notSeenForDays: 30) { totalCount edges { node { relationship { type provenance { source } sightings { source } } } } } }", json!({})).await;
    assert_eq!(stale["staleAssets"]["totalCount"], json!(2));
    assert_eq!(
        stale["staleRelationships"]["totalCount"],
        json!(2),
        "{stale}"
    );
    // Seen again today with newer use: fresh again, the installation's last use moves on.
    let today = json!([
        {"hostname": "esx01", "serialNumber": "CZ3000111", "manufacturer": "HPE", "class": "SERVER"},
        {"hostname": "app01", "cloudResourceId": "vm-123", "class": "VIRTUAL_MACHINE",
         "relationships": [{"type": "RUNS_ON", "target": {"hostname": "esx01"}}],
         "software": [{"publisher": "Oracle", "name": "Java", "version": "21.0.2", "lastUsed": "2026-11-28"}]}
    ]);
    let second = ingest(&app, "vcenter", today.clone(), false).await;
    assert_eq!(decisions(&second), ["UNCHANGED", "UPDATED"], "{second}");
    assert_eq!(second["report"]["installationsUpdated"], json!(1));
    let fresh = app.data("{ staleAssets(notSeenForDays: 30) { totalCount edges { node { asset { name sightings { lastSeen } } } } } staleRelationships(notSeenForDays: 30) { totalCount edges { node { relationship { type } } } } }", json!({})).await;
    assert_eq!(fresh["staleAssets"]["totalCount"], json!(0), "{fresh}");
    assert_eq!(
        fresh["staleRelationships"]["totalCount"],
        json!(0),
        "{fresh}"
    );
    // Unchanged reports keep the relationships fresh without writing them.
    let third = ingest(&app, "vcenter", today, false).await;
    assert_eq!(decisions(&third), ["UNCHANGED", "UNCHANGED"]);
    let by_source = app
        .data(
            "{ staleAssets(notSeenForDays: 1, source: \"vcenter\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(by_source["staleAssets"]["totalCount"], json!(0));
    let bad = app
        .post(
            "{ staleAssets(notSeenForDays: 0) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT");
}
