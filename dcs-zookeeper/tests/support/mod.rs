//! Test support: a real ZooKeeper 3.8 (Debian's `zookeeper` package) started standalone on a
//! free loopback port in a temp dir, killed by PID on drop; and a TCP proxy that can cut a
//! client off (a network partition) without touching the server.
#![allow(dead_code)]

mod proxy;

#[allow(unused_imports)]
pub(crate) use proxy::Proxy;

use dcs_zookeeper::{ZooKeeperConfig, ZooKeeperDcs};
use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The jars of Debian's `zookeeper` package; `zookeeper.jar`'s manifest names its other
/// dependencies (netty, jute, slf4j-api, ...), `slf4j-simple.jar` gives it a logger.
const JARS: [&str; 2] = [
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/slf4j-simple.jar",
];

/// How long a fresh server may take to answer `ruok`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The tick of the test server: sessions expire within one tick of their timeout.
pub(crate) const TICK: Duration = Duration::from_millis(100);

/// `java` from `$JAVA_HOME` or the PATH; panics with a clear message if missing, as do
/// missing jars.
fn java() -> PathBuf {
    for jar in JARS {
        assert!(
            Path::new(jar).is_file(),
            "{jar} is missing: these tests need ZooKeeper 3.8 from Debian's `zookeeper` package \
             (apt-get install zookeeper; scripts/install-deps does it)"
        );
    }
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let bin = PathBuf::from(home).join("bin/java");
        if bin.is_file() {
            return bin;
        }
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("java"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`java` was not found on PATH (nor in $JAVA_HOME): these tests need a JRE for \
                 ZooKeeper (apt-get install zookeeper pulls default-jre)"
            )
        })
}

/// A free TCP port on 127.0.0.1 (the listener is closed before the server binds it).
pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("local address").port()
}

/// One standalone ZooKeeper server.
pub(crate) struct ZkServer {
    dir: TempDir,
    port: u16,
    child: Option<Child>,
}

impl ZkServer {
    /// Starts a server and waits until it answers `ruok` with `imok`.
    pub(crate) async fn start() -> ZkServer {
        let dir = tempfile::tempdir().expect("temp dir for ZooKeeper");
        let port = free_port();
        let mut server = ZkServer {
            dir,
            port,
            child: None,
        };
        server.write_config();
        server.spawn();
        server.wait_ready().await;
        server
    }

    /// `127.0.0.1:<port>`.
    pub(crate) fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A backend config for `scope` on this server, under `namespace`, with session timeout
    /// `ttl` and a short request timeout.
    pub(crate) fn config(&self, namespace: &str, scope: &str, ttl: Duration) -> ZooKeeperConfig {
        config_for(&self.address(), namespace, scope, ttl)
    }

    /// A backend for `scope` on this server.
    pub(crate) fn client(&self, namespace: &str, scope: &str, ttl: Duration) -> ZooKeeperDcs {
        ZooKeeperDcs::new(&self.config(namespace, scope, ttl)).expect("valid ZooKeeper config")
    }

    fn write_config(&self) {
        let data = self.dir.path().join("data");
        std::fs::create_dir_all(&data).expect("data dir");
        let cfg = format!(
            "tickTime={}\ninitLimit=10\nsyncLimit=5\ndataDir={}\nclientPort={}\n\
             clientPortAddress=127.0.0.1\nadmin.enableServer=false\n\
             4lw.commands.whitelist=ruok\nminSessionTimeout={}\nmaxSessionTimeout=60000\n",
            TICK.as_millis(),
            data.display(),
            self.port,
            (TICK * 2).as_millis(),
        );
        std::fs::write(self.config_path(), cfg).expect("write zoo.cfg");
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("zoo.cfg")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("zookeeper.log")
    }

    /// Starts the server process (again, after [`ZkServer::kill`], on the same port and data).
    fn spawn(&mut self) {
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("ZooKeeper log file");
        let child = Command::new(java())
            .args(["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"])
            .arg("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
            .arg("-Dzookeeper.admin.enableServer=false")
            .arg("-cp")
            .arg(JARS.join(":"))
            .arg("org.apache.zookeeper.server.quorum.QuorumPeerMain")
            .arg(self.config_path())
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start ZooKeeper with {}: {e}", java().display()));
        self.child = Some(child);
    }

    /// Waits until the server answers `ruok` with `imok`.
    async fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("ZooKeeper exited with {status}:\n{}", self.log_tail());
                }
            }
            // `imok` comes before the server accepts sessions (it answers "not running" for a
            // few hundred ms more), so a session must open too.
            if ruok(self.port) && accepts_sessions(&self.address()).await {
                return;
            }
            if started.elapsed() > START_TIMEOUT {
                panic!(
                    "ZooKeeper on {} did not answer `ruok` within {START_TIMEOUT:?}:\n{}",
                    self.address(),
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Kills the server (SIGKILL to its PID) and reaps it.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on its old port and data, and waits until it answers.
    pub(crate) async fn restart(&mut self) {
        self.kill();
        self.spawn();
        self.wait_ready().await;
    }
}

impl Drop for ZkServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A backend config for `scope` at `address`.
pub(crate) fn config_for(
    address: &str,
    namespace: &str,
    scope: &str,
    ttl: Duration,
) -> ZooKeeperConfig {
    let mut config = ZooKeeperConfig::new(vec![address.to_string()], scope);
    config.namespace = namespace.to_string();
    config.session_timeout = ttl;
    config.request_timeout = Duration::from_secs(3);
    config
}

/// True when a session can be opened on `address`.
async fn accepts_sessions(address: &str) -> bool {
    let connect = zookeeper_client::Client::connector()
        .with_session_timeout(Duration::from_secs(2))
        .with_fail_eagerly()
        .connect(address);
    matches!(
        tokio::time::timeout(Duration::from_secs(2), connect).await,
        Ok(Ok(_))
    )
}

/// True when the server on `port` answers the four-letter word `ruok` with `imok`.
fn ruok(port: u16) -> bool {
    let probe = || -> std::io::Result<String> {
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1))?;
        stream.set_read_timeout(Some(Duration::from_secs(1)))?;
        stream.write_all(b"ruok")?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    };
    matches!(probe(), Ok(answer) if answer == "imok")
}
