//! Maintenance records: repairs, upgrades, patches, inspections and cleaning done on an asset,
//! with what they cost (part of its total cost of ownership).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::kernel::required_date;
use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{ErrorCode, FieldError, MAX_NAME, MAX_TEXT, Problems, optional_text};
use crate::domain::kernel::{Money, MoneyDraft};
use crate::domain::kernel::{optional_ref, required_ref};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MaintenanceKind {
    Repair,
    Upgrade,
    Patch,
    Inspection,
    Cleaning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Maintenance {
    pub asset: EntityId,
    pub kind: MaintenanceKind,
    pub date: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_ref: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceDraft {
    pub asset: Option<String>,
    pub kind: Option<MaintenanceKind>,
    pub date: Option<String>,
    pub cost: Option<MoneyDraft>,
    pub vendor: Option<String>,
    pub description: Option<String>,
    pub ticket_ref: Option<String>,
}

impl Entity for Maintenance {
    const KIND: EntityKind = EntityKind::Maintenance;
    type Draft = MaintenanceDraft;
    // A record belongs to its asset for good.
    const MANAGED: &'static [&'static str] = &["asset"];

    fn validate(d: MaintenanceDraft) -> Result<Maintenance, Vec<FieldError>> {
        let mut p = Problems::default();
        let asset = p.take(required_ref("asset", d.asset.as_deref()));
        if d.kind.is_none() {
            p.push(FieldError::new(
                "kind",
                ErrorCode::Required,
                "kind is required",
            ));
        }
        let date = p.take(required_date("date", d.date.as_deref()));
        let cost = d
            .cost
            .as_ref()
            .and_then(|c| p.take(Money::parse("cost", c)));
        let vendor = p
            .take(optional_ref("vendor", d.vendor.as_deref()))
            .flatten();
        let description = p
            .take(optional_text(
                "description",
                d.description.as_deref(),
                MAX_TEXT,
            ))
            .flatten();
        let ticket_ref = p
            .take(optional_text(
                "ticketRef",
                d.ticket_ref.as_deref(),
                MAX_NAME,
            ))
            .flatten();
        p.finish(|| Maintenance {
            asset: asset.expect("checked"),
            kind: d.kind.expect("checked"),
            date: date.expect("checked"),
            cost,
            vendor,
            description,
            ticket_ref,
        })
    }
}
