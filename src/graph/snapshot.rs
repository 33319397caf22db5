//! A compact binary image of the index, so a large graph comes back from one read of a few
//! large values instead of a scan that decodes every stored relationship.
//!
//! Layout (little endian): magic and format version, the relation registry it was written
//! with, the live keys in node order, the redundancy groups (owner, minimum up, name), then
//! each node's outgoing edges (target, packed word). Incoming lists are derived on reading.
//! A checksum over everything before it closes the image, so a damaged one is refused.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

use crate::domain::kernel::{EntityId, EntityKind, NodeRef};
use crate::domain::relationships::RelationType;
use crate::graph::index::{GraphIndex, Node, Packed};

const MAGIC: &[u8; 4] = b"AGIX";
const FORMAT: u32 = 1;

/// Why an image cannot be read back (the caller rebuilds from the store instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("not an index image, or from another format version")]
    Format,
    #[error("written with another relation registry")]
    Registry,
    #[error("the image is damaged: {0}")]
    Damaged(&'static str),
}

/// A key that can be written into an image and read back.
pub trait SnapshotKey: Sized {
    fn write(&self, out: &mut Vec<u8>);
    fn read(input: &mut Reader<'_>) -> Result<Self, SnapshotError>;
}

impl SnapshotKey for u32 {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        input.u32()
    }
}

impl SnapshotKey for NodeRef {
    fn write(&self, out: &mut Vec<u8>) {
        let kind = EntityKind::ALL
            .iter()
            .position(|k| *k == self.kind)
            .expect("every kind is listed");
        out.push(kind as u8);
        write_text(out, self.id.as_str());
    }

    fn read(input: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        let kind = *EntityKind::ALL
            .get(usize::from(input.u8()?))
            .ok_or(SnapshotError::Damaged("unknown entity kind"))?;
        let id = EntityId::parse(input.text()?).ok_or(SnapshotError::Damaged("invalid id"))?;
        Ok(NodeRef { kind, id })
    }
}

fn write_text(out: &mut Vec<u8>, text: &str) {
    let len = u16::try_from(text.len()).expect("names and ids are short");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// Reads an image front to back; every read checks the bounds.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        if self.bytes.len() < n {
            return Err(SnapshotError::Damaged("truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16, SnapshotError> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("two bytes"),
        ))
    }

    pub fn u32(&mut self) -> Result<u32, SnapshotError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("four bytes"),
        ))
    }

    pub fn text(&mut self) -> Result<&'a str, SnapshotError> {
        let len = usize::from(self.u16()?);
        std::str::from_utf8(self.take(len)?).map_err(|_| SnapshotError::Damaged("text"))
    }
}

fn checksum(bytes: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    for chunk in bytes.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        u64::from_le_bytes(word).hash(&mut hasher);
    }
    hasher.finish()
}

fn registry() -> Vec<String> {
    RelationType::ALL.iter().map(|t| format!("{t:?}")).collect()
}

impl<K: SnapshotKey + Hash + Eq + Clone + Ord> GraphIndex<K> {
    /// The image of the index. Removed nodes and emptied groups are left out, so numbers in
    /// the image are dense; the node order (the memory layout) is kept.
    pub fn to_snapshot(&self) -> Vec<u8> {
        let live: Vec<Node> = (0..self.capacity() as Node)
            .filter(|&n| self.key(n).is_some())
            .collect();
        let mut dense = vec![Node::MAX; self.capacity()];
        for (i, &n) in live.iter().enumerate() {
            dense[n as usize] = i as Node;
        }
        // Groups in use, numbered from 1 in the order their owners come.
        let mut group_of = vec![0u32; self.groups.len()];
        let mut groups: Vec<(Node, u32)> = Vec::new();
        for (i, &n) in live.iter().enumerate() {
            for (_, packed) in self.outgoing(n) {
                let g = packed.group() as usize;
                if g != 0 && group_of[g] == 0 {
                    groups.push((i as Node, g as u32));
                    group_of[g] = groups.len() as u32;
                }
            }
        }
        let mut out = Vec::with_capacity(16 + live.len() * 40 + self.edge_count() * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        let names = registry();
        out.extend_from_slice(&(names.len() as u32).to_le_bytes());
        for name in &names {
            write_text(&mut out, name);
        }
        out.extend_from_slice(&(live.len() as u32).to_le_bytes());
        for &n in &live {
            self.key(n).expect("live").write(&mut out);
        }
        out.extend_from_slice(&(groups.len() as u32).to_le_bytes());
        for &(owner, g) in &groups {
            out.extend_from_slice(&owner.to_le_bytes());
            out.extend_from_slice(&self.groups[g as usize].min_up.to_le_bytes());
            write_text(&mut out, self.group_name(g));
        }
        for &n in &live {
            let edges = self.outgoing(n);
            out.extend_from_slice(&(edges.len() as u32).to_le_bytes());
            for &(target, packed) in edges {
                let packed = packed.with_group(group_of[packed.group() as usize]);
                out.extend_from_slice(&dense[target as usize].to_le_bytes());
                out.extend_from_slice(&packed.bits().to_le_bytes());
            }
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// The index an image describes.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Self, SnapshotError> {
        let Some(body_len) = bytes.len().checked_sub(8) else {
            return Err(SnapshotError::Format);
        };
        let (body, sum) = bytes.split_at(body_len);
        let mut input = Reader { bytes: body };
        if input.take(4)? != MAGIC || input.u32()? != FORMAT {
            return Err(SnapshotError::Format);
        }
        if u64::from_le_bytes(sum.try_into().expect("eight bytes")) != checksum(body) {
            return Err(SnapshotError::Damaged("checksum"));
        }
        let names = (0..input.u32()?)
            .map(|_| input.text().map(str::to_string))
            .collect::<Result<Vec<_>, _>>()?;
        if names != registry() {
            return Err(SnapshotError::Registry);
        }
        let mut index = Self::new();
        let nodes = input.u32()? as usize;
        for expected in 0..nodes {
            let key = K::read(&mut input)?;
            if index.node(&key) as usize != expected {
                return Err(SnapshotError::Damaged("a key appears twice"));
            }
        }
        // Owners by group number; group 0 is "no group".
        let mut owners = vec![Node::MAX];
        for _ in 0..input.u32()? {
            let owner = input.u32()?;
            let min_up = input.u16()?;
            let name = input.text()?.to_string();
            if owner as usize >= nodes {
                return Err(SnapshotError::Damaged("group owner"));
            }
            index.restore_group(owner, name, min_up);
            owners.push(owner);
        }
        let mut out: Vec<Vec<(Node, Packed)>> = Vec::with_capacity(nodes);
        for source in 0..nodes {
            let degree = input.u32()? as usize;
            let mut edges = Vec::with_capacity(degree.min(body.len() / 8));
            for _ in 0..degree {
                let target = input.u32()?;
                let packed = Packed::from_bits(input.u32()?)
                    .ok_or(SnapshotError::Damaged("unknown relation"))?;
                let g = packed.group() as usize;
                let valid = (target as usize) < nodes
                    && target as usize != source
                    && (g == 0 || owners.get(g) == Some(&(source as Node)));
                if !valid {
                    return Err(SnapshotError::Damaged("edge"));
                }
                edges.push((target, packed));
            }
            out.push(edges);
        }
        if !input.bytes.is_empty() {
            return Err(SnapshotError::Damaged("trailing bytes"));
        }
        index.restore_edges(out);
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::index::EdgeSpec;
    use proptest::prelude::*;

    fn random_index() -> impl Strategy<Value = GraphIndex<u32>> {
        let types = [
            RelationType::DependsOn,
            RelationType::RunsOn,
            RelationType::LocatedAt,
        ];
        let edge = (
            0u32..20,
            0u32..20,
            0usize..3,
            prop::option::of(0u8..3),
            0u8..6,
        );
        (
            prop::collection::vec(edge, 0..60),
            prop::collection::vec(0u32..20, 0..5),
            any::<bool>(),
        )
            .prop_map(move |(edges, removed, relayout)| {
                let mut index = GraphIndex::new();
                for (s, t, r, g, c) in edges {
                    let _ = index.insert(&EdgeSpec {
                        source: s,
                        target: t,
                        relation: types[r],
                        criticality: c,
                        group: g.map(|g| (format!("g{g}"), 1 + u16::from(g))),
                    });
                }
                for n in removed {
                    index.remove_node(&n);
                }
                if relayout {
                    index.relayout();
                }
                index
            })
    }

    proptest! {
        /// An image read back is the same index, in the same node order.
        #[test]
        fn an_image_round_trips(index in random_index()) {
            let image = index.to_snapshot();
            let back = GraphIndex::<u32>::from_snapshot(&image).unwrap();
            prop_assert_eq!(back.edges(), index.edges());
            prop_assert_eq!(back.nodes(), index.nodes());
            let order = |g: &GraphIndex<u32>| (0..g.capacity() as u32).filter_map(|n| g.key(n).copied()).collect::<Vec<_>>();
            prop_assert_eq!(order(&back), order(&index));
            prop_assert_eq!(back.to_snapshot(), image);
        }

        /// Any damage is refused, never read as another index.
        #[test]
        fn a_damaged_image_is_refused(index in random_index(), at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let mut image = index.to_snapshot();
            let i = at.index(image.len());
            image[i] ^= 1 << bit;
            prop_assert!(GraphIndex::<u32>::from_snapshot(&image).is_err());
            prop_assert!(GraphIndex::<u32>::from_snapshot(&image[..i]).is_err());
        }
    }

    #[test]
    fn node_refs_round_trip() {
        let key = NodeRef {
            kind: EntityKind::Team,
            id: EntityId::parse("team-7_x").unwrap(),
        };
        let mut bytes = Vec::new();
        key.write(&mut bytes);
        assert_eq!(NodeRef::read(&mut Reader { bytes: &bytes }), Ok(key));
    }
}
