//! Writing a planned batch: new and replaced records, sightings and audit entries in one
//! transaction, then fed to the projections.

use crate::domain::access::{Actor, AuditEntry, Operation, diff};
use crate::domain::discovery::ReconciliationItem;
use crate::domain::discovery::Sighting;
use crate::domain::kernel::{Entity, EntityId, EntityKind, Record};
use crate::domain::register::Asset;
use crate::domain::relationships::Relationship;
use crate::domain::software::SoftwareProduct;
use crate::service::discovery::plan::Plan;
use crate::service::discovery::plan::Working;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::service::kernel::note_sighting;
use crate::service::kernel::to_json;
use crate::store::{Batch, SightingRow};
use serde_json::json;
use std::collections::HashMap;

/// Records of one kind a batch writes: new ones, replaced ones (with the version they replace),
/// and every change as before and after.
type Finished<E> = (
    Vec<Record<E>>,
    Vec<(Record<E>, i64)>,
    Vec<(Option<Record<E>>, Record<E>)>,
);

/// What a committed batch changed, to bring the in-memory projections in line.
pub(super) struct Written {
    assets: Vec<(Option<Record<Asset>>, Record<Asset>)>,
    relationships: Vec<(Option<Record<Relationship>>, Record<Relationship>)>,
    products: Vec<Record<SoftwareProduct>>,
    sightings: Vec<SightingRow>,
}

impl Written {
    pub(crate) fn apply(self, register: &Register) {
        for (before, after) in &self.assets {
            register.apply(before.as_ref(), Some(after));
        }
        for product in &self.products {
            register.apply(None, Some(product));
        }
        for (before, after) in &self.relationships {
            register.apply(before.as_ref(), Some(after));
        }
        let mut identities = register.books.identities_mut();
        for row in &self.sightings {
            note_sighting(&mut identities, row);
        }
    }
}

/// Each changed record of one kind with its audit entry, split into new and replaced ones.
fn finish<E: Entity>(
    actor: &Actor,
    source: &str,
    changed: impl IntoIterator<Item = Working<E>>,
    audits: &mut Vec<AuditEntry>,
) -> Result<Finished<E>, ServiceError> {
    let (mut created, mut replaced, mut written) = (Vec::new(), Vec::new(), Vec::new());
    for Working { before, mut after } in changed {
        let old = match &before {
            Some(b) => to_json(&b.data)?,
            None => json!({}),
        };
        let changes = diff(&old, &to_json(&after.data)?);
        if changes.is_empty() {
            continue;
        }
        let operation = match &before {
            None => Operation::Create,
            Some(b) => {
                after.version = b.version + 1;
                Operation::Update
            }
        };
        audits.push(
            AuditEntry::new(actor, operation, E::KIND, &after.id, changes).with_source(source),
        );
        match &before {
            None => created.push(after.clone()),
            Some(b) => replaced.push((after.clone(), b.version)),
        }
        written.push((before, after));
    }
    Ok((created, replaced, written))
}

impl Plan {
    /// The batch's one transaction, and what it changes in memory once committed.
    pub(super) fn writes(
        mut self,
        actor: &Actor,
        source: &str,
    ) -> Result<(Batch, Written), ServiceError> {
        let mut audits = Vec::new();
        let assets: Vec<Working<Asset>> = self
            .assets
            .iter()
            .filter_map(|id| self.working.remove(id))
            .collect();
        let mut versions: HashMap<EntityId, i64> = assets
            .iter()
            .map(|w| {
                (
                    w.after.id.clone(),
                    w.before.as_ref().map_or(1, |b| b.version),
                )
            })
            .collect();
        let (new_assets, changed_assets, written_assets) =
            finish(actor, source, assets, &mut audits)?;
        for (_, after) in &written_assets {
            versions.insert(after.id.clone(), after.version);
        }
        let products: Vec<Working<SoftwareProduct>> = self
            .products
            .iter()
            .map(|p| Working {
                before: None,
                after: p.clone(),
            })
            .collect();
        let (new_products, _, _) = finish(actor, source, products, &mut audits)?;
        let edges: Vec<Working<Relationship>> = self
            .relationships
            .iter()
            .filter_map(|key| self.working_edges.remove(key))
            .collect();
        let (new_edges, changed_edges, written_edges) = finish(actor, source, edges, &mut audits)?;
        let items: Vec<Working<ReconciliationItem>> = self
            .items
            .iter()
            .map(|i| Working {
                before: None,
                after: i.clone(),
            })
            .collect();
        let (new_items, _, _) = finish(actor, source, items, &mut audits)?;
        let mut sightings: Vec<SightingRow> = self
            .seen
            .iter()
            .map(
                |(asset, (first_seen, seen_at, fingerprint, first))| SightingRow {
                    kind: EntityKind::Asset,
                    subject: asset.clone(),
                    source: source.to_string(),
                    via: None,
                    sighting: Sighting {
                        first_seen: *first_seen,
                        last_seen: *seen_at,
                        fingerprint: *fingerprint,
                        applied_version: versions.get(asset).copied().unwrap_or(1),
                    },
                    first: *first,
                },
            )
            .collect();
        sightings.extend(self.refreshed.iter().map(|(asset, sighting)| SightingRow {
            kind: EntityKind::Asset,
            subject: asset.clone(),
            source: source.to_string(),
            via: None,
            sighting: *sighting,
            first: false,
        }));
        sightings.extend(self.edge_seen.iter().map(
            |(edge, via, first_seen, seen_at, fingerprint, first)| SightingRow {
                kind: EntityKind::Relationship,
                subject: edge.clone(),
                source: source.to_string(),
                via: Some(via.clone()),
                sighting: Sighting {
                    first_seen: *first_seen,
                    last_seen: *seen_at,
                    fingerprint: *fingerprint,
                    applied_version: 0,
                },
                first: *first,
            },
        ));
        let mut batch = Batch::default();
        batch
            .insert_new(&new_products)?
            .insert_new(&new_assets)?
            .replace_all(&changed_assets)?
            .insert_new(&new_edges)?
            .replace_all(&changed_edges)?
            .insert_new(&new_items)?
            .audit_all(&audits)?
            .sightings(&sightings);
        Ok((
            batch,
            Written {
                assets: written_assets,
                relationships: written_edges,
                products: new_products,
                sightings,
            },
        ))
    }
}
