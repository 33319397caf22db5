//! What each listed kind's table indexes: every field its filters test and its lists sort on.

use crate::domain::kernel::table::rows::{Column, Role, Spec};
use crate::domain::kernel::{Comparison, EntityKind};

const fn text(path: &'static str, role: Role) -> Column {
    Column::new(path, Comparison::Text, role)
}

const fn instant(path: &'static str) -> Column {
    Column::new(path, Comparison::Instant, Role::Sorted)
}

/// Name and the two instants: what every list sorts on.
macro_rules! named {
    ($name:literal, [$($column:expr),* $(,)?], $text:expr) => {
        Spec {
            name: $name,
            columns: &[
                text("name", Role::Sorted),
                instant("createdAt"),
                instant("updatedAt"),
                $($column),*
            ],
            text: $text,
        }
    };
}

static ASSETS: Spec = named!(
    "assets",
    [
        text("assetTag", Role::SortedKeyed),
        text("serialNumber", Role::Keyed),
        text("class", Role::SortedKeyed),
        text("category", Role::Keyed),
        text("lifecycleStage", Role::SortedKeyed),
        text("status", Role::SortedKeyed),
        text("owner.team", Role::Keyed),
        text("owner.person", Role::Keyed),
        text("assignee", Role::Keyed),
        text("location", Role::Keyed),
        text("vendor", Role::Keyed),
        text("model", Role::Keyed),
        text("tags", Role::Elements),
        text("purchase.date", Role::Sorted),
        Column::new("purchase.cost.amount", Comparison::Decimal, Role::Sorted),
        text("purchase.cost.currency", Role::Keyed),
        text("warrantyEnd", Role::Sorted),
        text("custody.expectedReturn", Role::Sorted),
    ],
    &["name", "assetTag", "serialNumber", "attributes.hostname"]
);
static PEOPLE: Spec = named!(
    "people",
    [
        text("email", Role::Sorted),
        text("team", Role::Keyed),
        text("manager", Role::Keyed),
    ],
    &["name", "email", "title"]
);
static TEAMS: Spec = named!(
    "teams",
    [text("parent", Role::Keyed)],
    &["name", "costCentre"]
);
static LOCATIONS: Spec = named!(
    "locations",
    [text("kind", Role::Keyed), text("parent", Role::Keyed)],
    &["name", "address"]
);
static VENDORS: Spec = named!("vendors", [], &["name", "website"]);
static MODELS: Spec = named!(
    "models",
    [text("category", Role::Keyed), text("vendor", Role::Keyed)],
    &["name", "manufacturer"]
);
static PRODUCTS: Spec = named!("softwareProducts", [], &["name"]);
static ENTITLEMENTS: Spec = named!("entitlements", [], &["name"]);
static SUBSCRIPTIONS: Spec = named!("subscriptions", [], &["name"]);
static CONTRACTS: Spec = named!("contracts", [], &["name"]);
static APPROVALS: Spec = named!("approvals", [text("status", Role::Keyed)], &[]);

/// The table of a kind that has register lists.
pub fn spec(kind: EntityKind) -> Option<&'static Spec> {
    Some(match kind {
        EntityKind::Asset => &ASSETS,
        EntityKind::Person => &PEOPLE,
        EntityKind::Team => &TEAMS,
        EntityKind::Location => &LOCATIONS,
        EntityKind::Vendor => &VENDORS,
        EntityKind::Model => &MODELS,
        EntityKind::SoftwareProduct => &PRODUCTS,
        EntityKind::Entitlement => &ENTITLEMENTS,
        EntityKind::Subscription => &SUBSCRIPTIONS,
        EntityKind::Contract => &CONTRACTS,
        EntityKind::Approval => &APPROVALS,
        _ => return None,
    })
}

/// Every kind with a table.
pub fn listed() -> impl Iterator<Item = EntityKind> {
    EntityKind::ALL.into_iter().filter(|k| spec(*k).is_some())
}
