//! Compact adjacency in both directions, with relation type, criticality and redundancy group
//! packed into one word per edge.

// A fast non-cryptographic hash: the keys are ids the register issued itself, and building
// the index hashes millions of them.
use rustc_hash::FxHashMap as HashMap;
use std::hash::Hash;

use crate::domain::relationships::RelationType;

/// A dense node number.
pub type Node = u32;

/// An edge as stored: relation type (4 bits), criticality (3 bits), redundancy group (25 bits, 0 = none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Packed(u32);

const GROUP_BITS: u32 = 25;
const MAX_GROUPS: u32 = (1 << GROUP_BITS) - 1;

impl Packed {
    fn new(relation: RelationType, criticality: u8, group: u32) -> Packed {
        debug_assert!(group <= MAX_GROUPS && criticality < 8);
        Packed(u32::from(relation.index()) | (u32::from(criticality) << 4) | (group << 7))
    }

    pub fn relation(self) -> RelationType {
        RelationType::from_index((self.0 & 0xF) as u8).expect("packed from a valid relation")
    }

    pub fn criticality(self) -> u8 {
        ((self.0 >> 4) & 0x7) as u8
    }

    /// The redundancy group of the edge's source, 0 when the edge stands alone.
    pub fn group(self) -> u32 {
        self.0 >> 7
    }

    pub(super) fn with_group(self, group: u32) -> Packed {
        Packed((self.0 & 0x7F) | (group << 7))
    }

    pub(super) fn bits(self) -> u32 {
        self.0
    }

    /// A word read back from an image; `None` unless its relation is a known one.
    pub(super) fn from_bits(bits: u32) -> Option<Packed> {
        RelationType::from_index((bits & 0xF) as u8).map(|_| Packed(bits))
    }
}

/// A set of relation types, as a bit mask.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelationMask(u16);

impl RelationMask {
    pub fn of(types: &[RelationType]) -> RelationMask {
        RelationMask(types.iter().fold(0, |m, t| m | (1 << t.index())))
    }

    /// The dependency-like types, along which failure spreads.
    pub fn failure_carrying() -> RelationMask {
        let types: Vec<RelationType> = RelationType::ALL
            .into_iter()
            .filter(|t| t.carries_failure())
            .collect();
        RelationMask::of(&types)
    }

    pub fn contains(self, packed: Packed) -> bool {
        // The low four bits of a packed edge are its relation's index.
        self.0 & (1 << (packed.0 & 0xF)) != 0
    }

    /// Whether every type of `other` is in this set.
    pub fn covers(self, other: RelationMask) -> bool {
        other.0 & !self.0 == 0
    }
}

/// An edge as callers describe it, by key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgeSpec<K> {
    pub source: K,
    pub target: K,
    pub relation: RelationType,
    /// 1 (low) to 5 (critical); 0 when unknown.
    pub criticality: u8,
    /// Name of the source's redundancy group this edge belongs to, and how many members must be up.
    pub group: Option<(String, u16)>,
}

/// A redundancy group: the alternatives one dependant has, of which `min_up` must work. Eight
/// bytes, without its name, because impact walks read it for every grouped edge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Group {
    pub(super) min_up: u16,
    pub(super) members: u32,
    /// The relation types of its members (possibly more, after removals).
    pub(super) relations: RelationMask,
}

impl Group {
    /// Counts one more member, of `relation`.
    fn join(&mut self, relation: RelationType) {
        self.members += 1;
        self.relations = RelationMask(self.relations.0 | 1 << relation.index());
    }
}

/// The index. Keys map to dense numbers; removed nodes keep their number but lose their key.
#[derive(Debug, Clone)]
pub struct GraphIndex<K: Hash + Eq + Clone> {
    keys: Vec<Option<K>>,
    numbers: HashMap<K, Node>,
    pub(super) out: Vec<Vec<(Node, Packed)>>,
    pub(super) inc: Vec<Vec<(Node, Packed)>>,
    pub(super) groups: Vec<Group>,
    /// Each group's name, by group number.
    group_names: Vec<String>,
    group_ids: HashMap<(Node, String), u32>,
}

impl<K: Hash + Eq + Clone + Ord> Default for GraphIndex<K> {
    fn default() -> Self {
        GraphIndex {
            keys: Vec::new(),
            numbers: HashMap::default(),
            out: Vec::new(),
            inc: Vec::new(),
            // Group 0 means "no group".
            groups: vec![Group::default()],
            group_names: vec![String::new()],
            group_ids: HashMap::default(),
        }
    }
}

/// Why an edge could not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("an edge cannot join a node to itself")]
    SelfLoop,
    #[error("this edge already exists")]
    Duplicate,
    #[error("too many redundancy groups")]
    TooManyGroups,
}

impl<K: Hash + Eq + Clone + Ord> GraphIndex<K> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the index from every edge (and any isolated nodes) in one pass.
    pub fn build(
        nodes: impl IntoIterator<Item = K>,
        edges: impl IntoIterator<Item = EdgeSpec<K>>,
    ) -> Result<Self, IndexError> {
        let mut index = Self::new();
        for key in nodes {
            index.node(&key);
        }
        for edge in edges {
            index.insert(&edge)?;
        }
        Ok(index)
    }

    /// The number of a key, assigning one if the key is new.
    pub fn node(&mut self, key: &K) -> Node {
        if let Some(n) = self.numbers.get(key) {
            return *n;
        }
        let n = self.keys.len() as Node;
        self.keys.push(Some(key.clone()));
        self.out.push(Vec::new());
        self.inc.push(Vec::new());
        self.numbers.insert(key.clone(), n);
        n
    }

    pub fn number(&self, key: &K) -> Option<Node> {
        self.numbers.get(key).copied()
    }

    pub fn key(&self, node: Node) -> Option<&K> {
        self.keys.get(node as usize).and_then(Option::as_ref)
    }

    /// How many node numbers exist (including those of removed nodes).
    pub fn capacity(&self) -> usize {
        self.keys.len()
    }

    pub fn edge_count(&self) -> usize {
        self.out.iter().map(Vec::len).sum()
    }

    fn group_id(
        &mut self,
        source: Node,
        relation: RelationType,
        group: &Option<(String, u16)>,
    ) -> Result<u32, IndexError> {
        let Some((name, min_up)) = group else {
            return Ok(0);
        };
        let id = match self.group_ids.get(&(source, name.clone())) {
            Some(id) => *id,
            None => {
                let id = self.groups.len() as u32;
                if id > MAX_GROUPS {
                    return Err(IndexError::TooManyGroups);
                }
                self.groups.push(Group {
                    min_up: *min_up,
                    members: 0,
                    relations: RelationMask(0),
                });
                self.group_names.push(name.clone());
                self.group_ids.insert((source, name.clone()), id);
                id
            }
        };
        let g = &mut self.groups[id as usize];
        g.min_up = *min_up;
        g.join(relation);
        Ok(id)
    }

    /// Adds an edge; refuses self-loops and a second edge of the same type between the same pair.
    pub fn insert(&mut self, edge: &EdgeSpec<K>) -> Result<(), IndexError> {
        if edge.source == edge.target {
            return Err(IndexError::SelfLoop);
        }
        let (s, t) = (self.node(&edge.source), self.node(&edge.target));
        if self.has_edge(&edge.source, &edge.target, edge.relation) {
            return Err(IndexError::Duplicate);
        }
        let group = self.group_id(s, edge.relation, &edge.group)?;
        let packed = Packed::new(edge.relation, edge.criticality.min(7), group);
        self.out[s as usize].push((t, packed));
        self.inc[t as usize].push((s, packed));
        Ok(())
    }

    /// Whether an edge of `relation` runs from `source` to `target`.
    pub fn has_edge(&self, source: &K, target: &K, relation: RelationType) -> bool {
        match (self.number(source), self.number(target)) {
            (Some(s), Some(t)) => self.out[s as usize]
                .iter()
                .any(|(n, p)| *n == t && p.relation() == relation),
            _ => false,
        }
    }

    /// Removes the edge of `relation` from `source` to `target`; returns whether it existed.
    pub fn remove(&mut self, source: &K, target: &K, relation: RelationType) -> bool {
        let (Some(s), Some(t)) = (self.number(source), self.number(target)) else {
            return false;
        };
        let Some(at) = self.out[s as usize]
            .iter()
            .position(|(n, p)| *n == t && p.relation() == relation)
        else {
            return false;
        };
        let (_, packed) = self.out[s as usize].swap_remove(at);
        if let Some(back) = self.inc[t as usize]
            .iter()
            .position(|(n, p)| *n == s && p.relation() == relation)
        {
            self.inc[t as usize].swap_remove(back);
        }
        self.release_group(s, packed.group());
        true
    }

    fn release_group(&mut self, source: Node, group: u32) {
        if group == 0 {
            return;
        }
        let g = &mut self.groups[group as usize];
        g.members -= 1;
        if g.members == 0 {
            g.relations = RelationMask(0);
            let name = std::mem::take(&mut self.group_names[group as usize]);
            self.group_ids.remove(&(source, name));
        }
    }

    pub(super) fn group_name(&self, group: u32) -> &str {
        &self.group_names[group as usize]
    }

    /// Adds the next redundancy group, without members yet (reading an image).
    pub(super) fn restore_group(&mut self, owner: Node, name: String, min_up: u16) {
        let id = self.groups.len() as u32;
        self.groups.push(Group {
            min_up,
            members: 0,
            relations: RelationMask(0),
        });
        self.group_ids.insert((owner, name.clone()), id);
        self.group_names.push(name);
    }

    /// Sets every node's outgoing edges at once (reading an image) and derives the incoming
    /// lists, each allocated in node order, and the groups' members.
    pub(super) fn restore_edges(&mut self, out: Vec<Vec<(Node, Packed)>>) {
        let mut in_degree = vec![0usize; out.len()];
        for (target, packed) in out.iter().flatten() {
            in_degree[*target as usize] += 1;
            if packed.group() != 0 {
                self.groups[packed.group() as usize].join(packed.relation());
            }
        }
        let mut inc: Vec<Vec<(Node, Packed)>> =
            in_degree.into_iter().map(Vec::with_capacity).collect();
        for (source, edges) in out.iter().enumerate() {
            for &(target, packed) in edges {
                inc[target as usize].push((source as Node, packed));
            }
        }
        self.out = out;
        self.inc = inc;
    }

    /// Renumbers the nodes so that what one walk meets together sits together in memory, and
    /// forgets removed nodes. Nodes are numbered breadth first from those that rely on nothing,
    /// along "who relies on me": a node's dependants get neighbouring numbers and their edge
    /// lists are allocated side by side, so an impact walk reads memory mostly in order instead
    /// of missing the cache on every edge. Numbers change; keys, edges and groups do not.
    pub fn relayout(&mut self) {
        let order = self.layout_order();
        let mut new_of_old = vec![Node::MAX; self.capacity()];
        for (new, &old) in order.iter().enumerate() {
            new_of_old[old as usize] = new as Node;
        }
        // Groups are renumbered in the order of their owners, for the same reason.
        let mut group_of_old = vec![0u32; self.groups.len()];
        let mut groups = vec![Group::default()];
        let mut names = vec![String::new()];
        for &old in &order {
            for (_, packed) in &self.out[old as usize] {
                let g = packed.group() as usize;
                if g != 0 && group_of_old[g] == 0 {
                    group_of_old[g] = groups.len() as u32;
                    groups.push(self.groups[g]);
                    names.push(std::mem::take(&mut self.group_names[g]));
                }
            }
        }
        let renumber = |lists: &[Vec<(Node, Packed)>]| -> Vec<Vec<(Node, Packed)>> {
            order
                .iter()
                .map(|&old| {
                    lists[old as usize]
                        .iter()
                        .map(|&(n, p)| {
                            (
                                new_of_old[n as usize],
                                p.with_group(group_of_old[p.group() as usize]),
                            )
                        })
                        .collect()
                })
                .collect()
        };
        self.inc = renumber(&self.inc);
        self.out = renumber(&self.out);
        self.keys = order
            .iter()
            .map(|&old| self.keys[old as usize].take())
            .collect();
        for n in self.numbers.values_mut() {
            *n = new_of_old[*n as usize];
        }
        self.group_ids = std::mem::take(&mut self.group_ids)
            .into_iter()
            .map(|((owner, name), g)| {
                ((new_of_old[owner as usize], name), group_of_old[g as usize])
            })
            .collect();
        self.groups = groups;
        self.group_names = names;
    }

    /// Live nodes, one foundation (a node relying on nothing) at a time, breadth first along
    /// "who relies on me", the foundations most of the graph relies on first. The largest
    /// impact walk in the graph then meets nodes in number order, and smaller walks below it
    /// stay within neighbouring numbers. Nodes only reachable through cycles follow, each
    /// starting a walk of its own.
    fn layout_order(&self) -> Vec<Node> {
        let carries = RelationMask::failure_carrying();
        let live = |n: usize| self.keys[n].is_some();
        let weight = self.foundation_weights(carries);
        let mut foundations: Vec<Node> = (0..self.capacity())
            .filter(|&n| live(n) && !self.out[n].iter().any(|(_, p)| carries.contains(*p)))
            .map(|n| n as Node)
            .collect();
        foundations.sort_by_key(|&n| (std::cmp::Reverse(weight[n as usize]), n));
        let others = (0..self.capacity() as Node).filter(|&n| live(n as usize));
        let mut placed = vec![false; self.capacity()];
        let mut order: Vec<Node> = Vec::with_capacity(self.capacity());
        for start in foundations.into_iter().chain(others) {
            if placed[start as usize] {
                continue;
            }
            placed[start as usize] = true;
            let mut next = order.len();
            order.push(start);
            while next < order.len() {
                for &(dependant, packed) in &self.inc[order[next] as usize] {
                    if carries.contains(packed) && !placed[dependant as usize] {
                        placed[dependant as usize] = true;
                        order.push(dependant);
                    }
                }
                next += 1;
            }
        }
        order
    }

    /// Per node, how many of a sample of nodes rely on it (followed up to a bound): for the
    /// foundations, an estimate of how much of the graph each carries, at the cost of a few
    /// short walks instead of one walk per foundation.
    fn foundation_weights(&self, carries: RelationMask) -> Vec<u32> {
        const SAMPLES: usize = 256;
        const REACH: usize = 4096;
        let mut weight = vec![0u32; self.capacity()];
        let mut seen = vec![usize::MAX; self.capacity()];
        let step = (self.capacity() / SAMPLES).max(1);
        for (sample, start) in (0..self.capacity()).step_by(step).enumerate() {
            let mut queue = vec![start as Node];
            seen[start] = sample;
            let mut next = 0;
            while next < queue.len() && queue.len() < REACH {
                for &(dependency, packed) in &self.out[queue[next] as usize] {
                    if carries.contains(packed) && seen[dependency as usize] != sample {
                        seen[dependency as usize] = sample;
                        queue.push(dependency);
                    }
                }
                next += 1;
            }
            for n in queue {
                weight[n as usize] += 1;
            }
        }
        weight
    }

    /// Removes a node and every edge at it.
    pub fn remove_node(&mut self, key: &K) {
        let Some(n) = self.numbers.remove(key) else {
            return;
        };
        for (t, packed) in std::mem::take(&mut self.out[n as usize]) {
            self.inc[t as usize].retain(|(s, p)| !(*s == n && p.relation() == packed.relation()));
            self.release_group(n, packed.group());
        }
        for (s, packed) in std::mem::take(&mut self.inc[n as usize]) {
            self.out[s as usize].retain(|(t, p)| !(*t == n && p.relation() == packed.relation()));
            self.release_group(s, packed.group());
        }
        self.keys[n as usize] = None;
    }

    /// Every edge, by key, sorted: two indexes are equal when these (and their nodes) are.
    pub fn edges(&self) -> Vec<EdgeSpec<K>> {
        let mut edges: Vec<EdgeSpec<K>> = self
            .out
            .iter()
            .enumerate()
            .flat_map(|(s, list)| list.iter().map(move |(t, p)| (s as Node, *t, *p)))
            .filter_map(|(s, t, p)| self.spec(s, t, p))
            .collect();
        edges.sort();
        edges
    }

    /// The edge from `source` to `target` packed as `packed`, by key; `None` for a removed node.
    pub(super) fn spec(&self, source: Node, target: Node, packed: Packed) -> Option<EdgeSpec<K>> {
        let group = (packed.group() != 0).then(|| {
            let g = packed.group() as usize;
            (self.group_names[g].clone(), self.groups[g].min_up)
        });
        Some(EdgeSpec {
            source: self.key(source)?.clone(),
            target: self.key(target)?.clone(),
            relation: packed.relation(),
            criticality: packed.criticality(),
            group,
        })
    }

    /// Every live node key, sorted.
    pub fn nodes(&self) -> Vec<K> {
        let mut keys: Vec<K> = self.numbers.keys().cloned().collect();
        keys.sort();
        keys
    }

    /// Outgoing edges of a node (what it relies on, for dependency-like types).
    pub fn outgoing(&self, node: Node) -> &[(Node, Packed)] {
        self.out.get(node as usize).map_or(&[], Vec::as_slice)
    }

    /// Incoming edges of a node (who relies on it).
    pub fn incoming(&self, node: Node) -> &[(Node, Packed)] {
        self.inc.get(node as usize).map_or(&[], Vec::as_slice)
    }

    /// One hop from a node: the edges leaving it and / or reaching it that `keep` accepts
    /// (given the relation and the key at the other end), as (reaching, other node, relation),
    /// in a stable order: leaving first, then by the other node and the relation.
    pub fn adjacent(
        &self,
        node: Node,
        leaving: bool,
        reaching: bool,
        keep: impl Fn(RelationType, &K) -> bool,
    ) -> Vec<(bool, Node, RelationType)> {
        let sides = [
            (false, leaving, self.outgoing(node)),
            (true, reaching, self.incoming(node)),
        ];
        let keep = &keep;
        let mut found: Vec<(bool, Node, RelationType)> = sides
            .into_iter()
            .filter(|(_, wanted, _)| *wanted)
            .flat_map(|(side, _, edges)| {
                edges.iter().filter_map(move |(other, packed)| {
                    let relation = packed.relation();
                    let at = self.key(*other)?;
                    keep(relation, at).then_some((side, *other, relation))
                })
            })
            .collect();
        found.sort_unstable_by_key(|(side, other, relation)| (*side, *other, relation.index()));
        found
    }

    /// Approximate heap bytes held, for the memory targets.
    pub fn heap_bytes(&self) -> usize {
        let adjacency: usize = self
            .out
            .iter()
            .chain(&self.inc)
            .map(|v| v.capacity() * size_of::<(Node, Packed)>())
            .sum();
        let vectors = 2 * self.out.capacity() * size_of::<Vec<(Node, Packed)>>();
        let keys = self.keys.capacity() * size_of::<Option<K>>()
            + self.numbers.capacity() * (size_of::<K>() + 8);
        adjacency + vectors + keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn edge(s: u32, t: u32, relation: RelationType, group: Option<(&str, u16)>) -> EdgeSpec<u32> {
        EdgeSpec {
            source: s,
            target: t,
            relation,
            criticality: 3,
            group: group.map(|(n, m)| (n.to_string(), m)),
        }
    }

    #[test]
    fn packs_and_unpacks() {
        let p = Packed::new(RelationType::SuppliedBy, 5, MAX_GROUPS);
        assert_eq!(
            (p.relation(), p.criticality(), p.group()),
            (RelationType::SuppliedBy, 5, MAX_GROUPS)
        );
    }

    #[test]
    fn refuses_self_loops_and_duplicates() {
        let mut g = GraphIndex::new();
        assert_eq!(
            g.insert(&edge(1, 1, RelationType::DependsOn, None)),
            Err(IndexError::SelfLoop)
        );
        g.insert(&edge(1, 2, RelationType::DependsOn, None))
            .unwrap();
        assert_eq!(
            g.insert(&edge(1, 2, RelationType::DependsOn, None)),
            Err(IndexError::Duplicate)
        );
        g.insert(&edge(1, 2, RelationType::RunsOn, None)).unwrap();
        assert_eq!(g.edge_count(), 2);
    }

    /// A random sequence of changes: insert an edge, remove an edge, or remove a node.
    #[derive(Debug, Clone)]
    enum Change {
        Insert(u32, u32, usize, Option<u8>),
        Remove(u32, u32, usize),
        RemoveNode(u32),
        Relayout,
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            6 => (0u32..12, 0u32..12, 0usize..3, prop::option::of(0u8..3)).prop_map(|(s, t, r, g)| Change::Insert(s, t, r, g)),
            3 => (0u32..12, 0u32..12, 0usize..3).prop_map(|(s, t, r)| Change::Remove(s, t, r)),
            1 => (0u32..12).prop_map(Change::RemoveNode),
            1 => Just(Change::Relayout),
        ]
    }

    proptest! {
        /// After any sequence of changes (relayouts included), the index equals one rebuilt from its
        /// own edge list.
        #[test]
        fn incremental_index_equals_a_rebuild(changes in prop::collection::vec(change(), 0..80)) {
            let types = [RelationType::DependsOn, RelationType::RunsOn, RelationType::ConnectedTo];
            let mut g = GraphIndex::new();
            let mut reference: std::collections::BTreeMap<(u32, u32, RelationType), Option<(String, u16)>> = Default::default();
            for c in changes {
                match c {
                    Change::Insert(s, t, r, group) => {
                        let group = group.map(|n| (format!("g{n}"), 1 + u16::from(n % 2)));
                        let spec = EdgeSpec { source: s, target: t, relation: types[r], criticality: 2, group: group.clone() };
                        let fresh = s != t && !reference.contains_key(&(s, t, types[r]));
                        prop_assert_eq!(g.insert(&spec).is_ok(), fresh);
                        if fresh {
                            reference.insert((s, t, types[r]), group);
                        }
                    }
                    Change::Remove(s, t, r) => {
                        prop_assert_eq!(g.remove(&s, &t, types[r]), reference.remove(&(s, t, types[r])).is_some());
                    }
                    Change::RemoveNode(n) => {
                        g.remove_node(&n);
                        reference.retain(|(s, t, _), _| *s != n && *t != n);
                    }
                    Change::Relayout => g.relayout(),
                }
            }
            let rebuilt = GraphIndex::build(g.nodes(), g.edges()).unwrap();
            prop_assert_eq!(rebuilt.edges(), g.edges());
            prop_assert_eq!(rebuilt.nodes(), g.nodes());
            // Group names and minimum counts survive; min_up is the last one given per group.
            let expected: Vec<(u32, u32, RelationType)> = reference.keys().copied().collect();
            let got: Vec<(u32, u32, RelationType)> = g.edges().into_iter().map(|e| (e.source, e.target, e.relation)).collect();
            prop_assert_eq!(got, expected);
        }
    }
}
