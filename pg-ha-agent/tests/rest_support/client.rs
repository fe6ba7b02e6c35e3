//! A raw HTTP/1.1 client: exact bytes out, status, headers and body back.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// A parsed response.
#[derive(Debug, Clone)]
pub struct Resp {
    /// The status line.
    pub status_line: String,
    /// The status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// The body.
    pub body: String,
}

impl Resp {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// Sends `raw` as is and reads until the server closes.
pub async fn raw_on<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, raw: &[u8]) -> Resp {
    stream.write_all(raw).await.expect("write");
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    parse(&out)
}

/// Sends `raw` over plain TCP.
pub async fn raw(addr: SocketAddr, raw: &[u8]) -> Resp {
    let stream = TcpStream::connect(addr).await.expect("connect");
    raw_on(stream, raw).await
}

/// The bytes of a request with `Connection: close`, a `Content-Length` when `body` is
/// given, and extra `headers`.
pub fn request_bytes(
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Vec<u8> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(body) = body {
        text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    } else {
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// One request over plain TCP.
pub async fn send(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> Resp {
    raw(addr, &request_bytes(method, path, body, &[])).await
}

/// One request with extra headers.
pub async fn send_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Resp {
    raw(addr, &request_bytes(method, path, body, headers)).await
}

fn parse(bytes: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default().to_string();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Resp {
        status_line,
        status,
        headers,
        body: body.to_string(),
    }
}
