//! Znode paths of one cluster: [`ClusterPaths`] under `/<namespace>/<scope>/` in Patroni's
//! ZooKeeper layout, plus the znodes ZooKeeper needs to exist above the keys.

use pg_ha_core::dcs::ClusterPaths;

/// The directory of member znodes, relative to the scope node.
pub(crate) const MEMBERS_DIR: &str = "members";
/// The directory of the legacy `optime/leader` znode, relative to the scope node.
pub(crate) const OPTIME_DIR: &str = "optime";

/// The scope znode and its parent, for paths whose prefix starts and ends with `/`.
pub(crate) trait ScopeNode {
    /// The scope znode `/<namespace>/<scope>`: the prefix without its trailing `/`.
    fn scope(&self) -> &str;

    /// The parent of the scope znode (the namespace, or `/`).
    fn parent(&self) -> &str;
}

impl ScopeNode for ClusterPaths {
    fn scope(&self) -> &str {
        self.prefix().trim_end_matches('/')
    }

    fn parent(&self) -> &str {
        let scope = self.scope();
        match scope.rfind('/') {
            Some(0) | None => "/",
            Some(i) => &scope[..i],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_ha_core::model::Key;

    #[test]
    fn names_follow_patroni() {
        let p = ClusterPaths::new("/service/demo/");
        assert_eq!(p.scope(), "/service/demo");
        assert_eq!(p.parent(), "/service");
        assert_eq!(p.leader(), "/service/demo/leader");
        assert_eq!(p.member("node1"), "/service/demo/members/node1");
        assert_eq!(p.key(Key::Sync), "/service/demo/sync");
        assert_eq!(ClusterPaths::new("/demo/").parent(), "/");
    }
}
