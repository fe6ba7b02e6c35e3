//! Connection strings: the members' `conn_url` (`postgres://host:port/db`) and libpq
//! `key=value` strings such as `primary_conninfo`.

/// Host and port of a member, from its `conn_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
}

impl Endpoint {
    /// Parses `postgres://[user[:pw]@]host[:port][/db][?...]` (also `postgresql://`).
    pub fn from_url(url: &str) -> Option<Endpoint> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))?;
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = split_host_port(hostport)?;
        if host.is_empty() {
            return None;
        }
        Some(Endpoint { host, port })
    }
}

fn split_host_port(text: &str) -> Option<(String, u16)> {
    if let Some(v6) = text.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => 5432,
            None => return None,
        };
        return Some((host.to_string(), port));
    }
    match text.rsplit_once(':') {
        Some((h, p)) => Some((h.to_string(), p.parse().ok()?)),
        None => Some((text.to_string(), 5432)),
    }
}

/// Builds a libpq connection string from `(key, value)` pairs, quoting values as libpq
/// requires (single quotes, backslash-escaped `'` and `\`).
pub fn conninfo(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", quote_value(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote_value(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/:".contains(c));
    if plain {
        return v.to_string();
    }
    let escaped = v.replace('\\', "\\\\").replace('\'', "\\'");
    format!("'{escaped}'")
}

/// Finds `key`'s value in a libpq connection string (unquoting it).
pub fn conninfo_get(info: &str, key: &str) -> Option<String> {
    parse_conninfo(info)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// Parses a libpq `key=value` connection string.
pub fn parse_conninfo(info: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = info.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && !c.is_whitespace())).collect();
        if key.is_empty() {
            return out;
        }
        while chars.next_if(|c| c.is_whitespace() || *c == '=').is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '\'' => break,
                    c => value.push(c),
                }
            }
        } else {
            value.extend(std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())));
        }
        out.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_member_urls() {
        let e = Endpoint::from_url("postgres://10.0.0.1:5433/postgres").expect("valid");
        assert_eq!((e.host.as_str(), e.port), ("10.0.0.1", 5433));
        let e = Endpoint::from_url("postgresql://u:p@[::1]:6000/db?x=1").expect("valid");
        assert_eq!((e.host.as_str(), e.port), ("::1", 6000));
        let e = Endpoint::from_url("postgres://host/postgres").expect("valid");
        assert_eq!(e.port, 5432);
        assert!(Endpoint::from_url("http://h:1").is_none());
        assert!(Endpoint::from_url("postgres://h:x/db").is_none());
    }

    #[test]
    fn quotes_and_reads_back() {
        let s = conninfo(&[
            ("host", "10.0.0.1"),
            ("password", "it's a \\ secret"),
            ("x", ""),
        ]);
        assert_eq!(s, r"host=10.0.0.1 password='it\'s a \\ secret' x=''");
        assert_eq!(
            conninfo_get(&s, "password").as_deref(),
            Some("it's a \\ secret")
        );
        assert_eq!(conninfo_get(&s, "host").as_deref(), Some("10.0.0.1"));
        assert_eq!(conninfo_get(&s, "x").as_deref(), Some(""));
        assert_eq!(conninfo_get("a = 1 b=2", "b").as_deref(), Some("2"));
    }
}
