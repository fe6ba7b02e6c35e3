//! A real ZooKeeper 3.8 (Debian's `zookeeper` package) started standalone on a free loopback
//! port in a directory of its own, killed by PID on drop; optionally with a TLS port.
//!
//! Uses only std, tokio and tempfile, so that other crates' tests (the agent's end-to-end
//! tests) can include it with `#[path = ".../dcs-zookeeper/tests/support/server.rs"]`.
#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The jars of Debian's `zookeeper` package; `zookeeper.jar`'s manifest names most of its
/// other dependencies (netty, jute, slf4j-api, ...), `slf4j-simple.jar` gives it a logger,
/// and the TLS port (Netty) needs three netty jars that the manifest leaves out.
const JARS: [&str; 5] = [
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/slf4j-simple.jar",
    "/usr/share/java/netty-codec.jar",
    "/usr/share/java/netty-resolver.jar",
    "/usr/share/java/netty-transport-native-unix-common.jar",
];

/// How long a fresh server may take to serve requests.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The tick of the test server: sessions expire within one tick of their timeout.
pub(crate) const TICK: Duration = Duration::from_millis(100);

/// `java` from `$JAVA_HOME` or the PATH; panics with a clear message if it or a jar is
/// missing.
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
                 ZooKeeper (apt-get install default-jre-headless; scripts/install-deps does it)"
            )
        })
}

/// A free TCP port on 127.0.0.1 (the listener is closed before the server binds it).
pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("local address").port()
}

/// PEM files for the server's TLS port: its certificate chain with its PKCS#8 key in one
/// file, and the CA that client certificates must chain to.
#[derive(Debug, Clone)]
pub(crate) struct ServerTls {
    /// Certificate(s) followed by the private key, PEM.
    pub(crate) key_store: PathBuf,
    /// CA certificate(s), PEM.
    pub(crate) trust_store: PathBuf,
}

/// One standalone ZooKeeper server.
pub(crate) struct ZkServer {
    dir: PathBuf,
    _temp: Option<TempDir>,
    port: u16,
    tls: Option<(u16, ServerTls)>,
    child: Option<Child>,
}

impl ZkServer {
    /// Starts a server in a temp dir and waits until it serves requests.
    pub(crate) async fn start() -> ZkServer {
        let temp = tempfile::tempdir().expect("temp dir for ZooKeeper");
        let dir = temp.path().to_path_buf();
        ZkServer::launch(dir, Some(temp), None).await
    }

    /// Starts a server whose data and log live in `dir` (created), and waits until it serves
    /// requests.
    pub(crate) async fn start_in(dir: &Path) -> ZkServer {
        ZkServer::launch(dir.to_path_buf(), None, None).await
    }

    /// Starts a server in a temp dir with a TLS port too (client certificates required).
    pub(crate) async fn start_tls(tls: ServerTls) -> ZkServer {
        let temp = tempfile::tempdir().expect("temp dir for ZooKeeper");
        let dir = temp.path().to_path_buf();
        ZkServer::launch(dir, Some(temp), Some((free_port(), tls))).await
    }

    /// [`ZkServer::start_in`] with a TLS port too (client certificates required).
    pub(crate) async fn start_in_with_tls(dir: &Path, tls: ServerTls) -> ZkServer {
        ZkServer::launch(dir.to_path_buf(), None, Some((free_port(), tls))).await
    }

    async fn launch(dir: PathBuf, temp: Option<TempDir>, tls: Option<(u16, ServerTls)>) -> Self {
        std::fs::create_dir_all(&dir).expect("ZooKeeper dir");
        let mut server = ZkServer {
            dir,
            _temp: temp,
            port: free_port(),
            tls,
            child: None,
        };
        server.write_config();
        server.spawn();
        server.wait_ready().await;
        server
    }

    /// `127.0.0.1:<port>` (plain).
    pub(crate) fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<tls port>` when the server has one.
    pub(crate) fn tls_address(&self) -> Option<String> {
        self.tls
            .as_ref()
            .map(|(port, _)| format!("127.0.0.1:{port}"))
    }

    /// The server's log file.
    pub(crate) fn log_path(&self) -> PathBuf {
        self.dir.join("zookeeper.log")
    }

    fn write_config(&self) {
        let data = self.dir.join("data");
        std::fs::create_dir_all(&data).expect("data dir");
        let mut cfg = format!(
            "tickTime={}\ninitLimit=10\nsyncLimit=5\ndataDir={}\nclientPort={}\n\
             clientPortAddress=127.0.0.1\nadmin.enableServer=false\n\
             4lw.commands.whitelist=ruok,srvr\nminSessionTimeout={}\nmaxSessionTimeout=60000\n",
            TICK.as_millis(),
            data.display(),
            self.port,
            (TICK * 2).as_millis(),
        );
        if let Some((port, tls)) = &self.tls {
            cfg.push_str(&format!(
                "secureClientPort={port}\n\
                 serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n\
                 ssl.keyStore.location={}\nssl.keyStore.type=PEM\n\
                 ssl.trustStore.location={}\nssl.trustStore.type=PEM\n\
                 ssl.clientAuth=need\nssl.hostnameVerification=false\n",
                tls.key_store.display(),
                tls.trust_store.display(),
            ));
        }
        std::fs::write(self.config_path(), cfg).expect("write zoo.cfg");
    }

    fn config_path(&self) -> PathBuf {
        self.dir.join("zoo.cfg")
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
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start ZooKeeper with {}: {e}", java().display()));
        self.child = Some(child);
    }

    /// Waits until the server says it serves requests (`srvr` names its mode; `ruok` answers
    /// `imok` a few hundred ms before sessions are accepted) and, when it has one, its TLS
    /// port accepts connections (the standalone server starts the TLS connection factory
    /// after the plain one, so `srvr` can answer before that port is bound).
    async fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("ZooKeeper exited with {status}:\n{}", self.log_tail());
                }
            }
            let serving = four_letter_word(self.port, "srvr").is_some_and(|a| a.contains("Mode: "));
            let tls_open = self.tls.as_ref().is_none_or(|(port, _)| accepts(*port));
            if serving && tls_open {
                return;
            }
            if started.elapsed() > START_TIMEOUT {
                panic!(
                    "ZooKeeper on {} (TLS port {:?}, open: {tls_open}) did not serve requests \
                     within {START_TIMEOUT:?} (srvr answered: {serving}):\n{}",
                    self.address(),
                    self.tls_address(),
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The last 30 lines of the server's log.
    pub(crate) fn log_tail(&self) -> String {
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

    /// Starts the server again on its old port and data, and waits until it serves requests.
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

/// True when something accepts TCP connections on loopback `port`.
fn accepts(port: u16) -> bool {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_ok()
}

/// The server's answer to a four-letter word on `port`, if it answers.
fn four_letter_word(port: u16, word: &str) -> Option<String> {
    let probe = || -> std::io::Result<String> {
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1))?;
        stream.set_read_timeout(Some(Duration::from_secs(1)))?;
        stream.write_all(word.as_bytes())?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    };
    probe().ok()
}
