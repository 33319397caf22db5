//! What comes up for renewal: entitlements, subscriptions and contracts ending or renewing soon,
//! with the last day to give notice and what a year of it costs.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use crate::domain::kernel::Money;
use crate::domain::kernel::{EntityId, EntityKind, Record};
use crate::domain::software::contract::{Contract, Period, next_renewal};
use crate::domain::software::entitlement::Entitlement;
use crate::domain::software::subscription::Subscription;

/// One thing ending or renewing within a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    pub kind: EntityKind,
    pub id: EntityId,
    pub name: String,
    /// The day it ends or renews.
    pub date: NaiveDate,
    pub auto_renew: bool,
    /// The last day to give notice, when it renews by itself and notice is needed to stop it.
    pub notice_deadline: Option<NaiveDate>,
    pub annual_cost: Option<Money>,
}

fn within(date: NaiveDate, today: NaiveDate, until: NaiveDate) -> bool {
    date >= today && date <= until
}

fn deadline(date: NaiveDate, notice_days: Option<u32>) -> Option<NaiveDate> {
    // A notice period reaching before the calendar starts leaves no deadline to miss.
    notice_days.map(|n| {
        date.checked_sub_days(Days::new(u64::from(n)))
            .unwrap_or(NaiveDate::MIN)
    })
}

/// An entitlement whose term, or else whose maintenance, ends from `today` to `until`.
pub fn of_entitlement(
    e: &Record<Entitlement>,
    today: NaiveDate,
    until: NaiveDate,
) -> Option<Renewal> {
    let date = [e.data.term_end, e.data.maintenance_end]
        .into_iter()
        .flatten()
        .find(|d| within(*d, today, until))?;
    let annual_cost = e.data.unit_cost.as_ref().map(|c| Money {
        amount: c.amount * Decimal::from(e.data.quantity.unwrap_or(1)),
        currency: c.currency,
    });
    Some(Renewal {
        kind: EntityKind::Entitlement,
        id: e.id.clone(),
        name: e.data.name.clone(),
        date,
        auto_renew: false,
        notice_deadline: None,
        annual_cost,
    })
}

/// The terms of something that ends, or renews by itself every period.
struct Rolling {
    end: NaiveDate,
    auto_renew: bool,
    period: Period,
    notice_days: Option<u32>,
}

/// When a rolling term next ends or renews, if that falls from `today` to `until`, with the
/// notice deadline of an automatic renewal.
fn rolling(
    terms: Rolling,
    today: NaiveDate,
    until: NaiveDate,
) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let date = if terms.auto_renew {
        next_renewal(terms.end, terms.period, today)
    } else {
        terms.end
    };
    let notice = terms
        .auto_renew
        .then(|| deadline(date, terms.notice_days))
        .flatten();
    within(date, today, until).then_some((date, notice))
}

/// A subscription renewing from `today` to `until`.
pub fn of_subscription(
    s: &Record<Subscription>,
    today: NaiveDate,
    until: NaiveDate,
) -> Option<Renewal> {
    let terms = Rolling {
        end: s.data.renewal_date?,
        auto_renew: s.data.auto_renew,
        period: s.data.period,
        notice_days: s.data.notice_days,
    };
    let (date, notice_deadline) = rolling(terms, today, until)?;
    Some(Renewal {
        kind: EntityKind::Subscription,
        id: s.id.clone(),
        name: s.data.name.clone(),
        date,
        auto_renew: s.data.auto_renew,
        notice_deadline,
        annual_cost: Some(s.data.annual_cost()),
    })
}

/// A contract ending (or, renewing by itself, rolling over) from `today` to `until`.
pub fn of_contract(c: &Record<Contract>, today: NaiveDate, until: NaiveDate) -> Option<Renewal> {
    let terms = Rolling {
        end: c.data.end?,
        auto_renew: c.data.auto_renew,
        period: c.data.cost_period,
        notice_days: c.data.notice_days,
    };
    let (date, notice_deadline) = rolling(terms, today, until)?;
    Some(Renewal {
        kind: EntityKind::Contract,
        id: c.id.clone(),
        name: c.data.name.clone(),
        date,
        auto_renew: c.data.auto_renew,
        notice_deadline,
        annual_cost: c.data.annual_cost(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kernel::Entity;
    use crate::domain::kernel::MoneyDraft;
    use crate::domain::software::contract::{ContractDraft, ContractKind};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn record<T>(data: T) -> Record<T> {
        Record {
            id: EntityId::parse("x").unwrap(),
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            data,
        }
    }

    #[test]
    fn an_auto_renewing_contract_rolls_over_and_warns_of_notice() {
        let contract = record(
            Contract::validate(ContractDraft {
                name: Some("Lease".into()),
                kind: Some(ContractKind::Lease),
                start: Some("2024-02-01".into()),
                end: Some("2025-01-31".into()),
                auto_renew: Some(true),
                notice_days: Some(60),
                cost: Some(MoneyDraft {
                    amount: Some("100".into()),
                    currency: Some("EUR".into()),
                }),
                cost_period: Some(Period::Annual),
                ..Default::default()
            })
            .unwrap(),
        );
        let today = day("2026-12-01");
        let renewal = of_contract(&contract, today, day("2027-03-01")).unwrap();
        assert_eq!(renewal.date, day("2027-01-31"));
        assert_eq!(renewal.notice_deadline, Some(day("2026-12-02")));
        assert!(of_contract(&contract, today, day("2027-01-30")).is_none());
    }
}
