//! Money views of the register: amounts kept apart per currency, an asset's total cost of
//! ownership, and a service's cost rolled up along what it depends on.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::kernel::{Currency, Money};
use crate::domain::lifecycle::Maintenance;
use crate::domain::register::Asset;

/// Sums per currency: different currencies are never added together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amounts(BTreeMap<&'static str, (Currency, Decimal)>);

impl Amounts {
    pub fn add(&mut self, money: &Money) {
        self.add_amount(money.currency, money.amount);
    }

    pub fn add_amount(&mut self, currency: Currency, amount: Decimal) {
        self.0
            .entry(currency.code())
            .or_insert((currency, Decimal::ZERO))
            .1 += amount;
    }

    pub fn add_all(&mut self, other: &Amounts) {
        for (currency, amount) in other.0.values() {
            self.add_amount(*currency, *amount);
        }
    }

    /// Every amount multiplied by `factor`, rounded to each currency's minor unit.
    pub fn scaled(&self, factor: Decimal) -> Amounts {
        Amounts(
            self.0
                .iter()
                .map(|(code, (currency, amount))| {
                    let scaled = (amount * factor).round_dp(currency.minor_units());
                    (*code, (*currency, scaled))
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One amount per currency, in currency-code order.
    pub fn to_money(&self) -> Vec<Money> {
        self.0
            .values()
            .map(|(currency, amount)| Money {
                amount: *amount,
                currency: *currency,
            })
            .collect()
    }
}

/// What an asset has cost so far: what was paid for it, for its maintenance, and its share of
/// the contracts covering it and the licences and subscriptions licensing it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ownership {
    pub purchase: Option<Money>,
    pub maintenance: Amounts,
    /// How many maintenance records the total includes.
    pub maintenance_records: usize,
    pub contracts: Amounts,
    pub licences: Amounts,
    pub total: Amounts,
}

/// Whether an agreement is a contract or a licence (entitlement or subscription).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementKind {
    Contract,
    Licence,
}

/// The part of an agreement's cost one asset carries: what the agreement has cost by the day,
/// and the asset's fraction of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementShare {
    pub kind: AgreementKind,
    pub accrued: Money,
    pub fraction: Decimal,
}

/// The total cost of ownership of `asset` up to and including `as_of`: its purchase (if bought
/// by then) and the maintenance done by then.
pub fn ownership(
    asset: &Asset,
    maintenance: &[Maintenance],
    shares: &[AgreementShare],
    as_of: NaiveDate,
) -> Ownership {
    let mut result = Ownership::default();
    if let Some(purchase) = &asset.purchase
        && let Some(cost) = &purchase.cost
        && purchase.date.is_none_or(|date| date <= as_of)
    {
        result.purchase = Some(cost.clone());
        result.total.add(cost);
    }
    for record in maintenance.iter().filter(|m| m.date <= as_of) {
        if let Some(cost) = &record.cost {
            result.maintenance.add(cost);
            result.total.add(cost);
        }
        result.maintenance_records += 1;
    }
    for share in shares {
        let mut part = Amounts::default();
        part.add(&share.accrued);
        let part = part.scaled(share.fraction);
        let bucket = match share.kind {
            AgreementKind::Contract => &mut result.contracts,
            AgreementKind::Licence => &mut result.licences,
        };
        bucket.add_all(&part);
        result.total.add_all(&part);
    }
    result
}

/// A dependency edge of a cost roll-up, between positions in the node list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostEdge {
    /// The dependant, which carries part of the target's cost.
    pub from: usize,
    pub to: usize,
    /// The share of the target's cost the dependant carries, in percent; when unset, the target's
    /// cost is split equally among everything that relies on it.
    pub allocation_percent: Option<Decimal>,
}

/// What one node carries into a roll-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub node: usize,
    /// Fewest hops from the root.
    pub depth: u32,
    /// The fraction of the node's own cost attributed to the root.
    pub fraction: Decimal,
    pub amount: Amounts,
}

/// A roll-up: the root's own cost plus its shares of everything it relies on, recursively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollup {
    pub shares: Vec<Share>,
    pub total: Amounts,
    /// Edges left out because they lead back into the chain that reached them.
    pub cycle_edges: Vec<(usize, usize)>,
}

/// Rolls costs up to node 0. `costs[n]` is node n's own cost; `dependants[n]` how many rely on n
/// in the whole register (the divisor of an equal split). A node reached along several chains
/// carries the sum of their fractions; an edge closing a cycle is left out and reported.
pub fn rollup(costs: &[Amounts], dependants: &[usize], edges: &[CostEdge]) -> Rollup {
    let n = costs.len();
    if n == 0 {
        return Rollup::default();
    }
    let mut out: Vec<Vec<&CostEdge>> = vec![Vec::new(); n];
    for edge in edges {
        out[edge.from].push(edge);
    }
    // Depth-first from the root: edges into a node still on the stack close a cycle; the rest
    // give a topological order (reverse post-order) of what the root reaches.
    let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
    let mut post = Vec::with_capacity(n);
    let mut cycle_edges = Vec::new();
    let mut kept: Vec<Vec<&CostEdge>> = vec![Vec::new(); n];
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    state[0] = 1;
    while let Some(&mut (node, ref mut next)) = stack.last_mut() {
        if let Some(edge) = out[node].get(*next) {
            *next += 1;
            match state[edge.to] {
                1 => cycle_edges.push((edge.from, edge.to)),
                2 => kept[node].push(edge),
                _ => {
                    kept[node].push(edge);
                    state[edge.to] = 1;
                    stack.push((edge.to, 0));
                }
            }
        } else {
            state[node] = 2;
            post.push(node);
            stack.pop();
        }
    }
    let mut fraction = vec![Decimal::ZERO; n];
    let mut depth = vec![u32::MAX; n];
    fraction[0] = Decimal::ONE;
    depth[0] = 0;
    for &node in post.iter().rev() {
        for edge in &kept[node] {
            let part = match edge.allocation_percent {
                Some(percent) => percent / Decimal::ONE_HUNDRED,
                None => Decimal::ONE / Decimal::from(dependants[edge.to].max(1)),
            };
            let carried = fraction[node] * part;
            fraction[edge.to] += carried;
            depth[edge.to] = depth[edge.to].min(depth[node].saturating_add(1));
        }
    }
    let mut total = Amounts::default();
    let mut shares: Vec<Share> = post
        .iter()
        .rev()
        .map(|&node| {
            let amount = costs[node].scaled(fraction[node]);
            total.add_all(&amount);
            Share {
                node,
                depth: depth[node],
                fraction: fraction[node],
                amount,
            }
        })
        .collect();
    shares.sort_by_key(|s| (s.depth, s.node));
    Rollup {
        shares,
        total,
        cycle_edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn eur(amount: &str) -> Amounts {
        let mut a = Amounts::default();
        a.add(&Money {
            amount: Decimal::from_str(amount).unwrap(),
            currency: Currency::parse("EUR").unwrap(),
        });
        a
    }

    fn edge(from: usize, to: usize, percent: Option<&str>) -> CostEdge {
        CostEdge {
            from,
            to,
            allocation_percent: percent.map(|p| Decimal::from_str(p).unwrap()),
        }
    }

    fn total(r: &Rollup) -> String {
        r.total.to_money()[0].amount.normalize().to_string()
    }

    #[test]
    fn shared_infrastructure_is_charged_by_allocation_or_equal_split() {
        // 0 = e-mail service (own cost 100) → 1 = mail app (1000) → 2 = cluster (10000, used by 4)
        // → 3 = SAN (50000, 40% to this cluster).
        let costs = [eur("100"), eur("1000"), eur("10000"), eur("50000")];
        let dependants = [0, 1, 4, 3];
        let edges = [edge(0, 1, None), edge(1, 2, None), edge(2, 3, Some("40"))];
        let r = rollup(&costs, &dependants, &edges);
        // 100 + 1000 + 10000/4 + 50000 × 40% / 4 = 100 + 1000 + 2500 + 5000
        assert_eq!(total(&r), "8600");
        let fractions: Vec<String> = r
            .shares
            .iter()
            .map(|s| s.fraction.normalize().to_string())
            .collect();
        assert_eq!(fractions, ["1", "1", "0.25", "0.1"]);
        assert!(r.cycle_edges.is_empty());
    }

    #[test]
    fn diamonds_add_up_and_cycles_are_cut() {
        // 0 → 1, 0 → 2, both → 3 at 50%; 3 → 1 closes a cycle.
        let costs = [eur("0"), eur("10"), eur("20"), eur("1000")];
        let edges = [
            edge(0, 1, Some("100")),
            edge(0, 2, Some("100")),
            edge(1, 3, Some("50")),
            edge(2, 3, Some("50")),
            edge(3, 1, Some("100")),
        ];
        let r = rollup(&costs, &[0, 2, 1, 2], &edges);
        assert_eq!(total(&r), "1030");
        assert_eq!(r.cycle_edges, [(3, 1)]);
        assert_eq!(
            r.shares.iter().map(|s| s.depth).collect::<Vec<_>>(),
            [0, 1, 1, 2]
        );
    }

    #[test]
    fn currencies_stay_apart() {
        let mut costs = vec![eur("10"), eur("5")];
        costs[1].add(&Money {
            amount: Decimal::from(7),
            currency: Currency::parse("USD").unwrap(),
        });
        let r = rollup(&costs, &[0, 1], &[edge(0, 1, None)]);
        let money: Vec<String> = r
            .total
            .to_money()
            .iter()
            .map(|m| format!("{} {}", m.amount.normalize(), m.currency.code()))
            .collect();
        assert_eq!(money, ["15 EUR", "7 USD"]);
    }
}
