//! Planning a batch: each record identified against the identities (and what the batch itself
//! made), its fields set by precedence, conflicts queued, all in memory before anything is written.

use crate::domain::access::diff;
use crate::domain::discovery::{AssetIdentity, Candidate, Identification, Identities, Sighting};
use crate::domain::discovery::{FoundSoftware, Observation, RecordDraft, api_name};
use crate::domain::discovery::{IdentificationRule, Identifiers, canonical};
use crate::domain::discovery::{MatchedAsset, ReconciliationItem, ReconciliationStatus};
use crate::domain::discovery::{Policy, Verdict};
use crate::domain::kernel::json_path;
use crate::domain::kernel::{Entity, EntityId, NodeRef, Record};
use crate::domain::kernel::{ErrorCode, FieldError};
use crate::domain::register::{Asset, OperationalStatus};
use crate::domain::relationships::{RelationType, Relationship};
use crate::domain::software::SoftwareProduct;
use crate::service::discovery::outcome::Decision;
use crate::service::discovery::outcome::Outcome;
use crate::service::kernel::Register;
use crate::service::kernel::to_json;
use chrono::{DateTime, Utc};
use serde_json::{Value as Json, json};
use std::collections::HashMap;

/// A record checked: its observation, or why it is refused.
pub(crate) type Checked = Result<Observation, Vec<FieldError>>;

/// How precisely an unchanged record moves its last-seen time: reported again within the hour,
/// it writes nothing (agents check in every few minutes; staleness is counted in days).
const SIGHTING_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// How a note about a relationship whose other end is not registered yet ends.
pub(crate) const UNRESOLVED: &str = "; not recorded yet";

/// A record of the batch as planned so far: as it was before the batch, and as it will be.
pub(crate) struct Working<T> {
    pub(super) before: Option<Record<T>>,
    pub(super) after: Record<T>,
}

/// A relationship reported: its id, the asset whose record reported it, first seen, seen at,
/// the record's fingerprint, and whether it is the source's first report of it.
type EdgeSeen = (EntityId, EntityId, DateTime<Utc>, DateTime<Utc>, u64, bool);

/// Everything one batch will write, and the report it gives.
pub(crate) struct Plan {
    pub(super) outcomes: Vec<Outcome>,
    pub(super) assets: Vec<EntityId>,
    pub(super) working: HashMap<EntityId, Working<Asset>>,
    pub(super) relationships: Vec<(NodeRef, NodeRef, RelationType)>,
    pub(super) working_edges: HashMap<(NodeRef, NodeRef, RelationType), Working<Relationship>>,
    pub(super) products: Vec<Record<SoftwareProduct>>,
    pub(super) items: Vec<Record<ReconciliationItem>>,
    /// Asset sightings by asset: first seen, seen at, fingerprint, whether the source's first.
    pub(super) seen: HashMap<EntityId, (DateTime<Utc>, DateTime<Utc>, u64, bool)>,
    /// Relationship sightings: relationship, the asset whose record reported it, first seen,
    /// seen at, fingerprint.
    pub(super) edge_seen: Vec<EdgeSeen>,
    /// Asset sightings that only move forward in time (fast path).
    pub(super) refreshed: Vec<(EntityId, Sighting)>,
    pub(super) overlay: Identities,
}

/// What a batch reads before it is planned.
pub(crate) struct Loaded {
    pub(super) assets: HashMap<EntityId, Record<Asset>>,
    pub(super) edges: HashMap<(NodeRef, NodeRef, RelationType), Record<Relationship>>,
    pub(super) catalogue: Vec<Record<SoftwareProduct>>,
    pub(super) open_items: HashMap<String, Record<ReconciliationItem>>,
}

pub(crate) fn edge_key(r: &Relationship) -> (NodeRef, NodeRef, RelationType) {
    (r.source.clone(), r.target.clone(), r.relation)
}

/// Verdicts of the stored identities and of this batch's own new or changed assets, together.
pub(crate) fn identify(
    base: &Identities,
    overlay: &Identities,
    source: &str,
    ids: &Identifiers,
    rules: &[IdentificationRule],
) -> (Identification, Vec<String>) {
    let stored = base.identify(source, ids, rules);
    let planned = overlay.identify(source, ids, rules);
    let mut notes = stored.notes;
    notes.extend(planned.notes);
    let mut candidates: Vec<Candidate> = Vec::new();
    for identification in [&stored.identification, &planned.identification] {
        let found = match identification {
            Identification::New => Vec::new(),
            Identification::Match { asset, rule } => vec![Candidate {
                asset: asset.clone(),
                rules: vec![*rule],
            }],
            Identification::Conflict(list) => list.clone(),
        };
        for c in found {
            match candidates.iter_mut().find(|k| k.asset == c.asset) {
                Some(k) => {
                    for rule in c.rules {
                        if !k.rules.contains(&rule) {
                            k.rules.push(rule);
                        }
                    }
                }
                None => candidates.push(c),
            }
        }
    }
    let position = |r: &IdentificationRule| rules.iter().position(|x| x == r).unwrap_or(usize::MAX);
    for c in &mut candidates {
        c.rules.sort_by_key(position);
    }
    candidates.sort_by_key(|c| position(&c.rules[0]));
    let identification = match candidates.len() {
        0 => Identification::New,
        1 => Identification::Match {
            asset: candidates[0].asset.clone(),
            rule: candidates[0].rules[0],
        },
        // Both views agree on one asset: the stored one already settled distinct candidates.
        _ if matches!(&stored.identification, Identification::Match { .. })
            && matches!(&planned.identification, Identification::New) =>
        {
            stored.identification
        }
        _ => Identification::Conflict(candidates),
    };
    (identification, notes)
}

/// A product of the catalogue for a title found installed: same publisher and name (ignoring
/// case), the product version that prefixes the found version most closely, else one without a
/// version.
pub(crate) fn catalogue_match<'a>(
    catalogue: impl Iterator<Item = &'a Record<SoftwareProduct>>,
    found: &FoundSoftware,
) -> Option<&'a Record<SoftwareProduct>> {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let mut best: Option<(&Record<SoftwareProduct>, usize)> = None;
    for product in catalogue {
        let p = &product.data;
        if !same(&p.publisher, &found.publisher) || !same(&p.name, &found.name) {
            continue;
        }
        if found.product_version.is_some() && p.product_version != found.product_version {
            continue;
        }
        let score = match (&p.product_version, &found.version) {
            (Some(pv), _) if found.product_version.as_ref() == Some(pv) => 2000,
            (None, _) => 1,
            (Some(pv), Some(v)) if v.eq_ignore_ascii_case(pv) => 1000,
            (Some(pv), Some(v))
                if v.to_lowercase().starts_with(&pv.to_lowercase())
                    && v[pv.len()..].starts_with(['.', ' ', '-']) =>
            {
                1 + pv.len()
            }
            _ => continue,
        };
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((product, score));
        }
    }
    best.map(|(p, _)| p)
}

fn validated<E: Entity>(doc: Json) -> Result<E, Vec<FieldError>> {
    let draft: E::Draft = serde_json::from_value(doc)
        .map_err(|e| vec![FieldError::new("record", ErrorCode::Invalid, e.to_string())])?;
    E::validate(draft)
}

impl Register {
    /// Decides every record in order against the identities and what the batch did before it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn plan(
        &self,
        identities: &Identities,
        source: &str,
        (drafts, parsed, digests): (&[RecordDraft], &[Checked], &[u64]),
        policy: &Policy,
        loaded: Loaded,
        now: DateTime<Utc>,
    ) -> Plan {
        let mut plan = Plan {
            outcomes: Vec::with_capacity(parsed.len()),
            assets: Vec::new(),
            working: HashMap::new(),
            relationships: Vec::new(),
            working_edges: HashMap::new(),
            products: Vec::new(),
            items: Vec::new(),
            seen: HashMap::new(),
            edge_seen: Vec::new(),
            refreshed: Vec::new(),
            overlay: Identities::default(),
        };
        for ((draft, observation), digest) in drafts.iter().zip(parsed).zip(digests) {
            let observation = match observation {
                Err(errors) => {
                    let mut outcome = Outcome::new(Decision::Rejected);
                    outcome.errors = errors.clone();
                    plan.outcomes.push(outcome);
                    continue;
                }
                Ok(o) => o,
            };
            let seen_at = observation.seen_at.unwrap_or(now).min(now);
            let fingerprint = *digest;
            let (identification, mut notes) = identify(
                identities,
                &plan.overlay,
                source,
                &observation.identifiers,
                &policy.rules,
            );
            notes.extend(observation.notes.iter().cloned());
            let mut outcome = match identification {
                Identification::Conflict(candidates) => {
                    plan.conflict(source, draft, fingerprint, candidates, &loaded, now)
                }
                Identification::New => plan.create(identities, source, observation, policy, now),
                Identification::Match { asset, rule } => {
                    let fresh = !plan.working.contains_key(&asset)
                        && identities.sighting(&asset, source).is_some_and(|s| {
                            s.fingerprint == fingerprint
                                && Some(s.applied_version) == identities.version(&asset)
                        });
                    if fresh {
                        let sighting = identities.sighting(&asset, source).expect("checked");
                        if seen_at - sighting.last_seen >= SIGHTING_RESOLUTION {
                            plan.refreshed.push((asset.clone(), sighting.seen(seen_at)));
                        }
                        let mut outcome = Outcome::new(Decision::Unchanged);
                        outcome.asset = Some(asset);
                        outcome.rule = Some(rule);
                        outcome
                    } else {
                        let mut outcome = plan.update(
                            identities,
                            &loaded,
                            source,
                            &asset,
                            observation,
                            policy,
                            now,
                        );
                        outcome.rule = Some(rule);
                        outcome
                    }
                }
            };
            outcome.notes.splice(0..0, notes);
            if let (Some(asset), Decision::Created | Decision::Updated | Decision::Unchanged) =
                (outcome.asset.clone(), outcome.decision)
                && plan.working.contains_key(&asset)
            {
                let mut reported = Vec::new();
                let changed = plan.software(
                    &loaded,
                    source,
                    &asset,
                    &observation.software,
                    now,
                    &mut reported,
                );
                let observed = plan.observe(
                    identities,
                    &loaded,
                    (source, &policy.rules),
                    &asset,
                    &observation.relationships,
                    now,
                    (&mut outcome.notes, &mut reported),
                );
                outcome
                    .changed_fields
                    .extend(changed.into_iter().chain(observed));
                if outcome.decision == Decision::Unchanged && !outcome.changed_fields.is_empty() {
                    outcome.decision = Decision::Updated;
                }
                let earlier = identities.sighting(&asset, source);
                let first_seen = earlier.map_or(seen_at, |s| s.first_seen.min(seen_at));
                // A record with ends not yet registered is looked at again next time, so the
                // relationship is made once its other end arrives.
                let unresolved = outcome.notes.iter().any(|n| n.ends_with(UNRESOLVED));
                let applied = if unresolved { 0 } else { fingerprint };
                let first = earlier.is_none() && !plan.seen.contains_key(&asset);
                plan.seen
                    .insert(asset.clone(), (first_seen, seen_at, applied, first));
                for edge in reported {
                    let earlier = identities
                        .relationship_sightings(&edge)
                        .into_iter()
                        .find(|(s, _)| s == source);
                    let first = earlier.is_none() && !plan.edge_seen.iter().any(|e| e.0 == edge);
                    let first_seen = earlier.map_or(seen_at, |(_, s)| s.first_seen.min(seen_at));
                    plan.edge_seen
                        .push((edge, asset.clone(), first_seen, seen_at, applied, first));
                }
            }
            plan.outcomes.push(outcome);
        }
        plan
    }
}

impl Plan {
    /// Queues a conflicting record (or finds it already queued).
    fn conflict(
        &mut self,
        source: &str,
        draft: &RecordDraft,
        fingerprint: u64,
        candidates: Vec<Candidate>,
        loaded: &Loaded,
        now: DateTime<Utc>,
    ) -> Outcome {
        let mut outcome = Outcome::new(Decision::Conflict);
        outcome.candidates = candidates.clone();
        let key = format!("{fingerprint:016x}");
        if let Some(item) = loaded.open_items.get(&key) {
            outcome.reconciliation = Some(item.id.clone());
            if item.data.status == ReconciliationStatus::Ignored {
                outcome
                    .notes
                    .push("a person chose to ignore this record".into());
            }
            return outcome;
        }
        if let Some(item) = self.items.iter().find(|i| i.data.fingerprint == key) {
            outcome.reconciliation = Some(item.id.clone());
            return outcome;
        }
        let item = ReconciliationItem {
            source: source.to_string(),
            record: serde_json::to_value(draft).unwrap_or(Json::Null),
            fingerprint: key,
            candidates: candidates
                .into_iter()
                .map(|c| MatchedAsset {
                    asset: c.asset,
                    rules: c.rules,
                })
                .collect(),
            status: ReconciliationStatus::Open,
            resolved_by: None,
            resolved_at: None,
            result_asset: None,
            note: None,
        };
        let record = Record::first(EntityId::generate(), item, now);
        outcome.reconciliation = Some(record.id.clone());
        self.items.push(record);
        outcome
    }

    /// Applies the record's fields to an asset document by the policy; returns the notes on
    /// fields kept as they were.
    fn apply_fields(
        identities: &Identities,
        overlay: &Identities,
        doc: &mut Json,
        id: &EntityId,
        source: &str,
        observation: &Observation,
        policy: &Policy,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        for (path, value) in &observation.fields {
            let current = json_path::get(doc, path).map(|v| canonical(path, v));
            let setter = doc
                .get("fieldSources")
                .and_then(|s| s.get(path))
                .and_then(Json::as_str)
                .map(String::from);
            match policy.decide(path, source, current.as_ref(), setter.as_deref(), value) {
                Verdict::Same => {}
                Verdict::Keep(reason) => notes.push(format!("kept {reason}")),
                Verdict::Set => {
                    // The serial is another asset's unique key: never take it from one silently.
                    if path == "serialNumber"
                        && let Some(owner) = [identities, overlay].iter().find_map(|index| {
                            match index
                                .identify(
                                    source,
                                    &Identifiers {
                                        serial: observation.identifiers.serial.clone(),
                                        ..Default::default()
                                    },
                                    &[IdentificationRule::SerialAndManufacturer],
                                )
                                .identification
                            {
                                Identification::Match { asset, .. } if asset != *id => Some(asset),
                                _ => None,
                            }
                        })
                    {
                        notes.push(format!("kept serialNumber: asset {owner} has this serial"));
                        continue;
                    }
                    json_path::set(doc, path, value.clone());
                    let sources = doc
                        .get("fieldSources")
                        .cloned()
                        .unwrap_or_else(|| json!({}));
                    json_path::set(doc, "fieldSources", sources);
                    if let Some(map) = doc.get_mut("fieldSources").and_then(Json::as_object_mut) {
                        map.insert(path.clone(), json!(source));
                    }
                }
            }
        }
        if let Some(key) = &observation.identifiers.native_key {
            let ids = doc
                .get("externalIds")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default();
            let mut ids: Vec<Json> = ids
                .into_iter()
                .filter(|e| e.get("source").and_then(Json::as_str) != Some(source))
                .collect();
            ids.push(json!({"source": source, "key": key}));
            json_path::set(doc, "externalIds", Json::Array(ids));
        }
        notes
    }

    fn create(
        &mut self,
        identities: &Identities,
        source: &str,
        observation: &Observation,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Outcome {
        let Some(class) = observation.class else {
            let mut outcome = Outcome::new(Decision::Rejected);
            outcome.errors.push(FieldError::new(
                "class",
                ErrorCode::Required,
                "no asset matches this record, and registering a new one needs its class",
            ));
            return outcome;
        };
        // A unique key the rules in force did not look at still belongs to its asset.
        let unique = [
            IdentificationRule::AssetTag,
            IdentificationRule::SerialAndManufacturer,
            IdentificationRule::SourceNativeKey,
        ];
        for rule in unique {
            for index in [identities, &self.overlay] {
                let owner = match index
                    .identify(source, &observation.identifiers, &[rule])
                    .identification
                {
                    Identification::New => continue,
                    Identification::Match { asset, .. } => asset,
                    Identification::Conflict(candidates) => candidates[0].asset.clone(),
                };
                let mut outcome = Outcome::new(Decision::Rejected);
                outcome.errors.push(FieldError::new(
                    "identifiers",
                    ErrorCode::Conflict,
                    format!(
                        "its {} belongs to asset {owner}, which the identification rules in force do not match",
                        api_name(&rule)
                    ),
                ));
                return outcome;
            }
        }
        let id = EntityId::generate();
        let tag = observation
            .identifiers
            .asset_tag
            .clone()
            .unwrap_or_else(|| {
                format!(
                    "DSC-{}",
                    id.as_str()[id.as_str().len() - 10..].to_uppercase()
                )
            });
        let mut doc = json!({
            "assetTag": tag,
            "class": class,
            "status": OperationalStatus::Operational,
            "managed": false,
        });
        let notes = Plan::apply_fields(
            identities,
            &self.overlay,
            &mut doc,
            &id,
            source,
            observation,
            policy,
        );
        if doc.get("name").is_none() {
            json_path::set(&mut doc, "name", json!(tag));
        }
        let mut outcome = match validated::<Asset>(doc) {
            Err(errors) => {
                let mut outcome = Outcome::new(Decision::Rejected);
                outcome.errors = errors;
                return outcome;
            }
            Ok(asset) => {
                let record = Record::first(id.clone(), asset, now);
                let mut outcome = Outcome::new(Decision::Created);
                outcome.changed_fields =
                    diff(&json!({}), &to_json(&record.data).unwrap_or_default())
                        .into_iter()
                        .map(|c| c.field)
                        .filter(|f| !f.starts_with("fieldSources"))
                        .collect();
                self.overlay.put(&AssetIdentity::of(&record));
                self.assets.push(id.clone());
                self.working.insert(
                    id.clone(),
                    Working {
                        before: None,
                        after: record,
                    },
                );
                outcome
            }
        };
        outcome.asset = Some(id);
        outcome.notes = notes;
        outcome
    }

    #[allow(clippy::too_many_arguments)]
    fn update(
        &mut self,
        identities: &Identities,
        loaded: &Loaded,
        source: &str,
        asset: &EntityId,
        observation: &Observation,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Outcome {
        let current = match self.working.get(asset) {
            Some(w) => w.after.clone(),
            None => match loaded.assets.get(asset) {
                Some(record) => record.clone(),
                None => {
                    let mut outcome = Outcome::new(Decision::Rejected);
                    outcome.errors.push(FieldError::new(
                        "identifiers",
                        ErrorCode::NotFound,
                        format!("asset {asset} was deleted meanwhile"),
                    ));
                    return outcome;
                }
            },
        };
        let before = to_json(&current.data).unwrap_or_default();
        let mut doc = before.clone();
        let notes = Plan::apply_fields(
            identities,
            &self.overlay,
            &mut doc,
            asset,
            source,
            observation,
            policy,
        );
        let mut outcome = match validated::<Asset>(doc) {
            Err(errors) => {
                let mut outcome = Outcome::new(Decision::Rejected);
                outcome.errors = errors;
                outcome
            }
            Ok(data) => {
                let changes: Vec<String> = diff(&before, &to_json(&data).unwrap_or_default())
                    .into_iter()
                    .map(|c| c.field)
                    .filter(|f| !f.starts_with("fieldSources"))
                    .collect();
                let mut outcome = Outcome::new(if changes.is_empty() {
                    Decision::Unchanged
                } else {
                    Decision::Updated
                });
                outcome.changed_fields = changes;
                let after = Record {
                    data,
                    updated_at: now,
                    ..current.clone()
                };
                self.overlay.put(&AssetIdentity::of(&after));
                let working = self.working.entry(asset.clone()).or_insert_with(|| {
                    self.assets.push(asset.clone());
                    Working {
                        before: Some(current.clone()),
                        after: after.clone(),
                    }
                });
                working.after = after;
                outcome
            }
        };
        outcome.asset = Some(asset.clone());
        outcome.notes = notes;
        outcome
    }
}
