//! `Req`: the parts of an HTTP request the handlers look at.

use bytes::Bytes;
use std::net::IpAddr;

/// A request, read in full (the body is bounded by the server).
#[derive(Debug, Clone)]
pub(crate) struct Req {
    /// The method, upper case.
    pub method: String,
    /// The path without the query string.
    pub path: String,
    /// Query parameters in order, percent-decoded.
    pub query: Vec<(String, String)>,
    /// `Content-Length`, when the header is present (`Some(None)`: present but invalid).
    pub content_length: Option<Option<usize>>,
    /// `Authorization`, if present.
    pub authorization: Option<String>,
    /// The body.
    pub body: Bytes,
    /// The client's address.
    pub peer: IpAddr,
    /// The client presented a verified TLS certificate.
    pub client_cert: bool,
}

impl Req {
    /// The first value of query parameter `key`.
    pub(crate) fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first path segment (`/switchover/x` -> `switchover`).
    pub(crate) fn first_segment(&self) -> &str {
        self.path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("")
    }
}

/// Splits `a=b&c=d` into pairs, percent-decoding both sides (`+` is a space). Only the first
/// value of a repeated key is used by the handlers, as in Patroni.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
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
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_decoded() {
        assert_eq!(
            parse_query("lag=1MB&tag_zone=eu%2D1&x&y=a+b&bad=%zz&end=%4"),
            vec![
                ("lag".into(), "1MB".into()),
                ("tag_zone".into(), "eu-1".into()),
                ("x".into(), "".into()),
                ("y".into(), "a b".into()),
                ("bad".into(), "%zz".into()),
                ("end".into(), "%4".into()),
            ]
        );
    }
}
