//! One hop from an asset, read from the index: its relationships, what it depends on and what
//! depends on it, counted and paged without reading the store beyond the page.

use crate::domain::kernel::{EntityId, EntityKind, NodeRef, Offsets, Page, Record};
use crate::domain::relationships::{RelationType, Relationship};
use crate::service::kernel::{Register, ServiceError};

/// Which way a hop goes from the asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ends {
    /// Edges the asset is the source of.
    Leaving,
    /// Edges the asset is the target of.
    Reaching,
    Both,
}

/// One edge at the asset: source, target and type.
pub type Hop = (NodeRef, NodeRef, RelationType);

impl Register {
    /// The edges at an asset of the types `keep` accepts, whose other end is of kind `other` when
    /// given, paged in a stable order (leaving before reaching, then by the other end's place
    /// in the index).
    pub fn hops(
        &self,
        asset: &EntityId,
        ends: Ends,
        keep: impl Fn(RelationType) -> bool,
        other: Option<EntityKind>,
        page: &Offsets,
    ) -> Page<Hop> {
        let index = self.index();
        let me = NodeRef::asset(asset);
        let Some(node) = index.number(&me) else {
            return Page::cut(Vec::new(), page);
        };
        let found = index.adjacent(
            node,
            ends != Ends::Reaching,
            ends != Ends::Leaving,
            |relation, at| keep(relation) && other.is_none_or(|kind| at.kind == kind),
        );
        Page::cut(found, page).filter_map(|(reaching, n, relation)| {
            let there = index.key(n)?.clone();
            Some(match reaching {
                false => (me.clone(), there, relation),
                true => (there, me.clone(), relation),
            })
        })
    }

    /// The stored relationships with these ends and types, in one round trip.
    pub async fn relationships_between(
        &self,
        hops: &[Hop],
    ) -> Result<Vec<Record<Relationship>>, ServiceError> {
        Ok(self.store.relationships_between(hops).await?)
    }
}
