//! The ledger: what money and lifecycle questions need to know of every asset, held compactly so
//! that summaries and watch lists over a million assets take milliseconds. Pure: whoever owns it
//! feeds it every change.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::depreciation::Depreciation;
use crate::domain::depreciation::{Method, ModelDefaults, Settings};
use crate::domain::kernel::Money;
use crate::domain::kernel::{AssetClass, Category};
use crate::domain::kernel::{EntityId, Record};
use crate::domain::lifecycle::LifecycleStage;
use crate::domain::register::Model;
use crate::domain::register::{Asset, Owner};

/// A dense number for an id that many assets share (a team, location, vendor or model).
type Ref = u32;
const NONE: Ref = 0;

/// What the ledger keeps of one asset.
#[derive(Debug, Clone)]
struct Entry {
    id: EntityId,
    version: i64,
    class: AssetClass,
    stage: LifecycleStage,
    model: Ref,
    team: Ref,
    location: Ref,
    vendor: Ref,
    cost: Option<Money>,
    purchase_date: Option<NaiveDate>,
    settings: Option<Box<Settings>>,
    warranty_end: Option<NaiveDate>,
    end_of_support: Option<NaiveDate>,
    /// When it left the organisation (disposed assets).
    disposed_on: Option<NaiveDate>,
    /// The person using it, for per-user licences.
    user: Ref,
    /// Processor cores, for per-core licences (0 when unknown).
    cores: u32,
}

/// What licence compliance needs of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceView<'a> {
    pub stage: LifecycleStage,
    pub user: Option<&'a EntityId>,
    pub cores: u32,
}

/// What the ledger keeps of a model.
#[derive(Debug, Clone, Copy, Default)]
struct ModelFacts {
    defaults: ModelDefaults,
    end_of_support: Option<NaiveDate>,
}

/// How a summary groups assets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    Team,
    Location,
    Class,
    Category,
    Vendor,
}

/// The group of a summary row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKey {
    /// A team, location or vendor; `None` for assets without one.
    Entity(Option<EntityId>),
    Class(AssetClass),
    Category(Category),
}

/// Totals of one currency within a group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrencyTotals {
    /// Assets with a purchase cost in this currency.
    pub assets: usize,
    pub purchase_cost: Decimal,
    pub accumulated_depreciation: Decimal,
    pub book_value: Decimal,
}

/// One group of a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub key: GroupKey,
    /// Every asset in the group, with or without a cost.
    pub count: usize,
    /// By currency code.
    pub currencies: Vec<(&'static str, CurrencyTotals)>,
}

/// Why an asset is a replacement candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    FullyDepreciated,
    OutOfWarranty,
    PastEndOfSupport,
}

/// A deployed asset due for replacement, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub asset: EntityId,
    pub reasons: Vec<Reason>,
}

/// Groups being summed: asset count and totals by currency code, per group.
type Partial = HashMap<GroupKey, (usize, HashMap<&'static str, CurrencyTotals>)>;

#[derive(Debug, Default, Clone)]
struct Interner {
    numbers: HashMap<EntityId, Ref>,
    ids: Vec<EntityId>,
}

impl Interner {
    fn number(&mut self, id: Option<&EntityId>) -> Ref {
        let Some(id) = id else { return NONE };
        if let Some(n) = self.numbers.get(id) {
            return *n;
        }
        self.ids.push(id.clone());
        let n = self.ids.len() as Ref;
        self.numbers.insert(id.clone(), n);
        n
    }

    fn id(&self, n: Ref) -> Option<&EntityId> {
        n.checked_sub(1).and_then(|i| self.ids.get(i as usize))
    }
}

/// The ledger of every asset and model.
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    entries: Vec<Option<Entry>>,
    positions: HashMap<EntityId, usize>,
    refs: Interner,
    models: HashMap<Ref, ModelFacts>,
    /// Assets deleted while the ledger is being filled, so a late copy cannot bring them back.
    deleted: HashSet<EntityId>,
}

impl Ledger {
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Takes an asset as it now is; an older version than the one held changes nothing, so
    /// changes may arrive in any order and more than once.
    pub fn put_asset(&mut self, record: &Record<Asset>) {
        if self.deleted.contains(&record.id) {
            return;
        }
        let a = &record.data;
        let team = match &a.owner {
            Some(Owner::Team(team)) => Some(team),
            _ => None,
        };
        let entry = Entry {
            id: record.id.clone(),
            version: record.version,
            class: a.class,
            stage: a.lifecycle_stage,
            model: self.refs.number(a.model.as_ref()),
            team: self.refs.number(team),
            location: self.refs.number(a.location.as_ref()),
            vendor: self.refs.number(a.vendor.as_ref()),
            cost: a.purchase.as_ref().and_then(|p| p.cost.clone()),
            purchase_date: a.purchase.as_ref().and_then(|p| p.date),
            settings: a.depreciation.clone().map(Box::new),
            warranty_end: a.warranty_end,
            end_of_support: a.end_of_support,
            disposed_on: a.disposal.as_ref().map(|d| d.date),
            user: self.refs.number(a.assignee.as_ref()),
            cores: a
                .attributes
                .get("cpuCores")
                .and_then(serde_json::Value::as_u64)
                .map_or(0, |c| c.min(u64::from(u32::MAX)) as u32),
        };
        match self.positions.get(&record.id) {
            Some(&at) => {
                let slot = &mut self.entries[at];
                if slot.as_ref().is_none_or(|e| e.version <= record.version) {
                    *slot = Some(entry);
                }
            }
            None => {
                self.positions.insert(record.id.clone(), self.entries.len());
                self.entries.push(Some(entry));
            }
        }
    }

    /// The device facts of an asset, if the ledger holds it.
    pub fn device(&self, id: &EntityId) -> Option<DeviceView<'_>> {
        let entry = self.entries[*self.positions.get(id)?].as_ref()?;
        Some(DeviceView {
            stage: entry.stage,
            user: self.refs.id(entry.user),
            cores: entry.cores,
        })
    }

    /// Deployed assets neither under warranty on `today` nor in `covered` (by a support or
    /// warranty contract in force), in the order they were first seen.
    pub fn deployed_uncovered(
        &self,
        today: NaiveDate,
        covered: &HashSet<EntityId>,
    ) -> Vec<EntityId> {
        self.entries
            .iter()
            .flatten()
            .filter(|e| e.stage == LifecycleStage::Deployed)
            .filter(|e| e.warranty_end.is_none_or(|end| end < today))
            .filter(|e| !covered.contains(&e.id))
            .map(|e| e.id.clone())
            .collect()
    }

    /// Forgets a deleted asset, for good: a copy read before the deletion is refused later.
    pub fn remove_asset(&mut self, id: &EntityId) {
        if let Some(at) = self.positions.remove(id) {
            self.entries[at] = None;
        }
        self.deleted.insert(id.clone());
    }

    /// Deletions need no remembering once every earlier copy has arrived.
    pub fn settle(&mut self) {
        self.deleted.clear();
    }

    pub fn put_model(&mut self, record: &Record<Model>) {
        let n = self.refs.number(Some(&record.id));
        self.models.insert(
            n,
            ModelFacts {
                defaults: record.data.depreciation_defaults(),
                end_of_support: record.data.end_of_support,
            },
        );
    }

    pub fn remove_model(&mut self, id: &EntityId) {
        if let Some(&n) = self.refs.numbers.get(id) {
            self.models.remove(&n);
        }
    }

    fn model(&self, entry: &Entry) -> ModelFacts {
        self.models.get(&entry.model).copied().unwrap_or_default()
    }

    /// The entry's depreciation; `None` without cost or in-service date, or with settings that
    /// do not fit (those keep their cost as book value).
    fn depreciation(&self, entry: &Entry, fiscal_year_start: u32) -> Option<Depreciation> {
        let cost = entry.cost.as_ref()?;
        let profile = crate::domain::depreciation::resolve(
            entry.class,
            entry.settings.as_deref(),
            self.model(entry).defaults,
            entry.purchase_date,
            fiscal_year_start,
        )?;
        if profile.method == Method::None {
            return None;
        }
        Depreciation::new(cost.amount, cost.currency.minor_units(), &profile).ok()
    }

    fn end_of_support(&self, entry: &Entry) -> Option<NaiveDate> {
        entry.end_of_support.or(self.model(entry).end_of_support)
    }

    fn key(&self, entry: &Entry, by: GroupBy) -> GroupKey {
        let entity = |n: Ref| GroupKey::Entity(self.refs.id(n).cloned());
        match by {
            GroupBy::Team => entity(entry.team),
            GroupBy::Location => entity(entry.location),
            GroupBy::Vendor => entity(entry.vendor),
            GroupBy::Class => GroupKey::Class(entry.class),
            GroupBy::Category => GroupKey::Category(entry.class.category()),
        }
    }

    /// Count, purchase cost, accumulated depreciation and book value per group and currency as
    /// of the end of `as_of`, over the assets held then: bought by then, not yet disposed of.
    /// Runs on `threads` threads.
    pub fn summary(
        &self,
        by: GroupBy,
        as_of: NaiveDate,
        fiscal_year_start: u32,
        threads: usize,
    ) -> Vec<Group> {
        let threads = threads.clamp(1, 16);
        let chunk = self.entries.len().div_ceil(threads).max(1);
        let partial: Vec<Partial> = std::thread::scope(|scope| {
            let workers: Vec<_> = self
                .entries
                .chunks(chunk)
                .map(|part| scope.spawn(move || self.summarise(part, by, as_of, fiscal_year_start)))
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("summary worker"))
                .collect()
        });
        let mut merged: Partial = HashMap::new();
        for part in partial {
            for (key, (count, currencies)) in part {
                let group = merged.entry(key).or_default();
                group.0 += count;
                for (code, totals) in currencies {
                    let t = group.1.entry(code).or_default();
                    t.assets += totals.assets;
                    t.purchase_cost += totals.purchase_cost;
                    t.accumulated_depreciation += totals.accumulated_depreciation;
                    t.book_value += totals.book_value;
                }
            }
        }
        let mut groups: Vec<Group> = merged
            .into_iter()
            .map(|(key, (count, currencies))| {
                let mut currencies: Vec<_> = currencies.into_iter().collect();
                currencies.sort_by_key(|(code, _)| *code);
                Group {
                    key,
                    count,
                    currencies,
                }
            })
            .collect();
        groups.sort_by(|a, b| a.key.cmp(&b.key));
        groups
    }

    fn summarise(
        &self,
        part: &[Option<Entry>],
        by: GroupBy,
        as_of: NaiveDate,
        fiscal_year_start: u32,
    ) -> Partial {
        let mut groups: Partial = HashMap::new();
        for entry in part.iter().flatten() {
            let gone = entry.disposed_on.is_some_and(|d| d <= as_of)
                || (entry.stage == LifecycleStage::Disposed && entry.disposed_on.is_none());
            if gone || entry.purchase_date.is_some_and(|d| d > as_of) {
                continue;
            }
            let group = groups.entry(self.key(entry, by)).or_default();
            group.0 += 1;
            let Some(cost) = &entry.cost else { continue };
            let accumulated = self
                .depreciation(entry, fiscal_year_start)
                .map_or(Decimal::ZERO, |d| d.accumulated(as_of));
            let totals = group.1.entry(cost.currency.code()).or_default();
            totals.assets += 1;
            totals.purchase_cost += cost.amount;
            totals.accumulated_depreciation += accumulated;
            totals.book_value += cost.amount - accumulated;
        }
        groups
    }

    /// Held assets whose warranty ends between `from` and `to` (inclusive), soonest first.
    pub fn warranties_ending(&self, from: NaiveDate, to: NaiveDate) -> Vec<(EntityId, NaiveDate)> {
        self.dated(|e| e.warranty_end.filter(|end| (from..=to).contains(end)))
    }

    /// Held assets whose support ends by `by` (already past included), soonest first.
    pub fn support_ending(&self, by: NaiveDate) -> Vec<(EntityId, NaiveDate)> {
        self.dated(|e| self.end_of_support(e).filter(|end| *end <= by))
    }

    fn dated(&self, date: impl Fn(&Entry) -> Option<NaiveDate>) -> Vec<(EntityId, NaiveDate)> {
        let mut found: Vec<(EntityId, NaiveDate)> = self
            .entries
            .iter()
            .flatten()
            .filter(|e| !matches!(e.stage, LifecycleStage::Disposed | LifecycleStage::Retired))
            .filter_map(|e| date(e).map(|d| (e.id.clone(), d)))
            .collect();
        found.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        found
    }

    /// Deployed assets that are fully depreciated, out of warranty or past end of support at
    /// `today`: most reasons first, then the longest past due.
    pub fn replacement_candidates(
        &self,
        today: NaiveDate,
        fiscal_year_start: u32,
    ) -> Vec<Candidate> {
        let mut found: Vec<(Candidate, NaiveDate)> = self
            .entries
            .iter()
            .flatten()
            .filter(|e| e.stage == LifecycleStage::Deployed)
            .filter_map(|e| {
                let support = self.end_of_support(e).filter(|end| *end < today);
                let warranty = e.warranty_end.filter(|end| *end < today);
                let depreciated = self
                    .depreciation(e, fiscal_year_start)
                    .filter(|d| d.fully_depreciated(today));
                let mut reasons = Vec::new();
                if depreciated.is_some() {
                    reasons.push(Reason::FullyDepreciated);
                }
                if warranty.is_some() {
                    reasons.push(Reason::OutOfWarranty);
                }
                if support.is_some() {
                    reasons.push(Reason::PastEndOfSupport);
                }
                let since = [support, warranty].into_iter().flatten().min();
                (!reasons.is_empty()).then(|| {
                    (
                        Candidate {
                            asset: e.id.clone(),
                            reasons,
                        },
                        since.unwrap_or(today),
                    )
                })
            })
            .collect();
        found.sort_by(|(a, a_since), (b, b_since)| {
            b.reasons
                .len()
                .cmp(&a.reasons.len())
                .then(a_since.cmp(b_since))
                .then_with(|| a.asset.cmp(&b.asset))
        });
        found.into_iter().map(|(c, _)| c).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kernel::Entity;
    use crate::domain::register::AssetDraft;
    use serde_json::json;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn asset(id: &str, version: i64, doc: serde_json::Value) -> Record<Asset> {
        let mut base = json!({"name": id, "assetTag": id, "class": "LAPTOP", "lifecycleStage": "DEPLOYED", "location": "room-1"});
        crate::domain::kernel::merge(&mut base, &doc);
        let draft: AssetDraft = serde_json::from_value(base).unwrap();
        Record {
            id: EntityId::parse(id).unwrap(),
            version,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            data: Asset::validate(draft).unwrap(),
        }
    }

    fn bought(amount: &str, currency: &str, on: &str) -> serde_json::Value {
        json!({"purchase": {"date": on, "cost": {"amount": amount, "currency": currency}}})
    }

    #[test]
    fn summaries_add_per_group_and_currency() {
        let mut ledger = Ledger::default();
        // Laptops: straight line over 36 months.
        ledger.put_asset(&asset("a1", 1, bought("3600", "EUR", "2025-01-10")));
        ledger.put_asset(&asset("a2", 1, bought("1200", "EUR", "2025-07-01")));
        ledger.put_asset(&asset("a3", 1, bought("1000", "USD", "2025-01-01")));
        ledger.put_asset(&asset(
            "a4",
            1,
            json!({"class": "SOFTWARE_APPLICATION", "location": null, "owner": {"team": "t1"}}),
        ));
        // Bought after the date asked about: not counted yet.
        ledger.put_asset(&asset("a5", 1, bought("999", "EUR", "2026-06-01")));
        let groups = ledger.summary(GroupBy::Category, date("2025-12-31"), 1, 2);
        assert_eq!(groups.len(), 2);
        let hardware = &groups[0];
        assert_eq!(hardware.key, GroupKey::Category(Category::Hardware));
        assert_eq!(hardware.count, 3);
        let (code, eur) = &hardware.currencies[0];
        assert_eq!(*code, "EUR");
        // 3600: 12 months of 100 = 1200; 1200 from July: 6 months of 33.33.. = 200.
        assert_eq!(eur.assets, 2);
        assert_eq!(eur.purchase_cost, Decimal::from(4800));
        assert_eq!(eur.accumulated_depreciation, Decimal::from(1400));
        assert_eq!(eur.book_value, Decimal::from(3400));
        let (code, usd) = &hardware.currencies[1];
        assert_eq!(
            (*code, usd.book_value.normalize()),
            ("USD", "666.67".parse().unwrap())
        );
        assert_eq!(groups[1].key, GroupKey::Category(Category::Software));
        assert!(groups[1].currencies.is_empty());
    }

    #[test]
    fn disposed_assets_count_until_the_day_they_left() {
        let mut ledger = Ledger::default();
        let mut gone = bought("500", "EUR", "2024-01-10");
        gone["lifecycleStage"] = json!("DISPOSED");
        gone["disposal"] = json!({"method": "DONATED", "date": "2025-06-30", "recipient": "School",
            "sanitisation": {"method": "PURGE", "date": "2025-06-29", "performedBy": "IT", "certificateRef": "C-1"}});
        ledger.put_asset(&asset("gone", 1, gone));
        let count = |day: &str| {
            ledger
                .summary(GroupBy::Class, date(day), 1, 1)
                .first()
                .map_or(0, |g| g.count)
        };
        assert_eq!(count("2025-06-29"), 1);
        assert_eq!(count("2025-06-30"), 0);
    }

    #[test]
    fn changes_arrive_in_any_order_and_deletions_stick() {
        let mut ledger = Ledger::default();
        ledger.put_asset(&asset("a1", 2, bought("500", "EUR", "2025-01-10")));
        ledger.put_asset(&asset("a1", 1, bought("100", "EUR", "2025-01-10")));
        let total = |l: &Ledger| {
            l.summary(GroupBy::Class, date("2025-02-01"), 1, 1)
                .first()
                .map(|g| g.currencies[0].1.purchase_cost)
        };
        assert_eq!(total(&ledger), Some(Decimal::from(500)));
        ledger.remove_asset(&EntityId::parse("a1").unwrap());
        ledger.put_asset(&asset("a1", 2, bought("500", "EUR", "2025-01-10")));
        assert_eq!(total(&ledger), None);
        assert!(ledger.is_empty());
    }

    #[test]
    fn watch_lists_and_replacement_candidates() {
        let mut ledger = Ledger::default();
        let model = Record {
            id: EntityId::parse("m1").unwrap(),
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            data: Model::validate(serde_json::from_value(json!({"name": "X1", "manufacturer": "Lenovo", "category": "HARDWARE", "endOfSupport": "2025-06-30"})).unwrap()).unwrap(),
        };
        ledger.put_model(&model);
        let mut old = bought("1200", "EUR", "2020-01-01");
        old["model"] = json!("m1");
        old["warrantyEnd"] = json!("2023-01-01");
        ledger.put_asset(&asset("old", 1, old));
        let mut fresh = bought("1200", "EUR", "2025-11-01");
        fresh["warrantyEnd"] = json!("2026-02-01");
        ledger.put_asset(&asset("new", 1, fresh));
        let today = date("2026-01-15");
        let ending = ledger.warranties_ending(today, date("2026-03-01"));
        assert_eq!(
            ending,
            [(EntityId::parse("new").unwrap(), date("2026-02-01"))]
        );
        let support = ledger.support_ending(date("2026-12-31"));
        assert_eq!(
            support,
            [(EntityId::parse("old").unwrap(), date("2025-06-30"))]
        );
        let candidates = ledger.replacement_candidates(today, 1);
        assert_eq!(candidates.len(), 1);
        assert_eq!(
            candidates[0].reasons,
            [
                Reason::FullyDepreciated,
                Reason::OutOfWarranty,
                Reason::PastEndOfSupport
            ]
        );
    }
}
