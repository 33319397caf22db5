//! Discovery over GraphQL: ingesting records, the reconciliation queue, unmanaged and stale
//! assets, and the policy discovery follows.

use async_graphql::{Enum, Json, SimpleObject};

use super::loaders::many;
use super::types::{AssetNode, entity_object};
use crate::domain::discovery::IdentificationRule as DomainRule;
use crate::domain::precedence::Policy;
use crate::domain::reconciliation::{ReconciliationItem, ReconciliationStatus as DomainStatus};
use crate::domain::register::Asset;

/// How a record was matched to an asset.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "DomainRule")]
pub enum IdentificationRule {
    SourceNativeKey,
    SerialAndManufacturer,
    AssetTag,
    MacAddress,
    CloudResourceId,
    Fqdn,
    Hostname,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "DomainStatus")]
pub enum ReconciliationStatus {
    Open,
    Merged,
    KeptSeparate,
    Ignored,
}

/// An asset a conflicting record pointed at, and by which rules.
#[derive(SimpleObject)]
pub struct ConflictCandidate {
    pub asset: Option<AssetNode>,
    pub rules: Vec<IdentificationRule>,
}

entity_object! {
    /// A discovery record whose identifiers point at several assets, waiting for a person.
    ReconciliationItemNode(ReconciliationItem) as "ReconciliationItem" {
        async fn source(&self) -> &str {
            &self.0.data.source
        }
        /// The record as the source sent it.
        async fn record(&self) -> Json<serde_json::Value> {
            Json(self.0.data.record.clone())
        }
        async fn status(&self) -> ReconciliationStatus {
            self.0.data.status.into()
        }
        async fn candidates(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<ConflictCandidate>> {
            let found = many::<Asset>(ctx, self.0.data.candidates.iter().map(|c| c.asset.clone())).await?;
            Ok(self.0.data.candidates.iter().map(|c| ConflictCandidate {
                asset: found.iter().find(|a| a.id == c.asset).cloned().map(AssetNode),
                rules: c.rules.iter().map(|r| (*r).into()).collect(),
            }).collect())
        }
        async fn resolved_by(&self) -> Option<&str> {
            self.0.data.resolved_by.as_deref()
        }
        async fn resolved_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
            self.0.data.resolved_at
        }
        /// The asset the record went to once resolved.
        async fn result_asset(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Option<AssetNode>> {
            let found = many::<Asset>(ctx, self.0.data.result_asset.iter().cloned()).await?;
            Ok(found.into_iter().next().map(AssetNode))
        }
        async fn note(&self) -> Option<&str> {
            self.0.data.note.as_deref()
        }
    }
}

/// Who may set one asset field.
#[derive(SimpleObject)]
pub struct FieldRule {
    /// Document path, e.g. `attributes.os` or `warrantyEnd`.
    pub field: String,
    /// Sources allowed to set it, most authoritative first; empty means every source, equal.
    pub sources: Vec<String>,
    /// Whether discovery may replace a value a person set (never for financial, ownership or
    /// lifecycle fields).
    pub overrides_people: bool,
}

entity_object! {
    /// The identification order and field precedence discovery follows.
    DiscoveryPolicyNode(Policy) as "DiscoveryPolicy" {
        /// Identification rules in the order they are tried; rules left out are not used.
        async fn rules(&self) -> Vec<IdentificationRule> {
            self.0.data.rules.iter().map(|r| (*r).into()).collect()
        }
        async fn fields(&self) -> Vec<FieldRule> {
            self.0.data.fields.iter().map(|f| FieldRule {
                field: f.field.clone(),
                sources: f.sources.clone(),
                overrides_people: f.overrides_people,
            }).collect()
        }
    }
}
