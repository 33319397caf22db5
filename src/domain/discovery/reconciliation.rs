//! The reconciliation queue: discovery records whose identifiers point at several assets wait
//! here for a person to merge the assets, keep them apart, or ignore the record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::domain::discovery::identifiers::IdentificationRule;
use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{ErrorCode, FieldError, MAX_NAME, Problems, required_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReconciliationStatus {
    Open,
    Merged,
    KeptSeparate,
    Ignored,
}

/// An asset the record pointed at, and the rules that found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedAsset {
    pub asset: EntityId,
    pub rules: Vec<IdentificationRule>,
}

/// One conflicting record and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconciliationItem {
    pub source: String,
    /// The record as the source sent it, applied again once the conflict is resolved.
    pub record: Json,
    /// Digest of the checked record: the same record again joins this item, not a new one.
    pub fingerprint: String,
    pub candidates: Vec<MatchedAsset>,
    pub status: ReconciliationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// The asset the record was applied to once resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_asset: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconciliationItemDraft {
    pub source: Option<String>,
    pub record: Option<Json>,
    pub fingerprint: Option<String>,
    pub candidates: Option<Vec<MatchedAsset>>,
    pub status: Option<ReconciliationStatus>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub result_asset: Option<EntityId>,
    pub note: Option<String>,
}

impl Entity for ReconciliationItem {
    const KIND: EntityKind = EntityKind::Reconciliation;
    type Draft = ReconciliationItemDraft;

    fn validate(d: ReconciliationItemDraft) -> Result<ReconciliationItem, Vec<FieldError>> {
        let mut p = Problems::default();
        let source = p.take(required_text("source", d.source.as_deref(), MAX_NAME));
        let fingerprint = p.take(required_text("fingerprint", d.fingerprint.as_deref(), 32));
        let candidates = d.candidates.unwrap_or_default();
        if candidates.len() < 2 {
            p.push(FieldError::new(
                "candidates",
                ErrorCode::Invalid,
                "a conflict involves at least two assets",
            ));
        }
        p.finish(|| ReconciliationItem {
            source: source.expect("checked"),
            record: d.record.unwrap_or(Json::Null),
            fingerprint: fingerprint.expect("checked"),
            candidates,
            status: d.status.unwrap_or(ReconciliationStatus::Open),
            resolved_by: d.resolved_by,
            resolved_at: d.resolved_at,
            result_asset: d.result_asset,
            note: d.note,
        })
    }
}
