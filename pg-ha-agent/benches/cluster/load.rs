//! What a cluster costs the services around it: the requests an idle cluster sends etcd
//! (counted by etcd itself, per gRPC method), and how fast the REST API answers health
//! checks when many checkers poll it at once.

use super::cluster::Cluster;
use anyhow::{Context, Result};
use pg_ha_core::testing::etcd_metrics;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Requests per second an idle cluster sent etcd, per gRPC method (`LeaseKeepAlive`,
/// `Range`, `Txn`, `Put`, ...), summed over the etcd members.
pub(crate) type DcsLoad = BTreeMap<String, f64>;

/// The etcd requests of every method the cluster sends over `window`, per second.
pub(crate) async fn idle_dcs_requests(cluster: &Cluster, window: Duration) -> Result<DcsLoad> {
    let before = started_requests(cluster).await?;
    tokio::time::sleep(window).await;
    let after = started_requests(cluster).await?;
    let secs = window.as_secs_f64();
    Ok(after
        .into_iter()
        .map(|(method, count)| {
            let delta = count.saturating_sub(before.get(&method).copied().unwrap_or(0));
            (method, delta as f64 / secs)
        })
        .filter(|(_, rate)| *rate > 0.0)
        .collect())
}

/// `grpc_server_started_total` per method, summed over the etcd members.
async fn started_requests(cluster: &Cluster) -> Result<BTreeMap<String, u64>> {
    let mut total = BTreeMap::new();
    for member in cluster.etcd_members() {
        let body = http_get(&member.endpoint(), "/metrics").await?.1;
        for (method, count) in etcd_metrics::started_requests(&body) {
            *total.entry(method).or_insert(0) += count;
        }
    }
    Ok(total)
}

/// How long a health check may take; one that takes longer counts this long (a load
/// balancer's check would have failed).
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// Health-check latency with `checkers` clients polling `GET /primary` on the primary's
/// REST API back to back for `window`: every request's latency, in milliseconds (a request
/// without an answer within [`CHECK_TIMEOUT`] counts as that, and is reported).
pub(crate) async fn rest_latency(
    cluster: &Cluster,
    primary: &str,
    checkers: usize,
    window: Duration,
) -> Result<Vec<f64>> {
    let base = Arc::new(cluster.node(primary).api_url());
    let until = Instant::now() + window;
    let mut tasks = Vec::new();
    for _ in 0..checkers {
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let started = Instant::now();
                match tokio::time::timeout(CHECK_TIMEOUT, http_get(&base, "/primary")).await {
                    Ok(answer) => {
                        let (status, _) = answer?;
                        anyhow::ensure!(status == 200, "GET /primary answered {status}");
                    }
                    Err(_) => eprintln!("   GET /primary: no answer within {CHECK_TIMEOUT:?}"),
                }
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    Ok(all)
}

/// One plain-HTTP GET on a fresh connection, as a load balancer's check makes it:
/// (status, body).
async fn http_get(base: &str, path: &str) -> Result<(u16, String)> {
    let address = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&address).await?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut text = String::new();
        stream.read_to_string(&mut text).await?;
        Ok::<_, std::io::Error>(text)
    };
    let text = tokio::time::timeout(CHECK_TIMEOUT * 2, exchange)
        .await
        .with_context(|| format!("GET {base}{path}: no answer in 20 s"))??;
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("GET {base}{path}: no status line"))?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Ok((status, body.to_string()))
}
