//! Contracts, subscriptions and the software estate's watch lists: renewals, seat use, assets
//! without support, installations past end of support, and the same software bought twice.

use crate::domain::kernel::calendar;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;

use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use rust_decimal::Decimal;

use crate::domain::finance::{AgreementKind, AgreementShare};
use crate::domain::kernel::{EntityId, EntityKind, NodeRef, Record};
use crate::domain::relationships::RelationType;
use crate::domain::software::Entitlement;
use crate::domain::software::Renewal;
use crate::domain::software::SoftwareProduct;
use crate::domain::software::renewal;
use crate::domain::software::{Contract, ContractKind};
use crate::domain::software::{Subscription, Utilization};

/// An installation of a product past its end of support.
#[derive(Debug, Clone)]
pub struct Unsupported {
    pub product: Record<SoftwareProduct>,
    pub device: EntityId,
    pub end_of_support: NaiveDate,
}

/// One product family bought under several contracts or by several teams.
#[derive(Debug, Clone)]
pub struct Duplicate {
    pub family: String,
    pub entitlements: Vec<EntityId>,
    pub contracts: Vec<EntityId>,
    pub teams: Vec<EntityId>,
}

impl Register {
    /// Entitlements, subscriptions and contracts ending or renewing from `today` to
    /// `within_days` later, soonest first.
    pub async fn upcoming_renewals(
        &self,
        today: NaiveDate,
        within_days: u32,
    ) -> Result<Vec<Renewal>, ServiceError> {
        let until = calendar::shift_days("withinDays", today, within_days.into())?;
        let mut renewals: Vec<Renewal> = Vec::new();
        for e in self.store.all_of::<Entitlement>().await? {
            renewals.extend(renewal::of_entitlement(&e, today, until));
        }
        for s in self.store.all_of::<Subscription>().await? {
            renewals.extend(renewal::of_subscription(&s, today, until));
        }
        for c in self.store.all_of::<Contract>().await? {
            renewals.extend(renewal::of_contract(&c, today, until));
        }
        renewals.sort_by(|a, b| (a.date, &a.name).cmp(&(b.date, &b.name)));
        Ok(renewals)
    }

    /// Every subscription with how its seats are used as of `today`.
    pub async fn subscription_utilization(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<(Record<Subscription>, Utilization)>, ServiceError> {
        let departed: HashSet<EntityId> = self
            .books
            .read_with_installs(|_, installs| installs.left_by(today).cloned().collect())
            .await?;
        let mut subscriptions = self.store.all_of::<Subscription>().await?;
        subscriptions.sort_by(|a, b| a.data.name.cmp(&b.data.name));
        Ok(subscriptions
            .into_iter()
            .map(|s| {
                let use_ = s.data.utilization(today, &departed);
                (s, use_)
            })
            .collect())
    }

    /// Deployed assets with neither a warranty nor a support or warranty contract in force.
    pub async fn uncovered_assets(&self, today: NaiveDate) -> Result<Vec<EntityId>, ServiceError> {
        let in_force: HashSet<EntityId> = self
            .store
            .all_of::<Contract>()
            .await?
            .into_iter()
            .filter(|c| {
                matches!(c.data.kind, ContractKind::Support | ContractKind::Warranty)
                    && c.data.in_force(today)
            })
            .map(|c| c.id)
            .collect();
        // What those contracts cover, from the relationship index.
        let covered: HashSet<EntityId> = {
            let index = self.graph.read();
            in_force
                .into_iter()
                .filter_map(|id| {
                    index.number(&NodeRef {
                        kind: EntityKind::Contract,
                        id,
                    })
                })
                .flat_map(|contract| index.incoming(contract))
                .filter(|(_, packed)| packed.relation() == RelationType::CoveredBy)
                .filter_map(|(source, _)| index.key(*source))
                .filter(|source| source.kind == EntityKind::Asset)
                .map(|source| source.id.clone())
                .collect()
        };
        self.books
            .read(|ledger| ledger.deployed_uncovered(today, &covered))
            .await
    }

    /// Installations of products whose support ended before `today`, longest unsupported first.
    pub async fn unsupported_software(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<Unsupported>, ServiceError> {
        let products: HashMap<EntityId, Record<SoftwareProduct>> = self
            .store
            .all_of::<SoftwareProduct>()
            .await?
            .into_iter()
            .filter(|p| p.data.end_of_support.is_some_and(|d| d < today))
            .map(|p| (p.id.clone(), p))
            .collect();
        if products.is_empty() {
            return Ok(Vec::new());
        }
        let mut found: Vec<Unsupported> = self
            .books
            .read_with_installs(|_, installs| {
                installs
                    .iter()
                    .filter_map(|install| {
                        let product = products.get(installs.id(install.product))?;
                        Some(Unsupported {
                            end_of_support: product.data.end_of_support?,
                            product: product.clone(),
                            device: installs.id(install.device).clone(),
                        })
                    })
                    .collect()
            })
            .await?;
        found.sort_by(|a, b| {
            (a.end_of_support, &a.product.data.name, &a.device).cmp(&(
                b.end_of_support,
                &b.product.data.name,
                &b.device,
            ))
        });
        Ok(found)
    }

    /// Product families entitled, in force on `today`, under more than one contract or by more
    /// than one team.
    pub async fn duplicate_purchases(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<Duplicate>, ServiceError> {
        let families: HashMap<EntityId, String> = self
            .store
            .all_of::<SoftwareProduct>()
            .await?
            .into_iter()
            .map(|p| (p.id, p.data.family))
            .collect();
        let mut by_family: BTreeMap<String, Vec<Record<Entitlement>>> = BTreeMap::new();
        for e in self.store.all_of::<Entitlement>().await? {
            if !e.data.in_force(today) {
                continue;
            }
            if let Some(family) = e.data.products.first().and_then(|p| families.get(p)) {
                by_family.entry(family.clone()).or_default().push(e);
            }
        }
        Ok(by_family
            .into_iter()
            .filter_map(|(family, entitlements)| {
                let contracts: BTreeSet<EntityId> = entitlements
                    .iter()
                    .filter_map(|e| e.data.contract.clone())
                    .collect();
                let teams: BTreeSet<EntityId> = entitlements
                    .iter()
                    .filter_map(|e| e.data.team.clone())
                    .collect();
                (contracts.len() > 1 || teams.len() > 1).then(|| Duplicate {
                    family,
                    entitlements: entitlements.into_iter().map(|e| e.id).collect(),
                    contracts: contracts.into_iter().collect(),
                    teams: teams.into_iter().collect(),
                })
            })
            .collect())
    }
}

impl Register {
    /// Each asset's share of the contracts covering it (COVERED_BY) and of the entitlements and
    /// subscriptions licensing it (LICENSED_BY), as they have cost by `as_of`: the edge's
    /// `allocationPercent`, else an equal split among every asset so related to the agreement.
    pub async fn agreement_shares(
        &self,
        assets: &[EntityId],
        as_of: NaiveDate,
    ) -> Result<HashMap<EntityId, Vec<AgreementShare>>, ServiceError> {
        let sources: Vec<NodeRef> = assets.iter().map(NodeRef::asset).collect();
        let edges: Vec<_> = self
            .store
            .relationships_leaving(&sources)
            .await?
            .into_iter()
            .filter(|r| {
                matches!(
                    r.data.relation,
                    RelationType::CoveredBy | RelationType::LicensedBy
                )
            })
            .collect();
        if edges.is_empty() {
            return Ok(HashMap::new());
        }
        let targets = |kind: EntityKind| -> Vec<EntityId> {
            edges
                .iter()
                .filter(|e| e.data.target.kind == kind)
                .map(|e| e.data.target.id.clone())
                .collect()
        };
        let mut accrued: HashMap<NodeRef, (AgreementKind, crate::domain::kernel::Money)> =
            HashMap::new();
        let key = |kind, id: &EntityId| NodeRef {
            kind,
            id: id.clone(),
        };
        for c in self
            .store
            .get_many::<Contract>(&targets(EntityKind::Contract))
            .await?
        {
            if let Some(cost) = c.data.accrued(as_of) {
                accrued.insert(
                    key(EntityKind::Contract, &c.id),
                    (AgreementKind::Contract, cost),
                );
            }
        }
        for e in self
            .store
            .get_many::<Entitlement>(&targets(EntityKind::Entitlement))
            .await?
        {
            if let Some(cost) = e.data.accrued(as_of) {
                accrued.insert(
                    key(EntityKind::Entitlement, &e.id),
                    (AgreementKind::Licence, cost),
                );
            }
        }
        for s in self
            .store
            .get_many::<Subscription>(&targets(EntityKind::Subscription))
            .await?
        {
            accrued.insert(
                key(EntityKind::Subscription, &s.id),
                (AgreementKind::Licence, s.data.accrued(as_of)),
            );
        }
        let index = self.graph.read();
        let sharers = |target: &NodeRef, relation: RelationType| -> usize {
            index.number(target).map_or(1, |n| {
                index
                    .incoming(n)
                    .iter()
                    .filter(|(_, packed)| packed.relation() == relation)
                    .count()
                    .max(1)
            })
        };
        let mut shares: HashMap<EntityId, Vec<AgreementShare>> = HashMap::new();
        for edge in &edges {
            let Some((kind, cost)) = accrued.get(&edge.data.target) else {
                continue;
            };
            let fraction = match edge.data.allocation_percent {
                Some(percent) => percent / Decimal::ONE_HUNDRED,
                None => {
                    Decimal::ONE / Decimal::from(sharers(&edge.data.target, edge.data.relation))
                }
            };
            shares
                .entry(edge.data.source.id.clone())
                .or_default()
                .push(AgreementShare {
                    kind: *kind,
                    accrued: cost.clone(),
                    fraction,
                });
        }
        Ok(shares)
    }
}
