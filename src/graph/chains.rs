//! Explaining chains: the shortest way back from a reached node to where a walk started, kept as
//! one predecessor per node and rebuilt only for the nodes a caller reads.

use std::collections::HashMap;

use crate::graph::index::Node;

/// One node reached while walking what others rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reached {
    pub node: Node,
    pub depth: u32,
    /// The previous node on a shortest chain from a start node.
    pub via: Node,
}

/// Shortest chains from start nodes, rebuilt from each reached node's predecessor.
#[derive(Debug, Clone, Default)]
pub struct Chains(HashMap<Node, Node>);

impl Chains {
    /// From `(node, predecessor)` steps; start nodes have no step.
    pub fn new(steps: impl IntoIterator<Item = (Node, Node)>) -> Chains {
        Chains(steps.into_iter().collect())
    }

    /// The chain from a start node to `node`, both included (just `node` if it is a start).
    pub fn to(&self, node: Node) -> Vec<Node> {
        let mut chain = vec![node];
        let mut current = node;
        while let Some(&previous) = self.0.get(&current) {
            if chain.len() > self.0.len() {
                break;
            }
            chain.push(previous);
            current = previous;
        }
        chain.reverse();
        chain
    }

    pub fn reaches(&self, node: Node) -> bool {
        self.0.contains_key(&node)
    }
}
