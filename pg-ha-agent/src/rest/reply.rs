//! `Reply`: a response in one of the forms Patroni's handler writes.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE, SERVER};
use hyper::{Response, StatusCode};
use serde_json::Value;

/// A reply body, by the Patroni call that writes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    /// `_write_status_code_only`: the status line only (HEAD, OPTIONS, liveness, readiness).
    Empty,
    /// `_write_json_response`: `application/json`.
    Json(Value),
    /// `write_response`: a plain message sent as `text/html`.
    Text(String),
    /// `send_error`: Python's HTML error page.
    ErrorPage(String),
    /// `/metrics`: `text/plain`.
    Plain(String),
}

/// A status code, a body and extra headers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Body,
    /// Headers beyond `Content-Type` and `Server`.
    pub headers: Vec<(String, String)>,
}

impl Reply {
    fn new(status: u16, body: Body) -> Reply {
        Reply {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// A JSON body.
    pub(crate) fn json(status: u16, value: Value) -> Reply {
        Reply::new(status, Body::Json(value))
    }

    /// A plain message (Patroni's `write_response`).
    pub(crate) fn text(status: u16, message: impl Into<String>) -> Reply {
        Reply::new(status, Body::Text(message.into()))
    }

    /// Python's error page (Patroni's `send_error`); `reason` replaces the short message.
    pub(crate) fn error(status: u16, reason: Option<&str>) -> Reply {
        Reply::new(status, Body::ErrorPage(error_page(status, reason)))
    }

    /// The status line only.
    pub(crate) fn status_only(status: u16) -> Reply {
        Reply::new(status, Body::Empty)
    }

    /// Prometheus text.
    pub(crate) fn plain(status: u16, text: String) -> Reply {
        Reply::new(status, Body::Plain(text))
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// The hyper response, with the `Server` header and the configured extra headers.
    pub(crate) fn into_response(
        self,
        server: &str,
        extra: &std::collections::BTreeMap<String, String>,
    ) -> Response<Full<Bytes>> {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (content_type, body) = match self.body {
            Body::Empty => (None, Bytes::new()),
            Body::Json(value) => (Some("application/json"), Bytes::from(value.to_string())),
            Body::Text(text) => (Some("text/html"), Bytes::from(text)),
            Body::ErrorPage(page) => (Some("text/html;charset=utf-8"), Bytes::from(page)),
            Body::Plain(text) => (Some("text/plain"), Bytes::from(text)),
        };
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        match content_type {
            None => return response,
            Some(ct) => headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct)),
        };
        if let Ok(value) = HeaderValue::from_str(server) {
            headers.insert(SERVER, value);
        }
        let all = extra.iter().chain(self.headers.iter().map(|(k, v)| (k, v)));
        for (name, value) in all {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        }
        response
    }
}

/// Python's `BaseHTTPRequestHandler` error page.
fn error_page(status: u16, reason: Option<&str>) -> String {
    let code = StatusCode::from_u16(status).ok();
    let short = code.and_then(|c| c.canonical_reason()).unwrap_or("Error");
    let message = escape(reason.unwrap_or(short));
    let explain = explanation(status);
    format!(
        "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        \
         <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        \
         <p>Error code: {status}</p>\n        <p>Message: {message}.</p>\n        \
         <p>Error code explanation: {status} - {explain}.</p>\n    </body>\n</html>\n"
    )
}

/// Python's `http.HTTPStatus` descriptions for the codes the API sends.
fn explanation(status: u16) -> &'static str {
    match status {
        400 => "Bad request syntax or unsupported method",
        401 => "No permission -- see authorization schemes",
        403 => "Request forbidden -- authorization will not help",
        404 => "Nothing matches the given URI",
        409 => "Request conflict",
        411 => "Client must specify Content-Length",
        413 => "Content is too large",
        500 => "Server got itself in trouble",
        501 => "Server does not support this operation",
        502 => "Invalid responses from another server/proxy",
        503 => "The server cannot process the request due to a high load",
        _ => "Error",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
