//! Many clients updating the same records at once with `expectedVersion`, retrying on CONFLICT:
//! no update is lost, and the audit trail holds exactly the acknowledged ones.

use serde_json::json;

use crate::helpers::spawn_app;

const CLIENTS: usize = 32;
const UPDATES: usize = 200;
/// Records the clients share: four clients contend for each.
const TARGETS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_clients_lose_no_update() {
    let app = std::sync::Arc::new(spawn_app().await);
    let mut targets = Vec::new();
    for t in 0..TARGETS {
        targets.push(
            app.create("Vendor", json!({"name": format!("counter {t}: 0")}))
                .await,
        );
    }
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (app, target) = (app.clone(), targets[c % TARGETS].clone());
        clients.push(tokio::spawn(async move {
            let (mut acknowledged, mut conflicts) = (0usize, 0usize);
            while acknowledged < UPDATES {
                let read = app
                    .data(
                        "query($id: ID!) { vendor(id: $id) { name version } }",
                        json!({"id": target}),
                    )
                    .await;
                let (name, version) = (
                    read["vendor"]["name"].as_str().unwrap().to_string(),
                    read["vendor"]["version"].as_i64().unwrap(),
                );
                let (label, count) = name.rsplit_once(": ").unwrap();
                let next = format!("{label}: {}", count.parse::<u64>().unwrap() + 1);
                let payload = app
                    .mutate(
                        "updateVendor",
                        "UpdateVendorInput",
                        "node { version }",
                        json!({"id": target, "expectedVersion": version, "name": next}),
                    )
                    .await;
                match payload["userErrors"][0]["code"].as_str() {
                    None => acknowledged += 1,
                    Some("CONFLICT") => conflicts += 1,
                    Some(other) => panic!("unexpected refusal {other}: {payload}"),
                }
            }
            conflicts
        }));
    }
    let mut conflicts = 0;
    for client in clients {
        conflicts += client.await.unwrap();
    }
    let per_target = (CLIENTS / TARGETS * UPDATES) as u64;
    for target in &targets {
        let found = app
            .data(
                "query($id: ID!) { vendor(id: $id) { name version history { totalCount } } }",
                json!({"id": target}),
            )
            .await;
        let vendor = &found["vendor"];
        let count: u64 = vendor["name"]
            .as_str()
            .unwrap()
            .rsplit_once(": ")
            .unwrap()
            .1
            .parse()
            .unwrap();
        assert_eq!(
            count, per_target,
            "an acknowledged update was lost: {vendor}"
        );
        assert_eq!(vendor["version"], json!(per_target + 1));
        assert_eq!(vendor["history"]["totalCount"], json!(per_target + 1));
    }
    let verified = app.data("{ verifyAuditLog { valid } }", json!({})).await;
    assert_eq!(verified["verifyAuditLog"]["valid"], true);
    println!(
        "{} updates acknowledged, {conflicts} conflicts retried",
        CLIENTS * UPDATES
    );
}
