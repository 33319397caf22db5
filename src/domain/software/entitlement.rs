//! Entitlements (licences, ISO/IEC 19770-3 concepts): the right to use products, counted by a
//! metric, for a term, with the people or devices they are assigned to by name.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::kernel::optional_date;
use crate::domain::kernel::optional_ref;
use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{
    ErrorCode, FieldError, MAX_NAME, Problems, optional_text, required_text,
};
use crate::domain::kernel::{Money, MoneyDraft};
use crate::domain::software::product::count;

/// What one licence counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Metric {
    /// One per device with an installation.
    PerDevice,
    /// One per person using an installation (or assigned one by name).
    PerUser,
    /// One per processor core of the devices with an installation.
    PerCore,
    /// One per user at the same time, from measured peak use.
    Concurrent,
    /// Unlimited use across the organisation.
    Site,
    /// One per person assigned a seat.
    SubscriptionSeat,
}

impl Metric {
    /// Whether licences of this metric are assigned to people, devices, or neither.
    fn assignable(self) -> (bool, bool) {
        match self {
            Metric::PerUser | Metric::SubscriptionSeat => (true, false),
            Metric::PerDevice => (false, true),
            Metric::PerCore | Metric::Concurrent | Metric::Site => (false, false),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entitlement {
    pub name: String,
    /// The products covered, all of one family.
    pub products: Vec<EntityId>,
    pub metric: Metric,
    /// Licences granted; absent for site licences (unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term_start: Option<NaiveDate>,
    /// Last day of the term; absent for a perpetual licence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term_end: Option<NaiveDate>,
    /// Last day of maintenance (upgrades and support) on a perpetual licence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintenance_end: Option<NaiveDate>,
    /// Covers earlier versions of the family too.
    pub downgrade_rights: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<EntityId>,
    /// The team that bought it and pays for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase_order: Option<String>,
    /// People holding a licence by name (per-user and subscription-seat metrics).
    pub assigned_people: Vec<EntityId>,
    /// Devices holding a licence by name (per-device metric).
    pub assigned_devices: Vec<EntityId>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntitlementDraft {
    pub name: Option<String>,
    pub products: Option<Vec<String>>,
    pub metric: Option<Metric>,
    pub quantity: Option<i64>,
    pub unit_cost: Option<MoneyDraft>,
    pub term_start: Option<String>,
    pub term_end: Option<String>,
    pub maintenance_end: Option<String>,
    pub downgrade_rights: Option<bool>,
    pub vendor: Option<String>,
    pub contract: Option<String>,
    pub team: Option<String>,
    pub purchase_order: Option<String>,
    pub assigned_people: Option<Vec<String>>,
    pub assigned_devices: Option<Vec<String>>,
}

/// Most ids one list field holds (products covered, people or devices assigned).
pub const MAX_LIST: usize = 10_000;

/// A list of distinct ids, at most [`MAX_LIST`].
pub fn id_list(field: &str, values: Option<&[String]>) -> Result<Vec<EntityId>, FieldError> {
    let values = values.unwrap_or_default();
    if values.len() > MAX_LIST {
        return Err(FieldError::new(
            field,
            ErrorCode::Invalid,
            format!("{field} holds at most {MAX_LIST} ids"),
        ));
    }
    let mut ids: Vec<EntityId> = Vec::with_capacity(values.len());
    for value in values {
        let id = EntityId::parse_field(field, value)?;
        if ids.contains(&id) {
            return Err(FieldError::new(
                field,
                ErrorCode::Conflict,
                format!("{field} names {id} twice"),
            ));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// A start and an optional end that does not precede it.
pub fn term(
    start_field: &str,
    start: Option<&str>,
    end_field: &str,
    end: Option<&str>,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), FieldError> {
    let start = optional_date(start_field, start)?;
    let end = optional_date(end_field, end)?;
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(FieldError::new(
            end_field,
            ErrorCode::Invalid,
            format!("{end_field} cannot precede {start_field}"),
        ));
    }
    Ok((start, end))
}

impl Entity for Entitlement {
    const KIND: EntityKind = EntityKind::Entitlement;
    type Draft = EntitlementDraft;

    fn validate(d: EntitlementDraft) -> Result<Entitlement, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", d.name.as_deref(), MAX_NAME));
        let products = p
            .take(id_list("products", d.products.as_deref()))
            .unwrap_or_default();
        if products.is_empty() {
            p.push(FieldError::new(
                "products",
                ErrorCode::Required,
                "an entitlement covers at least one product",
            ));
        }
        let metric = d.metric;
        if metric.is_none() {
            p.push(FieldError::new(
                "metric",
                ErrorCode::Required,
                "metric is required",
            ));
        }
        let site = metric == Some(Metric::Site);
        let quantity = p.take(count("quantity", d.quantity, !site)).flatten();
        if site && quantity.is_some() {
            p.push(FieldError::new(
                "quantity",
                ErrorCode::NotAllowed,
                "a site licence is unlimited; leave quantity out",
            ));
        }
        let unit_cost = d
            .unit_cost
            .as_ref()
            .and_then(|c| p.take(Money::parse("unitCost", c)));
        let (term_start, term_end) = p
            .take(term(
                "termStart",
                d.term_start.as_deref(),
                "termEnd",
                d.term_end.as_deref(),
            ))
            .unwrap_or_default();
        let maintenance_end = p
            .take(optional_date(
                "maintenanceEnd",
                d.maintenance_end.as_deref(),
            ))
            .flatten();
        let vendor = p
            .take(optional_ref("vendor", d.vendor.as_deref()))
            .flatten();
        let contract = p
            .take(optional_ref("contract", d.contract.as_deref()))
            .flatten();
        let team = p.take(optional_ref("team", d.team.as_deref())).flatten();
        let purchase_order = p
            .take(optional_text(
                "purchaseOrder",
                d.purchase_order.as_deref(),
                MAX_NAME,
            ))
            .flatten();
        let assigned_people = p
            .take(id_list("assignedPeople", d.assigned_people.as_deref()))
            .unwrap_or_default();
        let assigned_devices = p
            .take(id_list("assignedDevices", d.assigned_devices.as_deref()))
            .unwrap_or_default();
        if metric == Some(Metric::SubscriptionSeat) && assigned_people.is_empty() {
            // A seat is consumed by being assigned: without assignments nothing would count.
            p.push(FieldError::new(
                "assignedPeople",
                ErrorCode::Required,
                "subscription seats are counted by the people assigned; name at least one",
            ));
        }
        if let Some(metric) = metric {
            let (people, devices) = metric.assignable();
            for (field, given, allowed, what) in [
                ("assignedPeople", assigned_people.len(), people, "people"),
                (
                    "assignedDevices",
                    assigned_devices.len(),
                    devices,
                    "devices",
                ),
            ] {
                if given > 0 && !allowed {
                    p.push(FieldError::new(
                        field,
                        ErrorCode::NotAllowed,
                        format!("{metric:?} licences are not assigned to {what}"),
                    ));
                } else if quantity.is_some_and(|q| given as u64 > q) {
                    p.push(FieldError::new(
                        field,
                        ErrorCode::Invalid,
                        format!(
                            "{given} assigned, but only {} licences held",
                            quantity.unwrap_or(0)
                        ),
                    ));
                }
            }
        }
        p.finish(|| Entitlement {
            name: name.expect("checked"),
            products,
            metric: metric.expect("checked"),
            quantity,
            unit_cost,
            term_start,
            term_end,
            maintenance_end,
            downgrade_rights: d.downgrade_rights.unwrap_or(false),
            vendor,
            contract,
            team,
            purchase_order,
            assigned_people,
            assigned_devices,
        })
    }
}

/// Whether `day` falls within a term; an open start or end does not bound it.
pub fn in_term(start: Option<NaiveDate>, end: Option<NaiveDate>, day: NaiveDate) -> bool {
    start.is_none_or(|s| s <= day) && end.is_none_or(|e| e >= day)
}

impl Entitlement {
    /// What it cost, once its term had begun by `day`: every licence at the unit cost (a site
    /// licence is one unit).
    pub fn accrued(&self, day: NaiveDate) -> Option<Money> {
        let cost = self.unit_cost.as_ref()?;
        if self.term_start.is_some_and(|s| s > day) {
            return None;
        }
        Some(Money {
            amount: cost.amount * rust_decimal::Decimal::from(self.quantity.unwrap_or(1)),
            currency: cost.currency,
        })
    }

    /// Whether the entitlement grants use on `day` (an expired term grants nothing).
    pub fn in_force(&self, day: NaiveDate) -> bool {
        in_term(self.term_start, self.term_end, day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(metric: Metric) -> EntitlementDraft {
        EntitlementDraft {
            name: Some("Office".into()),
            products: Some(vec!["office-2021".into()]),
            metric: Some(metric),
            quantity: Some(10),
            ..Default::default()
        }
    }

    fn codes(d: EntitlementDraft) -> Vec<(String, ErrorCode)> {
        Entitlement::validate(d)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn bad_entitlements_are_refused_with_reasons() {
        let mut negative = draft(Metric::PerDevice);
        negative.quantity = Some(-1);
        assert_eq!(codes(negative), [("quantity".into(), ErrorCode::Negative)]);

        let mut backwards = draft(Metric::PerDevice);
        backwards.term_start = Some("2026-01-01".into());
        backwards.term_end = Some("2025-12-31".into());
        assert_eq!(codes(backwards), [("termEnd".into(), ErrorCode::Invalid)]);

        let mut site = draft(Metric::Site);
        site.quantity = Some(5);
        assert_eq!(codes(site), [("quantity".into(), ErrorCode::NotAllowed)]);

        let mut wrong_kind = draft(Metric::PerDevice);
        wrong_kind.assigned_people = Some(vec!["person-1".into()]);
        assert_eq!(
            codes(wrong_kind),
            [("assignedPeople".into(), ErrorCode::NotAllowed)]
        );

        let mut too_many = draft(Metric::PerUser);
        too_many.quantity = Some(1);
        too_many.assigned_people = Some(vec!["p1".into(), "p2".into()]);
        assert_eq!(
            codes(too_many),
            [("assignedPeople".into(), ErrorCode::Invalid)]
        );

        let unassigned = draft(Metric::SubscriptionSeat);
        assert_eq!(
            codes(unassigned),
            [("assignedPeople".into(), ErrorCode::Required)]
        );

        let mut none = draft(Metric::PerUser);
        none.products = Some(vec![]);
        none.quantity = None;
        assert_eq!(
            codes(none),
            [
                ("products".into(), ErrorCode::Required),
                ("quantity".into(), ErrorCode::Required)
            ]
        );
    }

    #[test]
    fn site_licences_are_unlimited_and_terms_bound_use() {
        let mut site = draft(Metric::Site);
        site.quantity = None;
        site.term_end = Some("2026-06-30".into());
        let site = Entitlement::validate(site).unwrap();
        assert_eq!(site.quantity, None);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(site.in_force(day("2026-06-30")));
        assert!(!site.in_force(day("2026-07-01")));
    }
}
