//! Raw HTTP calls to an agent (no extra dependency), for checks of the emulator itself.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Raw HTTP calls to one agent.
pub(crate) struct Raw {
    base: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// One answer: status, `X-Consul-Index`, body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) index: Option<u64>,
    pub(crate) body: String,
}

impl Raw {
    /// Calls to `base` (`http://host:port`).
    pub(crate) fn new(base: &str) -> Raw {
        Raw {
            base: base.to_string(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// `method path` with `body`.
    pub(crate) async fn call(&self, method: &str, path: &str, body: &str) -> Answer {
        let request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("request");
        let response = self.client.request(request).await.expect("response");
        let status = response.status().as_u16();
        let index = response
            .headers()
            .get("x-consul-index")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Answer {
            status,
            index,
            body: String::from_utf8_lossy(&bytes).trim().to_string(),
        }
    }

    /// PUT `path` with `body`; the answer's body.
    pub(crate) async fn put(&self, path: &str, body: &str) -> String {
        self.call("PUT", path, body).await.body
    }

    /// Creates a session from a JSON body; its id.
    pub(crate) async fn session(&self, body: &str) -> String {
        let answer = self.put("/v1/session/create", body).await;
        let v: serde_json::Value = serde_json::from_str(&answer).expect("json");
        v["ID"].as_str().expect("ID").to_string()
    }
}
