//! Discovery ingestion: records from scanners, agents, MDM and cloud APIs folded into the register
//! by the identification rules and the field precedence, one transaction per batch.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Value as Json, json};

use crate::domain::access::audit::{Actor, AuditEntry, Operation, diff};
use crate::domain::discovery::identities::{
    AssetIdentity, Candidate, Identification, Identities, Sighting,
};
use crate::domain::discovery::precedence::{Policy, Verdict};
use crate::domain::discovery::reconciliation::{
    MatchedAsset, ReconciliationItem, ReconciliationStatus,
};
use crate::domain::discovery::record::{
    FoundSoftware, IdentificationRule, Identifiers, Observation, Observed, RecordDraft, api_name,
    canonical,
};
use crate::domain::kernel::entity::{Entity, EntityId, EntityKind, NodeRef, Record};
use crate::domain::kernel::validation::{ErrorCode, FieldError};
use crate::domain::register::asset::{Asset, OperationalStatus};
use crate::domain::relationships::relation::{
    Endpoint, Installation, Provenance, RelationType, Relationship,
};
use crate::domain::software::product::SoftwareProduct;
use crate::service::{Register, ServiceError, to_json};
use crate::store::{Batch, SightingRow, StoreError};

/// A record checked: its observation, or why it is refused.
type Checked = Result<Observation, Vec<FieldError>>;

/// Most records one call may carry (the command line sends 1,000 at a time).
pub const MAX_RECORDS: usize = 5_000;
/// How precisely an unchanged record moves its last-seen time: reported again within the hour,
/// it writes nothing (agents check in every few minutes; staleness is counted in days).
const SIGHTING_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// How a note about a relationship whose other end is not registered yet ends.
const UNRESOLVED: &str = "; not recorded yet";

/// The id of the one policy record.
pub const POLICY_ID: &str = "current";

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Created,
    Updated,
    Unchanged,
    Conflict,
    Rejected,
}

/// One record's outcome, in the order the records came.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub decision: Decision,
    pub rule: Option<IdentificationRule>,
    pub asset: Option<EntityId>,
    pub changed_fields: Vec<String>,
    pub errors: Vec<FieldError>,
    pub notes: Vec<String>,
    pub candidates: Vec<Candidate>,
    pub reconciliation: Option<EntityId>,
}

impl Outcome {
    fn new(decision: Decision) -> Outcome {
        Outcome {
            decision,
            rule: None,
            asset: None,
            changed_fields: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            candidates: Vec::new(),
            reconciliation: None,
        }
    }
}

/// The whole batch's outcome.
#[derive(Debug, Clone)]
pub struct IngestReport {
    pub source: String,
    pub dry_run: bool,
    pub outcomes: Vec<Outcome>,
    pub relationships_created: usize,
    pub installations_created: usize,
    pub installations_updated: usize,
    pub products_created: usize,
}

impl IngestReport {
    pub fn count(&self, decision: Decision) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.decision == decision)
            .count()
    }
}

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

/// A record of the batch as planned so far: as it was before the batch, and as it will be.
struct Working<T> {
    before: Option<Record<T>>,
    after: Record<T>,
}

/// A relationship reported: its id, the asset whose record reported it, first seen, seen at,
/// the record's fingerprint, and whether it is the source's first report of it.
type EdgeSeen = (EntityId, EntityId, DateTime<Utc>, DateTime<Utc>, u64, bool);

/// Records of one kind a batch writes: new ones, replaced ones (with the version they replace),
/// and every change as before and after.
type Finished<E> = (
    Vec<Record<E>>,
    Vec<(Record<E>, i64)>,
    Vec<(Option<Record<E>>, Record<E>)>,
);

/// Everything one batch will write, and the report it gives.
struct Plan {
    outcomes: Vec<Outcome>,
    assets: Vec<EntityId>,
    working: HashMap<EntityId, Working<Asset>>,
    relationships: Vec<(NodeRef, NodeRef, RelationType)>,
    working_edges: HashMap<(NodeRef, NodeRef, RelationType), Working<Relationship>>,
    products: Vec<Record<SoftwareProduct>>,
    items: Vec<Record<ReconciliationItem>>,
    /// Asset sightings by asset: first seen, seen at, fingerprint, whether the source's first.
    seen: HashMap<EntityId, (DateTime<Utc>, DateTime<Utc>, u64, bool)>,
    /// Relationship sightings: relationship, the asset whose record reported it, first seen,
    /// seen at, fingerprint.
    edge_seen: Vec<EdgeSeen>,
    /// Asset sightings that only move forward in time (fast path).
    refreshed: Vec<(EntityId, Sighting)>,
    overlay: Identities,
}

/// What a batch reads before it is planned.
struct Loaded {
    assets: HashMap<EntityId, Record<Asset>>,
    edges: HashMap<(NodeRef, NodeRef, RelationType), Record<Relationship>>,
    catalogue: Vec<Record<SoftwareProduct>>,
    open_items: HashMap<String, Record<ReconciliationItem>>,
}

fn asset_ref(id: &EntityId) -> NodeRef {
    NodeRef {
        kind: EntityKind::Asset,
        id: id.clone(),
    }
}

fn edge_key(r: &Relationship) -> (NodeRef, NodeRef, RelationType) {
    (r.source.clone(), r.target.clone(), r.relation)
}

/// Verdicts of the stored identities and of this batch's own new or changed assets, together.
fn identify(
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
fn catalogue_match<'a>(
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

/// Sets one document field by dotted path (creating objects on the way); `None` removes it.
fn put_path(doc: &mut Json, path: &str, value: Option<Json>) {
    let mut parts = path.split('.').peekable();
    let mut node = doc;
    while let Some(part) = parts.next() {
        if !node.is_object() {
            *node = json!({});
        }
        let map = node.as_object_mut().expect("made an object");
        if parts.peek().is_none() {
            match value {
                Some(v) => {
                    map.insert(part.to_string(), v);
                }
                None => {
                    map.remove(part);
                }
            }
            return;
        }
        node = map.entry(part.to_string()).or_insert_with(|| json!({}));
    }
}

fn get_path<'a>(doc: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.').try_fold(doc, |node, part| node.get(part))
}

fn validated<E: Entity>(doc: Json) -> Result<E, Vec<FieldError>> {
    let draft: E::Draft = serde_json::from_value(doc)
        .map_err(|e| vec![FieldError::new("record", ErrorCode::Invalid, e.to_string())])?;
    E::validate(draft)
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

    /// The policy in force: the stored one, or the default until someone changes it.
    pub async fn discovery_policy(&self) -> Result<Record<Policy>, ServiceError> {
        let id = EntityId::parse(POLICY_ID).expect("a valid id");
        Ok(self
            .store
            .get::<Policy>(&id)
            .await?
            .unwrap_or_else(|| Record {
                id,
                version: 0,
                created_at: DateTime::UNIX_EPOCH,
                updated_at: DateTime::UNIX_EPOCH,
                data: Policy::default(),
            }))
    }

    /// Replaces the policy (audited like any change); `expected_version` guards concurrent edits.
    pub async fn update_discovery_policy(
        &self,
        actor: &Actor,
        input: Json,
        expected_version: Option<i64>,
    ) -> Result<Record<Policy>, ServiceError> {
        let current = self.discovery_policy().await?;
        if current.version == 0 {
            if expected_version.is_some_and(|v| v != 0) {
                return Err(ServiceError::from_write::<Policy>(StoreError::StaleVersion));
            }
            return self
                .create_with_id::<Policy>(actor, current.id, input)
                .await;
        }
        let mut whole = json!({"rules": null, "fields": null});
        crate::service::patch::merge(&mut whole, &input);
        self.update::<Policy>(actor, &current.id, expected_version, whole)
            .await
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

    /// Decides every record in order against the identities and what the batch did before it.
    #[allow(clippy::too_many_arguments)]
    fn plan(
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
            let current = get_path(doc, path).map(|v| canonical(path, v));
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
                    put_path(doc, path, Some(value.clone()));
                    put_path(
                        doc,
                        "fieldSources",
                        Some(
                            doc.get("fieldSources")
                                .cloned()
                                .unwrap_or_else(|| json!({})),
                        ),
                    );
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
            put_path(doc, "externalIds", Some(Json::Array(ids)));
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
            put_path(&mut doc, "name", Some(json!(tag)));
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

    /// The relationship of this type between two ends, as the batch sees it now.
    fn edge<'a>(
        &'a self,
        loaded: &'a Loaded,
        key: &(NodeRef, NodeRef, RelationType),
    ) -> Option<&'a Record<Relationship>> {
        self.working_edges
            .get(key)
            .map(|w| &w.after)
            .or_else(|| loaded.edges.get(key))
    }

    fn put_edge(&mut self, loaded: &Loaded, record: Record<Relationship>) {
        let key = edge_key(&record.data);
        match self.working_edges.get_mut(&key) {
            Some(w) => w.after = record,
            None => {
                self.relationships.push(key.clone());
                self.working_edges.insert(
                    key.clone(),
                    Working {
                        before: loaded.edges.get(&key).cloned(),
                        after: record,
                    },
                );
            }
        }
    }

    fn new_edge(
        source: &str,
        from: NodeRef,
        to: NodeRef,
        relation: RelationType,
        installation: Option<Installation>,
        now: DateTime<Utc>,
    ) -> Record<Relationship> {
        Record {
            id: EntityId::generate(),
            version: 1,
            created_at: now,
            updated_at: now,
            data: Relationship {
                source: from,
                target: to,
                relation,
                criticality: None,
                redundancy_group: None,
                min_up: None,
                allocation_percent: None,
                provenance: Some(Provenance {
                    source: source.to_string(),
                    first_seen: Some(now),
                    last_seen: Some(now),
                }),
                valid_from: None,
                valid_to: None,
                note: None,
                installation,
                ticket_role: None,
            },
        }
    }

    /// Installations of the titles found; returns the changed-field labels.
    fn software(
        &mut self,
        loaded: &Loaded,
        source: &str,
        asset: &EntityId,
        found: &[FoundSoftware],
        now: DateTime<Utc>,
        reported: &mut Vec<EntityId>,
    ) -> Vec<String> {
        let mut changed = BTreeSet::new();
        for title in found {
            let product =
                match catalogue_match(loaded.catalogue.iter().chain(&self.products), title) {
                    Some(p) => p.id.clone(),
                    None => {
                        let product = SoftwareProduct {
                            family: format!("{} {}", title.publisher, title.name),
                            publisher: title.publisher.clone(),
                            name: title.name.clone(),
                            product_version: title.version.clone(),
                            edition: None,
                            tag_id: None,
                            end_of_life: None,
                            end_of_support: None,
                            needs_licence: true,
                        };
                        let record = Record::first(EntityId::generate(), product, now);
                        let id = record.id.clone();
                        self.products.push(record);
                        id
                    }
                };
            let key = (
                NodeRef {
                    kind: EntityKind::SoftwareProduct,
                    id: product,
                },
                asset_ref(asset),
                RelationType::InstalledOn,
            );
            let installation = Installation {
                version: title.version.clone(),
                installed_on: title.installed_on,
                last_used: title.last_used,
            };
            match self.edge(loaded, &key).cloned() {
                None => {
                    let edge = Plan::new_edge(
                        source,
                        key.0.clone(),
                        key.1.clone(),
                        RelationType::InstalledOn,
                        Some(installation),
                        now,
                    );
                    reported.push(edge.id.clone());
                    self.put_edge(loaded, edge);
                    changed.insert("installations".to_string());
                }
                Some(mut existing) => {
                    reported.push(existing.id.clone());
                    let had = existing.data.installation.clone().unwrap_or(Installation {
                        version: None,
                        installed_on: None,
                        last_used: None,
                    });
                    let merged = Installation {
                        version: installation.version.or(had.version.clone()),
                        installed_on: installation.installed_on.or(had.installed_on),
                        // Usage only moves forward: an older report does not undo a newer one.
                        last_used: installation.last_used.max(had.last_used),
                    };
                    if Some(&merged) != existing.data.installation.as_ref() {
                        existing.data.installation = Some(merged);
                        existing.updated_at = now;
                        self.put_edge(loaded, existing);
                        changed.insert("installations".to_string());
                    }
                }
            }
        }
        changed.into_iter().collect()
    }

    /// Relationships seen from this asset to others found by their identifiers.
    #[allow(clippy::too_many_arguments)]
    fn observe(
        &mut self,
        identities: &Identities,
        loaded: &Loaded,
        (source, rules): (&str, &[IdentificationRule]),
        asset: &EntityId,
        observed: &[Observed],
        now: DateTime<Utc>,
        (notes, reported): (&mut Vec<String>, &mut Vec<EntityId>),
    ) -> Vec<String> {
        let mut changed = BTreeSet::new();
        let class_of = |plan: &Plan, id: &EntityId| {
            plan.working
                .get(id)
                .map(|w| w.after.data.class)
                .or_else(|| identities.class(id))
        };
        for seen in observed {
            let (identification, _) =
                identify(identities, &self.overlay, source, &seen.target, rules);
            let target = match identification {
                Identification::Match { asset: target, .. } => target,
                Identification::New => {
                    notes.push(format!(
                        "{}: no asset matches the other end{UNRESOLVED}",
                        api_name(&seen.relation)
                    ));
                    continue;
                }
                Identification::Conflict(_) => {
                    notes.push(format!(
                        "{}: the other end matches several assets; not recorded",
                        api_name(&seen.relation)
                    ));
                    continue;
                }
            };
            let (Some(from), Some(to)) = (class_of(self, asset), class_of(self, &target)) else {
                continue;
            };
            if target == *asset {
                notes.push(format!(
                    "{}: the other end is this asset; not recorded",
                    api_name(&seen.relation)
                ));
                continue;
            }
            if !seen
                .relation
                .allows(Endpoint::Asset(from), Endpoint::Asset(to))
            {
                notes.push(format!(
                    "{} cannot join {} to {}; not recorded",
                    api_name(&seen.relation),
                    api_name(&from),
                    api_name(&to)
                ));
                continue;
            }
            let key = (asset_ref(asset), asset_ref(&target), seen.relation);
            match self.edge(loaded, &key) {
                Some(existing) => reported.push(existing.id.clone()),
                None => {
                    let edge = Plan::new_edge(source, key.0, key.1, seen.relation, None, now);
                    reported.push(edge.id.clone());
                    self.put_edge(loaded, edge);
                    changed.insert(format!("relationships.{}", api_name(&seen.relation)));
                }
            }
        }
        changed.into_iter().collect()
    }

    fn report(&self, source: &str, dry_run: bool) -> IngestReport {
        let created = |kind: &dyn Fn(&Relationship) -> bool| {
            self.working_edges
                .values()
                .filter(|w| w.before.is_none() && kind(&w.after.data))
                .count()
        };
        IngestReport {
            source: source.to_string(),
            dry_run,
            outcomes: self.outcomes.clone(),
            relationships_created: created(&|r| r.relation != RelationType::InstalledOn),
            installations_created: created(&|r| r.relation == RelationType::InstalledOn),
            installations_updated: self
                .working_edges
                .values()
                .filter(|w| w.before.is_some())
                .count(),
            products_created: self.products.len(),
        }
    }
}

/// What a committed batch changed, to bring the in-memory projections in line.
struct Written {
    assets: Vec<(Option<Record<Asset>>, Record<Asset>)>,
    relationships: Vec<(Option<Record<Relationship>>, Record<Relationship>)>,
    products: Vec<Record<SoftwareProduct>>,
    sightings: Vec<SightingRow>,
}

impl Written {
    fn apply(self, register: &Register) {
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
            match (&row.kind, &row.via) {
                (EntityKind::Relationship, Some(via)) => identities.put_relationship_sighting(
                    &row.subject,
                    &row.source,
                    via,
                    row.sighting,
                ),
                _ => identities.put_sighting(&row.subject, &row.source, row.sighting),
            }
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
            AuditEntry::new(actor, operation, E::KIND, &after.id, changes).from_source(source),
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
    fn writes(mut self, actor: &Actor, source: &str) -> Result<(Batch, Written), ServiceError> {
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
