//! `restapi.allowlist`: IPs and networks (CIDR) allowed to call the mutating endpoints.

use std::net::IpAddr;

/// One allowlist entry: a network with a prefix length (a single IP is a full-length one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `10.0.0.0/8`, `::1`, `127.0.0.1`. Host names are not networks (see
    /// [`resolve_entries`]).
    pub(crate) fn parse(text: &str) -> Option<Network> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.trim().parse::<IpAddr>().ok()?, None),
        };
        let addr = addr.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Network { addr, prefix })
    }

    /// A single address.
    pub(crate) fn host(addr: IpAddr) -> Network {
        let addr = addr.to_canonical();
        Network {
            prefix: if addr.is_ipv4() { 32 } else { 128 },
            addr,
        }
    }

    /// True when `ip` is in this network.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u128::from(u32::from(net)), 32, self.prefix)
                    == masked(u128::from(u32::from(ip)), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), 128, self.prefix)
                    == masked(u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, width: u8, prefix: u8) -> u128 {
    let drop = u32::from(width.saturating_sub(prefix));
    if drop >= 128 {
        0
    } else {
        bits >> drop
    }
}

/// The networks of the configured entries; host names are resolved once (entries that do not
/// resolve are logged and skipped).
pub(crate) async fn resolve_entries(entries: &[String]) -> Vec<Network> {
    let mut out = Vec::new();
    for entry in entries {
        if let Some(net) = Network::parse(entry) {
            out.push(net);
            continue;
        }
        match tokio::net::lookup_host((entry.trim(), 0)).await {
            Ok(addrs) => out.extend(addrs.map(|a| Network::host(a.ip()))),
            Err(e) => tracing::warn!("restapi.allowlist: cannot resolve {entry:?}: {e}"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn networks_match() {
        let net = Network::parse("10.0.0.0/8").expect("cidr");
        assert!(net.contains(ip("10.1.2.3")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.0.0.1")), "v4-mapped addresses");
        let one = Network::parse("127.0.0.1").expect("ip");
        assert!(one.contains(ip("127.0.0.1")));
        assert!(!one.contains(ip("127.0.0.2")));
        let all = Network::parse("0.0.0.0/0").expect("all");
        assert!(all.contains(ip("8.8.8.8")));
        assert!(Network::parse("::1/128").expect("v6").contains(ip("::1")));
        assert!(Network::parse("1.2.3.4/33").is_none());
        assert!(Network::parse("db1.example").is_none());
    }
}
