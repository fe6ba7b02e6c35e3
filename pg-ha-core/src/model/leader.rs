//! `leader`: the name of the member holding the leader lease.

use super::Version;

/// The leader key: a plain-text member name bound to a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leader {
    /// The holder's member name.
    pub name: String,
    /// The key's version (replicas watch on it).
    pub version: Version,
    /// The lease / session the key is bound to.
    pub session: Option<String>,
}
