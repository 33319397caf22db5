//! Opaque Relay global ids: base64 of `Kind:key`, so clients never build ids by hand.

use async_graphql::ID;

pub use crate::domain::kernel::global_id;
use crate::domain::kernel::{EntityId, EntityKind};

pub fn encode(kind: EntityKind, id: &EntityId) -> ID {
    ID(global_id(kind, id))
}

/// Any well-formed global id, with its kind.
pub fn decode_any(id: &str) -> Option<(EntityKind, EntityId)> {
    crate::domain::kernel::from_global_id(id)
}

/// A global id that must name an entity of `kind`.
pub fn decode(kind: EntityKind, id: &str) -> Option<EntityId> {
    decode_any(id)
        .filter(|(k, _)| *k == kind)
        .map(|(_, key)| key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_checks_kind() {
        let id = EntityId::parse("asset-0001").unwrap();
        let global = encode(EntityKind::Asset, &id);
        assert_eq!(decode(EntityKind::Asset, &global), Some(id.clone()));
        assert_eq!(decode(EntityKind::Team, &global), None);
        assert_eq!(decode_any("not base64!"), None);
        assert_eq!(decode_any("Tm9wZTp4"), None, "Nope:x");
    }
}
