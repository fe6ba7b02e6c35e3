//! Consul key names of one cluster: Patroni's layout without the leading slash.

use pg_ha_core::model::{Key, LEADER_PATH, MEMBERS_PREFIX};

/// The key names under one cluster prefix `<namespace>/<scope>/`.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    prefix: String,
}

impl Paths {
    /// Paths under `prefix`, which ends with `/` and has no leading `/`.
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

    /// `<prefix><key path>`.
    pub(crate) fn key(&self, key: Key) -> String {
        format!("{}{}", self.prefix, key.path())
    }

    /// The path of a full key relative to the prefix, if it is under it.
    pub(crate) fn relative<'a>(&self, key: &'a str) -> Option<&'a str> {
        key.strip_prefix(self.prefix.as_str())
    }
}

/// Percent-encodes a key for a URL path: unreserved characters and `/` stay as they are.
pub(crate) fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_patroni() {
        let p = Paths::new("service/batman/".into());
        assert_eq!(p.leader(), "service/batman/leader");
        assert_eq!(p.member("node1"), "service/batman/members/node1");
        assert_eq!(p.key(Key::Failover), "service/batman/failover");
        assert_eq!(
            p.relative("service/batman/optime/leader"),
            Some("optime/leader")
        );
        assert_eq!(p.relative("service/batman2/leader"), None);
        assert_eq!(
            encode_key("service/a b/members/n?1"),
            "service/a%20b/members/n%3F1"
        );
    }
}
