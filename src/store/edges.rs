//! The relationship scan the graph index is built from: only the fields the index needs, read in
//! key ranges side by side so a large store loads on every core.

use std::ops::Bound;

use futures_util::future::try_join_all;
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::Value as Json;
use surrealdb::types::{Action, RecordId, RecordIdKey, RecordIdKeyRange};

use super::{Params, Store, StoreError};
use crate::domain::entity::{EntityId, NodeRef};
use crate::domain::relation::RelationType;

/// What the graph index keeps of one relationship.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EdgeRow {
    pub source: NodeRef,
    pub target: NodeRef,
    #[serde(rename = "type")]
    pub relation: RelationType,
    pub criticality: Option<u8>,
    pub redundancy_group: Option<String>,
    pub min_up: Option<u16>,
}

/// Key boundaries splitting the relationship table into parts read concurrently. Generated ids
/// are hexadecimal, so these spread them evenly; any other key still lands in exactly one part.
const SPLITS: [&str; 7] = ["2", "4", "6", "8", "a", "c", "e"];

fn key_ranges() -> Vec<RecordIdKeyRange> {
    let bound = |s: &str| RecordIdKey::String(s.to_string());
    let mut ranges = Vec::new();
    let mut start = Bound::Unbounded;
    for split in SPLITS {
        ranges.push(RecordIdKeyRange {
            start,
            end: Bound::Excluded(bound(split)),
        });
        start = Bound::Included(bound(split));
    }
    ranges.push(RecordIdKeyRange {
        start,
        end: Bound::Unbounded,
    });
    ranges
}

impl Store {
    /// How many relationships the store holds (the benchmark checks the index has them all).
    pub async fn count_edges(&self) -> Result<usize, StoreError> {
        let rows = self
            .rows(
                "SELECT count() AS n FROM relationship GROUP ALL",
                Params::default(),
            )
            .await?;
        Ok(rows
            .first()
            .and_then(|r| r.get("n"))
            .and_then(Json::as_u64)
            .unwrap_or(0) as usize)
    }

    /// Every relationship, reduced to what the graph index needs.
    pub async fn scan_edges(&self) -> Result<Vec<EdgeRow>, StoreError> {
        let parts = key_ranges().into_iter().map(|range| async move {
            let mut params = Params::default();
            params.set(
                "part",
                RecordId::new("relationship", RecordIdKey::Range(Box::new(range))),
            );
            let rows = self
                .rows(
                    "SELECT source, target, type, criticality, redundancyGroup, minUp FROM $part",
                    params,
                )
                .await?;
            rows.into_iter()
                .map(|row| serde_json::from_value::<EdgeRow>(row).map_err(StoreError::internal))
                .collect::<Result<Vec<_>, _>>()
        });
        Ok(try_join_all(parts).await?.concat())
    }
}

impl Store {
    /// Every asset that reaches `start` through relationships of `types`, found by SurrealDB's own
    /// recursive graph query: the yardstick the in-memory impact is benchmarked against.
    pub async fn dependants_by_recursion(
        &self,
        start: &EntityId,
        types: &[RelationType],
    ) -> Result<Vec<EntityId>, StoreError> {
        let mut params = Params::default();
        params.set("start", RecordId::new("asset", start.as_str()));
        let names: Vec<Json> = types
            .iter()
            .map(|t| serde_json::to_value(t).map_err(StoreError::internal))
            .collect::<Result<_, _>>()?;
        params.set("types", names);
        let rows = self
            .rows(
                "RETURN array::map($start.{..+collect}<-(relationship WHERE type IN $types)<-asset, |$r| record::id($r));",
                params,
            )
            .await?;
        rows.iter()
            .flat_map(|row| row.as_array().cloned().unwrap_or_else(|| vec![row.clone()]))
            .map(|key| {
                key.as_str()
                    .and_then(EntityId::parse)
                    .ok_or_else(|| StoreError::internal(format!("unexpected key {key}")))
            })
            .collect()
    }
}

/// A committed relationship change, as another process sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgeChange {
    /// Created or updated: the relationship as it now is.
    Upsert(EdgeRow),
    Remove(EdgeRow),
}

impl Store {
    /// Every relationship change committed from now on, by any process sharing the store
    /// (a SurrealDB live query), so several servers can keep their indexes current.
    pub async fn follow_edges(
        &self,
    ) -> Result<impl Stream<Item = Result<EdgeChange, StoreError>> + Send + 'static, StoreError>
    {
        let stream: surrealdb::Stream<Vec<Json>> = self
            .db
            .select("relationship")
            .live()
            .await
            .map_err(StoreError::classify)?;
        Ok(stream.filter_map(|notification| async move {
            let notification = match notification {
                Ok(n) => n,
                Err(e) => return Some(Err(StoreError::classify(e))),
            };
            let row =
                serde_json::from_value::<EdgeRow>(notification.data).map_err(StoreError::internal);
            match notification.action {
                Action::Create | Action::Update => Some(row.map(EdgeChange::Upsert)),
                Action::Delete => Some(row.map(EdgeChange::Remove)),
                _ => None,
            }
        }))
    }
}
