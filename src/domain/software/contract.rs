//! Contracts with vendors (purchase, lease, support, warranty, SaaS, cloud): terms, renewal and
//! notice, and what they cost per period.

use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::kernel::optional_ref;
use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{
    ErrorCode, FieldError, MAX_NAME, MAX_TEXT, Problems, optional_text, required_text,
};
use crate::domain::kernel::{Money, MoneyDraft};
use crate::domain::software::entitlement::term;
use crate::domain::software::product::count;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContractKind {
    Purchase,
    Lease,
    Support,
    Warranty,
    Saas,
    Cloud,
}

/// How often a recurring cost falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Period {
    Monthly,
    Quarterly,
    Annual,
    /// Once, for the whole term.
    OneTime,
}

impl Period {
    /// Months in one period; `None` for a one-time cost.
    pub fn months(self) -> Option<u32> {
        match self {
            Period::Monthly => Some(1),
            Period::Quarterly => Some(3),
            Period::Annual => Some(12),
            Period::OneTime => None,
        }
    }

    /// What `cost` per period comes to over a year (a one-time cost counts once).
    pub fn annualised(self, cost: Decimal) -> Decimal {
        self.months().map_or(cost, |m| cost * Decimal::from(12 / m))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
    pub name: String,
    pub kind: ContractKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<EntityId>,
    /// The vendor's contract number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    pub start: NaiveDate,
    /// Last day; absent for an open-ended contract.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    pub auto_renew: bool,
    /// Days before the end by which notice must be given to stop a renewal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
    pub cost_period: Period,
    /// The team paying for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<EntityId>,
    /// References to the signed documents (URLs or document-system keys).
    pub documents: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractDraft {
    pub name: Option<String>,
    pub kind: Option<ContractKind>,
    pub vendor: Option<String>,
    pub number: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub auto_renew: Option<bool>,
    pub notice_days: Option<i64>,
    pub cost: Option<MoneyDraft>,
    pub cost_period: Option<Period>,
    pub team: Option<String>,
    pub documents: Option<Vec<String>>,
    pub notes: Option<String>,
}

impl Entity for Contract {
    const KIND: EntityKind = EntityKind::Contract;
    type Draft = ContractDraft;

    fn validate(d: ContractDraft) -> Result<Contract, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", d.name.as_deref(), MAX_NAME));
        if d.kind.is_none() {
            p.push(FieldError::new(
                "kind",
                ErrorCode::Required,
                "kind is required",
            ));
        }
        let vendor = p
            .take(optional_ref("vendor", d.vendor.as_deref()))
            .flatten();
        let number = p
            .take(optional_text("number", d.number.as_deref(), MAX_NAME))
            .flatten();
        let (start, end) = p
            .take(term("start", d.start.as_deref(), "end", d.end.as_deref()))
            .unwrap_or_default();
        if start.is_none() && d.start.is_none() {
            p.push(FieldError::new(
                "start",
                ErrorCode::Required,
                "start is required",
            ));
        }
        let notice_days = p.take(count("noticeDays", d.notice_days, false)).flatten();
        if notice_days.is_some_and(|n| n > 3650) {
            p.push(FieldError::new(
                "noticeDays",
                ErrorCode::Invalid,
                "noticeDays is at most ten years",
            ));
        }
        let cost = d
            .cost
            .as_ref()
            .and_then(|c| p.take(Money::parse("cost", c)));
        let team = p.take(optional_ref("team", d.team.as_deref())).flatten();
        let mut documents = Vec::new();
        for (i, doc) in d.documents.unwrap_or_default().iter().enumerate().take(100) {
            if let Some(doc) = p.take(required_text(&format!("documents.{i}"), Some(doc), 2048)) {
                documents.push(doc);
            }
        }
        let notes = p
            .take(optional_text("notes", d.notes.as_deref(), MAX_TEXT))
            .flatten();
        p.finish(|| Contract {
            name: name.expect("checked"),
            kind: d.kind.expect("checked"),
            vendor,
            number,
            start: start.expect("checked"),
            end,
            auto_renew: d.auto_renew.unwrap_or(false),
            notice_days: notice_days.map(|n| n as u32),
            cost,
            cost_period: d.cost_period.unwrap_or(Period::Annual),
            team,
            documents,
            notes,
        })
    }
}

impl Contract {
    pub fn in_force(&self, day: NaiveDate) -> bool {
        crate::domain::software::entitlement::in_term(Some(self.start), self.end, day)
    }

    /// The last day to give notice before the contract ends or renews.
    pub fn notice_deadline(&self) -> Option<NaiveDate> {
        let end = self.end?;
        Some(
            end.checked_sub_days(Days::new(u64::from(self.notice_days.unwrap_or(0))))
                .unwrap_or(NaiveDate::MIN),
        )
    }

    /// What it has cost by `day`.
    pub fn accrued(&self, day: NaiveDate) -> Option<Money> {
        let cost = self.cost.as_ref()?;
        Some(accrued(cost, self.cost_period, self.start, self.end, day))
    }

    /// Its cost over one year, if it has one.
    pub fn annual_cost(&self) -> Option<Money> {
        self.cost.as_ref().map(|c| Money {
            amount: self.cost_period.annualised(c.amount),
            currency: c.currency,
        })
    }
}

/// How many periods of `months` have begun from `start` up to and including `day`.
pub fn periods_begun(start: NaiveDate, day: NaiveDate, months: u32) -> u32 {
    if day < start {
        return 0;
    }
    let mut count = 0u32;
    let mut next = start;
    while next <= day {
        count += 1;
        // Past the end of the calendar no further period can begin.
        match start.checked_add_months(Months::new(count.saturating_mul(months))) {
            Some(later) => next = later,
            None => break,
        }
    }
    count
}

/// What a cost of `cost` per `period` running from `start` to `end` has come to by `day`: each
/// period is due when it begins; a one-time cost when the term begins.
pub fn accrued(
    cost: &Money,
    period: Period,
    start: NaiveDate,
    end: Option<NaiveDate>,
    day: NaiveDate,
) -> Money {
    let last = end.map_or(day, |e| e.min(day));
    let periods = match period.months() {
        None => u32::from(start <= day),
        Some(months) => periods_begun(start, last, months),
    };
    Money {
        amount: cost.amount * Decimal::from(periods),
        currency: cost.currency,
    }
}

/// The first end of a term ending on `end` and renewed every `period` that falls on or after `today`
/// (a term that has already ended and renews automatically keeps rolling).
pub fn next_renewal(end: NaiveDate, period: Period, today: NaiveDate) -> NaiveDate {
    let months = period.months().unwrap_or(12);
    let mut next = end;
    while next < today {
        match next.checked_add_months(Months::new(months)) {
            Some(later) => next = later,
            None => break,
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn notice_deadline_and_annual_cost() {
        let contract = Contract::validate(ContractDraft {
            name: Some("Server support".into()),
            kind: Some(ContractKind::Support),
            start: Some("2024-01-01".into()),
            end: Some("2026-12-31".into()),
            notice_days: Some(90),
            cost: Some(MoneyDraft {
                amount: Some("1500".into()),
                currency: Some("EUR".into()),
            }),
            cost_period: Some(Period::Quarterly),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(contract.notice_deadline(), Some(day("2026-10-02")));
        assert_eq!(contract.annual_cost().unwrap().amount, Decimal::from(6000));
        // Quarters begun by mid-May 2024: January and April.
        assert_eq!(
            contract.accrued(day("2024-05-15")).unwrap().amount,
            Decimal::from(3000)
        );
        // After the end, every one of its twelve quarters.
        assert_eq!(
            contract.accrued(day("2030-01-01")).unwrap().amount,
            Decimal::from(18000)
        );
        assert_eq!(
            contract.accrued(day("2023-12-31")).unwrap().amount,
            Decimal::ZERO
        );
        assert!(contract.in_force(day("2026-12-31")) && !contract.in_force(day("2027-01-01")));
    }

    #[test]
    fn a_contract_needs_kind_and_start_and_a_forward_term() {
        let errors = Contract::validate(ContractDraft {
            name: Some("x".into()),
            start: Some("2026-05-01".into()),
            end: Some("2026-04-30".into()),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [("kind", ErrorCode::Required), ("end", ErrorCode::Invalid)]
        );
        assert_eq!(
            next_renewal(day("2026-03-31"), Period::Annual, day("2026-12-01")),
            day("2027-03-31")
        );
    }
}
