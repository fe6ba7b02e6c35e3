//! A minimal HTTP/1.1 client for talking to other agents' REST APIs (peer probes during
//! elections, failsafe notices, ctl). Plain `http://` only; one request per connection.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A failed HTTP exchange.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The URL is not `http://host:port/path`.
    #[error("unsupported URL `{0}` (expected http://host:port/path)")]
    BadUrl(String),
    /// Connecting, sending or receiving failed.
    #[error("HTTP request to {url} failed: {reason}")]
    Io {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// No complete answer within the timeout.
    #[error("HTTP request to {0} timed out")]
    Timeout(String),
    /// The answer is not HTTP.
    #[error("malformed HTTP response from {0}")]
    Malformed(String),
}

/// An HTTP response: status code and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

/// One HTTP request.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// GET, POST, PATCH, ...
    pub method: &'a str,
    /// The full URL.
    pub url: &'a str,
    /// A JSON body, if any.
    pub body: Option<&'a str>,
    /// `user:password` for basic auth, if any.
    pub basic_auth: Option<&'a str>,
    /// Deadline for the whole exchange.
    pub timeout: Duration,
}

/// Splits `http://host:port/path` into (`host:port`, `/path`).
pub fn split_url(url: &str) -> Result<(&str, &str), HttpError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| HttpError::BadUrl(url.to_string()))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(HttpError::BadUrl(url.to_string()));
    }
    Ok((authority, path))
}

/// Replaces the path of `api_url` (e.g. `http://h:8008/patroni`) with `path`, as patronictl
/// does to reach other endpoints.
pub fn with_path(api_url: &str, path: &str) -> String {
    match split_url(api_url) {
        Ok((authority, _)) => format!("http://{authority}{path}"),
        Err(_) => api_url.to_string(),
    }
}

/// Sends `request` and reads the whole response.
pub async fn send(request: Request<'_>) -> Result<Response, HttpError> {
    let url = request.url.to_string();
    match tokio::time::timeout(request.timeout, exchange(&request)).await {
        Ok(result) => result,
        Err(_) => Err(HttpError::Timeout(url)),
    }
}

async fn exchange(request: &Request<'_>) -> Result<Response, HttpError> {
    let (authority, path) = split_url(request.url)?;
    let io = |e: std::io::Error| HttpError::Io {
        url: request.url.to_string(),
        reason: e.to_string(),
    };
    let mut stream = TcpStream::connect(authority).await.map_err(io)?;
    stream
        .write_all(head(request, authority, path).as_bytes())
        .await
        .map_err(io)?;
    if let Some(body) = request.body {
        stream.write_all(body.as_bytes()).await.map_err(io)?;
    }
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.map_err(io)?;
    parse(&raw).ok_or_else(|| HttpError::Malformed(request.url.to_string()))
}

fn head(request: &Request<'_>, authority: &str, path: &str) -> String {
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nUser-Agent: pg-ha\r\n",
        request.method
    );
    if let Some(body) = request.body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    if let Some(auth) = request.basic_auth {
        head.push_str(&format!(
            "Authorization: Basic {}\r\n",
            base64(auth.as_bytes())
        ));
    }
    head.push_str("\r\n");
    head
}

fn parse(raw: &[u8]) -> Option<Response> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status_line = head.lines().next()?;
    let status = status_line.split_whitespace().nth(1)?.parse().ok()?;
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("transfer-encoding:")
            && l.to_ascii_lowercase().contains("chunked")
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_string()
    };
    Some(Response { status, body })
}

fn dechunk(mut body: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n")?;
        let size = usize::from_str_radix(size.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(rest.get(..size)?);
        body = rest.get(size + 2..)?;
    }
}

/// Standard base64 (for basic auth).
pub fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_and_swap_paths() {
        assert_eq!(
            split_url("http://127.0.0.1:8008/patroni").ok(),
            Some(("127.0.0.1:8008", "/patroni"))
        );
        assert_eq!(
            with_path("http://h:1/patroni", "/switchover"),
            "http://h:1/switchover"
        );
        assert!(split_url("https://h:1/").is_err());
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b"admin:secret"), "YWRtaW46c2VjcmV0");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn responses_parse_plain_and_chunked() {
        let plain =
            parse(b"HTTP/1.0 503 Service Unavailable\r\nX: y\r\n\r\n{\"a\":1}").expect("parses");
        assert_eq!((plain.status, plain.body.as_str()), (503, "{\"a\":1}"));
        let chunked = parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").expect("parses");
        assert_eq!(chunked.body, "abcde");
        assert!(parse(b"garbage").is_none());
    }
}
