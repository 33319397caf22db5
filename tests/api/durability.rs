//! Acknowledged writes survive a hard kill of the server on the embedded surrealkv store.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Starts the real binary on `db`, returning the process and the address it listens on.
fn start(db: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_assetgraph"))
        .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
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
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

fn post(client: &reqwest::blocking::Client, addr: &str, query: &str, variables: Value) -> Value {
    client
        .post(format!("http://{addr}/graphql"))
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

fn wait_ready(client: &reqwest::blocking::Client, addr: &str) {
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
    let client = reqwest::blocking::Client::new();

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
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(exit) = server.try_wait().unwrap() {
            assert!(exit.success(), "server exited with {exit}");
            break;
        }
        assert!(Instant::now() < deadline, "server ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}
