//! Software asset management over the register: licence compliance from entitlements,
//! installations, measured use and people, and the rules entitlements must meet across entities.

use std::collections::{HashMap, HashSet};

use futures_util::StreamExt;

use super::{Register, ServiceError};
use crate::domain::compliance::{
    self, Cover, DeviceFacts, Estate, GrantFacts, InstallFacts, Num, Options, Position,
    ProductFacts, UsageFacts,
};
use crate::domain::entitlement::Entitlement;
use crate::domain::entity::{Entity, EntityId, EntityKind, Record};
use crate::domain::party::Person;
use crate::domain::register::LifecycleStage;
use crate::domain::relation::RelationType;
use crate::domain::software::{SoftwareProduct, SoftwareUsage, compare_versions};
use crate::domain::validation::ErrorCode;
use crate::store::Store;

/// The licence position of one family under one metric, with the entitlements counted.
#[derive(Debug, Clone)]
pub struct FamilyPosition {
    pub family: String,
    pub position: Position,
    pub entitlements: Vec<EntityId>,
}

/// Every record of a kind, gathered from the store's batched scan.
pub(super) async fn all<E: Entity>(store: &Store) -> Result<Vec<Record<E>>, ServiceError> {
    let mut records = Vec::new();
    let mut batches = std::pin::pin!(store.scan_all::<E>());
    while let Some(batch) = batches.next().await {
        records.extend(batch?);
    }
    Ok(records)
}

/// Dense numbers for ids, in order of first sight.
struct Numbering<K> {
    numbers: HashMap<K, Num>,
}

impl<K: std::hash::Hash + Eq + Clone> Numbering<K> {
    fn new() -> Self {
        Numbering {
            numbers: HashMap::new(),
        }
    }

    fn number(&mut self, key: &K) -> (Num, bool) {
        let next = self.numbers.len() as Num;
        let mut fresh = false;
        let n = *self.numbers.entry(key.clone()).or_insert_with(|| {
            fresh = true;
            next
        });
        (n, fresh)
    }
}

impl Register {
    /// The licence position of every product family (or of `family` only) as of `options.as_of`.
    pub async fn license_compliance(
        &self,
        options: Options,
        family: Option<&str>,
    ) -> Result<Vec<FamilyPosition>, ServiceError> {
        let products = all::<SoftwareProduct>(&self.store).await?;
        let grants = all::<Entitlement>(&self.store).await?;
        let usage = all::<SoftwareUsage>(&self.store).await?;
        let people = all::<Person>(&self.store).await?;
        let installs = self.store.edges_of_type(RelationType::InstalledOn).await?;

        let mut estate = Estate::default();
        let mut families = Numbering::<String>::new();
        let mut family_names = Vec::new();
        // Version ranks within each family, oldest first.
        let mut by_family: HashMap<&str, Vec<&Record<SoftwareProduct>>> = HashMap::new();
        for p in &products {
            by_family.entry(p.data.family.as_str()).or_default().push(p);
        }
        let mut product_numbers: HashMap<&EntityId, Num> = HashMap::new();
        for (name, mut versions) in by_family {
            versions.sort_by(|a, b| {
                compare_versions(
                    a.data.product_version.as_deref(),
                    b.data.product_version.as_deref(),
                )
            });
            let (family_number, _) = families.number(&name.to_string());
            family_names.push((family_number, name.to_string()));
            let mut rank = 0;
            for (i, p) in versions.iter().enumerate() {
                if i > 0
                    && compare_versions(
                        versions[i - 1].data.product_version.as_deref(),
                        p.data.product_version.as_deref(),
                    )
                    .is_lt()
                {
                    rank += 1;
                }
                product_numbers.insert(&p.id, estate.products.len() as Num);
                estate.products.push(ProductFacts {
                    family: family_number,
                    rank,
                    needs_licence: p.data.needs_licence,
                });
            }
        }
        let mut people_numbers = Numbering::<EntityId>::new();
        for person in &people {
            if person.data.left_on.is_some_and(|d| d <= options.as_of) {
                let (n, _) = people_numbers.number(&person.id);
                estate.departed.insert(n);
            }
        }
        // Devices: what the ledger knows of every asset with an installation or an assignment.
        let mut device_numbers = Numbering::<EntityId>::new();
        let mut device_ids: Vec<EntityId> = Vec::new();
        let mut device_number = |id: &EntityId, ids: &mut Vec<EntityId>| {
            let (n, fresh) = device_numbers.number(id);
            if fresh {
                ids.push(id.clone());
            }
            n
        };
        for edge in &installs {
            let Some(&product) = product_numbers.get(&edge.source.id) else {
                continue;
            };
            let device = device_number(&edge.target.id, &mut device_ids);
            estate.installs.push(InstallFacts {
                product,
                device,
                last_used: edge.installation.as_ref().and_then(|i| i.last_used),
            });
        }
        for grant in &grants {
            let e = &grant.data;
            let ranks: Vec<(Num, u32)> = e
                .products
                .iter()
                .filter_map(|id| product_numbers.get(id))
                .map(|&n| {
                    (
                        estate.products[n as usize].family,
                        estate.products[n as usize].rank,
                    )
                })
                .collect();
            let Some(&(family, _)) = ranks.first() else {
                continue;
            };
            let ranks: Vec<u32> = ranks.into_iter().map(|(_, r)| r).collect();
            let cover = if e.downgrade_rights {
                Cover::UpTo(ranks.iter().copied().max().unwrap_or(0))
            } else {
                Cover::Exact(ranks)
            };
            estate.grants.push(GrantFacts {
                family,
                metric: e.metric,
                quantity: e.quantity,
                cover,
                start: e.term_start,
                end: e.term_end,
                unit_cost: e.unit_cost.clone(),
                people: e
                    .assigned_people
                    .iter()
                    .map(|p| people_numbers.number(p).0)
                    .collect(),
                devices: e
                    .assigned_devices
                    .iter()
                    .map(|d| device_number(d, &mut device_ids))
                    .collect(),
            });
        }
        let facts: Vec<DeviceFacts> = self
            .books
            .read(|ledger| {
                device_ids
                    .iter()
                    .map(|id| match ledger.device(id) {
                        Some(d) => DeviceFacts {
                            in_use: !matches!(
                                d.stage,
                                LifecycleStage::Retired | LifecycleStage::Disposed
                            ),
                            user: d.user.map(|u| people_numbers.number(u).0),
                            cores: d.cores,
                        },
                        None => DeviceFacts {
                            in_use: false,
                            user: None,
                            cores: 0,
                        },
                    })
                    .collect()
            })
            .await?;
        estate.devices = facts;
        for sample in &usage {
            if let Some(&product) = product_numbers.get(&sample.data.product) {
                estate.usage.push(UsageFacts {
                    product,
                    day: sample.data.measured_at.date_naive(),
                    concurrent: sample.data.concurrent_users,
                });
            }
        }

        let names: HashMap<Num, String> = family_names.into_iter().collect();
        let mut positions: Vec<FamilyPosition> = compliance::positions(&estate, &options)
            .into_iter()
            .map(|position| {
                let name = names.get(&position.family).cloned().unwrap_or_default();
                let entitlements = grants
                    .iter()
                    .filter(|g| {
                        g.data.metric == position.metric
                            && g.data.products.iter().any(|p| {
                                product_numbers.get(p).is_some_and(|&n| {
                                    estate.products[n as usize].family == position.family
                                })
                            })
                    })
                    .map(|g| g.id.clone())
                    .collect();
                FamilyPosition {
                    family: name,
                    position,
                    entitlements,
                }
            })
            .filter(|p| family.is_none_or(|f| p.family == f))
            .collect();
        positions.sort_by(|a, b| {
            (a.family.as_str(), a.position.metric).cmp(&(b.family.as_str(), b.position.metric))
        });
        Ok(positions)
    }

    /// An entitlement covers versions of one product family, so that compliance can count it.
    pub(super) async fn check_entitlement<E: Entity>(
        &self,
        record: &Record<E>,
    ) -> Result<(), ServiceError> {
        if E::KIND != EntityKind::Entitlement {
            return Ok(());
        }
        let entitlement: Entitlement = serde_json::from_value(super::to_json(&record.data)?)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let products = self
            .store
            .get_many::<SoftwareProduct>(&entitlement.products)
            .await?;
        if let Some(missing) = entitlement
            .products
            .iter()
            .find(|id| !products.iter().any(|p| &p.id == *id))
        {
            return Err(ServiceError::invalid(
                "products",
                ErrorCode::NotFound,
                format!("no software product {missing}"),
            ));
        }
        let families: HashSet<&str> = products.iter().map(|p| p.data.family.as_str()).collect();
        if families.len() > 1 {
            return Err(ServiceError::invalid(
                "products",
                ErrorCode::NotAllowed,
                "an entitlement covers versions of one product family; record a bundle as one entitlement per family",
            ));
        }
        Ok(())
    }
}
