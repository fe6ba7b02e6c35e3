//! End-to-end harness: a real DCS (etcd 3.4 or ZooKeeper 3.8) and N `pg-ha-agent` processes,
//! each with its own PostgreSQL 15, in one temp dir on free loopback ports.
//!
//! Self-contained (std, tokio, anyhow, tempfile, serde_json, tokio-postgres, nix, rcgen, the
//! ZooKeeper launcher and PKI of dcs-zookeeper's tests, and `pg_ha_agent`'s pub items) so that benchmarks can include it with
//! `#[path = "../tests/e2e/cluster.rs"] mod cluster;`.
//!
//! - [`Cluster::start`] starts the DCS, writes one config per node (`node1`, `node2`, ...) and
//!   spawns the agents (`CARGO_BIN_EXE_pg-ha-agent`), each logging to `<node>/agent.log`.
//! - Waits ([`Cluster::wait_for_primary`], [`Cluster::wait_streaming`], ...) poll and, when
//!   they time out, print the tail of every agent's log and the DCS view.
//! - [`Node`] kills (`kill -9` of the agent and PostgreSQL, of PostgreSQL only, SIGTERM),
//!   restarts agents, and talks SQL (tokio-postgres, as superuser) and REST.
//! - Dropping the cluster kills everything it started by PID (agents, then the postmasters
//!   found in `postmaster.pid`, then the DCS) and removes the temp dir (`E2E_KEEP=1` keeps it).
//!
//! The agent runs as root and starts PostgreSQL as the `postgres` OS user, so data
//! directories belong to that user and the temp dir is world-readable.
//!
//! The DCS is etcd, or with [`DcsKind::ZooKeeperTls`] a ZooKeeper 3.8 that the agents reach
//! over mutual TLS (the agent binary then needs the `zookeeper` feature).
//!
//! Environment: `ETCD_BIN` (default `/usr/bin/etcd`), `E2E_TMPDIR` (default `/dev/shm` when
//! it has room, else the system temp dir), `E2E_KEEP=1` (keep the temp dir).
#![allow(dead_code)]

#[path = "etcd.rs"]
mod etcd;
#[path = "netns.rs"]
mod netns;
#[path = "../../../dcs-zookeeper/tests/support/pki.rs"]
mod pki;
#[path = "../../../dcs-zookeeper/tests/support/server.rs"]
mod zookeeper;

pub(crate) use etcd::{Etcd, KeyValue};
pub(crate) use netns::Network;
use pki::{make_pki, Pki};
use zookeeper::{ServerTls, ZkServer};

use anyhow::{anyhow, bail, Context, Result};
use pg_ha_agent::http::{send, HttpClient, Request, TlsClientConfig};
use pg_ha_agent::postgres::pidfile::{is_postgres, running_postmaster};
use pg_ha_agent::postgres::procs::{children_of, kill_server};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::future::Future;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// PostgreSQL 15's binaries (Debian's postgresql-15).
pub(crate) const PG_BIN_DIR: &str = "/usr/lib/postgresql/15/bin";
/// The superuser the tests connect as.
pub(crate) const SUPERUSER: &str = "postgres";
/// Its password (pg_hba uses scram on loopback).
pub(crate) const SUPERUSER_PASSWORD: &str = "e2e-secret";
/// The replication user.
pub(crate) const REPLICATION_USER: &str = "replicator";
/// Its password.
pub(crate) const REPLICATION_PASSWORD: &str = "e2e-repl";

/// How a cluster is configured.
#[derive(Debug, Clone)]
pub(crate) struct ClusterOptions {
    /// `scope` (the cluster name in the DCS).
    pub(crate) scope: String,
    /// `ttl` in seconds.
    pub(crate) ttl: u64,
    /// `loop_wait` in seconds (fractions allowed, e.g. 0.5 at ttl 2).
    pub(crate) loop_wait: f64,
    /// `retry_timeout` in seconds (fractions allowed).
    pub(crate) retry_timeout: f64,
    /// `maximum_lag_on_failover` in bytes.
    pub(crate) maximum_lag_on_failover: u64,
    /// `tags` of node i (index 0 = `node1`); missing or `null` = no tags.
    pub(crate) tags: Vec<Value>,
    /// PostgreSQL parameters for `bootstrap.dcs.postgresql.parameters`, on top of the
    /// defaults (`wal_log_hints`, small `shared_buffers`, `fsync` off).
    pub(crate) parameters: Vec<(String, String)>,
    /// `RUST_LOG` for the agents.
    pub(crate) rust_log: String,
    /// Pause between spawning two agents.
    pub(crate) stagger: Duration,
    /// The HA agent each node runs.
    pub(crate) program: AgentProgram,
    /// Per node (`node1` first), the agent it runs instead of `program`: a mixed cluster of
    /// Patroni and pg-ha nodes. Nodes past the end run `program`.
    pub(crate) programs: Vec<AgentProgram>,
    /// The DCS the agents share.
    pub(crate) dcs: DcsKind,
    /// `failsafe_mode` in `bootstrap.dcs`.
    pub(crate) failsafe_mode: bool,
    /// `synchronous_mode` in `bootstrap.dcs`.
    pub(crate) synchronous_mode: bool,
    /// `None`: everything on loopback. `Some`: each node runs in the namespace of its host
    /// (`node1`, ...) of this network, and etcd is a cluster with a member in each of its
    /// hosts named `etcd1`, `etcd2`, ...; the test process must run in another of its hosts.
    pub(crate) network: Option<Arc<Network>>,
    /// The REST APIs speak TLS and require client certificates (a test PKI: the nodes
    /// present their server certificates to each other, `pg-ha-ctl` and the harness a
    /// client certificate). Loopback only.
    pub(crate) rest_tls: bool,
    /// `standby_cluster` in `bootstrap.dcs`: the cluster replicates from a remote primary.
    pub(crate) standby_cluster: Option<Value>,
    /// The `watchdog` section of node i (missing or `null` = none); `{dir}` in `device`
    /// stands for the node's directory, where an empty file `watchdog` is created.
    pub(crate) watchdog: Vec<Value>,
}

/// The REST API's TLS material of a cluster with [`ClusterOptions::rest_tls`].
#[derive(Clone)]
struct RestTls {
    pki: Arc<Pki>,
}

impl RestTls {
    /// The `restapi` keys and the `ctl` section of a node's YAML.
    fn yaml(&self) -> (String, String) {
        let p = &self.pki;
        (
            format!(
                "  certfile: {}\n  keyfile: {}\n  cafile: {}\n  verify_client: required\n",
                p.server_cert.display(),
                p.server_key.display(),
                p.ca.display()
            ),
            format!(
                "ctl:\n  cacert: {}\n  certfile: {}\n  keyfile: {}\n",
                p.ca.display(),
                p.client_cert.display(),
                p.client_key.display()
            ),
        )
    }

    /// A client that trusts the test CA and presents the client certificate.
    fn client(&self) -> Result<HttpClient> {
        let tls = TlsClientConfig {
            ca: Some(self.pki.ca.clone()),
            cert: Some(self.pki.client_cert.clone()),
            key: Some(self.pki.client_key.clone()),
            insecure: false,
            any_name: false,
        };
        Ok(HttpClient::new(&tls, "pg-ha-e2e")?)
    }
}

/// The DCS a test cluster runs on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum DcsKind {
    /// etcd 3.4 (Debian's `etcd-server`), plain HTTP.
    #[default]
    Etcd,
    /// ZooKeeper 3.8 (Debian's `zookeeper`) on a TLS-only port with client certificates.
    ZooKeeperTls,
}

/// The running DCS server of a test cluster.
enum DcsServer {
    /// One member on loopback, or the members of a cluster in a test network.
    Etcd(Vec<Etcd>),
    ZooKeeper {
        server: Box<ZkServer>,
        pki: Box<Pki>,
    },
}

impl DcsServer {
    /// Starts the server of `kind` with its files under `dir`.
    async fn start(kind: DcsKind, dir: &Path, network: Option<&Network>) -> Result<DcsServer> {
        match (kind, network) {
            (DcsKind::Etcd, None) => {
                etcd::etcd_binary();
                Ok(DcsServer::Etcd(vec![Etcd::start(dir).await?]))
            }
            (DcsKind::Etcd, Some(network)) => {
                let hosts = network.hosts_named("etcd");
                let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
                Ok(DcsServer::Etcd(
                    Etcd::start_cluster(dir, network, &hosts).await?,
                ))
            }
            (DcsKind::ZooKeeperTls, Some(_)) => bail!("ZooKeeper in a test network"),
            (DcsKind::ZooKeeperTls, None) => {
                std::fs::create_dir_all(dir)?;
                let pki = make_pki(dir);
                let tls = ServerTls {
                    key_store: pki.server_bundle.clone(),
                    trust_store: pki.ca.clone(),
                };
                let server = ZkServer::start_in_with_tls(dir, tls).await;
                Ok(DcsServer::ZooKeeper {
                    server: Box::new(server),
                    pki: Box::new(pki),
                })
            }
        }
    }

    /// The agents' DCS section (Patroni's YAML).
    fn section(&self) -> String {
        match self {
            DcsServer::Etcd(members) => {
                let hosts: Vec<String> = members.iter().map(Etcd::endpoint).collect();
                format!("etcd3:\n  hosts: {}\n", hosts.join(","))
            }
            DcsServer::ZooKeeper { server, pki } => format!(
                "zookeeper:\n  hosts: ['{}']\n  use_ssl: true\n  cacert: {}\n  cert: {}\n  \
                 key: {}\n",
                server.tls_address().unwrap_or_default(),
                pki.ca.display(),
                pki.client_cert.display(),
                pki.client_key.display()
            ),
        }
    }

    fn log_path(&self) -> PathBuf {
        match self {
            DcsServer::Etcd(members) => members[0].log_path().to_path_buf(),
            DcsServer::ZooKeeper { server, .. } => server.log_path(),
        }
    }

    fn kill(&mut self) {
        match self {
            DcsServer::Etcd(members) => members.iter().for_each(Etcd::kill),
            DcsServer::ZooKeeper { server, .. } => server.kill(),
        }
    }
}

/// The HA agent a node runs: pg-ha, or Patroni for benchmarks that compare the two on the
/// same YAML, harness and PostgreSQL.
#[derive(Debug, Clone, Default)]
pub(crate) enum AgentProgram {
    /// `pg-ha-agent CONFIG.yml`, started as root (it drops privileges for PostgreSQL).
    #[default]
    PgHa,
    /// `patroni CONFIG.yml` at this path, started as the `postgres` OS user.
    Patroni(PathBuf),
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            scope: "e2e".to_string(),
            ttl: 5,
            loop_wait: 1.0,
            retry_timeout: 2.0,
            maximum_lag_on_failover: 1024 * 1024,
            tags: Vec::new(),
            parameters: Vec::new(),
            rust_log: "info".to_string(),
            stagger: Duration::from_millis(300),
            program: AgentProgram::PgHa,
            programs: Vec::new(),
            dcs: DcsKind::Etcd,
            failsafe_mode: false,
            synchronous_mode: false,
            network: None,
            rest_tls: false,
            standby_cluster: None,
            watchdog: Vec::new(),
        }
    }
}

/// A loopback port nothing listens on and that this process has not handed out before.
///
/// Ports come from below the kernel's ephemeral range (`ip_local_port_range`) when there is
/// room: a server that binds a port from that range later (a replica's PostgreSQL starts
/// seconds after its port is chosen, and restarts on the same port) could find it taken by
/// an outgoing connection, and bind(0) ports of other test processes cannot collide.
pub(crate) fn free_port() -> u16 {
    static USED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    static NEXT: OnceLock<Mutex<u64>> = OnceLock::new();
    let used = USED.get_or_init(Mutex::default);
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let (first, last) = (10_000u16, low.saturating_sub(1));
    let next = NEXT.get_or_init(|| {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
            .wrapping_add(std::process::id().wrapping_mul(7919));
        Mutex::new(u64::from(seed))
    });
    if last > first + 1000 {
        let span = u64::from(last - first);
        for _ in 0..span {
            let port = {
                let mut n = next.lock().unwrap_or_else(|e| e.into_inner());
                *n = n.wrapping_add(1);
                first + (*n % span) as u16
            };
            let free = std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
            if free && used.lock().map(|mut u| u.insert(port)).unwrap_or(true) {
                return port;
            }
        }
    }
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("bind a loopback port");
        if used.lock().map(|mut u| u.insert(port)).unwrap_or(true) {
            return port;
        }
    }
}

/// Panics with what to install when PostgreSQL 15 is missing.
pub(crate) fn require_postgres() {
    let postgres = Path::new(PG_BIN_DIR).join("postgres");
    assert!(
        postgres.is_file(),
        "{} not found: the e2e tests need PostgreSQL 15; install Debian's postgresql-15 \
         (apt-get install -y postgresql-15)",
        postgres.display()
    );
}

/// The `postgres` OS user's uid and gid.
pub(crate) fn postgres_ids() -> Result<(u32, u32)> {
    let user = nix::unistd::User::from_name("postgres")
        .ok()
        .flatten()
        .context("the postgres OS user does not exist (it comes with postgresql-15)")?;
    Ok((user.uid.as_raw(), user.gid.as_raw()))
}

/// Where clusters live: `$E2E_TMPDIR`, else `/dev/shm` when it has 2 GiB free (tmpfs:
/// faster, and removing data directories from a disk mounted with `discard` takes seconds),
/// else the system temp dir.
pub(crate) fn base_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("E2E_TMPDIR") {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    let free_kib = Command::new("df")
        .args(["-Pk", "/dev/shm"])
        .output()
        .ok()
        .and_then(|out| {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.lines()
                .nth(1)?
                .split_whitespace()
                .nth(3)?
                .parse::<u64>()
                .ok()
        });
    if shm.is_dir() && free_kib.is_some_and(|kib| kib >= 2 * 1024 * 1024) {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// `t` as ISO 8601 in UTC with a timezone, e.g. `2026-01-02T03:04:05+00:00`.
pub(crate) fn iso8601_utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// A JSON value in YAML flow style (JSON with a space after `:` and `,`).
fn flow(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), flow(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// A datagram socket in `dir` for the agent's systemd notifications (non-blocking reads).
fn notify_socket(dir: &Path) -> Result<std::os::unix::net::UnixDatagram> {
    let socket = std::os::unix::net::UnixDatagram::bind(dir.join("notify.sock"))?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

/// The last `lines` lines of a file.
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// One pg-ha node: its agent process, its ports and directories.
pub(crate) struct Node {
    /// Member name (`node1`, ...).
    pub(crate) name: String,
    /// REST API port.
    pub(crate) api_port: u16,
    /// PostgreSQL port.
    pub(crate) pg_port: u16,
    /// The address its agent and PostgreSQL listen on.
    pub(crate) host: String,
    /// The node's directory (config, log, data dir).
    pub(crate) dir: PathBuf,
    /// PostgreSQL's data directory.
    pub(crate) data_dir: PathBuf,
    /// The agent's YAML config.
    pub(crate) config_path: PathBuf,
    /// The agent's log (stdout and stderr, appended across restarts).
    pub(crate) log_path: PathBuf,
    rust_log: String,
    program: AgentProgram,
    network: Option<Arc<Network>>,
    agent: Mutex<Option<Child>>,
    /// Where the agent's systemd notifications (`NOTIFY_SOCKET`) arrive.
    notify: std::os::unix::net::UnixDatagram,
    /// The client for an https REST API (with [`ClusterOptions::rest_tls`]).
    rest_client: Option<HttpClient>,
}

impl Node {
    /// `http(s)://<host>:<api port>`.
    pub(crate) fn api_url(&self) -> String {
        let scheme = if self.rest_client.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}:{}", self.host, self.api_port)
    }

    fn agent_slot(&self) -> std::sync::MutexGuard<'_, Option<Child>> {
        self.agent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The command that starts this node's agent (without the config argument).
    fn agent_command(&self) -> Result<Command> {
        match &self.program {
            AgentProgram::PgHa => {
                let bin = env!("CARGO_BIN_EXE_pg-ha-agent");
                Ok(match &self.network {
                    Some(network) => network.command(&self.name, bin),
                    None => Command::new(bin),
                })
            }
            AgentProgram::Patroni(path) => {
                use std::os::unix::process::CommandExt;
                let mut command = Command::new(path);
                if let Ok((uid, gid)) = postgres_ids() {
                    command.uid(uid).gid(gid).env("HOME", &self.dir);
                }
                Ok(command)
            }
        }
    }

    /// Spawns the agent; fails if one is still running.
    fn spawn_agent(&self) -> Result<()> {
        let mut slot = self.agent_slot();
        if let Some(child) = slot.as_mut() {
            if child.try_wait()?.is_none() {
                bail!(
                    "{}: the agent (pid {}) is still running",
                    self.name,
                    child.id()
                );
            }
        }
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .with_context(|| format!("open {}", self.log_path.display()))?;
        writeln!(
            log,
            "===== e2e: starting pg-ha-agent at {} =====",
            iso8601_utc(SystemTime::now())
        )?;
        let mut command = self.agent_command()?;
        if matches!(self.program, AgentProgram::PgHa) {
            command.env("NOTIFY_SOCKET", self.dir.join("notify.sock"));
        }
        let child = command
            .arg(&self.config_path)
            .env("RUST_LOG", &self.rust_log)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("{}: spawn the agent ({:?})", self.name, self.program))?;
        *slot = Some(child);
        Ok(())
    }

    /// The systemd notifications the agent sent since the last call (`READY=1`, ...).
    pub(crate) fn notifications(&self) -> Vec<String> {
        let mut received = Vec::new();
        let mut buf = [0u8; 512];
        while let Ok(n) = self.notify.recv(&mut buf) {
            received.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        received
    }

    /// Starts the agent again (after a kill or SIGTERM); fails if it is still running.
    pub(crate) fn restart_agent(&self) -> Result<()> {
        self.spawn_agent()
    }

    /// The agent's pid while it runs.
    pub(crate) fn agent_pid(&self) -> Option<u32> {
        let mut slot = self.agent_slot();
        let child = slot.as_mut()?;
        match child.try_wait() {
            Ok(None) => Some(child.id()),
            _ => None,
        }
    }

    /// True while the agent process runs.
    pub(crate) fn agent_running(&self) -> bool {
        self.agent_pid().is_some()
    }

    /// SIGKILLs the agent (only the agent) and reaps it.
    pub(crate) fn kill9_agent(&self) {
        if let Some(mut child) = self.agent_slot().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The pid of the live postmaster on this node's data directory (`postmaster.pid`).
    pub(crate) fn postmaster_pid(&self) -> Option<u32> {
        running_postmaster(&self.data_dir.join("postmaster.pid")).map(|p| p.pid)
    }

    /// SIGKILLs the agent and the helpers it started (the fence guard, a running
    /// pg_basebackup or pg_rewind); returns the postmasters it had started, left running.
    fn kill9_agent_and_helpers(&self) -> Vec<u32> {
        let children = self.agent_pid().map(children_of).unwrap_or_default();
        self.kill9_agent();
        let mut postmasters = Vec::new();
        for pid in children {
            if is_postgres(pid) {
                postmasters.push(pid);
            } else {
                let _ = signal(pid, nix::sys::signal::Signal::SIGKILL);
            }
        }
        postmasters.extend(self.postmaster_pid().filter(|p| !postmasters.contains(p)));
        postmasters
    }

    /// `kill -9` of the agent, of its PostgreSQL (postmaster and backends) and of every
    /// other process the agent started (the fence guard, a running pg_basebackup or
    /// pg_rewind), as a crash of the whole node would.
    pub(crate) fn kill9_agent_and_pg(&self) {
        for pid in self.kill9_agent_and_helpers() {
            kill_server(pid);
            wait_gone(pid);
        }
    }

    /// `kill -9` of the postmaster only (its pid from `postmaster.pid`); the agent keeps
    /// running. Returns the pid killed.
    pub(crate) fn kill9_pg_only(&self) -> Result<u32> {
        let pid = self
            .postmaster_pid()
            .with_context(|| format!("{}: no running postmaster to kill", self.name))?;
        signal(pid, nix::sys::signal::Signal::SIGKILL)?;
        wait_gone(pid);
        Ok(pid)
    }

    /// Freezes the agent (SIGSTOP; its PostgreSQL keeps running), as a stalled process would.
    pub(crate) fn freeze_agent(&self) -> Result<()> {
        let pid = self
            .agent_pid()
            .with_context(|| format!("{}: the agent is not running", self.name))?;
        signal(pid, nix::sys::signal::Signal::SIGSTOP)
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) every process of the node, as a paused VM: the
    /// postmaster and its backends, the agent and what it started (the fence guard). A thaw
    /// resumes PostgreSQL first, the agent and the guard after it (the worst order).
    pub(crate) fn freeze_node(&self, frozen: bool) {
        use nix::sys::signal::Signal;
        let sig = if frozen {
            Signal::SIGSTOP
        } else {
            Signal::SIGCONT
        };
        let agent = self.agent_pid();
        let helpers: Vec<u32> = agent
            .map(children_of)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| !is_postgres(*p))
            .collect();
        let mut agent_side: Vec<u32> = agent.into_iter().chain(helpers).collect();
        let postmaster = self.postmaster_pid();
        if frozen {
            for pid in &agent_side {
                let _ = signal(*pid, sig);
            }
        }
        if let Some(pm) = postmaster {
            pg_ha_agent::postgres::procs::signal_server(pm, sig);
        }
        if !frozen {
            agent_side.reverse();
            for pid in &agent_side {
                let _ = signal(*pid, sig);
            }
        }
    }

    /// Resumes an agent frozen by [`Node::freeze_agent`] (SIGCONT).
    pub(crate) fn thaw_agent(&self) -> Result<()> {
        let pid = self
            .agent_pid()
            .with_context(|| format!("{}: the agent is not running", self.name))?;
        signal(pid, nix::sys::signal::Signal::SIGCONT)
    }

    /// Sends SIGTERM to the agent (a clean shutdown: it stops PostgreSQL and releases the
    /// leader key).
    pub(crate) fn sigterm(&self) -> Result<()> {
        let pid = self
            .agent_pid()
            .with_context(|| format!("{}: the agent is not running", self.name))?;
        signal(pid, nix::sys::signal::Signal::SIGTERM)
    }

    /// Sends SIGHUP to the agent (re-read its configuration file).
    pub(crate) fn sighup(&self) -> Result<()> {
        let pid = self
            .agent_pid()
            .with_context(|| format!("{}: the agent is not running", self.name))?;
        signal(pid, nix::sys::signal::Signal::SIGHUP)
    }

    /// Waits until the agent process has exited and returns its status.
    pub(crate) async fn wait_agent_exit(&self, timeout: Duration) -> Result<ExitStatus> {
        let start = Instant::now();
        loop {
            {
                let mut slot = self.agent_slot();
                match slot.as_mut() {
                    None => bail!("{}: no agent was started", self.name),
                    Some(child) => {
                        if let Some(status) = child.try_wait()? {
                            return Ok(status);
                        }
                    }
                }
            }
            if start.elapsed() > timeout {
                bail!(
                    "{}: the agent did not exit within {timeout:?}; log tail:\n{}",
                    self.name,
                    self.log_tail(40)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The whole agent log.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The last `lines` lines of the agent log.
    pub(crate) fn log_tail(&self, lines: usize) -> String {
        tail(&self.log_path, lines)
    }

    /// One REST request: (status, body). Mutations may block (a switchover waits for the
    /// new leader), so they get a long timeout.
    pub(crate) async fn rest(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<(u16, String)> {
        let url = format!("{}{path}", self.api_url());
        let timeout = match method {
            "GET" | "HEAD" | "OPTIONS" => Duration::from_secs(10),
            _ => Duration::from_secs(90),
        };
        let request = Request {
            method,
            url: &url,
            body,
            basic_auth: None,
            timeout,
        };
        let answer = match &self.rest_client {
            Some(client) => client.send(request).await,
            None => send(request).await,
        }
        .with_context(|| format!("{method} {url}"))?;
        Ok((answer.status, answer.body))
    }

    /// A REST request whose body is JSON (`Value::Null` when the body is empty or not JSON).
    pub(crate) async fn rest_json(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let body = body.map(Value::to_string);
        let (status, text) = self.rest(method, path, body.as_deref()).await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// `GET /patroni` (must answer 200).
    pub(crate) async fn patroni(&self) -> Result<Value> {
        let (status, body) = self.rest_json("GET", "/patroni", None).await?;
        if status != 200 {
            bail!("{}: GET /patroni answered {status}: {body}", self.name);
        }
        Ok(body)
    }

    /// The status code of a GET on `path`.
    pub(crate) async fn code(&self, method: &str, path: &str) -> Result<u16> {
        Ok(self.rest(method, path, None).await?.0)
    }

    /// A superuser connection over TCP (the connection task runs on the current runtime).
    pub(crate) async fn psql(&self) -> Result<tokio_postgres::Client> {
        let conn = format!(
            "host={} port={} user={SUPERUSER} password={SUPERUSER_PASSWORD} \
             dbname=postgres connect_timeout=5 application_name=e2e",
            self.host, self.pg_port
        );
        let connect = tokio_postgres::connect(&conn, tokio_postgres::NoTls);
        let (client, connection) = tokio::time::timeout(Duration::from_secs(10), connect)
            .await
            .map_err(|_| anyhow!("{}: connecting to PostgreSQL timed out", self.name))?
            .with_context(|| format!("{}: connect to PostgreSQL", self.name))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }

    /// Runs SQL statements (simple protocol; several separated by `;`).
    pub(crate) async fn execute(&self, sql: &str) -> Result<()> {
        let client = self.psql().await?;
        tokio::time::timeout(Duration::from_secs(30), client.batch_execute(sql))
            .await
            .map_err(|_| anyhow!("{}: `{sql}` timed out", self.name))?
            .with_context(|| format!("{}: {sql}", self.name))
    }

    /// Every row of `sql`, each column as text (`None` for NULL).
    pub(crate) async fn query(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let client = self.psql().await?;
        let messages = tokio::time::timeout(Duration::from_secs(30), client.simple_query(sql))
            .await
            .map_err(|_| anyhow!("{}: `{sql}` timed out", self.name))?
            .with_context(|| format!("{}: {sql}", self.name))?;
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .collect())
    }

    /// The first column of the first row of `sql`.
    pub(crate) async fn query_one(&self, sql: &str) -> Result<String> {
        self.query(sql)
            .await?
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next().flatten())
            .with_context(|| format!("{}: `{sql}` returned no value", self.name))
    }

    /// The first column of every row of `sql`.
    pub(crate) async fn column(&self, sql: &str) -> Result<Vec<String>> {
        Ok(self
            .query(sql)
            .await?
            .into_iter()
            .map(|row| row.into_iter().next().flatten().unwrap_or_default())
            .collect())
    }

    /// True when PostgreSQL answers and is not in recovery.
    pub(crate) async fn is_writable(&self) -> bool {
        self.query_one("select pg_is_in_recovery()")
            .await
            .is_ok_and(|v| v == "f")
    }

    /// Runs `pg-ha-ctl -c <this node's config> <args>`. The binary is looked up next to
    /// `pg-ha-agent` (Cargo builds every bin of the package for integration tests).
    pub(crate) fn ctl(&self, args: &[&str]) -> Output {
        let bin = ctl_binary();
        assert!(
            bin.is_file(),
            "pg-ha-ctl not found at {} (it is built with the package's other binaries)",
            bin.display()
        );
        Command::new(&bin)
            .arg("-c")
            .arg(&self.config_path)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()))
    }
}

/// `pg-ha-ctl`, next to the agent binary.
pub(crate) fn ctl_binary() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_pg-ha-agent")).with_file_name("pg-ha-ctl")
}

fn signal(pid: u32, sig: nix::sys::signal::Signal) -> Result<()> {
    let raw = i32::try_from(pid).context("pid out of range")?;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), sig)
        .with_context(|| format!("kill -{sig} {pid}"))
}

/// Waits (at most 10 s) until `pid` is no longer a live PostgreSQL process.
fn wait_gone(pid: u32) {
    let start = Instant::now();
    while is_postgres(pid) && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running test cluster: its DCS and N agents. Dropping it stops everything.
pub(crate) struct Cluster {
    nodes: Vec<Node>,
    dcs: DcsServer,
    options: ClusterOptions,
    dir: Option<tempfile::TempDir>,
    dumped: AtomicBool,
}

impl Cluster {
    /// Starts the DCS and `n` agents (`node1`..`node<n>`); does not wait for PostgreSQL.
    pub(crate) async fn start(n: usize, options: ClusterOptions) -> Result<Cluster> {
        require_postgres();
        let dir = tempfile::Builder::new()
            .prefix("pg-ha-e2e-")
            .tempdir_in(base_dir())?;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
        let network = options.network.as_deref();
        let dcs = DcsServer::start(options.dcs, &dir.path().join("dcs"), network).await?;
        let rest_tls = if options.rest_tls {
            let pki_dir = dir.path().join("rest-pki");
            std::fs::create_dir(&pki_dir)?;
            Some(RestTls {
                pki: Arc::new(make_pki(&pki_dir)),
            })
        } else {
            None
        };
        let root = nix::unistd::geteuid().is_root();
        let ids = if root { Some(postgres_ids()?) } else { None };
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let name = format!("node{}", i + 1);
            let node_dir = dir.path().join(&name);
            std::fs::create_dir(&node_dir)?;
            std::fs::set_permissions(&node_dir, std::fs::Permissions::from_mode(0o755))?;
            let data_dir = node_dir.join("data");
            std::fs::create_dir(&data_dir)?;
            std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o700))?;
            if let Some((uid, gid)) = ids {
                std::os::unix::fs::chown(&data_dir, Some(uid), Some(gid))?;
                let patroni = options.programs.get(i).unwrap_or(&options.program);
                if matches!(patroni, AgentProgram::Patroni(_)) {
                    std::os::unix::fs::chown(&node_dir, Some(uid), Some(gid))?;
                }
            }
            let program = options
                .programs
                .get(i)
                .cloned()
                .unwrap_or_else(|| options.program.clone());
            let notify = notify_socket(&node_dir)?;
            let node = Node {
                config_path: node_dir.join("pg-ha.yml"),
                log_path: node_dir.join("agent.log"),
                host: network.map_or("127.0.0.1".into(), |n| n.address(&name)),
                name,
                api_port: free_port(),
                pg_port: free_port(),
                dir: node_dir,
                data_dir,
                rust_log: options.rust_log.clone(),
                program,
                network: options.network.clone(),
                agent: Mutex::new(None),
                notify,
                rest_client: rest_tls.as_ref().map(RestTls::client).transpose()?,
            };
            let tags = options.tags.get(i).cloned().unwrap_or(Value::Null);
            std::fs::write(node.dir.join("watchdog"), "")?;
            std::fs::write(
                &node.config_path,
                config_yaml(&node, &options, &dcs.section(), &tags, rest_tls.as_ref()),
            )?;
            nodes.push(node);
        }
        let cluster = Cluster {
            nodes,
            dcs,
            options,
            dir: Some(dir),
            dumped: AtomicBool::new(false),
        };
        for (i, node) in cluster.nodes.iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(cluster.options.stagger).await;
            }
            node.spawn_agent()?;
        }
        Ok(cluster)
    }

    /// The options the cluster was started with.
    pub(crate) fn options(&self) -> &ClusterOptions {
        &self.options
    }

    /// The temp dir holding everything.
    pub(crate) fn path(&self) -> &Path {
        self.dir
            .as_ref()
            .map_or_else(|| Path::new("/nonexistent"), |d| d.path())
    }

    /// All nodes.
    pub(crate) fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The node called `name`; panics on an unknown name.
    pub(crate) fn node(&self, name: &str) -> &Node {
        self.nodes
            .iter()
            .find(|n| n.name == name)
            .unwrap_or_else(|| panic!("no node called {name}"))
    }

    /// The member names other than `name`.
    pub(crate) fn others(&self, name: &str) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| n.name != name)
            .map(|n| n.name.clone())
            .collect()
    }

    /// The etcd server (the first member); panics on a cluster that runs on another DCS.
    pub(crate) fn etcd(&self) -> &Etcd {
        &self.etcd_members()[0]
    }

    /// Every etcd member; panics on a cluster that runs on another DCS.
    pub(crate) fn etcd_members(&self) -> &[Etcd] {
        match &self.dcs {
            DcsServer::Etcd(members) => members,
            DcsServer::ZooKeeper { .. } => panic!("this test cluster runs on ZooKeeper"),
        }
    }

    /// The etcd members, if the cluster runs on etcd.
    fn etcd_if_any(&self) -> Option<&[Etcd]> {
        match &self.dcs {
            DcsServer::Etcd(members) => Some(members),
            DcsServer::ZooKeeper { .. } => None,
        }
    }

    /// The absolute DCS key of `relative` (e.g. `leader`, `members/node1`).
    pub(crate) fn dcs_key(&self, relative: &str) -> String {
        format!("/service/{}/{relative}", self.options.scope)
    }

    /// One DCS key of this cluster (etcd clusters only).
    /// Asks the members in turn until one answers.
    pub(crate) async fn dcs_get(&self, relative: &str) -> Result<Option<KeyValue>> {
        let members = self
            .etcd_if_any()
            .context("reading DCS keys is implemented for etcd test clusters only")?;
        let mut last = anyhow!("no etcd member");
        for etcd in members {
            match etcd.get(&self.dcs_key(relative)).await {
                Ok(kv) => return Ok(kv),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The leader key (its value is the leader's member name).
    pub(crate) async fn dcs_leader(&self) -> Result<Option<KeyValue>> {
        self.dcs_get("leader").await
    }

    /// `GET /cluster` from the first node that answers 200.
    pub(crate) async fn cluster_json(&self) -> Result<Value> {
        let mut last = anyhow!("no node is running");
        for node in self.nodes.iter().filter(|n| n.agent_running()) {
            match node.rest_json("GET", "/cluster", None).await {
                Ok((200, body)) => return Ok(body),
                Ok((status, body)) => {
                    last = anyhow!("{}: GET /cluster: {status} {body}", node.name)
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// A connection to a node whose PostgreSQL is out of recovery, with its name: every
    /// node is tried at once and the first writable one to answer wins; each gets `timeout`
    /// to connect and answer (a frozen node accepts TCP but never answers).
    pub(crate) async fn connect_writable(
        &self,
        timeout: Duration,
    ) -> Option<(String, tokio_postgres::Client)> {
        use futures_util::stream::{FuturesUnordered, StreamExt};
        let mut tries: FuturesUnordered<_> = self
            .nodes
            .iter()
            .map(|node| async move {
                let client = tokio::time::timeout(timeout, node.psql())
                    .await
                    .ok()?
                    .ok()?;
                let query = client.query_one("select not pg_is_in_recovery()", &[]);
                let row = tokio::time::timeout(timeout, query).await.ok()?.ok()?;
                row.get::<_, bool>(0).then(|| (node.name.clone(), client))
            })
            .collect();
        while let Some(answer) = tries.next().await {
            if answer.is_some() {
                return answer;
            }
        }
        None
    }

    /// The names of the running nodes whose `GET /primary` answers 200.
    pub(crate) async fn primaries(&self) -> Vec<String> {
        let mut out = Vec::new();
        for node in self.nodes.iter().filter(|n| n.agent_running()) {
            if node.code("GET", "/primary").await.is_ok_and(|c| c == 200) {
                out.push(node.name.clone());
            }
        }
        out
    }

    /// Polls `check` every 200 ms until it returns `Some`, at most `timeout`. An error from
    /// `check` counts as "not yet" (the last one is reported). On timeout, prints every
    /// agent's log tail and the DCS view, then fails naming `what`.
    pub(crate) async fn wait_until<T, F, Fut>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>>>,
    {
        let start = Instant::now();
        let mut last_error = None;
        loop {
            match check().await {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => {}
                Err(e) => last_error = Some(e),
            }
            if start.elapsed() > timeout {
                let detail = last_error.map_or(String::new(), |e| format!(" (last error: {e:#})"));
                let message = format!("timed out after {timeout:?} waiting for {what}{detail}");
                self.dump_logs(&message).await;
                bail!(message);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until exactly one running node answers 200 on `/primary` and its PostgreSQL
    /// accepts writes; returns its name.
    pub(crate) async fn wait_for_primary(&self, timeout: Duration) -> Result<String> {
        self.wait_for_primary_where("a single writable primary", timeout, |_| true)
            .await
    }

    /// Like [`Cluster::wait_for_primary`], for a primary other than `old`.
    pub(crate) async fn wait_for_new_primary(
        &self,
        old: &str,
        timeout: Duration,
    ) -> Result<String> {
        let what = format!("a writable primary other than {old}");
        self.wait_for_primary_where(&what, timeout, |name| name != old)
            .await
    }

    async fn wait_for_primary_where(
        &self,
        what: &str,
        timeout: Duration,
        accept: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let accept = &accept;
        self.wait_until(what, timeout, || async move {
            let primaries = self.primaries().await;
            let [name] = primaries.as_slice() else {
                return Ok(None);
            };
            if !accept(name) {
                return Ok(None);
            }
            Ok(self.node(name).is_writable().await.then(|| name.clone()))
        })
        .await
    }

    /// The members streaming from `primary`: listed as `streaming` with a replay position
    /// in its `pg_stat_replication` (a pg_basebackup's WAL stream reports none), and
    /// themselves in recovery with a streaming WAL receiver.
    pub(crate) async fn streaming_from(&self, primary: &str) -> Result<Vec<String>> {
        let names = self
            .node(primary)
            .column(
                "select application_name from pg_stat_replication \
                 where state = 'streaming' and replay_lsn is not null order by 1",
            )
            .await?;
        let mut out = Vec::new();
        for name in names {
            let Some(node) = self.nodes.iter().find(|n| n.name == name) else {
                continue;
            };
            let receiver = node
                .query_one(
                    "select pg_is_in_recovery() and \
                     coalesce((select status = 'streaming' from pg_stat_wal_receiver), false)",
                )
                .await;
            if receiver.is_ok_and(|v| v == "t") {
                out.push(name);
            }
        }
        Ok(out)
    }

    /// Waits for a single writable primary with at least `n` members streaming from it,
    /// each showing the primary's timeline in its own `/patroni` (what the leader checks
    /// before a switchover, and what an agent only reports from its next cycle on); returns
    /// the primary's name.
    pub(crate) async fn wait_streaming(&self, n: usize, timeout: Duration) -> Result<String> {
        let what = format!("a primary with {n} streaming replicas on its timeline");
        self.wait_until(&what, timeout, || async {
            let primaries = self.primaries().await;
            let [name] = primaries.as_slice() else {
                return Ok(None);
            };
            if !self.node(name).is_writable().await {
                return Ok(None);
            }
            let timeline = self.node(name).patroni().await?["timeline"].clone();
            let mut settled = 0;
            for replica in self.streaming_from(name).await? {
                if self.node(&replica).patroni().await?["timeline"] == timeline {
                    settled += 1;
                }
            }
            Ok((settled >= n).then(|| name.clone()))
        })
        .await
    }

    /// Waits until `replica` streams from the single primary (seen in the primary's
    /// `pg_stat_replication`) and reports itself as a streaming replica in `/patroni`.
    pub(crate) async fn wait_replica_streaming(
        &self,
        replica: &str,
        timeout: Duration,
    ) -> Result<()> {
        let what = format!("{replica} streaming from the primary");
        self.wait_until(&what, timeout, || async {
            let primaries = self.primaries().await;
            let [primary] = primaries.as_slice() else {
                return Ok(None);
            };
            if !self
                .streaming_from(primary)
                .await?
                .iter()
                .any(|n| n == replica)
            {
                return Ok(None);
            }
            let status = self.node(replica).patroni().await?;
            let ok = status["role"] == "replica"
                && status["state"] == "running"
                && status["replication_state"] == "streaming";
            Ok(ok.then_some(()))
        })
        .await
    }

    /// Prints `reason`, the tail of every agent's log and the DCS view to stderr (once per
    /// cluster; later calls print only the reason).
    pub(crate) async fn dump_logs(&self, reason: &str) {
        let mut out = format!("\n===== e2e failure: {reason}\n");
        if !self.dumped.swap(true, Ordering::SeqCst) {
            for node in &self.nodes {
                let pid = node.postmaster_pid();
                let _ = writeln!(
                    out,
                    "----- {} (agent {}, postmaster {:?}, api {}, pg port {}) log tail:\n{}",
                    node.name,
                    if node.agent_running() {
                        "running"
                    } else {
                        "not running"
                    },
                    pid,
                    node.api_url(),
                    node.pg_port,
                    node.log_tail(60)
                );
            }
            let _ = writeln!(
                out,
                "----- DCS server log tail:\n{}",
                tail(&self.dcs.log_path(), 10)
            );
            let keys = match self.etcd_if_any() {
                Some(members) => members[0].get_prefix(&self.dcs_key("")).await,
                None => Err(anyhow!("not read (ZooKeeper)")),
            };
            match keys {
                Ok(kvs) => {
                    let _ = writeln!(out, "----- DCS keys:");
                    for kv in kvs {
                        let _ = writeln!(out, "{} = {}", kv.key, kv.value);
                    }
                }
                Err(e) => {
                    let _ = writeln!(out, "----- DCS unreadable: {e:#}");
                }
            }
            let _ = writeln!(out, "----- everything is in {}", self.path().display());
        }
        eprintln!("{out}");
    }

    /// Ends a test: on an error, dumps the logs (unless a wait already did), then returns
    /// `result`.
    pub(crate) async fn finish(self, result: Result<()>) -> Result<()> {
        if let Err(e) = &result {
            self.dump_logs(&format!("{e:#}")).await;
        }
        drop(self);
        result
    }

    /// `pg-ha-ctl -c <node1's config> <args>`.
    pub(crate) fn ctl(&self, args: &[&str]) -> Output {
        self.nodes[0].ctl(args)
    }
}

impl Drop for Cluster {
    /// Kills the agents (and their helpers), stops the postmasters with an immediate
    /// shutdown (SIGQUIT, which unlike SIGKILL removes their shared memory segments), kills
    /// what is left after 10 s, then the DCS, and removes the temp dir.
    fn drop(&mut self) {
        let mut postmasters = Vec::new();
        for node in &self.nodes {
            postmasters.extend(node.kill9_agent_and_helpers());
        }
        for pid in &postmasters {
            let _ = signal(*pid, nix::sys::signal::Signal::SIGQUIT);
        }
        for pid in postmasters {
            wait_gone(pid);
            if is_postgres(pid) {
                kill_server(pid);
                wait_gone(pid);
            }
        }
        self.dcs.kill();
        if let Some(dir) = self.dir.take() {
            if std::env::var_os("E2E_KEEP").is_some_and(|v| v == "1") {
                eprintln!("e2e: keeping {}", dir.keep().display());
            }
        }
    }
}

/// The index of `node1`, `node2`, ... (0 for a name without a number).
fn index_of(name: &str) -> usize {
    name.trim_start_matches("node")
        .parse::<usize>()
        .map_or(0, |n| n.saturating_sub(1))
}

/// The agent's YAML config for `node` (Patroni's format).
fn config_yaml(
    node: &Node,
    options: &ClusterOptions,
    dcs_section: &str,
    tags: &Value,
    rest_tls: Option<&RestTls>,
) -> String {
    let (restapi_tls, ctl) = rest_tls.map(RestTls::yaml).unwrap_or_default();
    let mut parameters = json!({
        "wal_log_hints": "on",
        "shared_buffers": "16MB",
        "fsync": "off",
        "wal_keep_size": "128MB",
    });
    for (k, v) in &options.parameters {
        parameters[k] = Value::String(v.clone());
    }
    let tags = match tags {
        Value::Null => String::new(),
        tags => format!("tags: {}\n", flow(tags)),
    };
    format!(
        "name: {name}
scope: {scope}
namespace: /service/
restapi:
  listen: {host}:{api}
  connect_address: {host}:{api}
{restapi_tls}{ctl}{dcs_section}bootstrap:
  dcs:
    ttl: {ttl}
    loop_wait: {loop_wait}
    retry_timeout: {retry_timeout}
    maximum_lag_on_failover: {max_lag}
    failsafe_mode: {failsafe_mode}
    synchronous_mode: {synchronous_mode}
{standby_cluster}    postgresql:
      use_pg_rewind: true
      parameters: {parameters}
  initdb: [{{encoding: UTF8}}, {{locale: C}}, no-sync]
postgresql:
  listen: {host}:{pg}
  connect_address: {host}:{pg}
  data_dir: {data_dir}
  bin_dir: {PG_BIN_DIR}
  authentication:
    superuser: {{username: {SUPERUSER}, password: {SUPERUSER_PASSWORD}}}
    replication: {{username: {REPLICATION_USER}, password: {REPLICATION_PASSWORD}}}
{pg_hba}{pgpass}{tags}{watchdog}",
        watchdog = match options.watchdog.get(index_of(&node.name)) {
            None | Some(Value::Null) => String::new(),
            Some(section) => format!(
                "watchdog: {}\n",
                flow(section).replace("{dir}", &node.dir.display().to_string())
            ),
        },
        name = node.name,
        host = node.host,
        pg_hba = match &options.network {
            None => String::new(),
            Some(network) => format!(
                "  pg_hba: ['host all all {0} scram-sha-256', \
                 'host replication all {0} scram-sha-256']\n",
                network.cidr()
            ),
        },
        scope = options.scope,
        api = node.api_port,
        ttl = options.ttl,
        loop_wait = options.loop_wait,
        retry_timeout = options.retry_timeout,
        max_lag = options.maximum_lag_on_failover,
        failsafe_mode = options.failsafe_mode,
        synchronous_mode = options.synchronous_mode,
        parameters = flow(&parameters),
        standby_cluster = match &options.standby_cluster {
            Some(section) => format!("    standby_cluster: {}\n", flow(section)),
            None => String::new(),
        },
        pg = node.pg_port,
        data_dir = node.data_dir.display(),
        pgpass = match node.program {
            AgentProgram::PgHa => String::new(),
            AgentProgram::Patroni(_) => format!("  pgpass: {}/pgpass\n", node.dir.display()),
        },
    )
}

#[cfg(test)]
mod tests {
    // Imports inside the tests only: benches include this file with cfg(test) set but no
    // test harness, where a module-level import would be unused.

    #[test]
    fn iso8601_formats_utc() {
        use std::time::{Duration, UNIX_EPOCH};
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(super::iso8601_utc(t), "2023-11-14T22:13:20+00:00");
        assert_eq!(super::iso8601_utc(UNIX_EPOCH), "1970-01-01T00:00:00+00:00");
    }

    #[test]
    fn base64_round_trips() {
        use super::etcd::{base64_decode, base64_encode};
        for s in ["", "a", "ab", "abc", "/service/e2e/leader"] {
            let enc = base64_encode(s.as_bytes());
            assert_eq!(base64_decode(&enc).as_deref(), Some(s.as_bytes()));
        }
        assert_eq!(base64_encode(b"ab"), "YWI=");
    }
}
