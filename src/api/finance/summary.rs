//! Money over GraphQL: depreciation and book values of an asset, its total cost of ownership,
//! cost roll-ups, the finance summary, and the warranty, support and replacement watch lists.

use crate::api::graphql::Date;
use crate::api::graphql::paged_object;
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::api::graphql::Conn;
use crate::api::graphql::one;
pub(crate) use crate::api::graphql::page_of;
use crate::api::graphql::{AssetClass, Category, DepreciationConvention, DepreciationMethod};
use crate::api::graphql::{AssetNode, LocationNode, MoneyNode, TeamNode, VendorNode};
use crate::api::graphql::{bad_input, coded};
use crate::api::graphql::{fail, register};
use crate::api::lifecycle::maintenance_of;
use crate::domain::depreciation::Depreciation;
use crate::domain::depreciation::{ModelDefaults, Profile};
use crate::domain::finance::Amounts;
use crate::domain::finance::cost as finance;
use crate::domain::finance::ledger;
use crate::domain::finance::{GroupBy, GroupKey, Reason};
use crate::domain::kernel::PageRequest;
use crate::domain::kernel::{Currency, Money};
use crate::domain::kernel::{EntityId, Record};
use crate::domain::register::Asset;
use crate::domain::register::Location;
use crate::domain::register::Team;
use crate::domain::register::{Model, Vendor};
use crate::service::finance::Dated;
use crate::service::finance::fraction_text;

fn money(amount: Decimal, currency: Currency) -> MoneyNode {
    MoneyNode::from(&Money { amount, currency })
}

fn monies(amounts: &Amounts) -> Vec<MoneyNode> {
    amounts.to_money().iter().map(MoneyNode::from).collect()
}

pub(crate) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// How an asset depreciates: its own settings over its model's over its class's.
#[derive(SimpleObject)]
pub struct DepreciationProfile {
    pub method: DepreciationMethod,
    /// Declining balance: the multiple of the straight-line rate.
    pub factor: String,
    pub switch_to_straight_line: bool,
    pub useful_life_months: u32,
    pub salvage: MoneyNode,
    pub in_service_date: Date,
    pub convention: DepreciationConvention,
    pub fiscal_year_start_month: u32,
}

/// One fiscal year of a depreciation schedule.
#[derive(SimpleObject)]
pub struct DepreciationPeriod {
    /// The calendar year in which the fiscal year ends.
    pub fiscal_year: i32,
    pub start: Date,
    pub end: Date,
    pub opening: MoneyNode,
    pub depreciation: MoneyNode,
    pub closing: MoneyNode,
}

/// What an asset has cost so far.
#[derive(SimpleObject)]
pub struct TotalCostOfOwnership {
    pub purchase: Option<MoneyNode>,
    /// Maintenance costs, per currency.
    pub maintenance: Vec<MoneyNode>,
    pub maintenance_records: usize,
    /// Its share of the contracts covering it (COVERED_BY), per currency.
    pub contracts: Vec<MoneyNode>,
    /// Its share of the entitlements and subscriptions licensing it (LICENSED_BY), per currency.
    pub licences: Vec<MoneyNode>,
    /// Everything, per currency.
    pub total: Vec<MoneyNode>,
}

/// The depreciation of an asset's cost, with the profile it follows; `None` when it has no cost
/// or no in-service date.
pub async fn depreciation_of(
    ctx: &Context<'_>,
    asset: &Record<Asset>,
) -> Result<Option<(Profile, Depreciation, Currency)>> {
    let Some(cost) = asset.data.purchase.as_ref().and_then(|p| p.cost.as_ref()) else {
        return Ok(None);
    };
    let model = one::<Model>(ctx, asset.data.model.as_ref())
        .await?
        .map_or(ModelDefaults::default(), |m| m.data.depreciation_defaults());
    let fiscal = register(ctx)?.fiscal_year_start();
    match asset.data.depreciate(model, fiscal) {
        None => Ok(None),
        Some(Ok((profile, dep))) => Ok(Some((profile, dep, cost.currency))),
        Some(Err(e)) => Err(coded(
            "INVALID_SETTINGS",
            format!("this asset's depreciation settings do not fit: {e}"),
        )),
    }
}

pub fn profile_node(profile: &Profile, currency: Currency) -> DepreciationProfile {
    DepreciationProfile {
        method: profile.method.into(),
        factor: profile.factor.normalize().to_string(),
        switch_to_straight_line: profile.switch_to_straight_line,
        useful_life_months: profile.useful_life_months,
        salvage: money(profile.salvage, currency),
        in_service_date: Date(profile.in_service),
        convention: profile.convention.into(),
        fiscal_year_start_month: profile.fiscal_year_start_month,
    }
}

pub fn schedule_nodes(dep: &Depreciation, currency: Currency) -> Vec<DepreciationPeriod> {
    dep.schedule()
        .into_iter()
        .map(|p| DepreciationPeriod {
            fiscal_year: p.fiscal_year,
            start: Date(p.start),
            end: Date(p.end),
            opening: money(p.opening, currency),
            depreciation: money(p.depreciation, currency),
            closing: money(p.closing, currency),
        })
        .collect()
}

pub async fn total_cost_of_ownership(
    ctx: &Context<'_>,
    asset: &Record<Asset>,
    as_of: Option<Date>,
) -> Result<TotalCostOfOwnership> {
    let records: Vec<_> = maintenance_of(ctx, &asset.id)
        .await?
        .into_iter()
        .map(|r| r.data)
        .collect();
    let as_of = Date::or_today(as_of);
    let shares = register(ctx)?
        .agreement_shares(std::slice::from_ref(&asset.id), as_of)
        .await
        .map_err(|e| fail(ctx, e))?
        .remove(&asset.id)
        .unwrap_or_default();
    let tco = finance::ownership(&asset.data, &records, &shares, as_of);
    Ok(TotalCostOfOwnership {
        purchase: tco.purchase.as_ref().map(MoneyNode::from),
        maintenance: monies(&tco.maintenance),
        maintenance_records: tco.maintenance_records,
        contracts: monies(&tco.contracts),
        licences: monies(&tco.licences),
        total: monies(&tco.total),
    })
}

/// One asset's part in a cost roll-up.
pub struct CostShare {
    asset: EntityId,
    depth: u32,
    fraction: Decimal,
    amount: Amounts,
}

#[Object]
impl CostShare {
    async fn asset(&self, ctx: &Context<'_>) -> Result<Option<AssetNode>> {
        Ok(one::<Asset>(ctx, Some(&self.asset)).await?.map(AssetNode))
    }
    /// Fewest hops from the asset rolled up.
    async fn depth(&self) -> u32 {
        self.depth
    }
    /// The fraction of this asset's cost carried, as a decimal (1 for the asset itself).
    async fn share(&self) -> String {
        fraction_text(self.fraction)
    }
    /// That share of its total cost of ownership, per currency.
    async fn amount(&self) -> Vec<MoneyNode> {
        monies(&self.amount)
    }
}

/// An edge left out of a roll-up because it leads back into the chain that reached it.
pub struct CutEdge {
    from: EntityId,
    to: EntityId,
}

#[Object]
impl CutEdge {
    async fn from(&self, ctx: &Context<'_>) -> Result<Option<AssetNode>> {
        Ok(one::<Asset>(ctx, Some(&self.from)).await?.map(AssetNode))
    }
    async fn to(&self, ctx: &Context<'_>) -> Result<Option<AssetNode>> {
        Ok(one::<Asset>(ctx, Some(&self.to)).await?.map(AssetNode))
    }
}

/// What an asset really costs: its own total cost of ownership and its shares of everything it
/// depends on.
#[derive(SimpleObject)]
pub struct CostRollup {
    /// Per currency.
    pub total: Vec<MoneyNode>,
    /// The asset itself first, then what it relies on, nearest first.
    pub breakdown: Vec<CostShare>,
    /// Dependency cycles met: the edges left out so nothing is counted twice.
    pub cut_edges: Vec<CutEdge>,
}

pub async fn cost_rollup(
    ctx: &Context<'_>,
    asset: &EntityId,
    as_of: Option<Date>,
) -> Result<CostRollup> {
    let result = register(ctx)?
        .cost_rollup(asset, Date::or_today(as_of))
        .await
        .map_err(|e| fail(ctx, e))?;
    let id = |n: usize| result.assets[n].clone();
    Ok(CostRollup {
        total: monies(&result.rollup.total),
        breakdown: result
            .rollup
            .shares
            .iter()
            .map(|s| CostShare {
                asset: id(s.node),
                depth: s.depth,
                fraction: s.fraction,
                amount: s.amount.clone(),
            })
            .collect(),
        cut_edges: result
            .rollup
            .cycle_edges
            .iter()
            .map(|&(from, to)| CutEdge {
                from: id(from),
                to: id(to),
            })
            .collect(),
    })
}

/// What a finance summary groups by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "GroupBy")]
pub enum FinanceGroupBy {
    /// The owning team (assets owned by a person, or by no one, form one group).
    Team,
    /// The asset's own location.
    Location,
    Class,
    Category,
    Vendor,
}

/// Totals of one currency within a summary group.
#[derive(SimpleObject)]
pub struct CurrencyTotals {
    pub currency: String,
    /// Assets with a purchase cost in this currency.
    pub assets: usize,
    pub purchase_cost: MoneyNode,
    pub accumulated_depreciation: MoneyNode,
    pub book_value: MoneyNode,
}

/// One group of a finance summary; the field matching `groupBy` is set.
pub struct FinanceGroup(ledger::Group);

#[Object]
impl FinanceGroup {
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<TeamNode>> {
        Ok(one::<Team>(ctx, self.entity()).await?.map(TeamNode))
    }
    async fn location(&self, ctx: &Context<'_>) -> Result<Option<LocationNode>> {
        Ok(one::<Location>(ctx, self.entity()).await?.map(LocationNode))
    }
    async fn vendor(&self, ctx: &Context<'_>) -> Result<Option<VendorNode>> {
        Ok(one::<Vendor>(ctx, self.entity()).await?.map(VendorNode))
    }
    async fn class(&self) -> Option<AssetClass> {
        match self.0.key {
            GroupKey::Class(c) => Some(c.into()),
            _ => None,
        }
    }
    async fn category(&self) -> Option<Category> {
        match self.0.key {
            GroupKey::Category(c) => Some(c.into()),
            _ => None,
        }
    }
    /// Assets in the group (disposed ones and ones bought after `asOf` left out).
    async fn count(&self) -> usize {
        self.0.count
    }
    /// One entry per currency: amounts in different currencies are never added together.
    async fn currencies(&self) -> Vec<CurrencyTotals> {
        self.0
            .currencies
            .iter()
            .map(|(code, t)| {
                let currency = Currency::parse(code).expect("codes come from currencies");
                CurrencyTotals {
                    currency: code.to_string(),
                    assets: t.assets,
                    purchase_cost: money(t.purchase_cost, currency),
                    accumulated_depreciation: money(t.accumulated_depreciation, currency),
                    book_value: money(t.book_value, currency),
                }
            })
            .collect()
    }
}

impl FinanceGroup {
    fn entity(&self) -> Option<&EntityId> {
        match &self.0.key {
            GroupKey::Entity(id) => id.as_ref(),
            _ => None,
        }
    }
}

/// An asset on a watch list, with the date that put it there.
pub struct DueAsset {
    asset: Record<Asset>,
    date: Date,
}

#[Object]
impl DueAsset {
    async fn asset(&self) -> AssetNode {
        AssetNode(self.asset.clone())
    }
    /// When its warranty or support ends (or ended).
    async fn date(&self) -> Date {
        self.date
    }
    /// Days from today to that date; negative when already past.
    async fn days_left(&self) -> i64 {
        (self.date.0 - today()).num_days()
    }
}

/// Why a deployed asset should be replaced.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "Reason")]
pub enum ReplacementReason {
    FullyDepreciated,
    OutOfWarranty,
    PastEndOfSupport,
}

pub struct ReplacementCandidate {
    asset: Record<Asset>,
    reasons: Vec<Reason>,
}

#[Object]
impl ReplacementCandidate {
    async fn asset(&self) -> AssetNode {
        AssetNode(self.asset.clone())
    }
    async fn reasons(&self) -> Vec<ReplacementReason> {
        self.reasons.iter().map(|r| (*r).into()).collect()
    }
}

/// A page of a watch list of dated assets.
async fn due_page(
    ctx: &Context<'_>,
    due: std::result::Result<Dated, crate::service::kernel::ServiceError>,
    request: &PageRequest,
) -> Result<Conn<DueAsset>> {
    let due = due.map_err(|e| fail(ctx, e))?;
    page_of(ctx, due, request, |asset, date| DueAsset {
        asset,
        date: Date(date),
    })
    .await
}

/// Longest look-ahead of a watch list, in days.
const MAX_WITHIN_DAYS: i32 = 3660;

pub(crate) fn within(days: i32) -> Result<u32> {
    u32::try_from(days)
        .ok()
        .filter(|d| *d <= MAX_WITHIN_DAYS as u32)
        .ok_or_else(|| bad_input(format!("withinDays runs from 0 to {MAX_WITHIN_DAYS}")))
}

#[derive(Default)]
pub struct FinanceQueries;

paged_object! {
#[Object]
impl FinanceQueries {
    /// Count, purchase cost, accumulated depreciation and book value as of `asOf` (default
    /// today), per group and per currency, over the assets held then.
    async fn finance_summary(
        &self,
        ctx: &Context<'_>,
        group_by: FinanceGroupBy,
        as_of: Option<Date>,
    ) -> Result<Vec<FinanceGroup>> {
        let groups = register(ctx)?
            .finance_summary(GroupBy::from(group_by), Date::or_today(as_of))
            .await
            .map_err(|e| fail(ctx, e))?;
        Ok(groups.into_iter().map(FinanceGroup).collect())
    }

    /// Assets whose warranty ends within `withinDays` from today, soonest first.
    async fn expiring_warranties(&self, ctx: &Context<'_>, page: Paging, within_days: i32) -> Result<Conn<DueAsset>> {
        let days = within(within_days)?;
        let due = register(ctx)?.expiring_warranties(today(), days).await;
        due_page(ctx, due, &page).await
    }

    /// Assets whose support (their own date, else their model's) ends within `withinDays` from
    /// today or has already ended, soonest first.
    async fn end_of_support(&self, ctx: &Context<'_>, page: Paging, within_days: i32) -> Result<Conn<DueAsset>> {
        let days = within(within_days)?;
        let due = register(ctx)?.end_of_support(today(), days).await;
        due_page(ctx, due, &page).await
    }

    /// Deployed assets that are fully depreciated, out of warranty or past end of support,
    /// those with the most reasons first, then the longest overdue.
    async fn replacement_candidates(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<ReplacementCandidate>> {
        let candidates = register(ctx)?
            .replacement_candidates(today())
            .await
            .map_err(|e| fail(ctx, e))?;
        let items = candidates
            .into_iter()
            .map(|c| (c.asset, c.reasons))
            .collect();
        page_of(
            ctx,
            items,
            &page,
            |asset, reasons| ReplacementCandidate { asset, reasons },
        )
        .await
    }
}
}
