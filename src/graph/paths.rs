//! Reachability questions besides impact: what a node relies on, shortest chains, and cycles.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

use crate::graph::chains::Chains;
use crate::graph::chains::Reached;
use crate::graph::impact::{ImpactQuery, State};
use crate::graph::index::{GraphIndex, Node, RelationMask};

impl<K: Hash + Eq + Clone + Ord> GraphIndex<K> {
    /// Everything the `start` nodes rely on, transitively, nearest first ("what does this service need").
    pub fn upstream(
        &self,
        start: &[Node],
        relations: RelationMask,
        max_depth: Option<u32>,
    ) -> Vec<Reached> {
        let mut seen: HashMap<Node, (u32, Node)> = start.iter().map(|&s| (s, (0, s))).collect();
        let mut queue: VecDeque<Node> = start.iter().copied().collect();
        let mut reached = Vec::new();
        while let Some(n) = queue.pop_front() {
            let depth = seen[&n].0 + 1;
            if max_depth.is_some_and(|max| depth > max) {
                continue;
            }
            for &(dependency, packed) in self.outgoing(n) {
                if relations.contains(packed) && !seen.contains_key(&dependency) {
                    seen.insert(dependency, (depth, n));
                    reached.push(Reached {
                        node: dependency,
                        depth,
                        via: n,
                    });
                    queue.push_back(dependency);
                }
            }
        }
        reached
    }

    /// A shortest chain of dependencies from `from` to `to`, both included; `None` if there is none.
    pub fn dependency_path(
        &self,
        from: Node,
        to: Node,
        relations: RelationMask,
    ) -> Option<Vec<Node>> {
        if from == to {
            return Some(vec![from]);
        }
        let chains = Chains::new(
            self.upstream(&[from], relations, None)
                .iter()
                .map(|r| (r.node, r.via)),
        );
        chains.reaches(to).then(|| chains.to(to))
    }

    /// The nodes whose failure alone takes `target` down, redundancy considered: each node it
    /// relies on is failed in turn. Costs one impact walk per node upstream of `target`.
    pub fn single_points_of_failure(&self, target: Node, relations: RelationMask) -> Vec<Node> {
        let mut points: Vec<Node> = self
            .upstream(&[target], relations, None)
            .into_iter()
            .filter(|candidate| {
                let impact = self.impact(&ImpactQuery {
                    failed: vec![candidate.node],
                    relations,
                    max_depth: None,
                });
                impact
                    .affected
                    .iter()
                    .any(|a| a.node == target && a.state == State::Down)
            })
            .map(|r| r.node)
            .collect();
        points.sort_unstable();
        points
    }

    /// Groups of nodes that depend on each other in a circle (strongly connected, more than one node).
    pub fn dependency_cycles(&self, relations: RelationMask) -> Vec<Vec<Node>> {
        self.cycles_among((0..self.capacity() as Node).collect(), relations)
    }

    /// The dependency cycles made only of `nodes` (e.g. what one impact question reached).
    pub fn cycles_among(&self, mut nodes: Vec<Node>, relations: RelationMask) -> Vec<Vec<Node>> {
        nodes.sort_unstable();
        nodes.dedup();
        let mut graph = DiGraph::<Node, ()>::with_capacity(nodes.len(), nodes.len());
        let indices: HashMap<Node, _> = nodes.iter().map(|&n| (n, graph.add_node(n))).collect();
        for &source in &nodes {
            for &(target, packed) in self.outgoing(source) {
                if let Some(&target) = indices.get(&target).filter(|_| relations.contains(packed)) {
                    graph.add_edge(indices[&source], target, ());
                }
            }
        }
        let mut cycles: Vec<Vec<Node>> = tarjan_scc(&graph)
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| {
                let mut nodes: Vec<Node> = component.into_iter().map(|i| graph[i]).collect();
                nodes.sort_unstable();
                nodes
            })
            .collect();
        cycles.sort();
        cycles
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::relationships::RelationType::{DependsOn, LocatedAt};
    use crate::graph::index::EdgeSpec;

    fn graph(edges: &[(u32, u32)]) -> GraphIndex<u32> {
        let mut specs: Vec<EdgeSpec<u32>> = edges
            .iter()
            .map(|&(s, t)| EdgeSpec {
                source: s,
                target: t,
                relation: DependsOn,
                criticality: 0,
                group: None,
            })
            .collect();
        specs.push(EdgeSpec {
            source: 0,
            target: 9,
            relation: LocatedAt,
            criticality: 0,
            group: None,
        });
        GraphIndex::build(0..10, specs).unwrap()
    }

    #[test]
    fn upstream_lists_what_a_node_needs() {
        // 0 -> 1 -> 2, 0 -> 3, and 0 is located at 9 (context only).
        let g = graph(&[(0, 1), (1, 2), (0, 3)]);
        let reached: Vec<(u32, u32)> = g
            .upstream(&[0], RelationMask::failure_carrying(), None)
            .iter()
            .map(|r| (r.node, r.depth))
            .collect();
        assert_eq!(reached, [(1, 1), (3, 1), (2, 2)]);
        assert_eq!(
            g.upstream(&[0], RelationMask::failure_carrying(), Some(1))
                .len(),
            2
        );
    }

    #[test]
    fn shortest_dependency_path() {
        let g = graph(&[(0, 1), (1, 2), (2, 3), (0, 4), (4, 3)]);
        assert_eq!(
            g.dependency_path(0, 3, RelationMask::failure_carrying()),
            Some(vec![0, 4, 3])
        );
        assert_eq!(
            g.dependency_path(3, 0, RelationMask::failure_carrying()),
            None
        );
        assert_eq!(
            g.dependency_path(2, 2, RelationMask::failure_carrying()),
            Some(vec![2])
        );
    }

    #[test]
    fn single_points_of_failure_respect_redundancy() {
        // Service 0 needs app 1; app 1 runs on 2 or 3 (a cluster); both run on host 4; 3 also needs 5.
        let mut specs: Vec<EdgeSpec<u32>> = [(0, 1), (2, 4), (3, 4), (3, 5)]
            .iter()
            .map(|&(s, t)| EdgeSpec {
                source: s,
                target: t,
                relation: DependsOn,
                criticality: 0,
                group: None,
            })
            .collect();
        for vm in [2, 3] {
            specs.push(EdgeSpec {
                source: 1,
                target: vm,
                relation: DependsOn,
                criticality: 0,
                group: Some(("cluster".into(), 1)),
            });
        }
        let g = GraphIndex::build(0..6, specs).unwrap();
        assert_eq!(
            g.single_points_of_failure(0, RelationMask::failure_carrying()),
            [1, 4]
        );
    }

    #[test]
    fn finds_cycles() {
        let g = graph(&[(0, 1), (1, 2), (2, 0), (3, 4), (4, 3), (5, 6)]);
        assert_eq!(
            g.dependency_cycles(RelationMask::failure_carrying()),
            [vec![0, 1, 2], vec![3, 4]]
        );
    }
}
