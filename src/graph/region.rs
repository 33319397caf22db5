//! The part of a changed index one walk can touch, built on its own: how `asOfChange` asks about
//! the graph as it stood without copying the whole index.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;

use crate::domain::relationships::RelationType;
use crate::graph::index::{EdgeSpec, GraphIndex};

/// An edge's identity: its ends and its type (at most one edge per triple).
pub type EdgeKey<K> = (K, K, RelationType);

/// Edges to take out of an index and edges to put in, as a later state is rewound.
#[derive(Debug, Clone)]
pub struct Rewind<K> {
    /// Edges of the index that were not there then (or were there otherwise).
    pub gone: HashSet<EdgeKey<K>>,
    /// Edges that were there then, as they were.
    pub back: HashMap<EdgeKey<K>, EdgeSpec<K>>,
}

impl<K: Hash + Eq + Clone> Default for Rewind<K> {
    fn default() -> Self {
        Rewind {
            gone: HashSet::new(),
            back: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq + Clone> Rewind<K> {
    /// Undoes the presence of an edge (as a later creation or update left it).
    pub fn remove(&mut self, key: EdgeKey<K>) {
        self.back.remove(&key);
        self.gone.insert(key);
    }

    /// Puts back an edge as it was (before a later update or deletion).
    pub fn restore(&mut self, edge: EdgeSpec<K>) {
        let key = (edge.source.clone(), edge.target.clone(), edge.relation);
        self.back.insert(key, edge);
    }
}

fn key_of<K: Clone>(edge: &EdgeSpec<K>) -> EdgeKey<K> {
    (edge.source.clone(), edge.target.clone(), edge.relation)
}

impl<K: Hash + Eq + Clone + Ord> GraphIndex<K> {
    /// A small index of what a walk from `start` can touch in this index rewound by `rewind`:
    /// every node reached by following edges the walk's way (incoming ones for failure impact,
    /// outgoing ones for upstream), with all of their outgoing edges, since whether a node is
    /// down depends on every alternative it has.
    pub fn region(&self, start: &[K], follow_incoming: bool, rewind: &Rewind<K>) -> GraphIndex<K> {
        let mut back_from: HashMap<&K, Vec<&EdgeSpec<K>>> = HashMap::new();
        let mut back_into: HashMap<&K, Vec<&EdgeSpec<K>>> = HashMap::new();
        for edge in rewind.back.values() {
            back_from.entry(&edge.source).or_default().push(edge);
            back_into.entry(&edge.target).or_default().push(edge);
        }
        let current = |edge: &EdgeSpec<K>| !rewind.gone.contains(&key_of(edge));
        let mut seen: HashSet<K> = start.iter().cloned().collect();
        let mut queue: VecDeque<K> = start.iter().cloned().collect();
        let mut edges: Vec<EdgeSpec<K>> = Vec::new();
        while let Some(key) = queue.pop_front() {
            let node = self.number(&key);
            let outgoing = node
                .into_iter()
                .flat_map(|n| {
                    self.outgoing(n)
                        .iter()
                        .filter_map(move |&(t, p)| self.spec(n, t, p))
                })
                .filter(|e| current(e))
                .chain(
                    back_from
                        .get(&key)
                        .into_iter()
                        .flatten()
                        .map(|e| (*e).clone()),
                );
            let incoming = node
                .into_iter()
                .flat_map(|n| {
                    self.incoming(n)
                        .iter()
                        .filter_map(move |&(s, p)| self.spec(s, n, p))
                })
                .filter(|e| current(e))
                .chain(
                    back_into
                        .get(&key)
                        .into_iter()
                        .flatten()
                        .map(|e| (*e).clone()),
                );
            let outgoing: Vec<EdgeSpec<K>> = outgoing.collect();
            let followed: Vec<EdgeSpec<K>> = if follow_incoming {
                incoming.collect()
            } else {
                outgoing.clone()
            };
            for edge in &followed {
                let next = if follow_incoming {
                    &edge.source
                } else {
                    &edge.target
                };
                if seen.insert(next.clone()) {
                    queue.push_back(next.clone());
                }
            }
            edges.extend(outgoing);
            if follow_incoming {
                edges.extend(followed);
            }
        }
        let mut region = GraphIndex::new();
        for key in start {
            region.node(key);
        }
        for edge in &edges {
            // The same edge comes once from each end; a refused duplicate is that one.
            let _ = region.insert(edge);
        }
        region
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{ImpactQuery, RelationMask};
    use proptest::prelude::*;

    fn edge(source: u32, target: u32, group: Option<&str>) -> EdgeSpec<u32> {
        EdgeSpec {
            source,
            target,
            relation: RelationType::DependsOn,
            criticality: 0,
            group: group.map(|g| (g.to_string(), 1)),
        }
    }

    /// Affected nodes with their state and depth, by key.
    fn affected(index: &GraphIndex<u32>, start: u32, downstream: bool) -> Vec<(u32, String, u32)> {
        let Some(n) = index.number(&start) else {
            return Vec::new();
        };
        let mut found: Vec<(u32, String, u32)> = if downstream {
            let query = ImpactQuery {
                failed: vec![n],
                relations: RelationMask::failure_carrying(),
                max_depth: None,
            };
            index
                .impact(&query)
                .affected
                .iter()
                .map(|a| {
                    (
                        *index.key(a.node).unwrap(),
                        format!("{:?}", a.state),
                        a.depth,
                    )
                })
                .collect()
        } else {
            index
                .upstream(&[n], RelationMask::failure_carrying(), None)
                .iter()
                .map(|r| (*index.key(r.node).unwrap(), "Up".to_string(), r.depth))
                .collect()
        };
        found.sort();
        found
    }

    proptest! {
        #[test]
        fn a_walk_on_the_region_finds_what_it_finds_on_the_whole_rewound_index(
            edges in proptest::collection::vec((0u32..30, 0u32..30, 0u8..3), 0..80),
            undone in proptest::collection::vec((0u32..30, 0u32..30, 0u8..3), 0..10),
            start in 0u32..30,
            downstream in any::<bool>(),
        ) {
            let group = |g: u8| ["a", "b"].get(g as usize).copied();
            let mut now = GraphIndex::new();
            for (s, t, g) in &edges {
                let _ = now.insert(&edge(*s, *t, group(*g)));
            }
            // Some edges of today were not there then; some that were there are gone today.
            let mut rewind = Rewind::default();
            let mut then = now.clone();
            for (i, (s, t, g)) in undone.iter().enumerate() {
                if i % 2 == 0 {
                    then.remove(s, t, RelationType::DependsOn);
                    rewind.remove((*s, *t, RelationType::DependsOn));
                } else if !then.has_edge(s, t, RelationType::DependsOn)
                    && then.insert(&edge(*s, *t, group(*g))).is_ok()
                {
                    rewind.restore(edge(*s, *t, group(*g)));
                }
            }
            let region = now.region(&[start], downstream, &rewind);
            prop_assert_eq!(affected(&region, start, downstream), affected(&then, start, downstream));
        }
    }
}
