//! Discovery ingestion: records from scanners, agents, MDM and cloud APIs folded into the register
//! by the identification rules and the field precedence, one transaction per batch.

use std::collections::BTreeSet;

use chrono::Utc;
use serde_json::{Value as Json, json};

use crate::domain::access::Actor;
use crate::domain::discovery::Identification;
use crate::domain::discovery::Policy;
use crate::domain::discovery::{Observation, RecordDraft};
use crate::domain::discovery::{ReconciliationItem, ReconciliationStatus};
use crate::domain::kernel::EntityId;
use crate::domain::kernel::ErrorCode;
use crate::domain::register::Asset;
use crate::domain::relationships::Relationship;
use crate::domain::software::SoftwareProduct;
use crate::service::discovery::outcome::IngestReport;
use crate::service::discovery::plan::Checked;
use crate::service::discovery::plan::Loaded;
use crate::service::discovery::plan::edge_key;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::store::StoreError;

/// Most records one call may carry (the command line sends 1,000 at a time).
pub const MAX_RECORDS: usize = 5_000;
/// Source names appear in audit entries and external ids: short and plain.
fn check_source(source: &str) -> Result<(), ServiceError> {
    let valid = !source.is_empty()
        && source.len() <= 64
        && source
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "source",
            ErrorCode::Invalid,
            "a source is 1 to 64 letters, digits, '.', '-' or '_'",
        ))
    }
}

impl Register {
    /// Folds a batch of discovery records from `source` into the register in one transaction
    /// (or, with `dry_run`, only says what it would do).
    pub async fn ingest(
        &self,
        actor: &Actor,
        source: &str,
        drafts: Vec<RecordDraft>,
        dry_run: bool,
    ) -> Result<IngestReport, ServiceError> {
        check_source(source)?;
        if drafts.len() > MAX_RECORDS {
            return Err(ServiceError::BadRequest(format!(
                "a batch holds at most {MAX_RECORDS} records"
            )));
        }
        let _one_at_a_time = self.books.ingesting.lock().await;
        let parsing = std::time::Instant::now();
        let policy = self.discovery_policy().await?.data;
        let parsed: Vec<Checked> = drafts.iter().cloned().map(Observation::parse).collect();
        let fingerprints: Vec<u64> = parsed
            .iter()
            .map(|o| o.as_ref().map_or(0, Observation::fingerprint))
            .collect();
        let now = Utc::now();
        let parse = parsing.elapsed();
        // A person's write between planning and commit makes the batch stale: plan again.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let started = std::time::Instant::now();
            let loaded = self
                .load_for(source, (&parsed, &fingerprints), &policy)
                .await?;
            let read = started.elapsed();
            let plan = {
                let identities = self.books.identities().await?;
                self.plan(
                    &identities,
                    source,
                    (&drafts, &parsed, &fingerprints),
                    &policy,
                    loaded,
                    now,
                )
            };
            let planned = started.elapsed();
            let report = plan.report(source, dry_run);
            tracing::debug!(
                records = drafts.len(),
                parse_ms = parse.as_millis() as u64,
                read_ms = read.as_millis() as u64,
                plan_ms = (planned - read).as_millis() as u64,
                report_ms = (started.elapsed() - planned).as_millis() as u64,
                "discovery batch planned"
            );
            if dry_run {
                return Ok(report);
            }
            let (batch, written) = plan.writes(actor, source)?;
            if batch.is_empty() {
                return Ok(report);
            }
            let _pending = self.graph.pending::<Relationship>();
            let committing = std::time::Instant::now();
            match self.store.commit(batch).await {
                Ok(()) => {
                    let commit = committing.elapsed();
                    written.apply(self);
                    tracing::debug!(
                        commit_ms = commit.as_millis() as u64,
                        apply_ms = (committing.elapsed() - commit).as_millis() as u64,
                        "discovery batch written"
                    );
                    return Ok(report);
                }
                Err(StoreError::StaleVersion | StoreError::Duplicate { .. }) if attempts < 3 => {
                    continue;
                }
                Err(e) => return Err(ServiceError::from_write::<Asset>(e)),
            }
        }
    }

    /// Reads what planning needs: the matched assets whose report changed, the relationships
    /// around them, the software catalogue, and queue items the conflicts may join.
    async fn load_for(
        &self,
        source: &str,
        (parsed, digests): (&[Checked], &[u64]),
        policy: &Policy,
    ) -> Result<Loaded, ServiceError> {
        let mut wanted: BTreeSet<EntityId> = BTreeSet::new();
        let mut fingerprints: Vec<Json> = Vec::new();
        {
            let identities = self.books.identities().await?;
            for (observation, digest) in parsed.iter().zip(digests) {
                let Ok(observation) = observation else {
                    continue;
                };
                let verdict = identities.identify(source, &observation.identifiers, &policy.rules);
                match verdict.identification {
                    Identification::Match { asset, .. } => {
                        let fresh = identities.sighting(&asset, source).is_some_and(|s| {
                            s.fingerprint == *digest
                                && Some(s.applied_version) == identities.version(&asset)
                        });
                        if !fresh {
                            wanted.insert(asset);
                        }
                    }
                    Identification::Conflict(candidates) => {
                        fingerprints.push(json!(format!("{digest:016x}")));
                        wanted.extend(candidates.into_iter().map(|c| c.asset));
                    }
                    Identification::New => {}
                }
            }
        }
        let wanted: Vec<EntityId> = wanted.into_iter().collect();
        let assets = self.store.get_many::<Asset>(&wanted).await?;
        let edges = self.store.relationships_touching(&wanted).await?;
        let catalogue = if parsed.iter().flatten().any(|o| !o.software.is_empty()) {
            self.store.all_of::<SoftwareProduct>().await?
        } else {
            Vec::new()
        };
        let items = self
            .store
            .find_by::<ReconciliationItem>("fingerprint", fingerprints)
            .await?;
        Ok(Loaded {
            assets: assets.into_iter().map(|a| (a.id.clone(), a)).collect(),
            edges: edges.into_iter().map(|r| (edge_key(&r.data), r)).collect(),
            catalogue,
            open_items: items
                .into_iter()
                .filter(|i| {
                    i.data.source == source
                        && matches!(
                            i.data.status,
                            ReconciliationStatus::Open | ReconciliationStatus::Ignored
                        )
                })
                .map(|i| (i.data.fingerprint.clone(), i))
                .collect(),
        })
    }
}
