//! Depreciation, cost of ownership, roll-ups, summaries and watch lists over GraphQL.

mod summary;

pub(crate) use summary::{
    CostRollup, DepreciationPeriod, DepreciationProfile, FinanceQueries, TotalCostOfOwnership,
    cost_rollup, depreciation_of, profile_node, schedule_nodes, total_cost_of_ownership, within,
};
