//! What licence compliance reads of installations: product, device and last use of every
//! INSTALLED_ON relationship, without the rest of the document.

use chrono::NaiveDate;
use serde::Deserialize;

use super::{Params, Store, StoreError};
use crate::domain::entity::EntityId;

/// One installation as compliance reads it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallRow {
    pub product: EntityId,
    pub device: EntityId,
    pub last_used: Option<NaiveDate>,
}

impl Store {
    /// Every installation (INSTALLED_ON relationship) in the store.
    pub async fn installations(&self) -> Result<Vec<InstallRow>, StoreError> {
        let rows = self
            .rows(
                "SELECT source.id AS product, target.id AS device, installation.lastUsed AS lastUsed \
                 FROM relationship WHERE type = 'INSTALLED_ON'",
                Params::default(),
            )
            .await?;
        rows.into_iter()
            .map(|row| serde_json::from_value(row).map_err(StoreError::internal))
            .collect()
    }
}
