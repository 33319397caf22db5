//! SaaS and cloud subscriptions: seats bought, people using them and when they last did, and how
//! the bill is computed.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::kernel::optional_date;
use crate::domain::kernel::optional_ref;
use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{ErrorCode, FieldError, MAX_NAME, Problems, required_text};
use crate::domain::kernel::{Money, MoneyDraft};
use crate::domain::software::contract::Period;
use crate::domain::software::entitlement::id_list;
use crate::domain::software::product::count;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BillingModel {
    /// Price per seat per period.
    PerSeat,
    /// Price per metered unit, times the period's usage.
    UsageBased,
    /// One price per period.
    Flat,
}

/// When a user of a subscription was last active, as an integration reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub person: EntityId,
    pub last_active: NaiveDate,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDraft {
    pub person: Option<String>,
    pub last_active: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<EntityId>,
    pub billing: BillingModel,
    pub period: Period,
    /// Per seat, per metered unit or flat, per period, by the billing model.
    pub price: Money,
    /// Seats bought (per-seat billing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seats: Option<u64>,
    /// Metered units used in the current period (usage-based billing).
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option",
        default
    )]
    pub metered_usage: Option<Decimal>,
    pub start: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renewal_date: Option<NaiveDate>,
    pub auto_renew: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<EntityId>,
    /// People holding a seat.
    pub users: Vec<EntityId>,
    /// Last activity of users, fed by integrations.
    pub activity: Vec<Activity>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionDraft {
    pub name: Option<String>,
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub billing: Option<BillingModel>,
    pub period: Option<Period>,
    pub price: Option<MoneyDraft>,
    pub seats: Option<i64>,
    pub metered_usage: Option<String>,
    pub start: Option<String>,
    pub renewal_date: Option<String>,
    pub auto_renew: Option<bool>,
    pub notice_days: Option<i64>,
    pub team: Option<String>,
    pub contract: Option<String>,
    pub users: Option<Vec<String>>,
    pub activity: Option<Vec<ActivityDraft>>,
}

impl Entity for Subscription {
    const KIND: EntityKind = EntityKind::Subscription;
    type Draft = SubscriptionDraft;

    fn validate(d: SubscriptionDraft) -> Result<Subscription, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", d.name.as_deref(), MAX_NAME));
        let vendor = p
            .take(optional_ref("vendor", d.vendor.as_deref()))
            .flatten();
        let product = p
            .take(optional_ref("product", d.product.as_deref()))
            .flatten();
        let billing = d.billing.unwrap_or(BillingModel::PerSeat);
        let price = match &d.price {
            Some(price) => p.take(Money::parse("price", price)),
            None => {
                p.push(FieldError::new(
                    "price",
                    ErrorCode::Required,
                    "price is required",
                ));
                None
            }
        };
        let seats = p
            .take(count("seats", d.seats, billing == BillingModel::PerSeat))
            .flatten();
        let metered_usage = match d.metered_usage.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match text.parse::<Decimal>() {
                Ok(v) if v >= Decimal::ZERO => Some(v.normalize()),
                Ok(_) => {
                    p.push(FieldError::new(
                        "meteredUsage",
                        ErrorCode::Negative,
                        "meteredUsage cannot be below zero",
                    ));
                    None
                }
                Err(_) => {
                    p.push(FieldError::new(
                        "meteredUsage",
                        ErrorCode::Invalid,
                        format!("{text:?} is not a number"),
                    ));
                    None
                }
            },
        };
        let start = p.take(crate::domain::kernel::required_date(
            "start",
            d.start.as_deref(),
        ));
        let renewal_date = p
            .take(optional_date("renewalDate", d.renewal_date.as_deref()))
            .flatten();
        if let (Some(s), Some(r)) = (start, renewal_date)
            && r < s
        {
            p.push(FieldError::new(
                "renewalDate",
                ErrorCode::Invalid,
                "renewalDate cannot precede start",
            ));
        }
        let notice_days = p.take(count("noticeDays", d.notice_days, false)).flatten();
        let team = p.take(optional_ref("team", d.team.as_deref())).flatten();
        let contract = p
            .take(optional_ref("contract", d.contract.as_deref()))
            .flatten();
        let users = p
            .take(id_list("users", d.users.as_deref()))
            .unwrap_or_default();
        if let Some(seats) = seats
            && users.len() as u64 > seats
        {
            p.push(FieldError::new(
                "users",
                ErrorCode::Invalid,
                format!("{} users, but only {seats} seats bought", users.len()),
            ));
        }
        let mut activity = Vec::new();
        for (i, a) in d.activity.unwrap_or_default().into_iter().enumerate() {
            let field = format!("activity.{i}");
            let person = p.take(crate::domain::kernel::required_ref(
                &format!("{field}.person"),
                a.person.as_deref(),
            ));
            let last_active = p.take(crate::domain::kernel::required_date(
                &format!("{field}.lastActive"),
                a.last_active.as_deref(),
            ));
            if let (Some(person), Some(last_active)) = (person, last_active) {
                if !users.contains(&person) {
                    p.push(FieldError::new(
                        format!("{field}.person"),
                        ErrorCode::Invalid,
                        format!("{person} holds no seat of this subscription"),
                    ));
                } else {
                    activity.retain(|x: &Activity| x.person != person);
                    activity.push(Activity {
                        person,
                        last_active,
                    });
                }
            }
        }
        p.finish(|| Subscription {
            name: name.expect("checked"),
            vendor,
            product,
            billing,
            period: d.period.unwrap_or(Period::Monthly),
            price: price.expect("checked"),
            seats,
            metered_usage,
            start: start.expect("checked"),
            renewal_date,
            auto_renew: d.auto_renew.unwrap_or(true),
            notice_days: notice_days.map(|n| n as u32),
            team,
            contract,
            users,
            activity,
        })
    }
}

/// How much of a subscription is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utilization {
    /// Seats bought; for other billing models, the seats held.
    pub purchased: u64,
    pub assigned: u64,
    pub active_30_days: u64,
    pub active_90_days: u64,
    /// Seats bought but not used in 90 days: unassigned, inactive, or held by people who left.
    pub idle: u64,
    /// A year of idle seats (per-seat billing only).
    pub idle_annual_cost: Option<Money>,
    /// A year of the subscription per user active in the last 30 days.
    pub annual_cost_per_active_user: Option<Money>,
}

impl Subscription {
    /// Seats bought against seats held and used as of `today`; people in `departed` count as
    /// inactive whatever their last activity.
    pub fn utilization(
        &self,
        today: NaiveDate,
        departed: &std::collections::HashSet<EntityId>,
    ) -> Utilization {
        let active_since = |days: u64| {
            let since = today
                .checked_sub_days(chrono::Days::new(days))
                .unwrap_or(NaiveDate::MIN);
            self.users
                .iter()
                .filter(|u| !departed.contains(*u))
                .filter(|u| {
                    self.last_active(u)
                        .is_some_and(|d| d >= since && d <= today)
                })
                .count() as u64
        };
        let assigned = self.users.len() as u64;
        let purchased = self.seats.unwrap_or(assigned);
        let (active_30_days, active_90_days) = (active_since(30), active_since(90));
        let idle = purchased.saturating_sub(active_90_days);
        let annual = self.annual_cost();
        let per_seat = |count: u64| Money {
            amount: self.period.annualised(self.price.amount) * Decimal::from(count),
            currency: self.price.currency,
        };
        Utilization {
            purchased,
            assigned,
            active_30_days,
            active_90_days,
            idle,
            idle_annual_cost: (self.billing == BillingModel::PerSeat).then(|| per_seat(idle)),
            annual_cost_per_active_user: (active_30_days > 0).then(|| Money {
                amount: (annual.amount / Decimal::from(active_30_days)).round_dp(2),
                currency: annual.currency,
            }),
        }
    }

    /// What one period costs under the billing model.
    pub fn period_cost(&self) -> Money {
        let factor = match self.billing {
            BillingModel::PerSeat => Decimal::from(self.seats.unwrap_or(0)),
            BillingModel::UsageBased => self.metered_usage.unwrap_or_default(),
            BillingModel::Flat => Decimal::ONE,
        };
        Money {
            amount: self.price.amount * factor,
            currency: self.price.currency,
        }
    }

    /// What it has cost by `day`, each period at today's seats or usage.
    pub fn accrued(&self, day: NaiveDate) -> Money {
        crate::domain::software::contract::accrued(
            &self.period_cost(),
            self.period,
            self.start,
            None,
            day,
        )
    }

    /// What a year costs at the current seats or usage.
    pub fn annual_cost(&self) -> Money {
        let period = self.period_cost();
        Money {
            amount: self.period.annualised(period.amount),
            currency: period.currency,
        }
    }

    /// When `person` was last active, if known.
    pub fn last_active(&self, person: &EntityId) -> Option<NaiveDate> {
        self.activity
            .iter()
            .find(|a| &a.person == person)
            .map(|a| a.last_active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> SubscriptionDraft {
        SubscriptionDraft {
            name: Some("Design suite".into()),
            price: Some(MoneyDraft {
                amount: Some("55.00".into()),
                currency: Some("EUR".into()),
            }),
            seats: Some(3),
            start: Some("2026-01-01".into()),
            users: Some(vec!["p1".into(), "p2".into()]),
            activity: Some(vec![ActivityDraft {
                person: Some("p1".into()),
                last_active: Some("2026-11-20".into()),
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn per_seat_costs_every_seat_bought() {
        let s = Subscription::validate(draft()).unwrap();
        assert_eq!(s.period_cost().amount, Decimal::from(165));
        assert_eq!(s.annual_cost().amount, Decimal::from(1980));
        assert_eq!(
            s.last_active(&EntityId::parse("p1").unwrap()),
            NaiveDate::from_ymd_opt(2026, 11, 20)
        );
    }

    #[test]
    fn idle_seats_are_unassigned_inactive_or_held_by_leavers() {
        let mut d = draft();
        d.seats = Some(5);
        d.users = Some(vec!["p1".into(), "p2".into(), "p3".into()]);
        d.activity = Some(
            [
                ("p1", "2026-11-20"),
                ("p2", "2026-08-01"),
                ("p3", "2026-11-25"),
            ]
            .into_iter()
            .map(|(p, at)| ActivityDraft {
                person: Some(p.into()),
                last_active: Some(at.into()),
            })
            .collect(),
        );
        let s = Subscription::validate(d).unwrap();
        let left = std::collections::HashSet::from([EntityId::parse("p3").unwrap()]);
        let u = s.utilization(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), &left);
        assert_eq!(
            (
                u.purchased,
                u.assigned,
                u.active_30_days,
                u.active_90_days,
                u.idle
            ),
            (5, 3, 1, 1, 4)
        );
        // 55 a month per seat: four idle seats cost 2640 a year; 3300 a year for one active user.
        assert_eq!(u.idle_annual_cost.unwrap().amount, Decimal::from(2640));
        assert_eq!(
            u.annual_cost_per_active_user.unwrap().amount,
            Decimal::from(3300)
        );
    }

    #[test]
    fn activity_is_only_for_seat_holders_and_seats_bound_users() {
        let mut d = draft();
        d.activity = Some(vec![ActivityDraft {
            person: Some("p9".into()),
            last_active: Some("2026-11-20".into()),
        }]);
        d.seats = Some(1);
        let errors = Subscription::validate(d).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["users", "activity.0.person"]);
    }
}
