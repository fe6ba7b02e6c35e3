//! The legacy member value: a connection URL
//! `postgres://user:pass@host:port/db?application_name=<api_url>` (from Governor days), split
//! into `conn_url` and `api_url` the way Patroni's `parse_connection_string` does.

/// Splits a legacy member value into the connection URL without its query string, and the
/// percent-decoded `application_name` query parameter (the REST API URL), if present.
pub(crate) fn split_legacy_url(value: &str) -> (String, Option<String>) {
    let (before_fragment, fragment) = match value.find('#') {
        Some(i) => value.split_at(i),
        None => (value, ""),
    };
    let (base, query) = match before_fragment.find('?') {
        Some(i) => (&before_fragment[..i], &before_fragment[i + 1..]),
        None => (before_fragment, ""),
    };
    let api_url = query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(name, _)| percent_decode(name) == "application_name")
        .map(|(_, value)| percent_decode(value))
        .filter(|v| !v.is_empty());
    (format!("{base}{fragment}"), api_url)
}

/// Host and port of a member's URL `scheme://[user[:pw]@]host[:port][/path][?...]`
/// (`conn_url`, `api_url`); `None` without a host. A bracketed IPv6 host loses its brackets.
pub fn url_host_port(url: &str) -> Option<(String, Option<u16>)> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    Some((host.to_string(), port.and_then(|p| p.parse().ok())))
}

/// Decodes `%XX` escapes and `+` (a space in query strings); bad escapes are kept as they are.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts_and_ports() {
        assert_eq!(
            url_host_port("postgres://127.0.0.1:54321/postgres"),
            Some(("127.0.0.1".into(), Some(54321)))
        );
        assert_eq!(
            url_host_port("postgres://u:p@[::1]:5432/db?x=1"),
            Some(("::1".into(), Some(5432)))
        );
        assert_eq!(
            url_host_port("postgres://h/postgres"),
            Some(("h".into(), None))
        );
        assert_eq!(url_host_port("postgres:///x"), None);
    }

    #[test]
    fn splits_api_url_from_query() {
        let (conn, api) = split_legacy_url(
            "postgres://u:p@10.0.0.1:5432/postgres?application_name=http://10.0.0.1:8008/patroni",
        );
        assert_eq!(conn, "postgres://u:p@10.0.0.1:5432/postgres");
        assert_eq!(api.as_deref(), Some("http://10.0.0.1:8008/patroni"));
    }

    #[test]
    fn decodes_escapes_and_other_params() {
        let (conn, api) = split_legacy_url(
            "postgres://h:5432/db?sslmode=require&application_name=http%3A%2F%2Fh%3A8008%2Fpatroni",
        );
        assert_eq!(conn, "postgres://h:5432/db");
        assert_eq!(api.as_deref(), Some("http://h:8008/patroni"));
        let (conn, api) = split_legacy_url("postgres://h/db");
        assert_eq!(conn, "postgres://h/db");
        assert_eq!(api, None);
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("a%zzb+c"), "a%zzb c");
    }
}
