//! Acknowledged writes survive a hard kill of the server on the embedded surrealkv store.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What the server logged after it started listening.
type Log = Arc<Mutex<Vec<String>>>;

/// Starts the real binary on `db`, returning the process and the address it listens on.
pub fn start(db: &str) -> (Child, String) {
    let (child, addr, _) = start_logged(db, Some(ADMIN_TOKEN));
    (child, addr)
}

/// Like [`start`], keeping what the server logs afterwards; the admin token given, if any.
fn start_logged(db: &str, admin_token: Option<&str>) -> (Child, String, Log) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_assetgraph"));
    command
        .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        // The webhook receivers listen on loopback, which webhooks may not reach by default.
        .args(["--webhook-allow", "127.0.0.1"])
        .env("RUST_LOG", "info")
        .env_remove("ASSETGRAPH_ADMIN_TOKEN")
        .stderr(Stdio::piped());
    if let Some(token) = admin_token {
        command.env("ASSETGRAPH_ADMIN_TOKEN", token);
    }
    let mut child = command.spawn().expect("start server");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .unwrap();
        if let Some(at) = line.find("address=") {
            break line[at + 8..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
        }
    };
    let log = Log::default();
    let keep = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            keep.lock().unwrap().push(line);
        }
    });
    (child, addr, log)
}

/// Sends SIGTERM and waits for the server to exit on its own, successfully.
pub fn terminate(server: &mut Child) {
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(exit) = server.try_wait().unwrap() {
            assert!(exit.success(), "server exited with {exit}");
            return;
        }
        assert!(Instant::now() < deadline, "server ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The admin secret every server these tests start accepts.
const ADMIN_TOKEN: &str = "durability-admin-secret-0123456789";

/// A client presenting the admin token.
pub fn admin_client() -> reqwest::blocking::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {ADMIN_TOKEN}").parse().unwrap(),
    );
    reqwest::blocking::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

pub fn post(
    client: &reqwest::blocking::Client,
    addr: &str,
    query: &str,
    variables: Value,
) -> Value {
    client
        .post(format!("http://{addr}/graphql"))
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

pub fn wait_ready(client: &reqwest::blocking::Client, addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if client
            .get(format!("http://{addr}/readyz"))
            .send()
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server never became ready");
}

#[test]
fn acknowledged_writes_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("surrealkv://{}", dir.path().join("data").display());
    let client = admin_client();

    let (mut server, addr) = start(&db);
    wait_ready(&client, &addr);
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        let response = post(
            &client,
            &addr,
            "mutation($i: CreateVendorInput!) { createVendor(input: $i) { node { id } } }",
            json!({"i": {"name": format!("Vendor {i}")}}),
        );
        acknowledged.push(
            response["data"]["createVendor"]["node"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let renamed = post(
        &client,
        &addr,
        "mutation($i: UpdateVendorInput!) { updateVendor(input: $i) { node { version } } }",
        json!({"i": {"id": acknowledged[0], "name": "Renamed"}}),
    );
    assert_eq!(renamed["data"]["updateVendor"]["node"]["version"], 2);
    server.kill().unwrap();
    server.wait().unwrap();

    let (mut server, addr) = start(&db);
    wait_ready(&client, &addr);
    let after = post(
        &client,
        &addr,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Vendor { name version history { totalCount } } } }",
        json!({"ids": acknowledged}),
    );
    let nodes = after["data"]["nodes"].as_array().unwrap();
    assert!(
        nodes.iter().all(|n| !n.is_null()),
        "a write was lost: {after}"
    );
    assert_eq!(nodes[0]["name"], "Renamed");
    assert_eq!(nodes[0]["history"]["totalCount"], 2);

    // SIGTERM shuts down gracefully: the process exits on its own, successfully.
    terminate(&mut server);
}

/// Bytes left in the store's write-ahead log: what its next start would replay.
fn unflushed(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir.join("data").join("wal"))
        .map(|files| files.map(|f| f.unwrap().metadata().unwrap().len()).sum())
        .unwrap_or(0)
}

#[test]
fn the_graph_restarts_from_the_checkpoint_written_at_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("surrealkv://{}", dir.path().join("data").display());
    let client = admin_client();
    let create = "mutation($i: CreateAssetInput!) { createAsset(input: $i) { node { id } } }";
    let impact = "query($f: [ID!]!) { impact(input: {failed: $f}) { totals { affected } } }";

    let (mut server, addr) = start(&db);
    wait_ready(&client, &addr);
    let mut ids = Vec::new();
    for (name, class) in [("erp", "SOFTWARE_APPLICATION"), ("vm", "VIRTUAL_MACHINE")] {
        let created = post(
            &client,
            &addr,
            create,
            json!({"i": {"name": name, "assetTag": name, "class": class}}),
        );
        ids.push(created["data"]["createAsset"]["node"]["id"].clone());
    }
    let related = post(
        &client,
        &addr,
        "mutation($i: RelateInput!) { relate(input: $i) { node { id } } }",
        json!({"i": {"source": ids[0], "target": ids[1], "type": "RUNS_ON"}}),
    );
    assert!(
        related["data"]["relate"]["node"]["id"].is_string(),
        "{related}"
    );
    // An installation and a leaver, for the licence position after the restart.
    let mutation = |name: &str, input_type: &str, input: Value| {
        let query = format!(
            "mutation($i: {input_type}!) {{ {name}(input: $i) {{ node {{ id }} userErrors {{ code }} }} }}"
        );
        let answer = post(&client, &addr, &query, json!({"i": input}));
        answer["data"][name]["node"]["id"].clone()
    };
    let product = mutation(
        "createSoftwareProduct",
        "CreateSoftwareProductInput",
        json!({"publisher": "Acme", "name": "Tool", "productVersion": "1"}),
    );
    let leaver = mutation(
        "createPerson",
        "CreatePersonInput",
        json!({"name": "Lea", "email": "lea@example.com", "leftOn": "2025-01-31"}),
    );
    mutation(
        "relate",
        "RelateInput",
        json!({"source": product, "target": ids[1], "type": "INSTALLED_ON", "installation": {"lastUsed": "2026-01-01"}}),
    );
    for (metric, people) in [
        ("PER_DEVICE", json!([])),
        ("SUBSCRIPTION_SEAT", json!([leaver])),
    ] {
        let made = mutation(
            "createEntitlement",
            "CreateEntitlementInput",
            json!({"name": metric, "products": [product], "metric": metric, "quantity": 1, "assignedPeople": people}),
        );
        assert!(made.is_string(), "{metric} entitlement not made");
    }
    assert!(
        unflushed(dir.path()) > 0,
        "acknowledged writes are in the log"
    );
    // A graceful shutdown also closes the store in order: its memory table written out, so
    // the next start has no log to replay.
    terminate(&mut server);
    assert_eq!(unflushed(dir.path()), 0, "the store did not close in order");

    let (mut server, addr, log) = start_logged(&db, Some(ADMIN_TOKEN));
    wait_ready(&client, &addr);
    let answer = post(&client, &addr, impact, json!({"f": [ids[1]]}));
    assert_eq!(
        answer["data"]["impact"]["totals"]["affected"], 1,
        "{answer}"
    );
    // Installations and leavers are loaded back from the store at start.
    let positions = post(
        &client,
        &addr,
        "{ licenseCompliance(filter: {asOf: \"2026-12-01\"}) { edges { node { metric consumed reclaimable installations } } } }",
        json!({}),
    );
    assert_eq!(
        positions["data"]["licenseCompliance"]["edges"],
        json!([{"node": {"metric": "PER_DEVICE", "consumed": 1, "reclaimable": 1, "installations": 1}},
               {"node": {"metric": "SUBSCRIPTION_SEAT", "consumed": 1, "reclaimable": 1, "installations": 1}}]),
        "{positions}"
    );
    terminate(&mut server);
    let log = log.lock().unwrap().join("\n");
    assert!(
        log.lines()
            .any(|l| l.contains("relationship index built") && l.contains("origin=Checkpoint")),
        "the restart scanned instead of reading the checkpoint:\n{log}"
    );
}

#[test]
fn pending_webhook_deliveries_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("surrealkv://{}", dir.path().join("data").display());
    let client = admin_client();
    // A port nobody listens on yet: every attempt before the kill fails.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    let (mut server, addr) = start(&db);
    wait_ready(&client, &addr);
    let created = post(
        &client,
        &addr,
        "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { node { id } userErrors { message } } }",
        json!({"i": {"url": format!("http://127.0.0.1:{port}/hook"), "events": ["vendor.created"]}}),
    );
    assert_eq!(created["data"]["createWebhook"]["userErrors"], json!([]));
    let vendor = post(
        &client,
        &addr,
        "mutation($i: CreateVendorInput!) { createVendor(input: $i) { node { id } } }",
        json!({"i": {"name": "Acme"}}),
    );
    assert!(vendor["data"]["createVendor"]["node"]["id"].is_string());
    std::thread::sleep(Duration::from_millis(700));
    server.kill().unwrap();
    server.wait().unwrap();

    let receiver = crate::receiver::Receiver::start(port, 0);
    let (mut server, addr) = start(&db);
    wait_ready(&client, &addr);
    let got = receiver.wait_for(1, 20);
    assert!(!got.is_empty(), "the pending delivery was lost in the kill");
    let event: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(event["type"], "vendor.created");
    assert_eq!(event["data"]["changes"][0]["after"], "Acme");
    terminate(&mut server);
}

#[test]
fn a_new_store_gets_an_admin_token_in_a_file_only_its_owner_reads() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("surrealkv://{}", dir.path().join("data").display());
    let (mut server, addr, log) = start_logged(&db, None);
    let anonymous = reqwest::blocking::Client::new();
    wait_ready(&anonymous, &addr);
    let file = dir.path().join("data").join("admin-token");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600,
        "only the owner may read the admin token"
    );
    let secret = std::fs::read_to_string(&file).unwrap().trim().to_string();
    let me = |secret: &str| -> Value {
        anonymous
            .post(format!("http://{addr}/graphql"))
            .bearer_auth(secret)
            .json(&json!({"query": "{ me { name role } }"}))
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    assert_eq!(
        me(&secret)["data"]["me"],
        json!({"name": "admin", "role": "ADMIN"})
    );
    let logged = log.lock().unwrap().join("\n");
    assert!(
        logged.contains(&file.display().to_string()) && !logged.contains(&secret),
        "the log says where the token is, never the token: {logged}"
    );
    terminate(&mut server);

    // The next start keeps the token it made.
    let (mut server, addr, _) = start_logged(&db, None);
    wait_ready(&anonymous, &addr);
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), secret);
    let answer: Value = anonymous
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(&secret)
        .json(&json!({"query": "{ tokens { token { name } } }"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        answer["data"]["tokens"].as_array().unwrap().len(),
        1,
        "{answer}"
    );
    terminate(&mut server);
}
