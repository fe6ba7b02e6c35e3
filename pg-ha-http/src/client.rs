//! The pooled hyper client over `http://` and `https://`.

use http_body_util::combinators::BoxBody;
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::convert::Infallible;
use std::time::Duration;

/// A hyper client over http and https (the type `rs-consul` takes).
pub type HttpsClient =
    Client<hyper_rustls::HttpsConnector<HttpConnector>, BoxBody<Bytes, Infallible>>;

/// A client with `tls`, keeping idle connections for `pool_idle` (zero: none kept).
pub fn https_client(tls: rustls::ClientConfig, pool_idle: Duration) -> HttpsClient {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    let mut builder = Client::builder(TokioExecutor::new());
    if pool_idle.is_zero() {
        builder.pool_max_idle_per_host(0);
    } else {
        builder.pool_idle_timeout(pool_idle);
    }
    builder.build(connector)
}
