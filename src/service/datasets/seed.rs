//! Loads the demo company from `seed/demo.json` through the normal, audited create path.

use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::domain::access::Actor;
use crate::domain::kernel::json_path;
use crate::domain::kernel::{Entity, EntityId};
use crate::domain::lifecycle::ApprovalRequest;
use crate::domain::lifecycle::Maintenance;
use crate::domain::register::Asset;
use crate::domain::register::Location;
use crate::domain::register::{Model, Vendor};
use crate::domain::register::{Person, Team};
use crate::domain::relationships::Relationship;
use crate::domain::servicedesk::Ticket;
use crate::domain::software::Contract;
use crate::domain::software::Entitlement;
use crate::domain::software::Subscription;
use crate::domain::software::{SoftwareProduct, SoftwareUsage};
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;

const DEMO: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/seed/demo.json"));

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
    software_products: Vec<Json>,
    contracts: Vec<Json>,
    entitlements: Vec<Json>,
    subscriptions: Vec<Json>,
    software_usage: Vec<Json>,
    tickets: Vec<Json>,
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
    let actor = Actor::system("seed");
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
    let mut people = data.people;
    shift_dates(&mut people, &["leftOn"], shift);
    let mut relationships = data.relationships;
    shift_dates(
        &mut relationships,
        &["installation.installedOn", "installation.lastUsed"],
        shift,
    );
    let mut products = data.software_products;
    shift_dates(&mut products, &["endOfLife", "endOfSupport"], shift);
    let mut contracts = data.contracts;
    shift_dates(&mut contracts, &["start", "end"], shift);
    let mut entitlements = data.entitlements;
    shift_dates(
        &mut entitlements,
        &["termStart", "termEnd", "maintenanceEnd"],
        shift,
    );
    let mut subscriptions = data.subscriptions;
    shift_dates(
        &mut subscriptions,
        &["start", "renewalDate", "activity.*.lastActive"],
        shift,
    );
    let mut usage = data.software_usage;
    shift_dates(&mut usage, &["measuredAt"], shift);
    let mut tickets = data.tickets;
    shift_dates(
        &mut tickets,
        &["openedAt", "closedAt", "plannedStart", "plannedEnd"],
        shift,
    );
    load_all::<Vendor>(register, &actor, data.vendors, &mut report).await?;
    load_all::<Team>(register, &actor, data.teams, &mut report).await?;
    load_all::<Person>(register, &actor, people, &mut report).await?;
    load_all::<Location>(register, &actor, data.locations, &mut report).await?;
    load_all::<Model>(register, &actor, models, &mut report).await?;
    load_all::<Asset>(register, &actor, assets, &mut report).await?;
    load_all::<SoftwareProduct>(register, &actor, products, &mut report).await?;
    load_all::<Contract>(register, &actor, contracts, &mut report).await?;
    load_all::<Entitlement>(register, &actor, entitlements, &mut report).await?;
    load_all::<Subscription>(register, &actor, subscriptions, &mut report).await?;
    load_all::<SoftwareUsage>(register, &actor, usage, &mut report).await?;
    load_all::<Ticket>(register, &actor, tickets, &mut report).await?;
    load_all::<Relationship>(register, &actor, relationships, &mut report).await?;
    load_all::<Maintenance>(register, &actor, maintenance, &mut report).await?;
    load_all::<ApprovalRequest>(register, &actor, approvals, &mut report).await?;
    Ok(report)
}

/// Moves the dates and instants at `paths` by `shift`, so warranties stay "expiring soon" and
/// loans overdue whenever the demo is loaded.
/// A `*` in a path stands for every element of a list.
fn shift_dates(items: &mut [Json], paths: &[&str], shift: Duration) {
    for item in items {
        for path in paths {
            shift_at(item, path, shift);
        }
    }
}

fn shift_at(value: &mut Json, path: &str, shift: Duration) {
    if let Some((list, rest)) = path.split_once(".*.") {
        if let Some(Json::Array(elements)) = json_path::get_mut(value, list) {
            elements.iter_mut().for_each(|e| shift_at(e, rest, shift));
        }
        return;
    }
    let Some(slot) = json_path::get_mut(value, path) else {
        return;
    };
    let Some(text) = slot.as_str() else { return };
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        *slot = Json::String((date + shift).format("%Y-%m-%d").to_string());
    } else if let Ok(instant) = chrono::DateTime::parse_from_rfc3339(text) {
        *slot = Json::String((instant + shift).to_rfc3339());
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
