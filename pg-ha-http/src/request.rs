//! `HttpClient`: one request at a time to a REST API, with Patroni's headers (a
//! `User-Agent`, basic auth when given, JSON bodies) and a deadline for the whole exchange.

use crate::{client_config, https_client, HttpError, HttpsClient, TlsClientConfig};
use base64::Engine;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::time::Duration;

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

impl<'a> Request<'a> {
    /// A GET of `url` without auth.
    pub fn get(url: &'a str, timeout: Duration) -> Request<'a> {
        Request {
            method: "GET",
            url,
            body: None,
            basic_auth: None,
            timeout,
        }
    }
}

/// A client for REST API requests (cheap to clone: the connection pool is shared).
#[derive(Clone)]
pub struct HttpClient {
    http: HttpsClient,
    user_agent: String,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl HttpClient {
    /// A client trusting and presenting what `tls` names, sending `user_agent`. Fails when a
    /// TLS file cannot be read.
    pub fn new(tls: &TlsClientConfig, user_agent: &str) -> Result<HttpClient, HttpError> {
        // No idle connections are kept: peers are asked rarely, and a pooled connection to
        // a node that has frozen would cost a timeout.
        let http = https_client(client_config(tls)?, Duration::ZERO);
        Ok(HttpClient {
            http,
            user_agent: user_agent.to_string(),
        })
    }

    /// Sends `request` and reads the whole response within its timeout.
    pub async fn send(&self, request: Request<'_>) -> Result<Response, HttpError> {
        let url = request.url.to_string();
        match tokio::time::timeout(request.timeout, self.exchange(&request)).await {
            Ok(result) => result,
            Err(_) => Err(HttpError::Timeout(url)),
        }
    }

    async fn exchange(&self, request: &Request<'_>) -> Result<Response, HttpError> {
        crate::split_url(request.url)?;
        let io = |reason: String| HttpError::Io {
            url: request.url.to_string(),
            reason,
        };
        let body = request.body.unwrap_or_default().as_bytes().to_vec();
        let mut builder = hyper::Request::builder()
            .method(request.method)
            .uri(request.url)
            .header("User-Agent", &self.user_agent);
        if request.body.is_some() {
            builder = builder.header("Content-Type", "application/json");
        }
        if let Some(auth) = request.basic_auth {
            let encoded = base64::engine::general_purpose::STANDARD.encode(auth);
            builder = builder.header("Authorization", format!("Basic {encoded}"));
        }
        let http_request = builder
            .body(BoxBody::new(Full::new(Bytes::from(body))))
            .map_err(|e| HttpError::BadUrl(format!("{}: {e}", request.url)))?;
        let response = self
            .http
            .request(http_request)
            .await
            .map_err(|e| io(error_chain(&e)))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| io(e.to_string()))?
            .to_bytes();
        Ok(Response {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

/// An error with its causes (hyper's top-level message alone says only "client error").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
