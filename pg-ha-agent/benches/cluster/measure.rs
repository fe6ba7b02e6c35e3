//! The measurements: each starts from a healthy cluster (one primary, two streaming
//! replicas) and returns seconds.

use super::cluster::{Cluster, Node};
use anyhow::{bail, Context, Result};
use pg_ha_agent::postgres::pidfile::is_postgres;
use pg_ha_agent::postgres::procs::children_of;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a cluster may take to become healthy again between runs.
const SETTLE: Duration = Duration::from_secs(180);
/// How long a failover or switchover may take before the run counts as failed.
const OUTAGE_LIMIT: Duration = Duration::from_secs(120);
/// Clock ticks per second in `/proc/<pid>/stat` (USER_HZ, 100 on Linux).
const USER_HZ: f64 = 100.0;
/// Pause between two write attempts.
const WRITE_PAUSE: Duration = Duration::from_millis(3);

/// Everything measured on one implementation.
#[derive(Debug, Default)]
pub(crate) struct Samples {
    /// Seconds from starting the DCS and the agents to a primary with two streaming replicas.
    pub(crate) boot: Vec<f64>,
    /// Requests per second the idle cluster sent etcd, per method.
    pub(crate) dcs_load: Option<super::load::DcsLoad>,
    /// Latency of every REST health check under 100 concurrent checkers, milliseconds.
    pub(crate) rest_ms: Vec<f64>,
    /// Seconds from kill -9 of the primary node to the first write elsewhere.
    pub(crate) node_loss: Vec<f64>,
    /// Seconds from kill -9 of the primary's postmaster to the first write anywhere.
    pub(crate) postmaster_crash: Vec<f64>,
    /// Longest window without a successful write during a switchover, in seconds.
    pub(crate) switchover: Vec<f64>,
    /// Seconds from the switchover request until both replicas stream from the new primary.
    pub(crate) redundancy_switchover: Vec<f64>,
    /// Seconds from kill -9 of the primary's postmaster until both replicas stream again.
    pub(crate) redundancy_crash: Vec<f64>,
    /// Idle resource use of the agents.
    pub(crate) idle: Option<Idle>,
}

/// Idle resource use, the median over the nodes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Idle {
    /// Resident memory of the agent process, MiB.
    pub(crate) agent_rss_mib: f64,
    /// Resident memory of the agent's helper processes (not PostgreSQL; pg-ha's fence
    /// guard runs on the primary only), MiB, the largest over the nodes.
    pub(crate) helpers_rss_mib: f64,
    /// CPU time over the window, percent of one core.
    pub(crate) cpu_percent: f64,
}

/// Waits for one writable primary with both replicas streaming, and for the table the
/// writers use.
pub(crate) async fn settle(cluster: &Cluster) -> Result<String> {
    let primary = cluster.wait_streaming(2, SETTLE).await?;
    cluster
        .node(&primary)
        .execute("create table if not exists bench_writes (at timestamptz default now())")
        .await?;
    Ok(primary)
}

/// Writes one row at a time into whichever node takes it, keeping a connection per node.
#[derive(Default)]
struct Writer {
    clients: HashMap<String, tokio_postgres::Client>,
}

impl Writer {
    /// One insert on `node`; true when it committed.
    async fn write(&mut self, node: &Node) -> bool {
        if !self.clients.contains_key(&node.name) {
            match tokio::time::timeout(Duration::from_secs(1), node.psql()).await {
                Ok(Ok(client)) => {
                    self.clients.insert(node.name.clone(), client);
                }
                _ => return false,
            }
        }
        let Some(client) = self.clients.get(&node.name) else {
            return false;
        };
        let insert = client.batch_execute("insert into bench_writes default values");
        match tokio::time::timeout(Duration::from_secs(1), insert).await {
            Ok(Ok(())) => true,
            Ok(Err(e)) if e.as_db_error().is_some() && !client.is_closed() => false,
            _ => {
                self.clients.remove(&node.name);
                false
            }
        }
    }

    /// Tries `nodes` in turn until one takes a write; returns when.
    async fn first_write(&mut self, nodes: &[&Node]) -> Result<Instant> {
        let start = Instant::now();
        while start.elapsed() < OUTAGE_LIMIT {
            for node in nodes {
                if self.write(node).await {
                    return Ok(Instant::now());
                }
            }
            tokio::time::sleep(WRITE_PAUSE).await;
        }
        bail!("no node took a write within {OUTAGE_LIMIT:?}")
    }

    /// Writes into whichever node takes it until `stop`; returns the commit times.
    async fn keep_writing(&mut self, nodes: &[&Node], stop: &AtomicBool) -> Vec<Instant> {
        let mut commits = Vec::new();
        let mut preferred = 0;
        while !stop.load(Ordering::SeqCst) {
            for i in 0..nodes.len() {
                let index = (preferred + i) % nodes.len();
                if self.write(nodes[index]).await {
                    commits.push(Instant::now());
                    preferred = index;
                    break;
                }
            }
            tokio::time::sleep(WRITE_PAUSE).await;
        }
        commits
    }
}

/// kill -9 of the primary's agent and PostgreSQL; seconds to the first write elsewhere.
/// The killed node is started again afterwards (it rejoins before the next run).
pub(crate) async fn node_loss(cluster: &Cluster) -> Result<f64> {
    let primary = settle(cluster).await?;
    let others: Vec<&Node> = cluster
        .others(&primary)
        .iter()
        .map(|n| cluster.node(n))
        .collect();
    let mut writer = Writer::default();
    for node in &others {
        writer.write(node).await;
    }
    tokio::time::sleep(random_phase()).await;
    let killed_at = Instant::now();
    cluster.node(&primary).kill9_agent_and_pg();
    eprintln!("   killed {primary} at unix time {:.3}", unix_seconds());
    let written_at = writer.first_write(&others).await?;
    cluster.node(&primary).restart_agent()?;
    Ok((written_at - killed_at).as_secs_f64())
}

/// A pause drawn uniformly from [0, 2 s): the cluster was just seen healthy, which happens
/// right after the primary's agent ran a cycle (its replication view is refreshed by the
/// cycle), so killing at once would always hit the moment just after a lease renewal, the
/// worst case. A node is lost at any moment of the agent's loop.
fn random_phase() -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    Duration::from_millis(random % 2000)
}

/// Seconds since the Unix epoch, to match a run with the agents' log timestamps.
fn unix_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// kill -9 of the primary's postmaster; seconds to the first write on any node.
pub(crate) async fn postmaster_crash(cluster: &Cluster) -> Result<(f64, f64)> {
    settle(cluster).await?;
    let primary = cluster.wait_for_primary(SETTLE).await?;
    let nodes: Vec<&Node> = cluster.nodes().iter().collect();
    let mut writer = Writer::default();
    for node in &nodes {
        writer.write(node).await;
    }
    let killed_at = Instant::now();
    cluster.node(&primary).kill9_pg_only()?;
    let written_at = writer.first_write(&nodes).await?;
    let redundant_at = both_replicas_stream(cluster, &primary).await?;
    Ok((
        (written_at - killed_at).as_secs_f64(),
        (redundant_at - killed_at).as_secs_f64(),
    ))
}

/// Polls `primary` until two replicas stream from it (its `pg_stat_replication`, not the
/// agents' reports); the moment it saw them.
async fn both_replicas_stream(cluster: &Cluster, primary: &str) -> Result<Instant> {
    let node = cluster.node(primary);
    let deadline = Instant::now() + OUTAGE_LIMIT;
    while Instant::now() < deadline {
        let streaming = node
            .query_one("select count(*) from pg_stat_replication where state = 'streaming'")
            .await
            .ok();
        if streaming.is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n >= 2)) {
            return Ok(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("{primary}: two replicas did not stream within {OUTAGE_LIMIT:?}")
}

/// A planned switchover to a named replica under a steady stream of single-row writes;
/// the longest gap between two commits from the request until the new primary took writes.
pub(crate) async fn switchover(cluster: &Cluster) -> Result<(f64, f64)> {
    let primary = settle(cluster).await?;
    let candidate = cluster
        .others(&primary)
        .into_iter()
        .next()
        .context("no replica")?;
    let nodes: Vec<&Node> = cluster.nodes().iter().collect();
    let stop = AtomicBool::new(false);
    let mut writer = Writer::default();
    let body = format!(r#"{{"leader":"{primary}","candidate":"{candidate}"}}"#);
    let requested_at = Instant::now();
    let (commits, outcome) = tokio::join!(writer.keep_writing(&nodes, &stop), async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let sent_at = Instant::now();
        // Polled from the request on (the answer comes once the switchover is done): the
        // candidate has two streaming replicas only once it was promoted and both others
        // follow it.
        let (reply, redundant_at) = tokio::join!(
            cluster
                .node(&primary)
                .rest("POST", "/switchover", Some(&body)),
            both_replicas_stream(cluster, &candidate)
        );
        let new = cluster.wait_for_new_primary(&primary, OUTAGE_LIMIT).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop.store(true, Ordering::SeqCst);
        (sent_at, reply, new, redundant_at)
    });
    let (sent_at, reply, new, redundant_at) = outcome;
    let (status, text) = reply?;
    if status != 200 {
        bail!("switchover refused: {status} {text}");
    }
    if new? != candidate {
        bail!("the switchover did not go to {candidate}");
    }
    let redundant_at = redundant_at?;
    Ok((
        longest_gap(&commits, requested_at, sent_at)?,
        (redundant_at - sent_at).as_secs_f64(),
    ))
}

/// The longest pause between consecutive commits, counting from the last commit before the
/// request was sent; fails if no write went through before it.
fn longest_gap(commits: &[Instant], start: Instant, sent_at: Instant) -> Result<f64> {
    let before = commits.iter().filter(|t| **t >= start && **t < sent_at);
    if before.count() == 0 {
        bail!("no write went through before the switchover request");
    }
    Ok(commits
        .windows(2)
        .filter(|w| w[1] >= sent_at)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .fold(0.0, f64::max))
}

/// The agents' resident memory and CPU over `secs` seconds of an idle healthy cluster.
pub(crate) async fn idle_usage(cluster: &Cluster, secs: u64) -> Result<Idle> {
    settle(cluster).await?;
    let pids: Vec<u32> = cluster.nodes().iter().filter_map(Node::agent_pid).collect();
    let before: Vec<u64> = pids.iter().map(|p| cpu_ticks(*p)).collect::<Result<_>>()?;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut cpu = Vec::new();
    let mut rss = Vec::new();
    let mut helpers = Vec::new();
    for (pid, ticks) in pids.iter().zip(before) {
        let used = cpu_ticks(*pid)?.saturating_sub(ticks) as f64 / USER_HZ;
        cpu.push(100.0 * used / elapsed);
        rss.push(rss_kib(*pid)? as f64 / 1024.0);
        let helper_kib: u64 = children_of(*pid)
            .into_iter()
            .filter(|c| !is_postgres(*c))
            .filter_map(|c| rss_kib(c).ok())
            .sum();
        helpers.push(helper_kib as f64 / 1024.0);
    }
    Ok(Idle {
        agent_rss_mib: super::report::median(&rss),
        helpers_rss_mib: helpers.iter().copied().fold(0.0, f64::max),
        cpu_percent: super::report::median(&cpu),
    })
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after_name = stat.rsplit_once(')').context("malformed stat")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |i: usize| -> Result<u64> { Ok(fields.get(i).context("short stat")?.parse()?) };
    Ok(field(11)? + field(12)?)
}

/// VmRSS of `pid` in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .context("no VmRSS")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .context("malformed VmRSS")?
        .parse()?)
}
