//! Consul key names in URLs. The names themselves are [`pg_ha_core::dcs::ClusterPaths`] under
//! Patroni's prefix without the leading slash ([`crate::ConsulConfig::prefix`]).

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
    fn encodes_reserved_characters() {
        assert_eq!(
            encode_key("service/a b/members/n?1"),
            "service/a%20b/members/n%3F1"
        );
    }
}
