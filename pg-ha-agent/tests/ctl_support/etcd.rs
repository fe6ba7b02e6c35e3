//! A real etcd on free loopback ports in a temp dir, killed by PID on drop.

use std::fs::File;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The etcd binary: `$ETCD_BIN`, else `/usr/bin/etcd`, else `etcd` on the PATH; panics with
/// a clear message if there is none.
pub fn etcd_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("ETCD_BIN") {
        return PathBuf::from(bin);
    }
    let default = PathBuf::from("/usr/bin/etcd");
    if default.is_file() {
        return default;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("etcd"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "the etcd binary was not found (/usr/bin/etcd, $ETCD_BIN, PATH); the ctl tests \
                 need a real etcd 3.4+: apt-get install etcd-server"
            )
        })
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("local address").port()
}

/// One etcd member serving clients on loopback.
pub struct Etcd {
    dir: TempDir,
    client_port: u16,
    child: Option<Child>,
}

impl Etcd {
    /// Starts etcd and waits until it reports healthy.
    pub async fn start() -> Etcd {
        let dir = tempfile::tempdir().expect("temp dir for etcd");
        let client_port = free_port();
        let peer_port = free_port();
        let client = format!("http://127.0.0.1:{client_port}");
        let peer = format!("http://127.0.0.1:{peer_port}");
        let log = File::create(dir.path().join("etcd.log")).expect("etcd log file");
        let child = Command::new(etcd_binary())
            .arg("--name")
            .arg("ctl")
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["--listen-client-urls", &client])
            .args(["--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer])
            .args(["--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &format!("ctl={peer}")])
            .args(["--initial-cluster-state", "new"])
            .args(["--logger", "zap"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", etcd_binary().display()));
        let mut etcd = Etcd {
            dir,
            client_port,
            child: Some(child),
        };
        etcd.wait_ready().await;
        etcd
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// `127.0.0.1:<port>`, as the `etcd3.hosts` setting.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.client_port)
    }

    async fn wait_ready(&mut self) {
        let started = Instant::now();
        let url = format!("{}/health", self.endpoint());
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("etcd exited with {status}:\n{}", self.log());
                }
            }
            let probe = pg_ha_agent::http::send(pg_ha_agent::http::Request {
                method: "GET",
                url: &url,
                body: None,
                basic_auth: None,
                timeout: Duration::from_secs(1),
            })
            .await;
            if matches!(&probe, Ok(r) if r.status == 200 && r.body.contains("true")) {
                return;
            }
            if started.elapsed() > Duration::from_secs(30) {
                panic!("etcd did not become healthy within 30 s:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default()
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
