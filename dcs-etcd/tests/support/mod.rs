//! Test support: real etcd servers on free loopback ports in temp dirs, killed by PID on drop.
#![allow(dead_code)]

use dcs_etcd::{EtcdConfig, EtcdDcs};
use pg_ha_core::testing::etcd_metrics::started_requests;
use std::collections::BTreeMap;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long a fresh etcd may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The etcd binary: `$ETCD_BIN`, else `etcd` on the PATH; panics with a clear message if
/// there is none.
pub(crate) fn etcd_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("ETCD_BIN") {
        return PathBuf::from(bin);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("etcd"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "the etcd binary was not found on PATH (nor in $ETCD_BIN); these tests need \
                 etcd 3.4+: install Debian's etcd-server package (apt-get install etcd-server)"
            )
        })
}

/// A free TCP port on 127.0.0.1 (the listener is closed before etcd binds it).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("local address").port()
}

/// One etcd member: its ports, data dir and process.
struct Member {
    name: String,
    client_port: u16,
    peer_port: u16,
    child: Option<Child>,
}

impl Member {
    fn client_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    fn tls_client_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.client_port)
    }

    fn peer_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.peer_port)
    }
}

/// An etcd cluster of one or more members on loopback.
pub(crate) struct EtcdCluster {
    dir: TempDir,
    members: Vec<Member>,
    token: String,
    tls: Option<TlsFiles>,
}

/// PEM files of a throw-away CA, a server certificate for 127.0.0.1 and a client certificate.
#[derive(Debug, Clone)]
pub(crate) struct TlsFiles {
    /// The CA certificate.
    pub(crate) ca: PathBuf,
    /// The server certificate and key.
    pub(crate) server_cert: PathBuf,
    pub(crate) server_key: PathBuf,
    /// The client certificate and key.
    pub(crate) client_cert: PathBuf,
    pub(crate) client_key: PathBuf,
}

impl EtcdCluster {
    /// Starts a single etcd and waits until it answers.
    pub(crate) async fn start() -> EtcdCluster {
        EtcdCluster::start_n(1).await
    }

    /// Starts `n` members as one cluster and waits until every member answers.
    pub(crate) async fn start_n(n: usize) -> EtcdCluster {
        EtcdCluster::start_with(n, false).await
    }

    /// Starts a single etcd that serves clients over TLS and requires a client certificate.
    pub(crate) async fn start_tls() -> EtcdCluster {
        EtcdCluster::start_with(1, true).await
    }

    async fn start_with(n: usize, tls: bool) -> EtcdCluster {
        let dir = tempfile::tempdir().expect("temp dir for etcd");
        let tls = tls.then(|| generate_tls(dir.path()));
        let members = (0..n)
            .map(|i| Member {
                name: format!("m{i}"),
                client_port: free_port(),
                peer_port: free_port(),
                child: None,
            })
            .collect();
        let token = format!("pg-ha-test-{}", std::process::id());
        let mut cluster = EtcdCluster {
            dir,
            members,
            token,
            tls,
        };
        for i in 0..n {
            cluster.spawn(i);
        }
        for i in 0..n {
            cluster.wait_ready(i).await;
        }
        cluster
    }

    /// The client URLs of every member.
    pub(crate) fn endpoints(&self) -> Vec<String> {
        (0..self.members.len()).map(|i| self.endpoint(i)).collect()
    }

    /// The client URL of member `i` (`https` when the cluster serves TLS).
    pub(crate) fn endpoint(&self, i: usize) -> String {
        match self.tls {
            Some(_) => self.members[i].tls_client_url(),
            None => self.members[i].client_url(),
        }
    }

    /// The TLS files, when the cluster serves TLS.
    pub(crate) fn tls(&self) -> Option<&TlsFiles> {
        self.tls.as_ref()
    }

    /// The process ids of the running members.
    pub(crate) fn pids(&self) -> Vec<u32> {
        self.members
            .iter()
            .filter_map(|m| m.child.as_ref().map(Child::id))
            .collect()
    }

    /// The requests etcd started per gRPC method, from the metrics of every running member
    /// (its own counters, summed). Panics when a running member does not answer, so that a
    /// count of nothing cannot pass for "no requests".
    pub(crate) async fn started_requests(&self) -> BTreeMap<String, u64> {
        let mut total = BTreeMap::new();
        for (i, member) in self.members.iter().enumerate() {
            if member.child.is_none() {
                continue;
            }
            let text = metrics_text(&self.members[i].client_url()).await;
            for (method, count) in started_requests(&text) {
                *total.entry(method).or_insert(0) += count;
            }
        }
        total
    }

    /// A backend config for `scope` on every member, with a short request timeout.
    pub(crate) fn config(&self, scope: &str) -> EtcdConfig {
        let mut config = EtcdConfig::new(self.endpoints(), scope);
        config.request_timeout = Duration::from_secs(3);
        config
    }

    /// A backend for `scope` on every member.
    pub(crate) fn client(&self, scope: &str) -> EtcdDcs {
        EtcdDcs::new(&self.config(scope)).expect("valid etcd config")
    }

    fn initial_cluster(&self) -> String {
        self.members
            .iter()
            .map(|m| format!("{}={}", m.name, m.peer_url()))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn member_dir(&self, i: usize) -> PathBuf {
        self.dir.path().join(&self.members[i].name)
    }

    fn log_path(&self, i: usize) -> PathBuf {
        self.dir
            .path()
            .join(format!("{}.log", self.members[i].name))
    }

    /// Starts member `i`'s process (again, after [`EtcdCluster::kill`], on the same ports
    /// and data).
    fn spawn(&mut self, i: usize) {
        let initial = self.initial_cluster();
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.log_path(i))
            .expect("etcd log file");
        let data = self.member_dir(i);
        let client_url = self.endpoint(i);
        let m = &self.members[i];
        let mut command = Command::new(etcd_binary());
        if let Some(tls) = &self.tls {
            command
                .arg("--cert-file")
                .arg(&tls.server_cert)
                .arg("--key-file")
                .arg(&tls.server_key)
                .arg("--trusted-ca-file")
                .arg(&tls.ca)
                .arg("--client-cert-auth");
        }
        let child = command
            .arg("--name")
            .arg(&m.name)
            .arg("--data-dir")
            .arg(&data)
            .args(["--listen-client-urls", &client_url])
            .args(["--advertise-client-urls", &client_url])
            .args(["--listen-peer-urls", &m.peer_url()])
            .args(["--initial-advertise-peer-urls", &m.peer_url()])
            .args(["--initial-cluster", &initial])
            .args(["--initial-cluster-state", "new"])
            .args(["--initial-cluster-token", &self.token])
            .args(["--logger", "zap"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", etcd_binary().display()));
        self.members[i].child = Some(child);
    }

    /// Waits until member `i` serves a linearizable read.
    async fn wait_ready(&mut self, i: usize) {
        let started = Instant::now();
        let url = self.endpoint(i);
        loop {
            if let Some(child) = self.members[i].child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("etcd {url} exited with {status}:\n{}", self.log_tail(i));
                }
            }
            if answers(&url, self.tls.as_ref()).await {
                return;
            }
            if started.elapsed() > START_TIMEOUT {
                panic!(
                    "etcd {url} did not answer within {START_TIMEOUT:?}:\n{}",
                    self.log_tail(i)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_tail(&self, i: usize) -> String {
        let text = std::fs::read_to_string(self.log_path(i)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Kills member `i` (SIGKILL to its PID) and reaps it.
    pub(crate) fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.members[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts member `i` again on its old ports and data, and waits until it answers.
    pub(crate) async fn restart(&mut self, i: usize) {
        self.kill(i);
        self.spawn(i);
        self.wait_ready(i).await;
    }

    /// The data directory root (for diagnostics).
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for EtcdCluster {
    fn drop(&mut self) {
        for i in 0..self.members.len() {
            self.kill(i);
        }
    }
}

/// A raw etcd-client for member `url`, with the client certificate when TLS is on.
pub(crate) async fn raw_client(
    url: &str,
    tls: Option<&TlsFiles>,
) -> Result<etcd_client::Client, etcd_client::Error> {
    let options = tls.map(|tls| {
        let read = |p: &Path| std::fs::read(p).expect("read TLS file");
        let config = etcd_client::TlsOptions::new()
            .ca_certificate(etcd_client::Certificate::from_pem(read(&tls.ca)))
            .identity(etcd_client::Identity::from_pem(
                read(&tls.client_cert),
                read(&tls.client_key),
            ));
        etcd_client::ConnectOptions::new().with_tls(config)
    });
    etcd_client::Client::connect([url], options).await
}

/// True when `url` serves a linearizable read within a second.
async fn answers(url: &str, tls: Option<&TlsFiles>) -> bool {
    let probe = async {
        let mut client = raw_client(url, tls).await.ok()?;
        client.get("pg-ha-probe", None).await.ok()
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(1), probe).await,
        Ok(Some(_))
    )
}

/// Runs `openssl` with `args` in `dir`; panics with its output on failure.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl (needed for the TLS test): {e}"));
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes a CA, a server certificate for 127.0.0.1 and a client certificate in `dir`.
fn generate_tls(dir: &Path) -> TlsFiles {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=pg-ha test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
    );
    for (name, usage) in [("server", "serverAuth"), ("client", "clientAuth")] {
        let ext = format!("{name}.ext");
        std::fs::write(
            dir.join(&ext),
            format!("subjectAltName=IP:127.0.0.1\nextendedKeyUsage={usage}\n"),
        )
        .expect("write extension file");
        let (key, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/CN={name}"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &pem,
                "-days",
                "2",
                "-extfile",
                &ext,
            ],
        );
    }
    TlsFiles {
        ca: dir.join("ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
        client_cert: dir.join("client.pem"),
        client_key: dir.join("client.key"),
    }
}

/// The Prometheus text of the etcd member at `client_url` (plain HTTP).
async fn metrics_text(client_url: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = client_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("connect to etcd's metrics at {address}: {e}"));
    let request = format!("GET /metrics HTTP/1.0\r\nHost: {address}\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send the metrics request");
    let mut text = String::new();
    stream
        .read_to_string(&mut text)
        .await
        .expect("read etcd's metrics");
    text
}
