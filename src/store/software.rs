//! What software asset management reads of relationships of one type (installations, coverage,
//! licensing): ends, cost share and installation details, without the rest of the document.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Params, Store, StoreError};
use crate::domain::entity::NodeRef;
use crate::domain::relation::{Installation, RelationType};

/// One relationship of a given type, as these questions read it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypedEdge {
    pub source: NodeRef,
    pub target: NodeRef,
    #[serde(with = "rust_decimal::serde::str_option", default)]
    pub allocation_percent: Option<Decimal>,
    #[serde(default)]
    pub installation: Option<Installation>,
}

impl Store {
    /// Every relationship of type `relation` (the `type` index finds them).
    pub async fn edges_of_type(
        &self,
        relation: RelationType,
    ) -> Result<Vec<TypedEdge>, StoreError> {
        let mut params = Params::default();
        params.set(
            "type",
            serde_json::to_value(relation).map_err(StoreError::internal)?,
        );
        let rows = self
            .rows(
                "SELECT source, target, allocationPercent, installation \
                 FROM relationship WHERE type = $type",
                params,
            )
            .await?;
        rows.into_iter()
            .map(|row| serde_json::from_value(row).map_err(StoreError::internal))
            .collect()
    }
}
