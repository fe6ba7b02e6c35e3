//! Absolute znode paths of one cluster, in Patroni's ZooKeeper layout.

use pg_ha_core::model::{Key, LEADER_PATH, MEMBERS_PREFIX};

/// The znode paths under one cluster prefix `/<namespace>/<scope>/`.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    /// `/<namespace>/<scope>` (no trailing slash).
    scope: String,
}

/// The directory of member znodes, relative to the scope node.
pub(crate) const MEMBERS_DIR: &str = "members";
/// The directory of the legacy `optime/leader` znode, relative to the scope node.
pub(crate) const OPTIME_DIR: &str = "optime";

impl Paths {
    /// Paths under `prefix`, which starts and ends with `/`.
    pub(crate) fn new(prefix: &str) -> Paths {
        let scope = prefix.trim_end_matches('/').to_string();
        Paths { scope }
    }

    /// The scope znode `/<namespace>/<scope>`.
    pub(crate) fn scope(&self) -> &str {
        &self.scope
    }

    /// The parent of the scope znode (the namespace, or `/`).
    pub(crate) fn parent(&self) -> &str {
        match self.scope.rfind('/') {
            Some(0) | None => "/",
            Some(i) => &self.scope[..i],
        }
    }

    /// `<scope>/<relative>`.
    pub(crate) fn child(&self, relative: &str) -> String {
        format!("{}/{relative}", self.scope)
    }

    /// `<scope>/leader`.
    pub(crate) fn leader(&self) -> String {
        self.child(LEADER_PATH)
    }

    /// `<scope>/members/<name>`.
    pub(crate) fn member(&self, name: &str) -> String {
        self.child(&format!("{MEMBERS_PREFIX}{name}"))
    }

    /// `<scope>/<key path>`, e.g. `<scope>/config`.
    pub(crate) fn key(&self, key: Key) -> String {
        self.child(key.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_patroni() {
        let p = Paths::new("/service/demo/");
        assert_eq!(p.scope(), "/service/demo");
        assert_eq!(p.parent(), "/service");
        assert_eq!(p.leader(), "/service/demo/leader");
        assert_eq!(p.member("node1"), "/service/demo/members/node1");
        assert_eq!(p.key(Key::Sync), "/service/demo/sync");
        assert_eq!(Paths::new("/demo/").parent(), "/");
    }
}
