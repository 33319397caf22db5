//! Index checkpoints: a restart reads the stored checkpoint, replays the relationship changes
//! made since, and answers exactly as a full scan of the store would; a checkpoint that cannot
//! be trusted is never used.

use assetgraph::domain::datasets::Estate;
use assetgraph::graph::EdgeSpec;
use assetgraph::service::Register;
use assetgraph::service::kernel::Origin;
use assetgraph::store::Checkpoint;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};
use crate::relations::{asset, relate};

type Edges = Vec<EdgeSpec<assetgraph::domain::kernel::NodeRef>>;

fn edges(register: &Register) -> Edges {
    register.with_index(|index| index.edges())
}

/// The index a start without any checkpoint builds: the reference.
async fn scanned(register: &Register) -> Register {
    register.store().drop_checkpoint().await.unwrap();
    let scanned = Register::open(register.store().clone()).await.unwrap();
    assert_eq!(scanned.index_origin(), Origin::Scan);
    scanned
}

/// An application running on a VM.
async fn one_relationship(app: &TestApp) {
    let erp = asset(app, "erp", "SOFTWARE_APPLICATION").await;
    let vm = asset(app, "vm", "VIRTUAL_MACHINE").await;
    relate(app, json!({"source": erp, "target": vm, "type": "RUNS_ON"})).await;
}

#[tokio::test]
async fn a_checkpoint_brought_up_to_date_equals_a_scan() {
    let app = spawn_app().await;
    let erp = asset(&app, "erp", "SOFTWARE_APPLICATION").await;
    let crm = asset(&app, "crm", "SOFTWARE_APPLICATION").await;
    let vm1 = asset(&app, "vm1", "VIRTUAL_MACHINE").await;
    let vm2 = asset(&app, "vm2", "VIRTUAL_MACHINE").await;
    let id = |payload: serde_json::Value| payload["node"]["id"].as_str().unwrap().to_string();
    let erp_vm1 = id(relate(
        &app,
        json!({"source": erp, "target": vm1, "type": "RUNS_ON"}),
    )
    .await);
    let erp_vm2 = id(relate(
        &app,
        json!({"source": erp, "target": vm2, "type": "RUNS_ON"}),
    )
    .await);
    let crm_erp = id(relate(
        &app,
        json!({"source": crm, "target": erp, "type": "DEPENDS_ON"}),
    )
    .await);
    let register = app.readiness.get().unwrap();
    let written = register
        .checkpoint()
        .await
        .unwrap()
        .expect("no writes in flight");
    assert_eq!(written.relationships, 3);

    // A start right now reads the checkpoint and replays nothing new (only the clock margin).
    let restarted = Register::open(register.store().clone()).await.unwrap();
    assert!(matches!(
        restarted.index_origin(),
        Origin::Checkpoint { .. }
    ));
    assert_eq!(edges(&restarted), edges(register));

    // Later changes of every kind: a new edge, edges moved into a redundancy group, an edge
    // deleted, and one deleted and made again between the same pair.
    relate(
        &app,
        json!({"source": crm, "target": vm2, "type": "RUNS_ON"}),
    )
    .await;
    for edge in [&erp_vm1, &erp_vm2] {
        app.mutate(
            "updateRelationship",
            "UpdateRelationshipInput",
            "node { id }",
            json!({"id": edge, "redundancyGroup": "cluster", "minUp": 1}),
        )
        .await;
    }
    for edge in [&crm_erp, &erp_vm2] {
        app.mutate("unrelate", "DeleteInput", "deletedId", json!({"id": edge}))
            .await;
    }
    relate(
        &app,
        json!({"source": crm, "target": erp, "type": "DEPENDS_ON", "criticality": 5}),
    )
    .await;

    let restarted = Register::open(register.store().clone()).await.unwrap();
    let Origin::Checkpoint { replayed } = restarted.index_origin() else {
        panic!(
            "the checkpoint was not used: {:?}",
            restarted.index_origin()
        );
    };
    assert!(replayed >= 6, "every later change replayed, got {replayed}");
    let reference = scanned(register).await;
    assert_eq!(edges(&restarted), edges(&reference));
    assert_eq!(edges(&restarted), edges(register));
    let groups: Vec<_> = edges(&restarted)
        .into_iter()
        .filter_map(|e| e.group)
        .collect();
    assert_eq!(groups, [("cluster".to_string(), 1)]);
}

#[tokio::test]
async fn a_checkpoint_that_disagrees_with_the_store_is_not_used() {
    let app = spawn_app().await;
    one_relationship(&app).await;
    let register = app.readiness.get().unwrap();
    let store = register.store();

    // Relationships written around the audit trail (as bulk loads do) cannot be replayed:
    // the count no longer agrees, so the start scans and sees them.
    register.checkpoint().await.unwrap().unwrap();
    let estate = Estate::plan(200, 3, chrono::Utc::now());
    let assets: Vec<_> = (0..estate.asset_count()).map(|n| estate.asset(n)).collect();
    let relationships: Vec<_> = (0..estate.asset_count())
        .flat_map(|n| estate.relationships_of(n))
        .collect();
    store.insert_bulk(&assets).await.unwrap();
    store.insert_bulk(&relationships).await.unwrap();
    let restarted = Register::open(store.clone()).await.unwrap();
    assert_eq!(restarted.index_origin(), Origin::Scan);
    assert_eq!(
        restarted.with_index(|i| i.edge_count()),
        relationships.len() + 1
    );

    // A damaged or empty image is refused the same way.
    for image in [vec![0xA5; 64], Vec::new()] {
        store
            .save_checkpoint(&Checkpoint {
                complete_before: chrono::Utc::now(),
                relationships: 1,
                image,
            })
            .await
            .unwrap();
        let restarted = Register::open(store.clone()).await.unwrap();
        assert_eq!(restarted.index_origin(), Origin::Scan);
        assert_eq!(edges(&restarted), edges(&scanned(register).await));
    }
}

#[tokio::test]
async fn in_memory_stores_keep_no_checkpoints() {
    let app = spawn_app().await;
    one_relationship(&app).await;
    let register = app.readiness.get().unwrap();
    assert_eq!(register.checkpoint_if_changed().await.unwrap(), None);
    assert_eq!(register.store().load_checkpoint().await.unwrap(), None);
}
