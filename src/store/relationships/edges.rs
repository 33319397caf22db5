//! The relationship scan the graph index is built from: only the fields the index needs, read in
//! key ranges side by side so a large store loads on every core.

use futures_util::{Stream, StreamExt, stream};
use serde::Deserialize;
use serde_json::Value as Json;
use surrealdb::types::{Action, RecordId, RecordIdKey, RecordIdKeyRange};

use crate::domain::kernel::Record;
use crate::domain::kernel::{EntityId, EntityKind, NodeRef};
use crate::domain::relationships::{RelationType, Relationship};
use crate::store::kernel::Params;
use crate::store::kernel::key_ranges;
use crate::store::{Store, StoreError};

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

/// Parts read at once: the engine works on both cores while the caller indexes the last batch.
const PARTS_IN_FLIGHT: usize = 3;

/// One relationship as the scan reads it: source, target, type, criticality, redundancy group,
/// minimum up. A tuple of top-level fields, so the engine neither copies nested objects nor
/// builds a document per row.
type ScannedEdge = (
    RecordId,
    RecordId,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

/// An endpoint as the graph keys it, from the record id SurrealDB keeps in `in` / `out`.
fn node_ref(record: RecordId) -> Result<NodeRef, StoreError> {
    let kind = EntityKind::ALL
        .into_iter()
        .find(|k| k.table() == record.table.as_str());
    let id = match record.key {
        RecordIdKey::String(key) => EntityId::parse(&key),
        _ => None,
    };
    match (kind, id) {
        (Some(kind), Some(id)) => Ok(NodeRef { kind, id }),
        _ => Err(StoreError::internal(format!(
            "a relationship ends at {:?}, which is no register entity",
            record.table.as_str()
        ))),
    }
}

impl TryFrom<ScannedEdge> for EdgeRow {
    type Error = StoreError;

    fn try_from(
        (source, target, relation, criticality, group, min_up): ScannedEdge,
    ) -> Result<EdgeRow, StoreError> {
        use serde::de::IntoDeserializer;
        let relation = RelationType::deserialize(relation.into_deserializer())
            .map_err(|e: serde::de::value::Error| StoreError::internal(e))?;
        Ok(EdgeRow {
            source: node_ref(source)?,
            target: node_ref(target)?,
            relation,
            criticality: criticality.map(|c| c.clamp(0, u8::MAX.into()) as u8),
            redundancy_group: group,
            min_up: min_up.map(|m| m.clamp(0, u16::MAX.into()) as u16),
        })
    }
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

    /// Every relationship, reduced to what the graph index needs, in batches (one per key range)
    /// so that a large store is never held in memory twice.
    pub fn scan_edges(&self) -> impl Stream<Item = Result<Vec<EdgeRow>, StoreError>> + '_ {
        stream::iter(key_ranges())
            .map(|range| {
                let store = self.clone();
                async move {
                    tokio::spawn(async move { store.scan_part(range).await })
                        .await
                        .map_err(StoreError::internal)?
                }
            })
            .buffered(PARTS_IN_FLIGHT)
    }

    async fn scan_part(&self, range: RecordIdKeyRange) -> Result<Vec<EdgeRow>, StoreError> {
        let mut params = Params::default();
        params.set(
            "part",
            RecordId::new("relationship", RecordIdKey::Range(Box::new(range))),
        );
        let mut response = self
            .run(
                "SELECT VALUE [in, out, type, criticality, redundancyGroup, minUp] FROM $part",
                params,
            )
            .await?;
        let rows: Vec<ScannedEdge> = response.take(0).map_err(StoreError::internal)?;
        rows.into_iter().map(EdgeRow::try_from).collect()
    }
}

impl Store {
    /// The relationships whose source is one of `sources`, in one query (by the `in` index).
    pub async fn relationships_leaving(
        &self,
        sources: &[NodeRef],
    ) -> Result<Vec<Record<Relationship>>, StoreError> {
        if sources.is_empty() {
            return Ok(Vec::new());
        }
        let links: Vec<RecordId> = sources
            .iter()
            .map(|n| RecordId::new(n.kind.table(), n.id.as_str()))
            .collect();
        let mut params = Params::default();
        params.set("links", links);
        let rows = self
            .rows(
                "SELECT *, record::id(id) AS id FROM relationship WHERE in IN $links",
                params,
            )
            .await?;
        rows.into_iter().map(crate::store::kernel::decode).collect()
    }

    /// The relationships with these ends and types, in one round trip (a statement per edge,
    /// each answered by the unique index on its ends and type); edges gone are left out.
    pub async fn relationships_between(
        &self,
        edges: &[(NodeRef, NodeRef, RelationType)],
    ) -> Result<Vec<Record<Relationship>>, StoreError> {
        if edges.is_empty() {
            return Ok(Vec::new());
        }
        let link = |n: &NodeRef| RecordId::new(n.kind.table(), n.id.as_str());
        let mut params = Params::default();
        let mut sql = String::new();
        for (i, (source, target, relation)) in edges.iter().enumerate() {
            params
                .set(format!("in{i}"), link(source))
                .set(format!("out{i}"), link(target))
                .set(
                    format!("type{i}"),
                    serde_json::to_value(relation).map_err(StoreError::internal)?,
                );
            sql.push_str(&format!(
                "SELECT *, record::id(id) AS id FROM relationship WHERE in = $in{i} AND out = $out{i} AND type = $type{i};\n"
            ));
        }
        let mut response = self.run(&sql, params).await?;
        let mut found = Vec::with_capacity(edges.len());
        for i in 0..edges.len() {
            let rows: Vec<Json> = response.take(i).map_err(StoreError::internal)?;
            for row in crate::store::kernel::json_docs(rows) {
                found.push(crate::store::kernel::decode(row)?);
            }
        }
        Ok(found)
    }

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
