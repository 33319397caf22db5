//! Loads the demo company from `seed/demo.json` through the normal, audited create path.

use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value as Json;

use super::{Register, ServiceError};
use crate::domain::approval::ApprovalRequest;
use crate::domain::audit::Actor;
use crate::domain::entity::{Entity, EntityId};
use crate::domain::maintenance::Maintenance;
use crate::domain::party::{Person, Team};
use crate::domain::query::lookup_mut;
use crate::domain::register::Asset;
use crate::domain::relation::Relationship;
use crate::domain::site::Location;
use crate::domain::supply::{Model, Vendor};

const DEMO: &str = include_str!("../../seed/demo.json");

/// The data set: entities with fixed ids, each list ordered so parents come before children.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataSet {
    /// The day the data set describes; dates are shifted so "today" keeps the same meaning.
    as_of: NaiveDate,
    vendors: Vec<Json>,
    teams: Vec<Json>,
    people: Vec<Json>,
    locations: Vec<Json>,
    models: Vec<Json>,
    assets: Vec<Json>,
    relationships: Vec<Json>,
    maintenance: Vec<Json>,
    approvals: Vec<Json>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub created: usize,
    pub skipped: usize,
}

/// Creates every demo entity that is not in the store yet; existing ones are left as they are.
pub async fn load(register: &Register) -> Result<SeedReport, ServiceError> {
    let data: DataSet = serde_json::from_str(DEMO)
        .map_err(|e| ServiceError::Internal(format!("seed/demo.json: {e}")))?;
    let actor = Actor {
        name: "seed".into(),
        request_id: format!("seed-{}", uuid::Uuid::now_v7()),
    };
    let shift = Utc::now().date_naive() - data.as_of;
    let mut report = SeedReport::default();
    let mut models = data.models;
    shift_dates(&mut models, &["endOfLife", "endOfSupport"], shift);
    let mut assets = data.assets;
    shift_dates(
        &mut assets,
        &[
            "purchase.date",
            "warrantyEnd",
            "custody.since",
            "custody.expectedReturn",
        ],
        shift,
    );
    let mut maintenance = data.maintenance;
    shift_dates(&mut maintenance, &["date"], shift);
    let mut approvals = data.approvals;
    shift_dates(&mut approvals, &["decidedAt"], shift);
    load_all::<Vendor>(register, &actor, data.vendors, &mut report).await?;
    load_all::<Team>(register, &actor, data.teams, &mut report).await?;
    load_all::<Person>(register, &actor, data.people, &mut report).await?;
    load_all::<Location>(register, &actor, data.locations, &mut report).await?;
    load_all::<Model>(register, &actor, models, &mut report).await?;
    load_all::<Asset>(register, &actor, assets, &mut report).await?;
    load_all::<Relationship>(register, &actor, data.relationships, &mut report).await?;
    load_all::<Maintenance>(register, &actor, maintenance, &mut report).await?;
    load_all::<ApprovalRequest>(register, &actor, approvals, &mut report).await?;
    Ok(report)
}

/// Moves the dates and instants at `paths` by `shift`, so warranties stay "expiring soon" and
/// loans overdue whenever the demo is loaded.
fn shift_dates(items: &mut [Json], paths: &[&str], shift: Duration) {
    for item in items {
        for path in paths {
            let Some(slot) = lookup_mut(item, path) else {
                continue;
            };
            let Some(text) = slot.as_str() else { continue };
            if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                *slot = Json::String((date + shift).format("%Y-%m-%d").to_string());
            } else if let Ok(instant) = chrono::DateTime::parse_from_rfc3339(text) {
                *slot = Json::String((instant + shift).to_rfc3339());
            }
        }
    }
}

async fn load_all<E: Entity>(
    register: &Register,
    actor: &Actor,
    items: Vec<Json>,
    report: &mut SeedReport,
) -> Result<(), ServiceError> {
    for mut item in items {
        let id = item
            .as_object_mut()
            .and_then(|m| m.remove("id"))
            .and_then(|id| id.as_str().and_then(EntityId::parse))
            .ok_or_else(|| {
                ServiceError::Internal(format!("seed {} without a valid id", E::KIND))
            })?;
        if register.get::<E>(&id).await?.is_some() {
            report.skipped += 1;
            continue;
        }
        register
            .create_with_id::<E>(actor, id.clone(), item)
            .await
            .map_err(|e| match e {
                ServiceError::Invalid(errors) => {
                    ServiceError::Internal(format!("seed {} {id} is invalid: {errors:?}", E::KIND))
                }
                other => other,
            })?;
        report.created += 1;
    }
    Ok(())
}
