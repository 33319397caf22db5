//! Locations: a hierarchy of sites, buildings, floors, rooms and racks.

use serde::{Deserialize, Serialize};

use crate::domain::kernel::optional_ref;
use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{
    ErrorCode, FieldError, MAX_NAME, MAX_TEXT, Problems, optional_text, required_text,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LocationKind {
    Site,
    Building,
    Floor,
    Room,
    Rack,
}

impl LocationKind {
    /// A location may only sit inside a coarser one (a room inside a floor or building, not the reverse).
    pub fn may_contain(self, child: LocationKind) -> bool {
        self < child
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub name: String,
    pub kind: LocationKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationDraft {
    pub name: Option<String>,
    pub kind: Option<LocationKind>,
    pub parent: Option<String>,
    pub address: Option<String>,
}

impl Entity for Location {
    const KIND: EntityKind = EntityKind::Location;
    type Draft = LocationDraft;
    const PARENT_FIELD: Option<&'static str> = Some("parent");

    fn validate(d: LocationDraft) -> Result<Location, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", d.name.as_deref(), MAX_NAME));
        if d.kind.is_none() {
            p.push(FieldError::new(
                "kind",
                ErrorCode::Required,
                "kind is required",
            ));
        }
        let parent = p
            .take(optional_ref("parent", d.parent.as_deref()))
            .flatten();
        let address = p
            .take(optional_text("address", d.address.as_deref(), MAX_TEXT))
            .flatten();
        p.finish(|| Location {
            name: name.expect("checked"),
            kind: d.kind.expect("checked"),
            parent,
            address,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarser_kinds_contain_finer_ones() {
        assert!(LocationKind::Site.may_contain(LocationKind::Building));
        assert!(LocationKind::Building.may_contain(LocationKind::Room));
        assert!(!LocationKind::Rack.may_contain(LocationKind::Room));
        assert!(!LocationKind::Room.may_contain(LocationKind::Room));
    }
}
