//! Where one cluster's keys live in a store: the cluster prefix `/<namespace>/<scope>/` and
//! the absolute names of the keys under it, in Patroni's layout. Backends that store keys
//! without a leading slash (Consul) trim it from the prefix before building [`ClusterPaths`].

use crate::model::{Key, LEADER_PATH, MEMBERS_PREFIX};

/// Patroni's default `namespace`.
pub const DEFAULT_NAMESPACE: &str = "/service";

/// The cluster prefix `/<namespace>/<scope>/`, with every run of `/` collapsed to one, as
/// Patroni does (`/service/` and `service` both give `/service/<scope>/`).
pub fn cluster_prefix(namespace: &str, scope: &str) -> String {
    let path = format!("/{namespace}/{scope}/");
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

/// The absolute key names under one cluster prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterPaths {
    prefix: String,
}

impl ClusterPaths {
    /// Paths under `prefix`, which ends with `/` (see [`cluster_prefix`]).
    pub fn new(prefix: impl Into<String>) -> ClusterPaths {
        ClusterPaths {
            prefix: prefix.into(),
        }
    }

    /// The cluster prefix, ending with `/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `<prefix><relative>`, e.g. `<prefix>optime/leader`.
    pub fn child(&self, relative: &str) -> String {
        format!("{}{relative}", self.prefix)
    }

    /// `<prefix>leader`.
    pub fn leader(&self) -> String {
        self.child(LEADER_PATH)
    }

    /// `<prefix>members/<name>`.
    pub fn member(&self, name: &str) -> String {
        format!("{}{MEMBERS_PREFIX}{name}", self.prefix)
    }

    /// `<prefix><key path>`, e.g. `<prefix>config`.
    pub fn key(&self, key: Key) -> String {
        self.child(key.path())
    }

    /// The path of an absolute key relative to the prefix, if it is under it.
    pub fn relative<'a>(&self, key: &'a str) -> Option<&'a str> {
        key.strip_prefix(self.prefix.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_collapses_slashes() {
        assert_eq!(cluster_prefix(DEFAULT_NAMESPACE, "demo"), "/service/demo/");
        assert_eq!(cluster_prefix("/service/", "demo"), "/service/demo/");
        assert_eq!(cluster_prefix("ns//x", "demo"), "/ns/x/demo/");
        assert_eq!(cluster_prefix("ns//x/", "demo"), "/ns/x/demo/");
    }

    #[test]
    fn names_follow_patroni() {
        let p = ClusterPaths::new("/service/demo/");
        assert_eq!(p.prefix(), "/service/demo/");
        assert_eq!(p.leader(), "/service/demo/leader");
        assert_eq!(p.member("node1"), "/service/demo/members/node1");
        assert_eq!(p.key(Key::Initialize), "/service/demo/initialize");
        assert_eq!(p.child("optime/leader"), "/service/demo/optime/leader");
        assert_eq!(
            p.relative("/service/demo/optime/leader"),
            Some("optime/leader")
        );
        assert_eq!(p.relative("/service/other/leader"), None);
    }

    #[test]
    fn names_without_leading_slash() {
        let p = ClusterPaths::new("service/batman/");
        assert_eq!(p.leader(), "service/batman/leader");
        assert_eq!(p.key(Key::Failover), "service/batman/failover");
        assert_eq!(p.relative("service/batman2/leader"), None);
    }
}
