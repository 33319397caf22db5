//! Crash safety and the audit trail's integrity on the embedded surrealkv store: the server is
//! killed (SIGKILL) at random moments while writing, again and again, and every acknowledged
//! write is there after each restart with the audit chain intact; an entry changed behind the
//! server's back is found by `verifyAuditLog`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::durability::{admin_client, post, start, terminate, wait_ready};

const CREATE: &str =
    "mutation($i: CreateVendorInput!) { createVendor(input: $i) { node { name } } }";
const VERIFY: &str =
    "{ verifyAuditLog { valid checked headSeq firstBreak { seq entryId reason } } }";

/// A small deterministic generator, so a failing run can be repeated.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn vendor_names(client: &reqwest::blocking::Client, addr: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut after: Option<String> = None;
    loop {
        let page = post(
            client,
            addr,
            "query($after: String) { vendors(first: 500, after: $after) { pageInfo { hasNextPage endCursor } edges { node { name } } } }",
            json!({"after": after}),
        );
        let vendors = &page["data"]["vendors"];
        for edge in vendors["edges"].as_array().expect("vendors") {
            names.insert(edge["node"]["name"].as_str().unwrap().to_string());
        }
        if vendors["pageInfo"]["hasNextPage"] != json!(true) {
            return names;
        }
        after = vendors["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_string);
    }
}

#[test]
fn acknowledged_writes_survive_twenty_kills_at_random_moments() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("surrealkv://{}", dir.path().join("data").display());
    let client = admin_client();
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut random = Lcg(0x5eed);
    for cycle in 0..20 {
        let (mut server, addr) = start(&db);
        wait_ready(&client, &addr);
        let present = vendor_names(&client, &addr);
        let missing: Vec<String> = acknowledged
            .lock()
            .unwrap()
            .iter()
            .filter(|name| !present.contains(*name))
            .cloned()
            .collect();
        assert!(
            missing.is_empty(),
            "cycle {cycle}: acknowledged writes lost: {missing:?}"
        );
        let verified = post(&client, &addr, VERIFY, json!({}));
        assert_eq!(
            verified["data"]["verifyAuditLog"]["valid"], true,
            "cycle {cycle}: {verified}"
        );

        // Write until killed: the kill lands at a random moment, often mid-request.
        let writer = {
            let (client, addr, acknowledged) = (client.clone(), addr.clone(), acknowledged.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    let name = format!("Vendor {cycle}-{i}");
                    let answer = client
                        .post(format!("http://{addr}/graphql"))
                        .json(&json!({"query": CREATE, "variables": {"i": {"name": name}}}))
                        .send()
                        .and_then(|r| r.json::<Value>());
                    match answer {
                        Ok(body) if body["data"]["createVendor"]["node"]["name"] == json!(name) => {
                            acknowledged.lock().unwrap().push(name)
                        }
                        _ => return,
                    }
                }
            })
        };
        std::thread::sleep(Duration::from_millis(50 + random.below(400)));
        server.kill().unwrap();
        server.wait().unwrap();
        writer.join().unwrap();
    }
    let (mut server, addr) = start(&db);
    wait_ready(&client, &addr);
    let present = vendor_names(&client, &addr);
    let acknowledged = acknowledged.lock().unwrap();
    assert!(
        acknowledged.len() >= 20,
        "too few writes to prove anything: {}",
        acknowledged.len()
    );
    assert!(acknowledged.iter().all(|name| present.contains(name)));
    println!(
        "{} writes acknowledged over 20 kills, {} found after the last restart",
        acknowledged.len(),
        present.len()
    );
    let verified = post(&client, &addr, VERIFY, json!({}));
    assert_eq!(
        verified["data"]["verifyAuditLog"]["valid"], true,
        "{verified}"
    );
    terminate(&mut server);
}

#[test]
fn an_audit_entry_changed_behind_the_servers_back_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    let db = format!("surrealkv://{}", path.display());
    let client = admin_client();
    let (mut server, addr) = start(&db);
    wait_ready(&client, &addr);
    for name in ["Acme", "Globex", "Initech"] {
        post(&client, &addr, CREATE, json!({"i": {"name": name}}));
    }
    terminate(&mut server);

    // Someone with the database files rewrites history directly.
    let tampered = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = surrealdb::engine::any::connect(format!("surrealkv://{}", path.display()))
            .await
            .unwrap();
        store.use_ns("assetgraph").use_db("register").await.unwrap();
        let mut refused = store
            .query("UPDATE audit SET actor = 'mallory' WHERE operation = 'CREATE' AND entityKind = 'Vendor'")
            .await
            .unwrap();
        assert!(
            !refused.take_errors().is_empty(),
            "the store refuses changing audit entries"
        );
        let mut found = store
            .query("REMOVE EVENT append_only ON audit; SELECT VALUE chain.seq FROM audit WHERE entityKind = 'Vendor' ORDER BY chain.seq LIMIT 1; UPDATE audit SET actor = 'mallory' WHERE entityKind = 'Vendor' AND chain.seq = (SELECT VALUE chain.seq FROM audit WHERE entityKind = 'Vendor' ORDER BY chain.seq LIMIT 1)[0];")
            .await
            .unwrap();
        let seq: Vec<Value> = found.take(1).unwrap();
        // The engine shuts down in the background once its last handle is gone, then lets go
        // of its files.
        drop(store);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::fs::File::open(path.join("LOCK")).is_ok_and(|f| f.try_lock().is_err()) {
            assert!(std::time::Instant::now() < deadline, "the store stayed locked");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        seq[0].as_u64().unwrap()
    });

    let (mut server, addr) = start(&db);
    wait_ready(&client, &addr);
    let verified = post(&client, &addr, VERIFY, json!({}));
    let report = &verified["data"]["verifyAuditLog"];
    assert_eq!(report["valid"], false, "{verified}");
    assert_eq!(report["firstBreak"]["seq"], json!(tampered), "{verified}");
    assert!(
        report["firstBreak"]["reason"]
            .as_str()
            .unwrap()
            .contains("changed"),
        "{verified}"
    );
    terminate(&mut server);
}
