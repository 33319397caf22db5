//! Opaque global ids, base64 of `Kind:key`: what the API and webhook bodies name entities by, so
//! clients never build ids by hand.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::entity::{EntityId, EntityKind};

/// The global id of an entity, as `node(id:)` takes it.
pub fn global_id(kind: EntityKind, id: &EntityId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.name(), id.as_str()))
}

/// Any well-formed global id, with its kind.
pub fn from_global_id(id: &str) -> Option<(EntityKind, EntityId)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, key) = text.split_once(':')?;
    Some((EntityKind::from_name(kind)?, EntityId::parse(key)?))
}
