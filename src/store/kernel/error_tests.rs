//! Each class of store error, produced for real on an in-memory store and classified.

use super::error::StoreError;
use super::params::Params;
use crate::domain::kernel::EntityKind;
use crate::store::Store;

async fn store() -> Store {
    Store::connect("mem://").await.expect("an in-memory store")
}

async fn failure(store: &Store, sql: &str) -> StoreError {
    match store.run(sql, Params::default()).await {
        Ok(_) => panic!("{sql} succeeded"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn a_taken_unique_key_is_a_duplicate_naming_its_index() {
    let store = store().await;
    store
        .run(
            "DEFINE TABLE t SCHEMALESS; DEFINE INDEX t_tag ON t FIELDS tag UNIQUE; CREATE t:1 SET tag = 'A-1';",
            Params::default(),
        )
        .await
        .unwrap();
    let error = failure(
        &store,
        "BEGIN; CREATE t:2 SET tag = 'B-2'; CREATE t:3 SET tag = 'A-1'; COMMIT;",
    )
    .await;
    assert_eq!(
        error,
        StoreError::Duplicate {
            index: "t_tag".into()
        }
    );
}

#[tokio::test]
async fn a_taken_record_id_is_exists() {
    let store = store().await;
    store
        .run("CREATE t:1 SET n = 1", Params::default())
        .await
        .unwrap();
    assert_eq!(
        failure(&store, "BEGIN; CREATE t:2; CREATE t:1; COMMIT;").await,
        StoreError::Exists
    );
}

#[tokio::test]
async fn a_write_conflict_is_a_conflict_not_the_statements_it_stopped() {
    let store = store().await;
    // Both read the counter, wait, then write it: the second to commit loses. Timing decides
    // only which one, unless the machine is so slow they never overlap: hence a few rounds.
    let sql = "BEGIN; LET $n = (SELECT VALUE n FROM ONLY $id); sleep(100ms); \
               UPDATE $id SET n = $n + 1; COMMIT;";
    for round in 0..5 {
        let id = surrealdb::types::RecordId::new("counter", round);
        let mut params = Params::default();
        params.set("id", id);
        store
            .run("CREATE $id SET n = 0", params.clone())
            .await
            .unwrap();
        let (a, b) = tokio::join!(store.run(sql, params.clone()), store.run(sql, params));
        let errors: Vec<StoreError> = [a, b].into_iter().filter_map(Result::err).collect();
        if errors.is_empty() {
            continue;
        }
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            matches!(errors[0], StoreError::Conflict(_)),
            "{:?}",
            errors[0]
        );
        return;
    }
    panic!("the two transactions never overlapped");
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    let error = surrealdb::engine::any::connect("ws://127.0.0.1:1")
        .await
        .expect_err("nothing listens on port 1");
    assert!(matches!(
        StoreError::classify(error),
        StoreError::Unavailable(_)
    ));
}

#[tokio::test]
async fn a_statement_past_its_time_limit_is_a_timeout() {
    let store = store().await;
    let error = failure(&store, "SELECT * FROM (RETURN sleep(500ms)) TIMEOUT 10ms").await;
    assert!(matches!(error, StoreError::Timeout(_)), "{error:?}");
}

#[tokio::test]
async fn a_missing_record_is_not_found_but_a_missing_table_is_not() {
    let store = store().await;
    let error = failure(
        &store,
        "DEFINE TABLE link TYPE RELATION ENFORCED; RELATE a:1->link->b:1;",
    )
    .await;
    assert_eq!(error, StoreError::NotFound);
    let error = failure(&store, "REMOVE TABLE nowhere").await;
    assert!(matches!(error, StoreError::Internal(_)), "{error:?}");
}

#[tokio::test]
async fn what_the_sessions_user_may_not_do_is_denied() {
    let store = store().await;
    store
        .run(
            "DEFINE USER reader ON DATABASE PASSWORD 'reader-pass-123' ROLES VIEWER",
            Params::default(),
        )
        .await
        .unwrap();
    store
        .db
        .signin(surrealdb::opt::auth::Database {
            namespace: "assetgraph".into(),
            database: "register".into(),
            username: "reader".into(),
            password: "reader-pass-123".into(),
        })
        .await
        .expect("the reader signs in");
    let error = failure(&store, "DEFINE TABLE t").await;
    assert!(matches!(error, StoreError::Denied(_)), "{error:?}");
}

#[tokio::test]
async fn a_statement_that_does_not_parse_is_invalid() {
    let store = store().await;
    let error = failure(&store, "SELEC 1").await;
    assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
}

#[tokio::test]
async fn our_thrown_markers_are_read_back() {
    let store = store().await;
    for (sql, expected) in [
        (
            "BEGIN; THROW 'ag-stale-version'; COMMIT;",
            StoreError::StaleVersion,
        ),
        ("THROW 'ag-not-found'", StoreError::NotFound),
        ("THROW 'ag-chain-moved'", StoreError::ChainMoved),
        (
            "THROW 'ag-missing-reference:owner.team'",
            StoreError::MissingReference {
                path: "owner.team".into(),
            },
        ),
        (
            "THROW 'ag-in-use:Asset/location'",
            StoreError::InUse {
                kind: EntityKind::Asset,
                path: "location".into(),
            },
        ),
    ] {
        assert_eq!(failure(&store, sql).await, expected, "{sql}");
    }
    let error = failure(&store, "THROW 'something else'").await;
    assert!(matches!(error, StoreError::Internal(_)), "{error:?}");
}
