//! Which register asset a discovery record describes: every asset's identifiers in memory, the
//! ordered identification rules, and what each source last reported, so a re-ingest is decided
//! without reading the store.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;

use crate::domain::discovery::identifiers::{IdentificationRule, Identifiers};
use crate::domain::discovery::record::api_name;
use crate::domain::kernel::AssetClass;
use crate::domain::kernel::{EntityId, Record};
use crate::domain::register::Asset;

/// What one source last reported of one asset (or one relationship).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sighting {
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Digest of the record last applied; `0` for relationships.
    pub fingerprint: u64,
    /// The asset's version just after that record was applied.
    pub applied_version: i64,
}

impl Sighting {
    /// The same sighting seen again at `at` (a late report never moves it back).
    pub fn seen(mut self, at: DateTime<Utc>) -> Sighting {
        self.last_seen = self.last_seen.max(at);
        self.first_seen = self.first_seen.min(at);
        self
    }
}

#[derive(Debug, Clone)]
struct Entry {
    id: EntityId,
    version: i64,
    keys: Vec<u64>,
    /// The serial key, which refuses weak matches from another machine.
    serial: Option<u64>,
    distinct_from: Vec<EntityId>,
    managed: bool,
    class: AssetClass,
    /// By source name, kept sorted.
    sightings: BTreeMap<String, Sighting>,
}

/// Asset numbers under one identifier; almost always one.
#[derive(Debug, Clone)]
enum Postings {
    One(u32),
    Many(Vec<u32>),
}

/// One asset a record's identifiers point at, and the rules that found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub asset: EntityId,
    pub rules: Vec<IdentificationRule>,
}

/// The verdict on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identification {
    /// No asset carries any of its identifiers.
    New,
    /// One asset does; `rule` is the first rule in order that found it.
    Match {
        asset: EntityId,
        rule: IdentificationRule,
    },
    /// Several different assets do; nothing may be merged without a person.
    Conflict(Vec<Candidate>),
}

/// The outcome and why weak matches were set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub identification: Identification,
    pub notes: Vec<String>,
}

/// 64-bit digest of one identifier under one rule (collisions are ~n²/2⁶⁴: negligible).
fn key(rule: IdentificationRule, parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ (rule as u64);
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Every (rule, key) an identifier set offers; the native key is scoped to its source.
fn keys_of(source: Option<&str>, ids: &Identifiers) -> Vec<(IdentificationRule, u64)> {
    use IdentificationRule::*;
    let mut keys = Vec::new();
    if let (Some(source), Some(native)) = (source, &ids.native_key) {
        keys.push((SourceNativeKey, key(SourceNativeKey, &[source, native])));
    }
    if let Some((maker, serial)) = &ids.serial {
        keys.push((
            SerialAndManufacturer,
            key(SerialAndManufacturer, &[maker, serial]),
        ));
    }
    if let Some(tag) = &ids.asset_tag {
        keys.push((AssetTag, key(AssetTag, &[tag])));
    }
    for mac in &ids.macs {
        keys.push((MacAddress, key(MacAddress, &[&mac.to_string()])));
    }
    if let Some(cloud) = &ids.cloud_resource_id {
        keys.push((CloudResourceId, key(CloudResourceId, &[cloud])));
    }
    if let Some(fqdn) = &ids.fqdn {
        keys.push((Fqdn, key(Fqdn, &[fqdn])));
    }
    if let Some(host) = &ids.hostname {
        keys.push((Hostname, key(Hostname, &[host])));
    }
    keys
}

fn serial_of(ids: &Identifiers) -> Option<u64> {
    ids.serial
        .as_ref()
        .map(|(m, s)| key(IdentificationRule::SerialAndManufacturer, &[m, s]))
}

/// The identifiers of every asset, what each source last saw, and relationship sightings.
#[derive(Debug, Default)]
pub struct Identities {
    numbers: FxHashMap<EntityId, u32>,
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
    postings: FxHashMap<u64, Postings>,
    /// Relationship sightings by relationship id, then source, with the asset whose record
    /// reported them.
    relationships: FxHashMap<EntityId, BTreeMap<String, (EntityId, Sighting)>>,
}

/// An asset as the identification rules see it.
pub struct AssetIdentity<'a> {
    pub id: &'a EntityId,
    pub version: i64,
    pub identifiers: Identifiers,
    /// (source, key) of each external id.
    pub external_ids: Vec<(&'a str, &'a str)>,
    pub distinct_from: &'a [EntityId],
    pub managed: bool,
    pub class: AssetClass,
}

impl<'a> AssetIdentity<'a> {
    pub fn of(record: &'a Record<Asset>) -> AssetIdentity<'a> {
        let a = &record.data;
        AssetIdentity {
            id: &record.id,
            version: record.version,
            identifiers: Identifiers::of_asset(
                &a.asset_tag,
                a.serial_number.as_deref(),
                a.manufacturer.as_deref(),
                &a.attributes,
            ),
            external_ids: a
                .external_ids
                .iter()
                .map(|e| (e.source.as_str(), e.key.as_str()))
                .collect(),
            distinct_from: &a.distinct_from,
            managed: a.managed,
            class: a.class,
        }
    }
}

impl Identities {
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }

    /// Adds or replaces an asset; an older version than the one held is ignored.
    pub fn put(&mut self, asset: &AssetIdentity) {
        let mut keys: Vec<u64> = keys_of(None, &asset.identifiers)
            .into_iter()
            .map(|(_, k)| k)
            .collect();
        for (source, native) in &asset.external_ids {
            keys.push(key(IdentificationRule::SourceNativeKey, &[source, native]));
        }
        keys.sort_unstable();
        keys.dedup();
        let number = match self.numbers.get(asset.id) {
            Some(&n) => {
                let entry = self.entries[n as usize].as_ref().expect("numbered");
                if entry.version > asset.version {
                    return;
                }
                let old = entry.keys.clone();
                old.iter().for_each(|k| self.unpost(*k, n));
                n
            }
            None => {
                let n = self.free.pop().unwrap_or(self.entries.len() as u32);
                if n as usize == self.entries.len() {
                    self.entries.push(None);
                }
                self.numbers.insert(asset.id.clone(), n);
                n
            }
        };
        keys.iter().for_each(|k| self.post(*k, number));
        let sightings = self.entries[number as usize]
            .take()
            .map(|e| e.sightings)
            .unwrap_or_default();
        self.entries[number as usize] = Some(Entry {
            id: asset.id.clone(),
            version: asset.version,
            keys,
            serial: serial_of(&asset.identifiers),
            distinct_from: asset.distinct_from.to_vec(),
            managed: asset.managed,
            class: asset.class,
            sightings,
        });
    }

    pub fn remove(&mut self, id: &EntityId) {
        if let Some(n) = self.numbers.remove(id) {
            if let Some(entry) = self.entries[n as usize].take() {
                entry.keys.iter().for_each(|k| self.unpost(*k, n));
            }
            self.free.push(n);
        }
        self.relationships.remove(id);
    }

    fn post(&mut self, key: u64, n: u32) {
        match self.postings.get_mut(&key) {
            None => {
                self.postings.insert(key, Postings::One(n));
            }
            Some(Postings::One(m)) if *m == n => {}
            Some(Postings::One(m)) => {
                let m = *m;
                self.postings.insert(key, Postings::Many(vec![m, n]));
            }
            Some(Postings::Many(list)) => {
                if !list.contains(&n) {
                    list.push(n);
                }
            }
        }
    }

    fn unpost(&mut self, key: u64, n: u32) {
        let emptied = match self.postings.get_mut(&key) {
            Some(Postings::One(m)) => *m == n,
            Some(Postings::Many(list)) => {
                list.retain(|m| *m != n);
                if let [only] = list[..] {
                    self.postings.insert(key, Postings::One(only));
                }
                false
            }
            None => false,
        };
        if emptied {
            self.postings.remove(&key);
        }
    }

    fn posted(&self, key: u64) -> &[u32] {
        match self.postings.get(&key) {
            None => &[],
            Some(Postings::One(n)) => std::slice::from_ref(n),
            Some(Postings::Many(list)) => list,
        }
    }

    fn entry(&self, id: &EntityId) -> Option<&Entry> {
        self.numbers
            .get(id)
            .and_then(|n| self.entries[*n as usize].as_ref())
    }

    pub fn version(&self, id: &EntityId) -> Option<i64> {
        self.entry(id).map(|e| e.version)
    }

    pub fn class(&self, id: &EntityId) -> Option<AssetClass> {
        self.entry(id).map(|e| e.class)
    }

    /// Which asset a record from `source` describes, by `rules` in order. Every rule is tried:
    /// identifiers pointing at different assets are a conflict unless people declared those
    /// assets distinct, in which case the earliest rule decides. A weak identifier (MAC, names)
    /// never matches an asset whose serial is another machine's.
    pub fn identify(
        &self,
        source: &str,
        ids: &Identifiers,
        rules: &[IdentificationRule],
    ) -> Verdict {
        let record_serial = serial_of(ids);
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut notes = Vec::new();
        let offered = keys_of(Some(source), ids);
        for rule in rules {
            for (_, k) in offered.iter().filter(|(r, _)| r == rule) {
                for n in self.posted(*k) {
                    let Some(entry) = self.entries[*n as usize].as_ref() else {
                        continue;
                    };
                    if rule.is_weak()
                        && let (Some(theirs), Some(ours)) = (entry.serial, record_serial)
                        && theirs != ours
                    {
                        notes.push(format!(
                            "{} matches asset {} but its serial is another machine's; not the same asset",
                            api_name(rule),
                            entry.id
                        ));
                        continue;
                    }
                    match candidates.iter_mut().find(|c| c.asset == entry.id) {
                        Some(c) if !c.rules.contains(rule) => c.rules.push(*rule),
                        Some(_) => {}
                        None => candidates.push(Candidate {
                            asset: entry.id.clone(),
                            rules: vec![*rule],
                        }),
                    }
                }
            }
        }
        let identification = match candidates.len() {
            0 => Identification::New,
            1 => Identification::Match {
                asset: candidates[0].asset.clone(),
                rule: candidates[0].rules[0],
            },
            _ if self.all_distinct(&candidates) => {
                notes.push(format!(
                    "{} assets match but people declared them distinct; the first rule decides",
                    candidates.len()
                ));
                Identification::Match {
                    asset: candidates[0].asset.clone(),
                    rule: candidates[0].rules[0],
                }
            }
            _ => Identification::Conflict(candidates),
        };
        Verdict {
            identification,
            notes,
        }
    }

    fn all_distinct(&self, candidates: &[Candidate]) -> bool {
        let declared = |a: &EntityId, b: &EntityId| {
            self.entry(a).is_some_and(|e| e.distinct_from.contains(b))
                || self.entry(b).is_some_and(|e| e.distinct_from.contains(a))
        };
        candidates.iter().enumerate().all(|(i, a)| {
            candidates[i + 1..]
                .iter()
                .all(|b| declared(&a.asset, &b.asset))
        })
    }

    pub fn sighting(&self, asset: &EntityId, source: &str) -> Option<Sighting> {
        self.entry(asset)
            .and_then(|e| e.sightings.get(source).copied())
    }

    /// Every source's sighting of an asset, by source name.
    pub fn sightings(&self, asset: &EntityId) -> Vec<(String, Sighting)> {
        self.entry(asset)
            .map(|e| e.sightings.iter().map(|(s, v)| (s.clone(), *v)).collect())
            .unwrap_or_default()
    }

    pub fn put_sighting(&mut self, asset: &EntityId, source: &str, sighting: Sighting) {
        if let Some(n) = self.numbers.get(asset)
            && let Some(entry) = self.entries[*n as usize].as_mut()
        {
            entry.sightings.insert(source.to_string(), sighting);
        }
    }

    /// Every source's sighting of a relationship. One reported as part of an asset's record is
    /// seen whenever that same record is seen again, so a re-ingest need not write it.
    pub fn relationship_sightings(&self, relationship: &EntityId) -> Vec<(String, Sighting)> {
        self.relationships
            .get(relationship)
            .map(|s| {
                s.iter()
                    .map(|(source, (via, seen))| (source.clone(), self.current(via, source, *seen)))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn current(&self, via: &EntityId, source: &str, seen: Sighting) -> Sighting {
        match self.sighting(via, source) {
            Some(record) if record.fingerprint == seen.fingerprint => seen.seen(record.last_seen),
            _ => seen,
        }
    }

    /// Records that `source` reported `relationship` in the record of asset `via` whose
    /// fingerprint the sighting carries.
    pub fn put_relationship_sighting(
        &mut self,
        relationship: &EntityId,
        source: &str,
        via: &EntityId,
        sighting: Sighting,
    ) {
        self.relationships
            .entry(relationship.clone())
            .or_default()
            .insert(source.to_string(), (via.clone(), sighting));
    }

    pub fn remove_relationship(&mut self, relationship: &EntityId) {
        self.relationships.remove(relationship);
    }

    /// Assets discovery has seen, but not (by `source`, or by any source) since `before`,
    /// with the last time they were seen, oldest first.
    pub fn stale_assets(
        &self,
        before: DateTime<Utc>,
        source: Option<&str>,
    ) -> Vec<(EntityId, DateTime<Utc>)> {
        let mut stale: Vec<(EntityId, DateTime<Utc>)> = self
            .entries
            .iter()
            .flatten()
            .filter_map(|e| last_seen(&e.sightings, source).map(|at| (e.id.clone(), at)))
            .filter(|(_, at)| *at < before)
            .collect();
        stale.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        stale
    }

    /// Relationships discovery observed but has not reported again since `before`.
    pub fn stale_relationships(
        &self,
        before: DateTime<Utc>,
        source: Option<&str>,
    ) -> Vec<(EntityId, DateTime<Utc>)> {
        let mut stale: Vec<(EntityId, DateTime<Utc>)> = self
            .relationships
            .keys()
            .filter_map(|id| {
                let seen: BTreeMap<String, Sighting> =
                    self.relationship_sightings(id).into_iter().collect();
                last_seen(&seen, source).map(|at| (id.clone(), at))
            })
            .filter(|(_, at)| *at < before)
            .collect();
        stale.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        stale
    }

    /// Assets first registered by discovery that nobody has accepted yet, in id order.
    pub fn unmanaged(&self) -> Vec<EntityId> {
        let mut ids: Vec<EntityId> = self
            .entries
            .iter()
            .flatten()
            .filter(|e| !e.managed)
            .map(|e| e.id.clone())
            .collect();
        ids.sort();
        ids
    }
}

fn last_seen(
    sightings: &BTreeMap<String, Sighting>,
    source: Option<&str>,
) -> Option<DateTime<Utc>> {
    match source {
        Some(source) => sightings.get(source).map(|s| s.last_seen),
        None => sightings.values().map(|s| s.last_seen).max(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::discovery::record::{Observation, RecordDraft};
    use IdentificationRule::*;

    fn id(n: &str) -> EntityId {
        EntityId::parse(n).unwrap()
    }

    fn ids(draft: RecordDraft) -> Identifiers {
        Observation::parse(RecordDraft {
            class: Some("SERVER".into()),
            ..draft
        })
        .unwrap()
        .identifiers
    }

    fn put(
        index: &mut Identities,
        name: &str,
        identifiers: Identifiers,
        external: &[(&str, &str)],
    ) {
        index.put(&AssetIdentity {
            id: &id(name),
            version: 1,
            identifiers: Identifiers {
                asset_tag: Some(format!("TAG-{name}")),
                ..identifiers
            },
            external_ids: external.to_vec(),
            distinct_from: &[],
            managed: true,
            class: AssetClass::Server,
        });
    }

    fn serial(s: &str, maker: &str) -> RecordDraft {
        RecordDraft {
            serial_number: Some(s.into()),
            manufacturer: Some(maker.into()),
            ..Default::default()
        }
    }

    #[test]
    fn nothing_known_is_new_and_one_asset_is_a_match_by_its_first_rule() {
        let mut index = Identities::default();
        let record = ids(RecordDraft {
            hostname: Some("web01".into()),
            ..serial("ABC123", "Dell Inc.")
        });
        let order = IdentificationRule::DEFAULT_ORDER;
        assert_eq!(
            index.identify("scan", &record, &order).identification,
            Identification::New
        );
        put(&mut index, "a", ids(serial("abc123", "DELL")), &[]);
        assert_eq!(
            index.identify("scan", &record, &order).identification,
            Identification::Match {
                asset: id("a"),
                rule: SerialAndManufacturer
            }
        );
        // Without the serial rule the host name alone finds nothing: rules are configurable.
        assert_eq!(
            index.identify("scan", &record, &[Hostname]).identification,
            Identification::New
        );
    }

    #[test]
    fn the_same_serial_from_another_manufacturer_is_another_machine() {
        let mut index = Identities::default();
        put(&mut index, "a", ids(serial("XYZ1", "Dell")), &[]);
        let hp = ids(serial("XYZ1", "HP"));
        assert_eq!(
            index
                .identify("scan", &hp, &IdentificationRule::DEFAULT_ORDER)
                .identification,
            Identification::New
        );
    }

    #[test]
    fn identifiers_pointing_at_two_assets_conflict_unless_declared_distinct() {
        let mut index = Identities::default();
        put(&mut index, "a", ids(serial("SN100", "Dell")), &[]);
        put(
            &mut index,
            "b",
            ids(RecordDraft {
                mac_addresses: Some(vec!["00:11:22:33:44:55".into()]),
                ..Default::default()
            }),
            &[],
        );
        let record = ids(RecordDraft {
            mac_addresses: Some(vec!["00:11:22:33:44:55".into()]),
            ..serial("SN100", "Dell")
        });
        let verdict = index.identify("scan", &record, &IdentificationRule::DEFAULT_ORDER);
        assert_eq!(
            verdict.identification,
            Identification::Conflict(vec![
                Candidate {
                    asset: id("a"),
                    rules: vec![SerialAndManufacturer]
                },
                Candidate {
                    asset: id("b"),
                    rules: vec![MacAddress]
                },
            ])
        );
        // b has no serial, so the MAC match is not vetoed; once declared distinct the serial wins.
        index.put(&AssetIdentity {
            id: &id("b"),
            version: 2,
            identifiers: ids(RecordDraft {
                mac_addresses: Some(vec!["00:11:22:33:44:55".into()]),
                ..Default::default()
            }),
            external_ids: vec![],
            distinct_from: &[id("a")],
            managed: true,
            class: AssetClass::Server,
        });
        assert_eq!(
            index
                .identify("scan", &record, &IdentificationRule::DEFAULT_ORDER)
                .identification,
            Identification::Match {
                asset: id("a"),
                rule: SerialAndManufacturer
            }
        );
    }

    #[test]
    fn a_reused_host_name_on_another_serial_is_a_new_machine() {
        let mut index = Identities::default();
        put(
            &mut index,
            "old",
            ids(RecordDraft {
                hostname: Some("lt-alice".into()),
                ..serial("OLD1", "Lenovo")
            }),
            &[],
        );
        let replacement = ids(RecordDraft {
            hostname: Some("LT-ALICE".into()),
            ..serial("NEW2", "Lenovo")
        });
        let verdict = index.identify("scan", &replacement, &IdentificationRule::DEFAULT_ORDER);
        assert_eq!(verdict.identification, Identification::New);
        assert!(verdict.notes[0].contains("another machine"));
    }

    #[test]
    fn native_keys_belong_to_their_source() {
        let mut index = Identities::default();
        put(&mut index, "a", Identifiers::default(), &[("sccm", "R-17")]);
        let record = ids(RecordDraft {
            source_native_key: Some("R-17".into()),
            ..Default::default()
        });
        let order = IdentificationRule::DEFAULT_ORDER;
        assert_eq!(
            index.identify("sccm", &record, &order).identification,
            Identification::Match {
                asset: id("a"),
                rule: SourceNativeKey
            }
        );
        assert_eq!(
            index.identify("intune", &record, &order).identification,
            Identification::New
        );
    }

    #[test]
    fn replacing_and_removing_an_asset_moves_its_keys() {
        let mut index = Identities::default();
        put(
            &mut index,
            "a",
            ids(RecordDraft {
                hostname: Some("old".into()),
                ..Default::default()
            }),
            &[],
        );
        put(
            &mut index,
            "a",
            ids(RecordDraft {
                hostname: Some("new".into()),
                ..Default::default()
            }),
            &[],
        );
        let order = IdentificationRule::DEFAULT_ORDER;
        let old = ids(RecordDraft {
            hostname: Some("old".into()),
            ..Default::default()
        });
        let new = ids(RecordDraft {
            hostname: Some("new".into()),
            ..Default::default()
        });
        assert_eq!(
            index.identify("s", &old, &order).identification,
            Identification::New
        );
        assert!(matches!(
            index.identify("s", &new, &order).identification,
            Identification::Match { .. }
        ));
        index.remove(&id("a"));
        assert_eq!(
            index.identify("s", &new, &order).identification,
            Identification::New
        );
        assert!(index.is_empty());
    }

    #[test]
    fn stale_means_not_seen_since_by_that_source_or_any() {
        let mut index = Identities::default();
        put(&mut index, "a", Identifiers::default(), &[]);
        put(&mut index, "never", Identifiers::default(), &[]);
        let day = |d: i64| DateTime::<Utc>::from_timestamp(d * 86_400, 0).unwrap();
        let seen = |d| Sighting {
            first_seen: day(d),
            last_seen: day(d),
            fingerprint: 1,
            applied_version: 1,
        };
        index.put_sighting(&id("a"), "scan", seen(10));
        index.put_sighting(&id("a"), "mdm", seen(30));
        assert_eq!(index.stale_assets(day(20), None), vec![]);
        assert_eq!(
            index.stale_assets(day(20), Some("scan")),
            vec![(id("a"), day(10))]
        );
        assert_eq!(index.stale_assets(day(40), None), vec![(id("a"), day(30))]);
        assert_eq!(seen(30).seen(day(5)).first_seen, day(5));
        assert_eq!(seen(30).seen(day(5)).last_seen, day(30));
    }
}
