//! What people decide about discovery: resolving queued conflicts (merge the assets, keep them
//! apart, or ignore the record) and accepting discovered assets into the managed register.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::{Value as Json, json};

use crate::domain::access::{Actor, AuditEntry, Operation, diff};
use crate::domain::discovery::RecordDraft;
use crate::domain::discovery::{ReconciliationItem, ReconciliationStatus};
use crate::domain::kernel::ErrorCode;
use crate::domain::kernel::{Entity, EntityId, EntityKind, NodeRef, Record};
use crate::domain::lifecycle::ApprovalRequest;
use crate::domain::lifecycle::Maintenance;
use crate::domain::register::Asset;
use crate::domain::relationships::Relationship;
use crate::domain::software::Entitlement;
use crate::service::discovery::outcome::IngestReport;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use crate::service::kernel::to_json;
use crate::store::{Batch, SightingRow};

/// What a person decided about a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The candidates are one machine: fold the others into `survivor`.
    Merge { survivor: EntityId },
    /// The candidates are different machines: never match them together again.
    KeepSeparate,
    /// Leave the register as it is; the same record again stays in the queue as ignored.
    Ignore,
}

/// A record's next version carrying `data`, with its audit entry, if anything changed.
fn revision<E: Entity>(
    actor: &Actor,
    current: &Record<E>,
    data: E,
    reason: Option<String>,
) -> Result<Option<(Record<E>, AuditEntry)>, ServiceError> {
    let changes = diff(&to_json(&current.data)?, &to_json(&data)?);
    if changes.is_empty() {
        return Ok(None);
    }
    let record = current.revised(data, Utc::now());
    let audit = AuditEntry::new(actor, Operation::Update, E::KIND, &record.id, changes)
        .because(reason, None);
    Ok(Some((record, audit)))
}

/// A relationship before and after (either may be absent).
type EdgeChange = (Option<Record<Relationship>>, Option<Record<Relationship>>);
type Replay = Box<dyn FnOnce(&Register) + Send>;

/// Changes committed together, to replay into memory afterwards.
#[derive(Default)]
struct Changes {
    batch: Batch,
    assets: Vec<(Record<Asset>, Option<Record<Asset>>)>,
    relationships: Vec<EdgeChange>,
    /// Other records' changes, replayed into memory after the commit.
    others: Vec<Replay>,
    sightings: Vec<SightingRow>,
}

impl Changes {
    fn replace<E: Entity>(
        &mut self,
        actor: &Actor,
        current: &Record<E>,
        data: E,
        reason: Option<String>,
    ) -> Result<Option<Record<E>>, ServiceError> {
        let Some((record, audit)) = revision(actor, current, data, reason)? else {
            return Ok(None);
        };
        self.batch.replace(&record, current.version, &audit)?;
        let (before, after) = (current.clone(), record.clone());
        self.others.push(Box::new(move |r: &Register| {
            r.apply(Some(&before), Some(&after))
        }));
        Ok(Some(record))
    }

    fn apply(self, register: &Register) {
        for (before, after) in &self.assets {
            register.apply(Some(before), after.as_ref());
        }
        for (before, after) in &self.relationships {
            register.apply(before.as_ref(), after.as_ref());
        }
        for change in self.others {
            change(register);
        }
        let mut identities = register.books.identities_mut();
        for row in &self.sightings {
            identities.put_sighting(&row.subject, &row.source, row.sighting);
        }
    }
}

/// The survivor of a merge: its own values win, the merged asset fills what it lacks.
fn absorb(survivor: &Asset, merged: &Record<Asset>) -> Result<Json, ServiceError> {
    let mut doc = to_json(survivor)?;
    let other = to_json(&merged.data)?;
    let (Some(target), Some(source)) = (doc.as_object_mut(), other.as_object()) else {
        return Ok(doc);
    };
    const OWN: &[&str] = &[
        "managed",
        "fieldSources",
        "distinctFrom",
        "mergedFrom",
        "assetTag",
        "lifecycleStage",
        "disposal",
        "custody",
    ];
    for (key, value) in source {
        if !OWN.contains(&key.as_str()) && !target.contains_key(key) {
            target.insert(key.clone(), value.clone());
        }
    }
    let attributes = target
        .entry("attributes")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut attributes = attributes;
    for (key, value) in source
        .get("attributes")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
    {
        match (attributes.get_mut(key), value) {
            (Some(Json::Array(ours)), Json::Array(theirs)) if key == "macAddresses" => {
                for mac in theirs {
                    if !ours.contains(mac) {
                        ours.push(mac.clone());
                    }
                }
            }
            (Some(_), _) => {}
            (None, v) => {
                attributes.insert(key.clone(), v.clone());
            }
        }
    }
    target.insert("attributes".into(), Json::Object(attributes));
    let mut external: Vec<Json> = target
        .get("externalIds")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    for id in source
        .get("externalIds")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if !external.iter().any(|e| e.get("source") == id.get("source")) {
            external.push(id.clone());
        }
    }
    target.insert("externalIds".into(), Json::Array(external));
    let mut tags: Vec<Json> = target
        .get("tags")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    for tag in source
        .get("tags")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    target.insert("tags".into(), Json::Array(tags));
    let mut merged_from = survivor.merged_from.clone();
    merged_from.push(merged.id.clone());
    merged_from.extend(merged.data.merged_from.iter().cloned());
    target.insert("mergedFrom".into(), json!(merged_from));
    let mut distinct: Vec<EntityId> = survivor.distinct_from.clone();
    distinct.extend(merged.data.distinct_from.iter().cloned());
    distinct.retain(|d| *d != merged.id);
    distinct.sort();
    distinct.dedup();
    target.insert("distinctFrom".into(), json!(distinct));
    target.insert(
        "managed".into(),
        json!(survivor.managed || merged.data.managed),
    );
    Ok(doc)
}

fn validated_asset(doc: Json) -> Result<Asset, ServiceError> {
    let draft = serde_json::from_value(doc).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Asset::validate(draft).map_err(ServiceError::Invalid)
}

impl Register {
    /// Decides a queued conflict, then applies its record again under the decision (a second
    /// transaction: should that fail, the next report from the source applies it).
    pub async fn resolve_conflict(
        &self,
        actor: &Actor,
        item: &EntityId,
        resolution: Resolution,
        note: Option<String>,
    ) -> Result<(Record<ReconciliationItem>, Option<IngestReport>), ServiceError> {
        let current = self.existing::<ReconciliationItem>(item, None).await?;
        if current.data.status != ReconciliationStatus::Open {
            return Err(ServiceError::invalid(
                "id",
                ErrorCode::Conflict,
                format!(
                    "this conflict was already resolved ({:?})",
                    current.data.status
                ),
            ));
        }
        let candidates: Vec<EntityId> = current
            .data
            .candidates
            .iter()
            .map(|c| c.asset.clone())
            .collect();
        let assets = self.store.get_many::<Asset>(&candidates).await?;
        let mut changes = Changes::default();
        let mut decided = current.data.clone();
        decided.resolved_by = Some(actor.name.clone());
        decided.resolved_at = Some(Utc::now());
        decided.note = note;
        match &resolution {
            Resolution::Ignore => decided.status = ReconciliationStatus::Ignored,
            Resolution::KeepSeparate => {
                decided.status = ReconciliationStatus::KeptSeparate;
                decided.result_asset = assets
                    .iter()
                    .find(|a| a.id == candidates[0])
                    .map(|a| a.id.clone());
                for asset in &assets {
                    let mut data = asset.data.clone();
                    for other in &candidates {
                        if *other != asset.id && !data.distinct_from.contains(other) {
                            data.distinct_from.push(other.clone());
                        }
                    }
                    data.distinct_from.sort();
                    changes.replace(
                        actor,
                        asset,
                        data,
                        Some(
                            "kept separate from the other candidates of a discovery conflict"
                                .into(),
                        ),
                    )?;
                }
            }
            Resolution::Merge { survivor } => {
                if !candidates.contains(survivor) {
                    return Err(ServiceError::invalid(
                        "survivor",
                        ErrorCode::Invalid,
                        "the surviving asset must be one of the conflict's candidates",
                    ));
                }
                decided.status = ReconciliationStatus::Merged;
                decided.result_asset = Some(survivor.clone());
                self.merge(actor, survivor, &assets, &mut changes).await?;
            }
        }
        let Some(record) = changes.replace(actor, &current, decided, None)? else {
            return Err(ServiceError::Internal(
                "a resolution changes its item".into(),
            ));
        };
        self.store
            .commit(std::mem::take(&mut changes.batch))
            .await
            .map_err(ServiceError::from_write::<Asset>)?;
        changes.apply(self);
        let report = match resolution {
            Resolution::Ignore => None,
            _ => {
                let draft: RecordDraft = serde_json::from_value(current.data.record.clone())
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
                Some(
                    self.ingest(actor, &current.data.source, vec![draft], false)
                        .await?,
                )
            }
        };
        Ok((record, report))
    }

    /// Folds every candidate but `survivor` into it: relationships, licence assignments,
    /// approvals and maintenance move over, external ids and identifiers join it, history
    /// follows (`mergedFrom`), and the merged assets are deleted.
    async fn merge(
        &self,
        actor: &Actor,
        survivor: &EntityId,
        assets: &[Record<Asset>],
        changes: &mut Changes,
    ) -> Result<(), ServiceError> {
        let Some(kept) = assets.iter().find(|a| a.id == *survivor) else {
            return Err(ServiceError::NotFound {
                kind: EntityKind::Asset,
            });
        };
        let merged: Vec<&Record<Asset>> = assets.iter().filter(|a| a.id != *survivor).collect();
        let merged_ids: Vec<EntityId> = merged.iter().map(|a| a.id.clone()).collect();
        let reason = Some(format!("merged into asset {survivor}"));
        let mut touching: Vec<EntityId> = merged_ids.clone();
        touching.push(survivor.clone());
        let edges = self.store.relationships_touching(&touching).await?;
        let moved = |end: &NodeRef| {
            if end.kind == EntityKind::Asset && merged_ids.contains(&end.id) {
                NodeRef::asset(survivor)
            } else {
                end.clone()
            }
        };
        let mut taken: Vec<(NodeRef, NodeRef, crate::domain::relationships::RelationType)> = edges
            .iter()
            .filter(|e| {
                ![&e.data.source, &e.data.target]
                    .iter()
                    .any(|end| end.kind == EntityKind::Asset && merged_ids.contains(&end.id))
            })
            .map(|e| {
                (
                    e.data.source.clone(),
                    e.data.target.clone(),
                    e.data.relation,
                )
            })
            .collect();
        let mut created = Vec::new();
        for edge in edges.iter().filter(|e| {
            [&e.data.source, &e.data.target]
                .iter()
                .any(|end| end.kind == EntityKind::Asset && merged_ids.contains(&end.id))
        }) {
            let changes_gone = diff(&to_json(&edge.data)?, &json!({}));
            let audit = AuditEntry::new(
                actor,
                Operation::Delete,
                EntityKind::Relationship,
                &edge.id,
                changes_gone,
            )
            .because(reason.clone(), None);
            changes
                .batch
                .delete::<Relationship>(&edge.id, edge.version, &audit)?;
            changes.relationships.push((Some(edge.clone()), None));
            let mut data = edge.data.clone();
            data.source = moved(&data.source);
            data.target = moved(&data.target);
            let key = (data.source.clone(), data.target.clone(), data.relation);
            if data.source == data.target || taken.contains(&key) {
                continue;
            }
            taken.push(key);
            let now = Utc::now();
            let record = Record::first(EntityId::generate(), data, now);
            created.push(record);
        }
        for approval in self
            .store
            .find_by::<ApprovalRequest>("asset", merged_ids.iter().map(|i| json!(i)).collect())
            .await?
        {
            let mut data = approval.data.clone();
            data.asset = survivor.clone();
            changes.replace(actor, &approval, data, reason.clone())?;
        }
        for record in self
            .store
            .find_by::<Maintenance>("asset", merged_ids.iter().map(|i| json!(i)).collect())
            .await?
        {
            let mut data = record.data.clone();
            data.asset = survivor.clone();
            changes.replace(actor, &record, data, reason.clone())?;
        }
        for entitlement in self.store.all_of::<Entitlement>().await? {
            if !entitlement
                .data
                .assigned_devices
                .iter()
                .any(|d| merged_ids.contains(d))
            {
                continue;
            }
            let mut data = entitlement.data.clone();
            let mut devices: Vec<EntityId> = Vec::new();
            for device in &data.assigned_devices {
                let device = if merged_ids.contains(device) {
                    survivor.clone()
                } else {
                    device.clone()
                };
                if !devices.contains(&device) {
                    devices.push(device);
                }
            }
            data.assigned_devices = devices;
            changes.replace(actor, &entitlement, data, reason.clone())?;
        }
        let mut doc = to_json(&kept.data)?;
        for asset in &merged {
            doc = absorb(&validated_asset(doc)?, asset)?;
            let gone = diff(&to_json(&asset.data)?, &json!({}));
            let audit =
                AuditEntry::new(actor, Operation::Delete, EntityKind::Asset, &asset.id, gone)
                    .because(reason.clone(), None);
            changes
                .batch
                .delete::<Asset>(&asset.id, asset.version, &audit)?;
            changes.assets.push(((*asset).clone(), None));
        }
        for record in &created {
            let audit = AuditEntry::new(
                actor,
                Operation::Create,
                EntityKind::Relationship,
                &record.id,
                diff(&json!({}), &to_json(&record.data)?),
            )
            .because(reason.clone(), None);
            changes.batch.create(record, &audit)?;
            changes.relationships.push((None, Some(record.clone())));
        }
        let data = validated_asset(doc)?;
        if let Some((record, audit)) = revision(actor, kept, data, reason.clone())? {
            changes.batch.replace(&record, kept.version, &audit)?;
            changes.assets.push((kept.clone(), Some(record)));
        }
        let identities = self.books.identities().await?;
        let mut sightings: BTreeMap<String, SightingRow> = BTreeMap::new();
        for id in merged_ids.iter().chain(std::iter::once(survivor)) {
            for (source, sighting) in identities.sightings(id) {
                let row = sightings.entry(source.clone()).or_insert(SightingRow {
                    kind: EntityKind::Asset,
                    subject: survivor.clone(),
                    source,
                    via: None,
                    sighting,
                    first: false,
                });
                row.sighting = row
                    .sighting
                    .seen(sighting.first_seen)
                    .seen(sighting.last_seen);
            }
        }
        drop(identities);
        let rows: Vec<SightingRow> = sightings.into_values().collect();
        changes.batch.sightings(&rows);
        changes.sightings = rows;
        Ok(())
    }

    /// Takes discovered assets into the managed register (an audited change each).
    pub async fn accept_assets(
        &self,
        actor: &Actor,
        ids: &[EntityId],
    ) -> Result<Vec<Record<Asset>>, ServiceError> {
        if ids.is_empty() || ids.len() > 500 {
            return Err(ServiceError::BadRequest(
                "accept 1 to 500 assets at a time".into(),
            ));
        }
        let found = self.store.get_many::<Asset>(ids).await?;
        if let Some(missing) = ids.iter().find(|id| !found.iter().any(|a| a.id == **id)) {
            return Err(ServiceError::invalid(
                "ids",
                ErrorCode::NotFound,
                format!("no asset {missing}"),
            ));
        }
        let mut changes = Changes::default();
        let mut accepted = Vec::new();
        for asset in &found {
            let mut data = asset.data.clone();
            data.managed = true;
            match revision(
                actor,
                asset,
                data,
                Some("accepted into the register".into()),
            )? {
                Some((record, audit)) => {
                    changes.batch.replace(&record, asset.version, &audit)?;
                    changes.assets.push((asset.clone(), Some(record.clone())));
                    accepted.push(record);
                }
                None => accepted.push(asset.clone()),
            }
        }
        if !changes.batch.is_empty() {
            self.store
                .commit(std::mem::take(&mut changes.batch))
                .await
                .map_err(ServiceError::from_write::<Asset>)?;
            changes.apply(self);
        }
        Ok(accepted)
    }
}
