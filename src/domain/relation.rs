//! Relationship types between register entities: names, inverses, allowed ends, failure semantics.

use serde::{Deserialize, Serialize};

use super::entity::EntityKind;
use super::register::{AssetClass, Category};

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
    /// An entity kind the register does not hold yet (contracts, licences); refused until it does.
    NotYetRegistered,
}

const PHYSICAL: &[Category] = &[Category::Hardware, Category::Mobile, Category::Network];
const HOSTS: &[Category] = &[Category::Hardware, Category::Network, Category::Cloud];
const SOFTWARE: &[Category] = &[Category::Software, Category::Cloud];

impl RelationType {
    pub const ALL: [RelationType; 12] = [
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
        use EntityKind::{Location, Person, Team, Vendor};
        match self {
            RelationType::DependsOn | RelationType::ConnectedTo => (End::Asset, End::Asset),
            RelationType::RunsOn => (End::AssetIn(SOFTWARE), End::AssetIn(HOSTS)),
            RelationType::HostedOn => (
                End::AssetIn(&[Category::Cloud, Category::Software, Category::Service]),
                End::AssetIn(HOSTS),
            ),
            RelationType::Contains => (End::AssetIn(PHYSICAL), End::AssetIn(PHYSICAL)),
            RelationType::InstalledOn => (End::AssetIn(&[Category::Software]), End::Asset),
            RelationType::OwnedBy => (End::Asset, End::EitherOf(Team, Person)),
            RelationType::AssignedTo => (End::Asset, End::Entity(Person)),
            RelationType::LocatedAt => (End::AssetIn(PHYSICAL), End::Entity(Location)),
            RelationType::CoveredBy | RelationType::LicensedBy => {
                (End::Asset, End::NotYetRegistered)
            }
            RelationType::SuppliedBy => (End::Asset, End::Entity(Vendor)),
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
        assert!(
            RelationType::DependsOn.carries_failure() && !RelationType::LocatedAt.carries_failure()
        );
    }
}
