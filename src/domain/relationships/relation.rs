//! Relationship types between register entities: names, inverses, allowed ends, failure semantics.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::kernel::optional_date;
use crate::domain::kernel::{AssetClass, Category};
use crate::domain::kernel::{Entity, EntityId, EntityKind, NodeRef};
use crate::domain::kernel::{
    ErrorCode, FieldError, MAX_NAME, MAX_TEXT, Problems, optional_text, required_text,
};

/// A typed, directed relationship: `source TYPE target`, e.g. `app RUNS_ON vm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RelationType {
    DependsOn,
    RunsOn,
    HostedOn,
    ConnectedTo,
    Contains,
    InstalledOn,
    OwnedBy,
    AssignedTo,
    LocatedAt,
    CoveredBy,
    LicensedBy,
    SuppliedBy,
    /// A service-desk ticket concerns an asset (its role says how).
    Affects,
}

/// What may stand at one end of a relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Any asset.
    Asset,
    /// Assets of these categories only.
    AssetIn(&'static [Category]),
    /// A non-asset entity of this kind.
    Entity(EntityKind),
    /// Either of two non-asset kinds.
    EitherOf(EntityKind, EntityKind),
}

const PHYSICAL: &[Category] = &[Category::Hardware, Category::Mobile, Category::Network];
const HOSTS: &[Category] = &[Category::Hardware, Category::Network, Category::Cloud];
const SOFTWARE: &[Category] = &[Category::Software, Category::Cloud];
/// What software is installed on: computers, phones, network gear and cloud machines.
const DEVICES: &[Category] = &[
    Category::Hardware,
    Category::Mobile,
    Category::Network,
    Category::Cloud,
];

impl RelationType {
    pub const ALL: [RelationType; 13] = [
        RelationType::DependsOn,
        RelationType::RunsOn,
        RelationType::HostedOn,
        RelationType::ConnectedTo,
        RelationType::Contains,
        RelationType::InstalledOn,
        RelationType::OwnedBy,
        RelationType::AssignedTo,
        RelationType::LocatedAt,
        RelationType::CoveredBy,
        RelationType::LicensedBy,
        RelationType::SuppliedBy,
        RelationType::Affects,
    ];

    /// Dense number for packing into graph edges (fits in 4 bits).
    pub fn index(self) -> u8 {
        self as u8
    }

    pub fn from_index(index: u8) -> Option<RelationType> {
        RelationType::ALL.get(index as usize).copied()
    }

    /// The name read from the target's side: `db RUNS_ON host` is `host RUNS db`.
    pub fn inverse_name(self) -> &'static str {
        match self {
            RelationType::DependsOn => "USED_BY",
            RelationType::RunsOn => "RUNS",
            RelationType::HostedOn => "HOSTS",
            RelationType::ConnectedTo => "CONNECTED_FROM",
            RelationType::Contains => "CONTAINED_BY",
            RelationType::InstalledOn => "HAS_INSTALLED",
            RelationType::OwnedBy => "OWNS",
            RelationType::AssignedTo => "ASSIGNED",
            RelationType::LocatedAt => "LOCATION_OF",
            RelationType::CoveredBy => "COVERS",
            RelationType::LicensedBy => "LICENSES",
            RelationType::SuppliedBy => "SUPPLIES",
            RelationType::Affects => "AFFECTED_BY",
        }
    }

    /// Whether a failure of the target takes the source down with it. For CONTAINS the container
    /// is the source: a chassis that loses a blade is degraded or down by its redundancy rules.
    pub fn carries_failure(self) -> bool {
        matches!(
            self,
            RelationType::DependsOn
                | RelationType::RunsOn
                | RelationType::HostedOn
                | RelationType::ConnectedTo
                | RelationType::Contains
        )
    }

    /// The allowed (source, target) ends.
    pub fn ends(self) -> (End, End) {
        use EntityKind::{
            Contract, Entitlement, Location, Person, SoftwareProduct, Subscription, Team, Ticket,
            Vendor,
        };
        match self {
            RelationType::DependsOn | RelationType::ConnectedTo => (End::Asset, End::Asset),
            RelationType::RunsOn => (End::AssetIn(SOFTWARE), End::AssetIn(HOSTS)),
            RelationType::HostedOn => (
                End::AssetIn(&[Category::Cloud, Category::Software, Category::Service]),
                End::AssetIn(HOSTS),
            ),
            RelationType::Contains => (End::AssetIn(PHYSICAL), End::AssetIn(PHYSICAL)),
            RelationType::InstalledOn => (End::Entity(SoftwareProduct), End::AssetIn(DEVICES)),
            RelationType::OwnedBy => (End::Asset, End::EitherOf(Team, Person)),
            RelationType::AssignedTo => (End::Asset, End::Entity(Person)),
            RelationType::LocatedAt => (End::AssetIn(PHYSICAL), End::Entity(Location)),
            RelationType::CoveredBy => (End::Asset, End::Entity(Contract)),
            RelationType::LicensedBy => (End::Asset, End::EitherOf(Entitlement, Subscription)),
            RelationType::SuppliedBy => (End::Asset, End::Entity(Vendor)),
            RelationType::Affects => (End::Entity(Ticket), End::Asset),
        }
    }
}

/// One end of a proposed relationship, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Asset(AssetClass),
    Entity(EntityKind),
}

impl End {
    pub fn admits(self, endpoint: Endpoint) -> bool {
        match (self, endpoint) {
            (End::Asset, Endpoint::Asset(_)) => true,
            (End::AssetIn(categories), Endpoint::Asset(class)) => {
                categories.contains(&class.category())
            }
            (End::Entity(kind), Endpoint::Entity(k)) => kind == k,
            (End::EitherOf(a, b), Endpoint::Entity(k)) => k == a || k == b,
            _ => false,
        }
    }
}

impl RelationType {
    /// Whether `source TYPE target` is allowed.
    pub fn allows(self, source: Endpoint, target: Endpoint) -> bool {
        let (from, to) = self.ends();
        from.admits(source) && to.admits(target)
    }
}

/// Where a relationship came from: a person, or a discovery source that saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<DateTime<Utc>>,
}

/// What an INSTALLED_ON relationship knows of the installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Installation {
    /// The exact version found (build or patch level), which may be finer than the product's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallationDraft {
    pub version: Option<String>,
    pub installed_on: Option<String>,
    pub last_used: Option<String>,
}

fn installation(
    relation: Option<RelationType>,
    draft: Option<InstallationDraft>,
) -> Result<Option<Installation>, FieldError> {
    let Some(d) = draft else { return Ok(None) };
    if relation != Some(RelationType::InstalledOn) {
        return Err(FieldError::new(
            "installation",
            ErrorCode::NotAllowed,
            "only INSTALLED_ON relationships describe an installation",
        ));
    }
    let version = optional_text("installation.version", d.version.as_deref(), 100)?;
    let installed_on = optional_date("installation.installedOn", d.installed_on.as_deref())?;
    let last_used = optional_date("installation.lastUsed", d.last_used.as_deref())?;
    if let (Some(installed), Some(used)) = (installed_on, last_used)
        && used < installed
    {
        return Err(FieldError::new(
            "installation.lastUsed",
            ErrorCode::Invalid,
            "lastUsed cannot precede installedOn",
        ));
    }
    Ok(Some(Installation {
        version,
        installed_on,
        last_used,
    }))
}

/// A typed, directed, attributed edge between two register entities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    pub source: NodeRef,
    pub target: NodeRef,
    #[serde(rename = "type")]
    pub relation: RelationType,
    /// 1 (low) to 5 (critical).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criticality: Option<u8>,
    /// Edges of one source sharing a group are alternatives; `min_up` of them must work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redundancy_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_up: Option<u16>,
    /// Share of the target's cost carried by the source, in percent.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "rust_decimal::serde::str_option",
        default
    )]
    pub allocation_percent: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installation: Option<Installation>,
    /// For AFFECTS: what the asset is to the ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_role: Option<TicketRole>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NodeRefDraft {
    pub kind: Option<EntityKind>,
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvenanceDraft {
    pub source: Option<String>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipDraft {
    pub source: Option<NodeRefDraft>,
    pub target: Option<NodeRefDraft>,
    #[serde(rename = "type")]
    pub relation: Option<RelationType>,
    pub criticality: Option<i64>,
    pub redundancy_group: Option<String>,
    pub min_up: Option<i64>,
    pub allocation_percent: Option<String>,
    pub provenance: Option<ProvenanceDraft>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub note: Option<String>,
    pub installation: Option<InstallationDraft>,
    pub ticket_role: Option<TicketRole>,
}

fn node_ref(field: &str, draft: Option<NodeRefDraft>) -> Result<NodeRef, FieldError> {
    let draft = draft.ok_or_else(|| {
        FieldError::new(field, ErrorCode::Required, format!("{field} is required"))
    })?;
    let kind = draft.kind.ok_or_else(|| {
        FieldError::new(field, ErrorCode::Required, format!("{field} is required"))
    })?;
    let id = EntityId::parse_field(field, draft.id.as_deref().unwrap_or(""))?;
    if kind == EntityKind::Relationship {
        return Err(FieldError::new(
            field,
            ErrorCode::Invalid,
            "a relationship joins entities, not relationships",
        ));
    }
    Ok(NodeRef { kind, id })
}

fn percent(value: Option<&str>) -> Result<Option<Decimal>, FieldError> {
    let Some(text) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let invalid = || {
        FieldError::new(
            "allocationPercent",
            ErrorCode::Invalid,
            "allocationPercent must be a number from 0 to 100",
        )
    };
    let share = Decimal::from_str(text).map_err(|_| invalid())?;
    if share < Decimal::ZERO || share > Decimal::ONE_HUNDRED {
        return Err(invalid());
    }
    Ok(Some(share.normalize()))
}

fn provenance(draft: Option<ProvenanceDraft>) -> Result<Option<Provenance>, FieldError> {
    let Some(d) = draft else { return Ok(None) };
    let source = required_text("provenance.source", d.source.as_deref(), MAX_NAME)?;
    if let (Some(first), Some(last)) = (d.first_seen, d.last_seen)
        && last < first
    {
        return Err(FieldError::new(
            "provenance.lastSeen",
            ErrorCode::Invalid,
            "last seen cannot precede first seen",
        ));
    }
    Ok(Some(Provenance {
        source,
        first_seen: d.first_seen,
        last_seen: d.last_seen,
    }))
}

impl Entity for Relationship {
    const KIND: EntityKind = EntityKind::Relationship;
    type Draft = RelationshipDraft;

    fn validate(d: RelationshipDraft) -> Result<Relationship, Vec<FieldError>> {
        let mut p = Problems::default();
        let source = p.take(node_ref("source", d.source));
        let target = p.take(node_ref("target", d.target));
        if d.relation.is_none() {
            p.push(FieldError::new(
                "type",
                ErrorCode::Required,
                "type is required",
            ));
        }
        if let (Some(s), Some(t)) = (&source, &target)
            && s == t
        {
            p.push(FieldError::new(
                "target",
                ErrorCode::SelfLoop,
                "a relationship cannot join an entity to itself",
            ));
        }
        let criticality = match d.criticality {
            None => None,
            Some(c @ 1..=5) => Some(c as u8),
            Some(_) => {
                p.push(FieldError::new(
                    "criticality",
                    ErrorCode::Invalid,
                    "criticality runs from 1 to 5",
                ));
                None
            }
        };
        let redundancy_group = p
            .take(optional_text(
                "redundancyGroup",
                d.redundancy_group.as_deref(),
                MAX_NAME,
            ))
            .flatten();
        let min_up = match d.min_up {
            None => None,
            Some(_) if redundancy_group.is_none() => {
                p.push(FieldError::new(
                    "minUp",
                    ErrorCode::Invalid,
                    "minUp applies to a redundancy group; name one",
                ));
                None
            }
            Some(m @ 1..=1000) => Some(m as u16),
            Some(_) => {
                p.push(FieldError::new(
                    "minUp",
                    ErrorCode::Invalid,
                    "minUp runs from 1 to 1000",
                ));
                None
            }
        };
        let allocation_percent = p.take(percent(d.allocation_percent.as_deref())).flatten();
        let provenance = p.take(provenance(d.provenance)).flatten();
        let valid_from = p
            .take(optional_date("validFrom", d.valid_from.as_deref()))
            .flatten();
        let valid_to = p
            .take(optional_date("validTo", d.valid_to.as_deref()))
            .flatten();
        if let (Some(from), Some(to)) = (valid_from, valid_to)
            && to < from
        {
            p.push(FieldError::new(
                "validTo",
                ErrorCode::Invalid,
                "validTo cannot precede validFrom",
            ));
        }
        let note = p
            .take(optional_text("note", d.note.as_deref(), MAX_TEXT))
            .flatten();
        let installation = p.take(installation(d.relation, d.installation)).flatten();
        match (d.relation, d.ticket_role) {
            (Some(RelationType::Affects), None) => p.push(FieldError::new(
                "ticketRole",
                ErrorCode::Required,
                "an AFFECTS relationship needs a ticketRole",
            )),
            (Some(r), Some(_)) if r != RelationType::Affects => p.push(FieldError::new(
                "ticketRole",
                ErrorCode::NotAllowed,
                "only AFFECTS relationships have a ticketRole",
            )),
            _ => {}
        }
        p.finish(|| Relationship {
            source: source.expect("checked"),
            target: target.expect("checked"),
            relation: d.relation.expect("checked"),
            criticality,
            redundancy_group,
            min_up,
            allocation_percent,
            provenance,
            valid_from,
            valid_to,
            note,
            installation,
            ticket_role: d.ticket_role,
        })
    }
}

/// What a linked asset is to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketRole {
    /// Hit by the incident or the change.
    Affected,
    /// Found to be the cause.
    Cause,
    /// What a change works on.
    Changed,
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trips_and_fits_four_bits() {
        for t in RelationType::ALL {
            assert_eq!(RelationType::from_index(t.index()), Some(t));
            assert!(t.index() < 16);
        }
    }

    #[test]
    fn endpoints_are_checked() {
        let app = Endpoint::Asset(AssetClass::SoftwareApplication);
        let vm = Endpoint::Asset(AssetClass::VirtualMachine);
        let laptop = Endpoint::Asset(AssetClass::Laptop);
        assert!(RelationType::RunsOn.allows(app, vm));
        assert!(!RelationType::RunsOn.allows(laptop, vm));
        assert!(RelationType::OwnedBy.allows(laptop, Endpoint::Entity(EntityKind::Team)));
        assert!(!RelationType::OwnedBy.allows(laptop, Endpoint::Entity(EntityKind::Vendor)));
        assert!(!RelationType::CoveredBy.allows(laptop, Endpoint::Entity(EntityKind::Vendor)));
        assert!(RelationType::CoveredBy.allows(laptop, Endpoint::Entity(EntityKind::Contract)));
        let product = Endpoint::Entity(EntityKind::SoftwareProduct);
        assert!(RelationType::InstalledOn.allows(product, laptop));
        assert!(
            !RelationType::InstalledOn
                .allows(product, Endpoint::Asset(AssetClass::BusinessService))
        );
        assert!(
            RelationType::DependsOn.carries_failure() && !RelationType::LocatedAt.carries_failure()
        );
    }
}
