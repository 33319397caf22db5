//! What kind of thing an asset is: its class and the broad category the class decides. Every
//! room sorts assets by them, so they sit below all of them.

use serde::{Deserialize, Serialize};

/// What an asset is; the class decides its category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssetClass {
    Server,
    Workstation,
    Laptop,
    Printer,
    Peripheral,
    Monitor,
    Phone,
    Tablet,
    Router,
    Switch,
    Firewall,
    AccessPoint,
    LoadBalancer,
    Storage,
    SoftwareApplication,
    CloudSubscription,
    VirtualMachine,
    Container,
    CloudStorage,
    CloudService,
    BusinessService,
}

/// The broad family of an asset, derived from its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    Hardware,
    Mobile,
    Network,
    Software,
    Cloud,
    Service,
}

impl AssetClass {
    pub const ALL: [AssetClass; 21] = [
        AssetClass::Server,
        AssetClass::Workstation,
        AssetClass::Laptop,
        AssetClass::Printer,
        AssetClass::Peripheral,
        AssetClass::Monitor,
        AssetClass::Phone,
        AssetClass::Tablet,
        AssetClass::Router,
        AssetClass::Switch,
        AssetClass::Firewall,
        AssetClass::AccessPoint,
        AssetClass::LoadBalancer,
        AssetClass::Storage,
        AssetClass::SoftwareApplication,
        AssetClass::CloudSubscription,
        AssetClass::VirtualMachine,
        AssetClass::Container,
        AssetClass::CloudStorage,
        AssetClass::CloudService,
        AssetClass::BusinessService,
    ];

    pub fn category(self) -> Category {
        use AssetClass::*;
        match self {
            Server | Workstation | Laptop | Printer | Peripheral | Monitor | Storage => {
                Category::Hardware
            }
            Phone | Tablet => Category::Mobile,
            Router | Switch | Firewall | AccessPoint | LoadBalancer => Category::Network,
            SoftwareApplication => Category::Software,
            CloudSubscription | VirtualMachine | Container | CloudStorage | CloudService => {
                Category::Cloud
            }
            BusinessService => Category::Service,
        }
    }

    /// Classes whose instances are physical and so carry serials, warranties and locations.
    pub fn is_physical(self) -> bool {
        matches!(
            self.category(),
            Category::Hardware | Category::Mobile | Category::Network
        )
    }

    pub fn in_category(category: Category) -> Vec<AssetClass> {
        AssetClass::ALL
            .into_iter()
            .filter(|c| c.category() == category)
            .collect()
    }

    /// Classes whose devices keep data (disks, flash, configurations and keys), so disposing of
    /// one needs a record of how its data was destroyed.
    pub fn holds_data(self) -> bool {
        self.is_physical() && !matches!(self, AssetClass::Monitor | AssetClass::Peripheral)
    }
}
