//! The software estate's watch lists over GraphQL: renewals and notice deadlines, seat use,
//! assets without support, installations past end of support, and duplicate purchases.

use crate::api::graphql::Date;
use crate::api::graphql::paged_object;
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use chrono::NaiveDate;

use crate::api::finance::within;
use crate::api::graphql::many;
use crate::api::graphql::page_of;
use crate::api::graphql::{AssetNode, MoneyNode, Node, TeamNode, load_node};
use crate::api::graphql::{Conn, slice};
use crate::api::graphql::{ContractNode, EntitlementNode, SoftwareProductNode, SubscriptionNode};
use crate::api::graphql::{fail, register};
use crate::domain::kernel::EntityKind;
use crate::domain::register::Team;
use crate::domain::software::Contract;
use crate::domain::software::Entitlement;
use crate::domain::software::Renewal;
use crate::domain::software::Utilization;
use crate::service::software::Duplicate;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RenewalKind {
    Entitlement,
    Subscription,
    Contract,
}

/// An entitlement, subscription or contract ending or renewing soon.
pub struct RenewalNode {
    renewal: Renewal,
    today: NaiveDate,
}

#[Object(name = "Renewal")]
impl RenewalNode {
    async fn kind(&self) -> RenewalKind {
        match self.renewal.kind {
            EntityKind::Entitlement => RenewalKind::Entitlement,
            EntityKind::Subscription => RenewalKind::Subscription,
            _ => RenewalKind::Contract,
        }
    }
    /// The entitlement, subscription or contract.
    async fn item(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        load_node(ctx, self.renewal.kind, &self.renewal.id).await
    }
    async fn name(&self) -> &str {
        &self.renewal.name
    }
    /// The day it ends or renews.
    async fn date(&self) -> Date {
        Date(self.renewal.date)
    }
    async fn days_left(&self) -> i64 {
        (self.renewal.date - self.today).num_days()
    }
    async fn auto_renew(&self) -> bool {
        self.renewal.auto_renew
    }
    /// The last day to give notice to stop it renewing by itself.
    async fn notice_deadline(&self) -> Option<Date> {
        self.renewal.notice_deadline.map(Date)
    }
    /// A year of it at today's terms.
    async fn annual_cost(&self) -> Option<MoneyNode> {
        self.renewal.annual_cost.as_ref().map(MoneyNode::from)
    }
}

/// How a subscription's seats are used.
pub struct SubscriptionUse {
    subscription: SubscriptionNode,
    usage: Utilization,
}

#[Object]
impl SubscriptionUse {
    async fn subscription(&self) -> &SubscriptionNode {
        &self.subscription
    }
    /// Seats bought (the seats held, for other billing models).
    async fn purchased(&self) -> u64 {
        self.usage.purchased
    }
    async fn assigned(&self) -> u64 {
        self.usage.assigned
    }
    #[graphql(name = "active30Days")]
    async fn active_30_days(&self) -> u64 {
        self.usage.active_30_days
    }
    #[graphql(name = "active90Days")]
    async fn active_90_days(&self) -> u64 {
        self.usage.active_90_days
    }
    /// Seats not used in 90 days: unassigned, inactive, or held by people who left.
    async fn idle_seats(&self) -> u64 {
        self.usage.idle
    }
    /// A year of the idle seats (per-seat billing).
    async fn idle_annual_cost(&self) -> Option<MoneyNode> {
        self.usage.idle_annual_cost.as_ref().map(MoneyNode::from)
    }
    /// A year of the subscription per user active in the last 30 days.
    async fn annual_cost_per_active_user(&self) -> Option<MoneyNode> {
        self.usage
            .annual_cost_per_active_user
            .as_ref()
            .map(MoneyNode::from)
    }
}

/// An installation of a product past its end of support, on a device (whose owner to tell).
#[derive(SimpleObject)]
pub struct UnsupportedInstallation {
    pub product: SoftwareProductNode,
    pub device: AssetNode,
    pub end_of_support: Date,
    pub days_past_end_of_support: i64,
}

/// One product family bought under several contracts or by several teams.
pub struct DuplicatePurchase(Duplicate);

#[Object]
impl DuplicatePurchase {
    async fn family(&self) -> &str {
        &self.0.family
    }
    async fn entitlements(&self, ctx: &Context<'_>) -> Result<Vec<EntitlementNode>> {
        let found = many::<Entitlement>(ctx, self.0.entitlements.iter().cloned()).await?;
        Ok(found.into_iter().map(EntitlementNode).collect())
    }
    async fn contracts(&self, ctx: &Context<'_>) -> Result<Vec<ContractNode>> {
        let found = many::<Contract>(ctx, self.0.contracts.iter().cloned()).await?;
        Ok(found.into_iter().map(ContractNode).collect())
    }
    async fn teams(&self, ctx: &Context<'_>) -> Result<Vec<TeamNode>> {
        let found = many::<Team>(ctx, self.0.teams.iter().cloned()).await?;
        Ok(found.into_iter().map(TeamNode).collect())
    }
}

#[derive(Default)]
pub struct ContractQueries;

paged_object! {
#[Object]
impl ContractQueries {
    /// Entitlements (term or maintenance end), subscriptions and contracts ending or renewing
    /// within `withinDays` of `asOf` (default today), soonest first, with notice deadlines.
    async fn upcoming_renewals(&self, ctx: &Context<'_>, request: Paging, within_days: i32, as_of: Option<Date>) -> Result<Conn<RenewalNode>> {
        let days = within(within_days)?;
        let today = Date::or_today(as_of);
        let renewals = register(ctx)?
            .upcoming_renewals(today, days)
            .await
            .map_err(|e| fail(ctx, e))?;
        slice(renewals, &request, |renewal| RenewalNode {
            renewal,
            today,
        })
    }

    /// Every subscription: seats bought, assigned, and active in the last 30 and 90 days, idle
    /// seats and their cost, and the cost per active user, as of `asOf` (default today).
    async fn subscription_utilization(&self, ctx: &Context<'_>, request: Paging, as_of: Option<Date>) -> Result<Conn<SubscriptionUse>> {
        let uses = register(ctx)?
            .subscription_utilization(Date::or_today(as_of))
            .await
            .map_err(|e| fail(ctx, e))?;
        slice(uses, &request, |(s, usage)| SubscriptionUse {
            subscription: SubscriptionNode(s),
            usage,
        })
    }

    /// Deployed assets with neither a warranty nor a SUPPORT or WARRANTY contract in force that
    /// covers them (COVERED_BY).
    async fn uncovered_assets(&self, ctx: &Context<'_>, page: Paging, as_of: Option<Date>) -> Result<Conn<AssetNode>> {
        let ids = register(ctx)?
            .uncovered_assets(Date::or_today(as_of))
            .await
            .map_err(|e| fail(ctx, e))?;
        let items = ids.into_iter().map(|id| (id, ())).collect();
        page_of(ctx, items, &page, |asset, ()| {
            AssetNode(asset)
        })
        .await
    }

    /// Installations of products whose support has ended, with the device (and through it the
    /// owner to tell): the security team's list, longest unsupported first.
    async fn unsupported_software(&self, ctx: &Context<'_>, page: Paging, as_of: Option<Date>) -> Result<Conn<UnsupportedInstallation>> {
        let day = Date::or_today(as_of);
        let found = register(ctx)?
            .unsupported_software(day)
            .await
            .map_err(|e| fail(ctx, e))?;
        let items = found
            .into_iter()
            .map(|u| (u.device, (u.product, u.end_of_support)))
            .collect();
        page_of(
            ctx,
            items,
            &page,
            |device, (product, end_of_support)| UnsupportedInstallation {
                product: SoftwareProductNode(product),
                device: AssetNode(device),
                end_of_support: Date(end_of_support),
                days_past_end_of_support: (day - end_of_support).num_days(),
            },
        )
        .await
    }

    /// Product families entitled (terms in force) under more than one contract or by more than
    /// one team: candidates to consolidate.
    async fn duplicate_purchases(&self, ctx: &Context<'_>, request: Paging, as_of: Option<Date>) -> Result<Conn<DuplicatePurchase>> {
        let found = register(ctx)?
            .duplicate_purchases(Date::or_today(as_of))
            .await
            .map_err(|e| fail(ctx, e))?;
        slice(found, &request, DuplicatePurchase)
    }
}
}
