//! Opaque Relay global ids: base64 of `Kind:key`, so clients never build ids by hand.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::kernel::{EntityId, EntityKind};

pub fn encode(kind: EntityKind, id: &EntityId) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.name(), id.as_str())))
}

/// Any well-formed global id, with its kind.
pub fn decode_any(id: &str) -> Option<(EntityKind, EntityId)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, key) = text.split_once(':')?;
    Some((EntityKind::from_name(kind)?, EntityId::parse(key)?))
}

/// A global id that must name an entity of `kind`.
pub fn decode(kind: EntityKind, id: &str) -> Option<EntityId> {
    decode_any(id)
        .filter(|(k, _)| *k == kind)
        .map(|(_, key)| key)
}

/// The opaque global id of an entity, as `node(id:)` takes it.
pub fn global_id(kind: EntityKind, id: &EntityId) -> String {
    encode(kind, id).0
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
        assert_eq!(decode_any(&URL_SAFE_NO_PAD.encode("Nope:x")), None);
    }
}
