//! pg-ha's one HTTP client, on the hyper + rustls stack: the agent's peer probes and
//! failsafe notices, `pg-ha-ctl`'s requests and the Consul backend all use it.
//!
//! - [`TlsClientConfig`]: a CA bundle (else the webpki roots), an optional client
//!   certificate, or `insecure` (no server verification, as `ctl.insecure`);
//! - [`HttpsClient`]: the pooled hyper client over `http://` and `https://`
//!   (`rs-consul`'s client type);
//! - [`HttpClient`]: one-shot requests with Patroni's headers (`User-Agent`, basic auth).
//!
//! ```no_run
//! # async fn demo() -> Result<(), pg_ha_http::HttpError> {
//! use pg_ha_http::{HttpClient, Request, TlsClientConfig};
//! use std::time::Duration;
//! let client = HttpClient::new(&TlsClientConfig::default(), "pg-ha/0.1")?;
//! let reply = client
//!     .send(Request::get("https://10.0.0.1:8008/patroni", Duration::from_secs(2)))
//!     .await?;
//! println!("{} {}", reply.status, reply.body);
//! # Ok(()) }
//! ```
//!
//! ## Example: reaching another endpoint of a member's REST API
//!
//! ```
//! use pg_ha_http::{with_path, HttpClient, TlsClientConfig};
//!
//! assert_eq!(
//!     with_path("https://10.0.0.1:8008/patroni", "/cluster"),
//!     "https://10.0.0.1:8008/cluster"
//! );
//! let client = HttpClient::new(&TlsClientConfig::default(), "my-tool/1.0");
//! assert!(client.is_ok());
//! ```

mod client;
mod error;
mod request;
mod tls;
mod url;

pub use client::{https_client, HttpsClient};
pub use error::HttpError;
pub use request::{HttpClient, Request, Response};
pub use tls::{client_config, TlsClientConfig};
pub use url::{split_url, with_path};
