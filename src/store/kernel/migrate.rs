//! Ordered, recorded schema migrations from `schema/surreal`, applied at start.

use crate::store::kernel::params::Params;
use crate::store::{Store, StoreError};

/// Every migration in order; names are recorded in the store once applied.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "001_register",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/surreal/001_register.surql"
        )),
    ),
    (
        "002_relationships",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/surreal/002_relationships.surql"
        )),
    ),
    (
        "003_audit_time",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/surreal/003_audit_time.surql"
        )),
    ),
    (
        "004_index_checkpoint",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/surreal/004_index_checkpoint.surql"
        )),
    ),
    (
        "005_lifecycle_finance",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/surreal/005_lifecycle_finance.surql"
        )),
    ),
    (
        "006_software_contracts",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/surreal/006_software_contracts.surql"
        )),
    ),
    (
        "007_discovery",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/surreal/007_discovery.surql"
        )),
    ),
    (
        "008_tickets",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/surreal/008_tickets.surql"
        )),
    ),
    (
        "009_webhooks",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/surreal/009_webhooks.surql"
        )),
    ),
    (
        "010_idempotency",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/surreal/010_idempotency.surql"
        )),
    ),
    (
        "011_access_audit_chain",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/surreal/011_access_audit_chain.surql"
        )),
    ),
];

pub(super) async fn apply(store: &Store) -> Result<(), StoreError> {
    store
        .run(
            "DEFINE TABLE IF NOT EXISTS migration SCHEMAFULL;
             DEFINE FIELD IF NOT EXISTS appliedAt ON migration TYPE datetime;",
            Params::default(),
        )
        .await?;
    for (name, text) in MIGRATIONS {
        let mut params = Params::default();
        params.set("name", name.to_string());
        let applied = store
            .rows(
                "SELECT VALUE id FROM type::record('migration', $name)",
                params,
            )
            .await?;
        if !applied.is_empty() {
            continue;
        }
        let mut params = Params::default();
        params.set("name", name.to_string());
        let sql = format!(
            "BEGIN TRANSACTION;\n{text}\nCREATE type::record('migration', $name) SET appliedAt = time::now() RETURN NONE;\nCOMMIT TRANSACTION;"
        );
        store.run(&sql, params).await?;
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}

impl Store {
    /// Connects to `url` (`mem://`, `surrealkv://dir`, `ws://host:port`) and applies migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        apply(&store).await?;
        Ok(store)
    }
}
