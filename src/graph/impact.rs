//! Impact analysis: what fails, or degrades, when some nodes fail together, and why.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::hash::Hash;

use crate::graph::chains::Chains;
use crate::graph::index::{GraphIndex, Node, RelationMask};

/// How badly an affected node is hit. Ordered: a node only ever gets worse during propagation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    Up,
    Degraded,
    Down,
}

#[derive(Debug, Clone)]
pub struct ImpactQuery {
    pub failed: Vec<Node>,
    pub relations: RelationMask,
    /// Hops from a failed node beyond which nothing is considered; `None` for no limit.
    pub max_depth: Option<u32>,
}

/// One affected node: how far from a failure, how bad, and the next hop towards the failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Affected {
    pub node: Node,
    pub depth: u32,
    pub state: State,
    /// The dependency through which the failure reached this node, on a shortest chain.
    pub via: Node,
}

#[derive(Debug, Clone, Default)]
pub struct Impact {
    /// Affected nodes (never the failed ones), nearest first, then in discovery order.
    pub affected: Vec<Affected>,
}

impl Impact {
    /// One shortest explaining chain per affected node, from a failed node to it.
    pub fn chains(&self) -> Chains {
        Chains::new(self.affected.iter().map(|a| (a.node, a.via)))
    }
}

/// Per-thread work arrays reused across queries, never cleared: a generation stamp marks what
/// belongs to the current query.
///
/// A walk checks one node mark per edge, at random, so the marks are four bytes each (a million
/// nodes fit the processor cache); what is needed once per node lives apart in `nodes`.
#[derive(Default)]
struct Scratch {
    generation: u32,
    /// Per node: `generation << 2 | state` once the current query has reached it.
    marks: Vec<u32>,
    /// One bit per node that is down in the current query: small enough (an eighth of a byte
    /// per node) to stay in the processor cache, so the many edges into nodes already down are
    /// skipped without reading their marks. Cleared after each query from the nodes it reached.
    down: Vec<u64>,
    nodes: Vec<Slot>,
    groups: Vec<GroupCount>,
    /// Groups counted by the current query, to zero afterwards.
    touched: Vec<u32>,
}

/// What one query keeps of one reached node besides its mark.
#[derive(Clone, Copy)]
struct Slot {
    /// Where the node's entry is in the result (`FAILED` for a failed node).
    at: u32,
    /// The state the node's dependants have already been told about.
    told: State,
    /// Waiting in the work queue to tell its dependants.
    queued: bool,
}

const FAILED: u32 = u32::MAX;
/// Generations fit in a mark above its two state bits.
const MAX_GENERATION: u32 = u32::MAX >> 2;

impl Default for Slot {
    fn default() -> Self {
        Slot {
            at: FAILED,
            told: State::Up,
            queued: false,
        }
    }
}

/// One redundancy group during one query: its members (of the asked-for types), how many must
/// be up, and how many are down or degraded so far. Zero members: not counted yet.
#[derive(Default, Clone, Copy)]
struct GroupCount {
    members: u16,
    min_up: u16,
    down: u16,
    degraded: bool,
}

impl State {
    fn from_bits(bits: u32) -> State {
        match bits & 3 {
            0 => State::Up,
            1 => State::Degraded,
            _ => State::Down,
        }
    }
}

impl Scratch {
    fn reset(&mut self, size: usize, groups: usize) {
        if self.marks.len() < size {
            self.marks.resize(size, 0);
            self.nodes.resize(size, Slot::default());
            self.down.resize(size.div_ceil(64), 0);
        }
        if self.groups.len() < groups {
            self.groups.resize(groups, GroupCount::default());
        }
        self.generation += 1;
        if self.generation > MAX_GENERATION {
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.generation = 1;
        }
    }

    /// The node's state in this query, or `None` if the query has not reached it.
    fn reached(&self, n: Node) -> Option<State> {
        let mark = self.marks[n as usize];
        (mark >> 2 == self.generation).then(|| State::from_bits(mark))
    }

    fn mark(&mut self, n: Node, state: State) {
        self.marks[n as usize] = self.generation << 2 | state as u32;
        if state == State::Down {
            self.down[n as usize / 64] |= 1 << (n % 64);
        }
    }

    fn is_down(&self, n: Node) -> bool {
        self.down[n as usize / 64] & (1 << (n % 64)) != 0
    }

    /// Clears the down bits of the nodes a query reached.
    fn release_down(&mut self, reached: impl Iterator<Item = Node>) {
        for n in reached {
            self.down[n as usize / 64] = 0;
        }
    }

    /// Zeroes the groups this query counted, ready for the next.
    fn release_groups(&mut self) {
        for g in self.touched.drain(..) {
            self.groups[g as usize] = GroupCount::default();
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl<K: Hash + Eq + Clone + Ord> GraphIndex<K> {
    /// Everything affected if all `failed` nodes fail together, with redundancy taken into account:
    /// the edges of a dependant that share a redundancy group need `min_up` working members; any
    /// other failed dependency takes the dependant down; a degraded dependency only degrades it.
    ///
    /// One first-in-first-out walk does both jobs. A node's first turn finds its dependants
    /// (so discovery is breadth first: depth and explaining hop are those of a shortest chain)
    /// and tells them its state; a node whose state worsens after its turn queues again and
    /// tells them the change. States only worsen and each change is told once, with running
    /// down counts per redundancy group, so the walk reaches the fixpoint in time linear in
    /// the edges.
    pub fn impact(&self, query: &ImpactQuery) -> Impact {
        SCRATCH.with(|scratch| {
            let mut s = scratch.borrow_mut();
            s.reset(self.capacity(), self.groups.len());
            let mut affected: Vec<Affected> = Vec::new();
            let mut queue: VecDeque<Node> = VecDeque::new();
            for &f in &query.failed {
                if (f as usize) < self.capacity() && s.reached(f).is_none() {
                    s.mark(f, State::Down);
                    s.nodes[f as usize] = Slot {
                        at: FAILED,
                        told: State::Up,
                        queued: true,
                    };
                    queue.push_back(f);
                }
            }
            while let Some(n) = queue.pop_front() {
                let to = s.reached(n).expect("queued nodes are reached");
                let slot = &mut s.nodes[n as usize];
                slot.queued = false;
                let (from, at) = (slot.told, slot.at);
                slot.told = to;
                // Only a node's first turn (nothing told yet) discovers; later turns re-tell.
                let depth = if at == FAILED {
                    0
                } else {
                    affected[at as usize].depth
                } + 1;
                let discover = from == State::Up && query.max_depth.is_none_or(|max| depth <= max);
                for &(dependant, packed) in self.incoming(n) {
                    if !query.relations.contains(packed) || s.is_down(dependant) {
                        continue;
                    }
                    let known = s.reached(dependant);
                    // Nothing makes a down node worse, and a group belongs to one dependant, so
                    // its count no longer matters either.
                    if known == Some(State::Down) || (known.is_none() && !discover) {
                        continue;
                    }
                    let state = match packed.group() {
                        0 => to,
                        g => self.group_state(dependant, g, from, to, query.relations, &mut s),
                    };
                    match known {
                        None => {
                            s.mark(dependant, state);
                            s.nodes[dependant as usize] = Slot {
                                at: affected.len() as u32,
                                told: State::Up,
                                queued: true,
                            };
                            affected.push(Affected {
                                node: dependant,
                                depth,
                                state,
                                via: n,
                            });
                            queue.push_back(dependant);
                        }
                        Some(known) if state > known => {
                            s.mark(dependant, state);
                            let slot = &mut s.nodes[dependant as usize];
                            if slot.at != FAILED {
                                affected[slot.at as usize].state = state;
                            }
                            if !slot.queued {
                                slot.queued = true;
                                queue.push_back(dependant);
                            }
                        }
                        Some(_) => {}
                    }
                }
            }
            s.release_groups();
            s.release_down(
                query
                    .failed
                    .iter()
                    .copied()
                    .filter(|&f| (f as usize) < self.capacity())
                    .chain(affected.iter().map(|a| a.node)),
            );
            // Discovery order is already nearest first.
            affected.retain(|a| a.state > State::Up);
            Impact { affected }
        })
    }

    /// The state group `g` of `owner` gives it after one member went from `from` to `to`.
    fn group_state(
        &self,
        owner: Node,
        g: u32,
        from: State,
        to: State,
        relations: RelationMask,
        s: &mut Scratch,
    ) -> State {
        if s.groups[g as usize].members == 0 {
            let group = self.groups[g as usize];
            let members = if relations.covers(group.relations) {
                group.members as usize
            } else {
                self.outgoing(owner)
                    .iter()
                    .filter(|(_, p)| p.group() == g && relations.contains(*p))
                    .count()
            };
            let members = members.clamp(1, usize::from(u16::MAX)) as u16;
            s.touched.push(g);
            s.groups[g as usize] = GroupCount {
                members,
                // A group cannot need more working members than it has: that is a data error,
                // not an outage.
                min_up: group.min_up.clamp(1, members),
                down: 0,
                degraded: false,
            };
        }
        let count = &mut s.groups[g as usize];
        if to == State::Down && from != State::Down {
            count.down += 1;
        }
        count.degraded |= to == State::Degraded;
        if count.members - count.down.min(count.members) < count.min_up {
            State::Down
        } else if count.down > 0 || count.degraded {
            State::Degraded
        } else {
            State::Up
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::relationships::RelationType;
    use crate::domain::relationships::RelationType::{DependsOn, LocatedAt, RunsOn};
    use crate::graph::index::EdgeSpec;
    use proptest::prelude::*;

    /// A hand-built edge: source, target, type, and redundancy group with its minimum.
    type HandEdge<'a> = (u32, u32, RelationType, Option<(&'a str, u16)>);
    /// A random dependency edge: source, target, and group number with its minimum.
    type RandomEdge = (u32, u32, Option<(u8, u16)>);

    fn graph(edges: &[HandEdge]) -> GraphIndex<u32> {
        let specs = edges.iter().map(|(s, t, r, g)| EdgeSpec {
            source: *s,
            target: *t,
            relation: *r,
            criticality: 3,
            group: g.map(|(n, m)| (n.to_string(), m)),
        });
        GraphIndex::build(0..10, specs).unwrap()
    }

    #[test]
    fn the_widest_walk_meets_nodes_in_number_order() {
        // Two foundations: 0 carries a layered estate, 100 carries one node; keys are scrambled.
        let mut g = GraphIndex::new();
        let edge = |source, target, relation| EdgeSpec {
            source,
            target,
            relation,
            criticality: 3,
            group: None,
        };
        let key = |n: u32| n.wrapping_mul(2_654_435_761) % 1_000;
        g.insert(&edge(key(101), key(100), DependsOn)).unwrap();
        for n in 1..60u32 {
            g.insert(&edge(key(n), key((n - 1) / 3), RunsOn)).unwrap();
            g.insert(&edge(key(n), key(n / 2), LocatedAt)).ok();
        }
        g.relayout();
        let root = g.number(&key(0)).unwrap();
        assert_eq!(root, 0, "the foundation most rely on comes first");
        let walk = g.impact(&ImpactQuery {
            failed: vec![root],
            relations: RelationMask::failure_carrying(),
            max_depth: None,
        });
        let order: Vec<Node> = walk.affected.iter().map(|a| a.node).collect();
        assert_eq!(order, (1..60).collect::<Vec<Node>>());
    }

    fn impact(
        g: &GraphIndex<u32>,
        failed: &[u32],
        max_depth: Option<u32>,
    ) -> Vec<(u32, u32, State)> {
        let result = g.impact(&ImpactQuery {
            failed: failed.to_vec(),
            relations: RelationMask::failure_carrying(),
            max_depth,
        });
        result
            .affected
            .iter()
            .map(|a| (a.node, a.depth, a.state))
            .collect()
    }

    use State::{Degraded, Down};

    #[test]
    fn a_chain_goes_down_link_by_link() {
        // 3 depends on 2 runs on 1 depends on 0.
        let g = graph(&[
            (1, 0, DependsOn, None),
            (2, 1, RunsOn, None),
            (3, 2, DependsOn, None),
        ]);
        assert_eq!(
            impact(&g, &[0], None),
            [(1, 1, Down), (2, 2, Down), (3, 3, Down)]
        );
        assert_eq!(impact(&g, &[0], Some(2)), [(1, 1, Down), (2, 2, Down)]);
        assert_eq!(impact(&g, &[3], None), []);
        let result = g.impact(&ImpactQuery {
            failed: vec![0],
            relations: RelationMask::failure_carrying(),
            max_depth: None,
        });
        assert_eq!(result.chains().to(3), [0, 1, 2, 3]);
    }

    #[test]
    fn context_edges_carry_no_failure() {
        let g = graph(&[(1, 0, LocatedAt, None)]);
        assert_eq!(impact(&g, &[0], None), []);
    }

    #[test]
    fn redundancy_pair_with_min_up_one_degrades_then_fails() {
        // 2 needs one of 0 and 1 (two core switches); 3 depends on 2.
        let g = graph(&[
            (2, 0, DependsOn, Some(("core", 1))),
            (2, 1, DependsOn, Some(("core", 1))),
            (3, 2, DependsOn, None),
        ]);
        assert_eq!(impact(&g, &[0], None), [(2, 1, Degraded), (3, 2, Degraded)]);
        assert_eq!(impact(&g, &[0, 1], None), [(2, 1, Down), (3, 2, Down)]);
    }

    #[test]
    fn min_up_two_of_three() {
        let g = graph(&[
            (3, 0, DependsOn, Some(("db", 2))),
            (3, 1, DependsOn, Some(("db", 2))),
            (3, 2, DependsOn, Some(("db", 2))),
        ]);
        assert_eq!(impact(&g, &[0], None), [(3, 1, Degraded)]);
        assert_eq!(impact(&g, &[0, 1], None), [(3, 1, Down)]);
    }

    #[test]
    fn diamonds_take_the_shortest_explanation() {
        // 3 depends on 1 and 2, both depend on 0; 4 depends on 3 and directly on 0.
        let g = graph(&[
            (1, 0, DependsOn, None),
            (2, 0, DependsOn, None),
            (3, 1, DependsOn, None),
            (3, 2, DependsOn, None),
            (4, 3, DependsOn, None),
            (4, 0, DependsOn, None),
        ]);
        assert_eq!(
            impact(&g, &[0], None),
            [(1, 1, Down), (2, 1, Down), (4, 1, Down), (3, 2, Down)]
        );
    }

    #[test]
    fn cycles_terminate() {
        let g = graph(&[
            (1, 0, DependsOn, None),
            (2, 1, DependsOn, None),
            (1, 2, DependsOn, None),
            (3, 2, DependsOn, None),
        ]);
        assert_eq!(
            impact(&g, &[0], None),
            [(1, 1, Down), (2, 2, Down), (3, 3, Down)]
        );
    }

    #[test]
    fn degraded_never_turns_down_by_propagation() {
        // 2 has a redundant pair (0, 1); 3 depends on 2 alone; 0 fails.
        let g = graph(&[
            (2, 0, DependsOn, Some(("pair", 1))),
            (2, 1, DependsOn, Some(("pair", 1))),
            (3, 2, DependsOn, None),
            (4, 3, DependsOn, Some(("x", 1))),
        ]);
        assert_eq!(
            impact(&g, &[0], None),
            [(2, 1, Degraded), (3, 2, Degraded), (4, 3, Degraded)]
        );
    }

    /// The reference: sweep every node until nothing changes; depths by plain BFS.
    /// The affected set by brute force: depths by relaxation, then states by iterating every
    /// node's rule until nothing changes; nodes further than `max_depth` stay up.
    fn naive(
        edges: &[RandomEdge],
        failed: &[u32],
        n: u32,
        max_depth: Option<u32>,
    ) -> Vec<(u32, u32, State)> {
        let mut depth: Vec<Option<u32>> =
            (0..n).map(|v| failed.contains(&v).then_some(0)).collect();
        let mut changed = true;
        while changed {
            changed = false;
            for &(s, t, _) in edges {
                if let Some(d) = depth[t as usize]
                    && depth[s as usize].is_none_or(|x| x > d + 1)
                {
                    depth[s as usize] = Some(d + 1);
                    changed = true;
                }
            }
        }
        let mut state: Vec<State> = (0..n)
            .map(|v| if failed.contains(&v) { Down } else { State::Up })
            .collect();
        let mut changed = true;
        while changed {
            changed = false;
            for v in 0..n {
                let beyond = match (depth[v as usize], max_depth) {
                    (None, _) => true,
                    (Some(d), Some(max)) => d > max,
                    (Some(_), None) => false,
                };
                if failed.contains(&v) || beyond {
                    continue;
                }
                let mine: Vec<_> = edges.iter().filter(|e| e.0 == v).collect();
                let mut worst = mine
                    .iter()
                    .filter(|e| e.2.is_none())
                    .map(|e| state[e.1 as usize])
                    .max()
                    .unwrap_or(State::Up);
                for (g, min_up) in mine
                    .iter()
                    .filter_map(|e| e.2)
                    .collect::<std::collections::BTreeSet<_>>()
                {
                    let members: Vec<State> = mine
                        .iter()
                        .filter(|e| e.2.map(|x| x.0) == Some(g))
                        .map(|e| state[e.1 as usize])
                        .collect();
                    let up = members.iter().filter(|s| **s != Down).count() as u16;
                    let group = if up < min_up.clamp(1, members.len() as u16) {
                        Down
                    } else if (up as usize) < members.len() || members.contains(&Degraded) {
                        Degraded
                    } else {
                        State::Up
                    };
                    worst = worst.max(group);
                }
                if worst > state[v as usize] {
                    state[v as usize] = worst;
                    changed = true;
                }
            }
        }
        let mut out: Vec<(u32, u32, State)> = (0..n)
            .filter(|v| !failed.contains(v) && state[*v as usize] > State::Up)
            .map(|v| (v, depth[v as usize].expect("reachable"), state[v as usize]))
            .collect();
        out.sort_by_key(|(v, d, _)| (*d, *v));
        out
    }

    fn random_graph() -> impl Strategy<Value = (Vec<RandomEdge>, Vec<u32>)> {
        let edge = (0u32..14, 0u32..14, prop::option::of(0u8..2));
        (
            prop::collection::vec(edge, 0..40),
            prop::collection::vec(0u32..14, 1..3),
        )
            .prop_map(|(edges, failed)| {
                let mut seen = std::collections::HashSet::new();
                // One min_up per group, as the store keeps it.
                let edges = edges
                    .into_iter()
                    .filter(|(s, t, _)| s != t && seen.insert((*s, *t)))
                    .map(|(s, t, g)| (s, t, g.map(|g| (g, 1 + u16::from(g)))))
                    .collect();
                (edges, failed)
            })
    }

    proptest! {
        #[test]
        fn impact_matches_a_naive_fixpoint((edges, failed) in random_graph(), max_depth in prop::option::of(1u32..4)) {
            let specs = edges.iter().map(|(s, t, g)| EdgeSpec { source: *s, target: *t, relation: DependsOn, criticality: 1, group: g.map(|(g, m)| (format!("g{g}"), m)) });
            let index = GraphIndex::build(0..14, specs).unwrap();
            let query = ImpactQuery { failed: failed.clone(), relations: RelationMask::failure_carrying(), max_depth };
            let result = index.impact(&query);
            let got: Vec<(u32, u32, State)> = result.affected.iter().map(|a| (a.node, a.depth, a.state)).collect();
            prop_assert!(got.windows(2).all(|w| w[0].1 <= w[1].1), "nearest first");
            let mut sorted = got.clone();
            sorted.sort_by_key(|&(node, depth, _)| (depth, node));
            prop_assert_eq!(&sorted, &naive(&edges, &failed, 14, max_depth));
            // Renumbering for memory order changes no answer.
            let mut laid = index.clone();
            laid.relayout();
            let numbers = |g: &GraphIndex<u32>, keys: &[u32]| keys.iter().map(|k| g.number(k).unwrap()).collect::<Vec<_>>();
            let relaid = laid.impact(&ImpactQuery { failed: numbers(&laid, &failed), ..query.clone() });
            let mut by_key: Vec<(u32, u32, State)> = relaid.affected.iter().map(|a| (*laid.key(a.node).unwrap(), a.depth, a.state)).collect();
            by_key.sort_by_key(|&(node, depth, _)| (depth, node));
            prop_assert_eq!(by_key, sorted);
            for a in &result.affected {
                let path = result.chains().to(a.node);
                prop_assert_eq!(path.len() as u32, a.depth + 1, "a shortest chain");
                for pair in path.windows(2) {
                    prop_assert!(edges.iter().any(|e| e.0 == pair[1] && e.1 == pair[0]), "each hop is a dependency");
                }
            }
        }
    }
}
