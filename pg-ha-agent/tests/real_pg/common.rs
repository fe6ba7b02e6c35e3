//! Test harness: PostgreSQL 15 nodes in temp dirs on free loopback ports, run as the
//! `postgres` OS user, killed by PID when dropped.

use anyhow::{bail, Context, Result};
use pg_ha_agent::postgres::pidfile::running_postmaster;
use pg_ha_agent::postgres::procs::kill_server;
use pg_ha_agent::postgres::{Credentials, LocalPostgres, PgSettings, ToolOption, DEFAULT_BIN_DIR};
use pg_ha_core::postgres::{PgStatus, Upstream};
use pg_ha_core::time::SystemClock;
use pg_ha_core::Postgres;
use std::cell::RefCell;
use std::collections::HashSet;
use std::future::Future;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// PostgreSQL 15's library directory (where scripts/install-extension puts pg_ha_lease).
pub(crate) const DEFAULT_LIB_DIR: &str = "/usr/lib/postgresql/15/lib";

/// The clock all test controllers share (fence deadlines are on it).
pub(crate) fn clock() -> Arc<SystemClock> {
    static CLOCK: OnceLock<Arc<SystemClock>> = OnceLock::new();
    Arc::clone(CLOCK.get_or_init(|| Arc::new(SystemClock::new())))
}

/// Fails with a clear message when PostgreSQL 15 is not installed.
pub(crate) fn require_pg() {
    let postgres = Path::new(DEFAULT_BIN_DIR).join("postgres");
    assert!(
        postgres.is_file(),
        "PostgreSQL 15 binaries not found in {DEFAULT_BIN_DIR}: install Debian's postgresql-15 \
         (apt-get install -y postgresql-15); these tests run real servers"
    );
}

/// Logs to the test output when RUST_LOG is set.
pub(crate) fn init_logging() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    });
}

/// A loopback port that nothing listens on and no other test of this process got.
pub(crate) fn free_port() -> u16 {
    static USED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let used = USED.get_or_init(Mutex::default);
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("bind a loopback port");
        if used.lock().expect("lock").insert(port) {
            return port;
        }
    }
}

/// The `postgres` OS user's uid and gid.
pub(crate) fn postgres_ids() -> (u32, u32) {
    let user = nix::unistd::User::from_name("postgres")
        .ok()
        .flatten()
        .expect("the postgres OS user exists (installed with postgresql-15)");
    (user.uid.as_raw(), user.gid.as_raw())
}

/// A temp dir the postgres user can enter, removed on drop.
pub(crate) struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    /// A new sandbox.
    pub(crate) fn new() -> Sandbox {
        require_pg();
        init_logging();
        let dir = tempfile::Builder::new()
            .prefix("pgha-")
            .tempdir()
            .expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod sandbox");
        Sandbox { dir }
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A directory for node `name`, owned by postgres (holds the data dir and the socket).
    pub(crate) fn node_dir(&self, name: &str) -> PathBuf {
        let dir = self.path().join(name);
        std::fs::create_dir_all(&dir).expect("node dir");
        let (uid, gid) = postgres_ids();
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("chown node dir");
        dir
    }
}

/// Test settings for node `name` in `sandbox`: small, fast, no fsync.
pub(crate) fn settings(sandbox: &Sandbox, name: &str) -> PgSettings {
    let dir = sandbox.node_dir(name);
    let mut s = PgSettings {
        data_dir: dir.join("data"),
        listen: format!("127.0.0.1:{}", free_port()),
        scope: "test".to_string(),
        name: name.to_string(),
        superuser: Credentials::new("postgres", "su-secret"),
        replication: Credentials::new("replicator", "repl-secret"),
        rewind: Some(Credentials::new("rewinder", "rw-secret")),
        pg_hba: vec![
            "local all all trust".to_string(),
            "host all all 127.0.0.1/32 scram-sha-256".to_string(),
            "host replication all 127.0.0.1/32 scram-sha-256".to_string(),
        ],
        initdb: vec![
            ToolOption::flag("data-checksums"),
            ToolOption::flag("no-sync"),
            ToolOption::value("encoding", "UTF8"),
            ToolOption::value("locale", "C"),
        ],
        basebackup: vec![
            ToolOption::value("checkpoint", "fast"),
            ToolOption::flag("no-sync"),
        ],
        rewind_options: vec![ToolOption::flag("no-sync")],
        use_slots: false,
        pg_ctl_timeout: Duration::from_secs(30),
        fence_binary: Some(PathBuf::from(env!("CARGO_BIN_EXE_pg-ha-fence"))),
        ..PgSettings::default()
    };
    for (k, v) in [
        ("shared_buffers", "16MB"),
        ("max_connections", "30"),
        ("fsync", "off"),
        ("full_page_writes", "on"),
        ("wal_keep_size", "64MB"),
        ("max_wal_size", "64MB"),
        ("min_wal_size", "32MB"),
        ("checkpoint_timeout", "30min"),
        ("wal_receiver_status_interval", "1s"),
        ("wal_retrieve_retry_interval", "500ms"),
        ("dynamic_shared_memory_type", "posix"),
    ] {
        s.parameters.insert(k.to_string(), v.to_string());
    }
    s.parameters
        .insert("unix_socket_directories".into(), dir.display().to_string());
    s
}

/// One PostgreSQL node under test.
pub(crate) struct Node {
    /// The controller.
    pub(crate) pg: Arc<LocalPostgres>,
    /// The member name.
    pub(crate) name: String,
    /// The data directory.
    pub(crate) data_dir: PathBuf,
}

impl Node {
    /// A controller for `settings`, with the shared test [`clock`].
    pub(crate) async fn new(settings: PgSettings) -> Result<Node> {
        let name = settings.name.clone();
        let data_dir = settings.data_dir.clone();
        let pg = LocalPostgres::new(settings, clock()).await?;
        Ok(Node {
            pg: Arc::new(pg),
            name,
            data_dir,
        })
    }

    /// A bootstrapped primary named `name`.
    pub(crate) async fn primary(sandbox: &Sandbox, name: &str) -> Result<Node> {
        let node = Node::new(settings(sandbox, name)).await?;
        node.pg.bootstrap().await?;
        Ok(node)
    }

    /// A standby of `upstream`, cloned and started, streaming.
    pub(crate) async fn standby_of(sandbox: &Sandbox, name: &str, upstream: &Node) -> Result<Node> {
        let node = Node::new(settings(sandbox, name)).await?;
        node.pg.clone_replica(&upstream.upstream()).await?;
        node.pg.start_standby(Some(&upstream.upstream())).await?;
        node.wait_streaming().await?;
        Ok(node)
    }

    /// This node as an upstream for others.
    pub(crate) fn upstream(&self) -> Upstream {
        Upstream::member(&self.name, &self.pg.conn_url())
    }

    /// Runs SQL statements.
    pub(crate) async fn exec(&self, sql: &str) -> Result<()> {
        let client = self.pg.connect_local().await?;
        client
            .batch_execute(sql)
            .await
            .with_context(|| sql.to_string())?;
        Ok(())
    }

    /// The first column of every row of `sql`, as text.
    pub(crate) async fn column(&self, sql: &str) -> Result<Vec<String>> {
        let client = self.pg.connect_local().await?;
        let rows = client
            .query(sql, &[])
            .await
            .with_context(|| sql.to_string())?;
        rows.iter()
            .map(|r| r.try_get::<_, String>(0).context("text column"))
            .collect()
    }

    /// The status.
    pub(crate) async fn status(&self) -> Result<PgStatus> {
        Ok(self.pg.status().await?)
    }

    /// Waits until the node's WAL receiver streams.
    pub(crate) async fn wait_streaming(&self) -> Result<()> {
        wait_for("streaming", Duration::from_secs(30), || async {
            Ok(self.pg.status().await.is_ok_and(|s| s.streaming))
        })
        .await
    }

    /// Waits until `sql` returns exactly `expected`.
    pub(crate) async fn wait_rows(&self, sql: &str, expected: &[&str]) -> Result<()> {
        wait_for(sql, Duration::from_secs(30), || async {
            Ok(self.column(sql).await.is_ok_and(|rows| rows == expected))
        })
        .await
    }

    /// Waits until this primary's status lists `standby` as a `streaming` replica with a
    /// reported flush position, and returns that status. A WAL sender goes through `startup`
    /// and `catchup` before `streaming`, and its positions stay NULL until the standby's
    /// first status report (every `wal_receiver_status_interval`), so a standby that streams
    /// is not yet a row to assert on.
    pub(crate) async fn wait_replica_reported(&self, standby: &str) -> Result<PgStatus> {
        let last = RefCell::new(Vec::new());
        let what = format!(
            "{standby} streaming from {} with a reported flush position",
            self.name
        );
        wait_until(&what, Duration::from_secs(60), || async {
            let st = self.status().await?;
            let reported = st.replicas.iter().any(|r| {
                r.application_name == standby && r.state == "streaming" && r.flush_lsn.is_some()
            });
            last.replace(st.replicas.clone());
            Ok(reported.then_some(st))
        })
        .await
        .with_context(|| format!("last replicas of {}: {:?}", self.name, last.borrow()))
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let pid = self
            .pg
            .postmaster_pid()
            .or_else(|| running_postmaster(&self.data_dir.join("postmaster.pid")).map(|p| p.pid));
        if let Some(pid) = pid {
            kill_server(pid);
        }
    }
}

/// Polls `check` every 100 ms until it returns true, at most `timeout`.
pub(crate) async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    wait_until(what, timeout, || {
        let polled = check();
        async move { Ok(polled.await?.then_some(())) }
    })
    .await
}

/// Polls `check` every 100 ms until it returns `Some`, at most `timeout`, and returns that
/// value: for facts that a server reports a moment after the event (a standby's positions,
/// a WAL sender's state, a reload). An error from `check` ends the wait at once.
pub(crate) async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if start.elapsed() > timeout {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `fut` and prints how long it took (`TIMING <label>: <ms> ms`).
pub(crate) async fn timed<T>(label: &str, fut: impl Future<Output = T>) -> T {
    let start = Instant::now();
    let out = fut.await;
    eprintln!("TIMING {label}: {} ms", start.elapsed().as_millis());
    out
}

/// Writes an executable shell script.
pub(crate) fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A file the postgres user may append to (for callback and method scripts).
pub(crate) fn shared_file(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, "").expect("create");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    path
}
