//! Absolute etcd key names of one cluster, in Patroni's etcd3 layout.

use pg_ha_core::model::{Key, LEADER_PATH, MEMBERS_PREFIX};

/// The key names under one cluster prefix `/<namespace>/<scope>/`.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    prefix: String,
}

impl Paths {
    /// Paths under `prefix`, which ends with `/`.
    pub(crate) fn new(prefix: String) -> Paths {
        Paths { prefix }
    }

    /// The cluster prefix, ending with `/`.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `<prefix>leader`.
    pub(crate) fn leader(&self) -> String {
        format!("{}{LEADER_PATH}", self.prefix)
    }

    /// `<prefix>members/<name>`.
    pub(crate) fn member(&self, name: &str) -> String {
        format!("{}{MEMBERS_PREFIX}{name}", self.prefix)
    }

    /// `<prefix><key path>`, e.g. `<prefix>config`.
    pub(crate) fn key(&self, key: Key) -> String {
        format!("{}{}", self.prefix, key.path())
    }

    /// The path of an absolute key relative to the prefix, if it is under it.
    pub(crate) fn relative<'a>(&self, key: &'a str) -> Option<&'a str> {
        key.strip_prefix(self.prefix.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_patroni() {
        let p = Paths::new("/service/demo/".into());
        assert_eq!(p.leader(), "/service/demo/leader");
        assert_eq!(p.member("node1"), "/service/demo/members/node1");
        assert_eq!(p.key(Key::Initialize), "/service/demo/initialize");
        assert_eq!(
            p.relative("/service/demo/optime/leader"),
            Some("optime/leader")
        );
        assert_eq!(p.relative("/service/other/leader"), None);
    }
}
