//! What licence compliance needs of every installation and of people who left, held compactly so
//! that a million installations are counted without reading the store. Pure: whoever owns it
//! feeds it every change, in any order (a newer version always wins).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::domain::kernel::{EntityId, Record};
use crate::domain::register::Person;
use crate::domain::relationships::{RelationType, Relationship};

/// One installation: product and device as numbers of [`Installs::ids`], and its last use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Install {
    pub product: u32,
    pub device: u32,
    pub last_used: Option<NaiveDate>,
    version: i64,
}

/// Every installation and every person's leaving day.
#[derive(Debug, Default, Clone)]
pub struct Installs {
    slots: Vec<Option<Install>>,
    positions: HashMap<EntityId, usize>,
    free: Vec<usize>,
    numbers: HashMap<EntityId, u32>,
    ids: Vec<EntityId>,
    left: HashMap<EntityId, (i64, Option<NaiveDate>)>,
    /// Relationships deleted while filling, so a late copy cannot bring them back.
    deleted: HashSet<EntityId>,
}

impl Installs {
    fn number(&mut self, id: &EntityId) -> u32 {
        if let Some(n) = self.numbers.get(id) {
            return *n;
        }
        let n = self.ids.len() as u32;
        self.ids.push(id.clone());
        self.numbers.insert(id.clone(), n);
        n
    }

    /// The id of a product or device number.
    pub fn id(&self, n: u32) -> &EntityId {
        &self.ids[n as usize]
    }

    /// How many product and device numbers are given out (they run from 0).
    pub fn numbers_given(&self) -> usize {
        self.ids.len()
    }

    /// The number of a product or device, if any installation names it.
    pub fn number_of(&self, id: &EntityId) -> Option<u32> {
        self.numbers.get(id).copied()
    }

    pub fn len(&self) -> usize {
        self.positions.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Every installation held.
    pub fn iter(&self) -> impl Iterator<Item = &Install> {
        self.slots.iter().flatten()
    }

    /// Takes a relationship as it now is; only INSTALLED_ON ones are kept.
    pub fn put(&mut self, record: &Record<Relationship>) {
        let r = &record.data;
        if r.relation != RelationType::InstalledOn || self.deleted.contains(&record.id) {
            return;
        }
        let install = Install {
            product: self.number(&r.source.id),
            device: self.number(&r.target.id),
            last_used: r.installation.as_ref().and_then(|i| i.last_used),
            version: record.version,
        };
        match self.positions.get(&record.id) {
            Some(&at) => {
                let slot = &mut self.slots[at];
                if slot.is_none_or(|held| held.version <= record.version) {
                    *slot = Some(install);
                }
            }
            None => {
                let at = self.free.pop().unwrap_or(self.slots.len());
                if at == self.slots.len() {
                    self.slots.push(Some(install));
                } else {
                    self.slots[at] = Some(install);
                }
                self.positions.insert(record.id.clone(), at);
            }
        }
    }

    /// Forgets a deleted relationship for good.
    pub fn remove(&mut self, id: &EntityId) {
        if let Some(at) = self.positions.remove(id) {
            self.slots[at] = None;
            self.free.push(at);
        }
        self.deleted.insert(id.clone());
    }

    /// Deletions need no remembering once every earlier copy has arrived.
    pub fn settle(&mut self) {
        self.deleted.clear();
    }

    /// Takes a person as they now are: their leaving day, if any.
    pub fn put_person(&mut self, record: &Record<Person>) {
        let newer = self
            .left
            .get(&record.id)
            .is_none_or(|(version, _)| *version <= record.version);
        if newer {
            self.left
                .insert(record.id.clone(), (record.version, record.data.left_on));
        }
    }

    pub fn remove_person(&mut self, id: &EntityId) {
        self.left.remove(id);
    }

    /// People who had left by `day`.
    pub fn left_by(&self, day: NaiveDate) -> impl Iterator<Item = &EntityId> {
        self.left
            .iter()
            .filter(move |(_, (_, left))| left.is_some_and(|d| d <= day))
            .map(|(id, _)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kernel::{EntityKind, NodeRef};
    use crate::domain::relationships::Installation;

    fn record(id: &str, version: i64, relation: RelationType, used: &str) -> Record<Relationship> {
        let node = |kind, key: &str| NodeRef {
            kind,
            id: EntityId::parse(key).unwrap(),
        };
        Record {
            id: EntityId::parse(id).unwrap(),
            version,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            data: Relationship {
                source: node(EntityKind::SoftwareProduct, "office"),
                target: node(EntityKind::Asset, "laptop"),
                relation,
                criticality: None,
                redundancy_group: None,
                min_up: None,
                allocation_percent: None,
                provenance: None,
                valid_from: None,
                valid_to: None,
                note: None,
                installation: Some(Installation {
                    version: None,
                    installed_on: None,
                    last_used: NaiveDate::parse_from_str(used, "%Y-%m-%d").ok(),
                }),
                ticket_role: None,
            },
        }
    }

    #[test]
    fn changes_apply_in_any_order_and_deletions_stick() {
        let mut installs = Installs::default();
        installs.put(&record("r1", 2, RelationType::InstalledOn, "2026-11-01"));
        // An older copy from the fill arrives late and changes nothing.
        installs.put(&record("r1", 1, RelationType::InstalledOn, "2026-01-01"));
        installs.put(&record("r2", 1, RelationType::DependsOn, "2026-01-01"));
        assert_eq!(installs.len(), 1);
        let held = installs.iter().next().unwrap();
        assert_eq!(held.last_used, NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(installs.id(held.product).as_str(), "office");
        installs.remove(&EntityId::parse("r1").unwrap());
        installs.put(&record("r1", 2, RelationType::InstalledOn, "2026-11-01"));
        assert!(installs.is_empty());
        installs.settle();
        installs.put(&record("r3", 1, RelationType::InstalledOn, "2026-11-01"));
        assert_eq!(installs.iter().count(), 1);
    }
}
