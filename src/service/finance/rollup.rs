//! Cost roll-ups: what an asset really costs, its own total cost of ownership plus its share of
//! everything it relies on, along the relationship index in topological order.

use crate::domain::finance::cost as finance;
use crate::domain::finance::{Amounts, CostEdge, Rollup};
use crate::domain::kernel::{EntityId, EntityKind, NodeRef};
use crate::domain::lifecycle::Maintenance;
use crate::domain::register::Asset;
use crate::graph::RelationMask;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value as Json;
use std::collections::HashMap;

/// A cost roll-up, by asset.
#[derive(Debug, Clone, Default)]
pub struct CostRollup {
    pub rollup: Rollup,
    /// The asset of each share's node.
    pub assets: Vec<EntityId>,
}

/// A fraction as shown to clients: a plain decimal, at most 6 places.
pub fn fraction_text(fraction: Decimal) -> String {
    fraction.round_dp(6).normalize().to_string()
}

impl Register {
    /// What an asset really costs as of `as_of`: its own total cost of ownership plus its share
    /// of everything it depends on, recursively (shares from `allocationPercent`, else an equal
    /// split among everything that relies on the same asset).
    pub async fn cost_rollup(
        &self,
        asset: &EntityId,
        as_of: NaiveDate,
    ) -> Result<CostRollup, ServiceError> {
        let carries = RelationMask::failure_carrying();
        let root = NodeRef::asset(asset);
        // What the asset relies on, and how many rely on each of those, from the index.
        let walked = {
            let index = self.graph.read();
            index.number(&root).map(|start| {
                let reached = index.upstream(&[start], carries, None);
                let mut nodes = vec![root.clone()];
                let mut dependants = vec![0];
                for r in reached {
                    let Some(key) = index.key(r.node) else {
                        continue;
                    };
                    if key.kind != EntityKind::Asset {
                        continue;
                    }
                    nodes.push(key.clone());
                    dependants.push(
                        index
                            .incoming(r.node)
                            .iter()
                            .filter(|(_, p)| carries.contains(*p))
                            .count(),
                    );
                }
                (nodes, dependants)
            })
        };
        let Some((nodes, dependants)) = walked else {
            return self.own_cost_only(asset, as_of).await;
        };
        let ids: Vec<EntityId> = nodes.iter().map(|n| n.id.clone()).collect();
        let position: HashMap<&EntityId, usize> =
            ids.iter().enumerate().map(|(i, id)| (id, i)).collect();
        let edges: Vec<CostEdge> = self
            .store
            .relationships_leaving(&nodes)
            .await?
            .into_iter()
            .filter(|r| r.data.relation.carries_failure())
            .filter_map(|r| {
                Some(CostEdge {
                    from: *position.get(&r.data.source.id)?,
                    to: *position.get(&r.data.target.id)?,
                    allocation_percent: r.data.allocation_percent,
                })
            })
            .collect();
        let costs = self.ownership_costs(&ids, as_of).await?;
        Ok(CostRollup {
            rollup: finance::rollup(&costs, &dependants, &edges),
            assets: ids,
        })
    }

    /// A roll-up of an asset no relationship touches: its own cost.
    async fn own_cost_only(
        &self,
        asset: &EntityId,
        as_of: NaiveDate,
    ) -> Result<CostRollup, ServiceError> {
        let ids = vec![asset.clone()];
        let costs = self.ownership_costs(&ids, as_of).await?;
        Ok(CostRollup {
            rollup: finance::rollup(&costs, &[0], &[]),
            assets: ids,
        })
    }

    /// The total cost of ownership of each asset, in the order given.
    async fn ownership_costs(
        &self,
        ids: &[EntityId],
        as_of: NaiveDate,
    ) -> Result<Vec<Amounts>, ServiceError> {
        let assets: HashMap<EntityId, Asset> = self
            .store
            .get_many::<Asset>(ids)
            .await?
            .into_iter()
            .map(|r| (r.id, r.data))
            .collect();
        let keys = ids.iter().map(|id| Json::from(id.as_str())).collect();
        let mut maintenance: HashMap<EntityId, Vec<Maintenance>> = HashMap::new();
        for record in self.store.find_by::<Maintenance>("asset", keys).await? {
            maintenance
                .entry(record.data.asset.clone())
                .or_default()
                .push(record.data);
        }
        let shares = self.agreement_shares(ids, as_of).await?;
        Ok(ids
            .iter()
            .map(|id| match assets.get(id) {
                Some(asset) => {
                    let records = maintenance.get(id).map_or(&[][..], Vec::as_slice);
                    let shares = shares.get(id).map_or(&[][..], Vec::as_slice);
                    finance::ownership(asset, records, shares, as_of).total
                }
                None => Amounts::default(),
            })
            .collect())
    }
}
