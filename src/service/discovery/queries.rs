//! What discovery found that needs attention: unmanaged and stale assets and relationships,
//! each source's sightings, and the reconciliation queue.

use crate::domain::discovery::Sighting;
use crate::domain::discovery::{ReconciliationItem, ReconciliationStatus};
use crate::domain::kernel::{EntityId, EntityKind, Record};
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::service::kernel::to_json;
use chrono::{DateTime, Utc};

/// How far back staleness may look (ten years).
const MAX_STALE_DAYS: u32 = 3650;

fn stale_cutoff(days: u32) -> Result<DateTime<Utc>, ServiceError> {
    if !(1..=MAX_STALE_DAYS).contains(&days) {
        return Err(ServiceError::BadRequest(format!(
            "notSeenForDays runs from 1 to {MAX_STALE_DAYS}"
        )));
    }
    Ok(Utc::now() - chrono::Duration::days(i64::from(days)))
}

impl Register {
    /// Assets discovery registered that nobody has accepted yet, in id order.
    pub async fn unmanaged_assets(&self) -> Result<Vec<EntityId>, ServiceError> {
        Ok(self.books.identities().await?.unmanaged())
    }

    /// Assets discovery has seen but not (by `source`, or by any source) for `days` days, with
    /// when they were last seen, longest unseen first.
    pub async fn stale_assets(
        &self,
        days: u32,
        source: Option<&str>,
    ) -> Result<Vec<(EntityId, DateTime<Utc>)>, ServiceError> {
        let before = stale_cutoff(days)?;
        Ok(self.books.identities().await?.stale_assets(before, source))
    }

    /// Relationships discovery observed but has not reported again for `days` days: flagged,
    /// never deleted.
    pub async fn stale_relationships(
        &self,
        days: u32,
        source: Option<&str>,
    ) -> Result<Vec<(EntityId, DateTime<Utc>)>, ServiceError> {
        let before = stale_cutoff(days)?;
        Ok(self
            .books
            .identities()
            .await?
            .stale_relationships(before, source))
    }

    /// When each source last reported an asset (or a relationship), by source name.
    pub async fn sightings(
        &self,
        kind: EntityKind,
        id: &EntityId,
    ) -> Result<Vec<(String, Sighting)>, ServiceError> {
        let identities = self.books.identities().await?;
        Ok(match kind {
            EntityKind::Relationship => identities.relationship_sightings(id),
            _ => identities.sightings(id),
        })
    }

    /// Queued conflicts in a status (and from one source), oldest first.
    pub async fn reconciliation_queue(
        &self,
        status: ReconciliationStatus,
        source: Option<&str>,
    ) -> Result<Vec<Record<ReconciliationItem>>, ServiceError> {
        let mut items = self
            .store
            .find_by::<ReconciliationItem>("status", vec![to_json(&status)?])
            .await?;
        items.retain(|i| source.is_none_or(|s| i.data.source == s));
        items.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(items)
    }
}
