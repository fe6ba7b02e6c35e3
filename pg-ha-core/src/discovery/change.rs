//! `Change`: what differs between two topologies, as events for the application.

use super::{Node, Topology};

/// One change of the topology.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The primary changed: another node, none (a failover in progress), or the same node
    /// at another address.
    Primary {
        /// The primary before, if any.
        from: Option<String>,
        /// The primary now, if any.
        to: Option<Node>,
    },
    /// A replica started taking read traffic (or changed its address or tags).
    ReplicaUp(Node),
    /// A replica stopped taking read traffic (gone, not running, promoted or tagged
    /// `noloadbalance`).
    ReplicaDown(String),
}

impl Change {
    /// What changed from `before` to `after`; a replica's lag alone is not a change.
    pub fn between(before: &Topology, after: &Topology) -> Vec<Change> {
        let mut changes = Vec::new();
        if !same_node(before.primary.as_ref(), after.primary.as_ref()) {
            changes.push(Change::Primary {
                from: before.primary.as_ref().map(|n| n.name.clone()),
                to: after.primary.clone(),
            });
        }
        for gone in &before.replicas {
            if !after.replicas.iter().any(|n| n.name == gone.name) {
                changes.push(Change::ReplicaDown(gone.name.clone()));
            }
        }
        for node in &after.replicas {
            let was = before.replicas.iter().find(|n| n.name == node.name);
            if !same_node(was, Some(node)) {
                changes.push(Change::ReplicaUp(node.clone()));
            }
        }
        changes
    }
}

/// The same node at the same address with the same tags (lag and timeline aside).
fn same_node(a: Option<&Node>, b: Option<&Node>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.name == b.name && a.conn_url == b.conn_url && a.tags == b.tags,
        _ => false,
    }
}
