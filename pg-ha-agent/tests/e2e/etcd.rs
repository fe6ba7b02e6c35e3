//! etcd 3.4 servers for the e2e harness (`cluster.rs`): a single member on free loopback
//! ports, or a 3-member cluster in the namespaces of a test [`Network`]; read through the
//! JSON gateway (`/v3/kv/range`), killed by PID when dropped.

use super::netns::Network;
use anyhow::{bail, Context, Result};
use pg_ha_agent::http::{send, Request};
use serde_json::{json, Value};
use std::ffi::OsString;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Where the etcd binary is (Debian's `etcd-server`); `$ETCD_BIN` overrides it.
pub(crate) const ETCD_BIN: &str = "/usr/bin/etcd";

/// One key as etcd reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyValue {
    /// The key.
    pub(crate) key: String,
    /// The value, as text.
    pub(crate) value: String,
    /// The revision that created the key (changes only when the key is deleted and
    /// written again).
    pub(crate) create_revision: i64,
    /// The revision of the last write.
    pub(crate) mod_revision: i64,
    /// The lease the key is attached to (0 = none).
    pub(crate) lease: i64,
}

/// A running etcd server.
pub(crate) struct Etcd {
    child: Mutex<Option<Child>>,
    /// The program and arguments that start it (again, after a kill).
    launch: Vec<OsString>,
    address: String,
    client_port: u16,
    log: PathBuf,
}

/// The etcd binary to run; panics with what to install when it is missing.
pub(crate) fn etcd_binary() -> PathBuf {
    let bin = std::env::var_os("ETCD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(ETCD_BIN));
    assert!(
        bin.is_file(),
        "etcd not found at {} (set $ETCD_BIN to override): the e2e tests need a real etcd 3.4; \
         install Debian's etcd-server package (apt-get install -y etcd-server)",
        bin.display()
    );
    bin
}

impl Etcd {
    /// Starts a single-member etcd on loopback with its data in `dir` (created) and its log
    /// in `dir`.log, and waits until it answers.
    pub(crate) async fn start(dir: &Path) -> Result<Etcd> {
        let member = Member {
            name: "e2e".into(),
            address: "127.0.0.1".into(),
            client_port: super::free_port(),
            peer_port: super::free_port(),
        };
        let initial = member.initial();
        let etcd = Etcd::spawn(dir, &member, &initial, vec![etcd_binary().into()])?;
        etcd.wait_healthy(Duration::from_secs(30)).await?;
        Ok(etcd)
    }

    /// Starts one member in each of `hosts` of `network` (data in `dir`/<host>), as one
    /// cluster, and waits until every member answers.
    pub(crate) async fn start_cluster(
        dir: &Path,
        network: &Network,
        hosts: &[&str],
    ) -> Result<Vec<Etcd>> {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        let members: Vec<Member> = hosts
            .iter()
            .map(|host| Member {
                name: host.to_string(),
                address: network.address(host),
                client_port: super::free_port(),
                peer_port: super::free_port(),
            })
            .collect();
        let initial: Vec<String> = members.iter().map(Member::initial).collect();
        let mut started = Vec::new();
        for (member, host) in members.iter().zip(hosts) {
            let launch = vec![
                "ip".into(),
                "netns".into(),
                "exec".into(),
                network.namespace(host).into(),
                etcd_binary().into(),
            ];
            let etcd = Etcd::spawn(&dir.join(host), member, &initial.join(","), launch)?;
            started.push(etcd);
        }
        for etcd in &started {
            etcd.wait_healthy(Duration::from_secs(30)).await?;
        }
        Ok(started)
    }

    /// Spawns `launch` + etcd's flags for `member` of the cluster `initial`.
    fn spawn(
        dir: &Path,
        member: &Member,
        initial: &str,
        mut launch: Vec<OsString>,
    ) -> Result<Etcd> {
        let client = format!("http://{}:{}", member.address, member.client_port);
        let peer = format!("http://{}:{}", member.address, member.peer_port);
        launch.extend(
            [
                format!("--name={}", member.name),
                format!("--data-dir={}", dir.display()),
                format!("--listen-client-urls={client}"),
                format!("--advertise-client-urls={client}"),
                format!("--listen-peer-urls={peer}"),
                format!("--initial-advertise-peer-urls={peer}"),
                format!("--initial-cluster={initial}"),
                "--unsafe-no-fsync".into(),
            ]
            .map(OsString::from),
        );
        let etcd = Etcd {
            child: Mutex::new(None),
            launch,
            address: member.address.clone(),
            client_port: member.client_port,
            log: dir.with_extension("log"),
        };
        etcd.respawn()?;
        Ok(etcd)
    }

    /// Starts the process (again), appending to its log.
    fn respawn(&self) -> Result<()> {
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .with_context(|| format!("open {}", self.log.display()))?;
        let child = Command::new(&self.launch[0])
            .args(&self.launch[1..])
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("spawn etcd")?;
        *self.child() = Some(child);
        Ok(())
    }

    /// Starts a killed member again on its data and waits until it answers.
    pub(crate) async fn restart(&self) -> Result<()> {
        self.kill();
        self.respawn()?;
        self.wait_healthy(Duration::from_secs(30)).await
    }

    /// Whether this member is its cluster's raft leader (`/v3/maintenance/status`).
    pub(crate) async fn is_leader(&self) -> Result<bool> {
        let url = format!("http://{}/v3/maintenance/status", self.endpoint());
        let answer = send(Request {
            method: "POST",
            url: &url,
            body: Some("{}"),
            basic_auth: None,
            timeout: Duration::from_secs(2),
        })
        .await
        .context("etcd status request")?;
        let reply: Value = serde_json::from_str(&answer.body).context("etcd status reply")?;
        // uint64 ids, written as strings; compared as text (they may not fit an i64).
        let member = reply.pointer("/header/member_id").and_then(Value::as_str);
        let leader = reply.get("leader").and_then(Value::as_str);
        Ok(member.is_some() && member == leader)
    }

    /// `<address>:<client port>`, as the agents' `etcd3.hosts`.
    pub(crate) fn endpoint(&self) -> String {
        format!("{}:{}", self.address, self.client_port)
    }

    /// The server's log file.
    pub(crate) fn log_path(&self) -> &Path {
        &self.log
    }

    fn child(&self) -> MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The exit status, if the process has exited.
    fn exited(&self) -> Result<Option<std::process::ExitStatus>> {
        match self.child().as_mut() {
            Some(child) => Ok(child.try_wait()?),
            None => Ok(None),
        }
    }

    async fn wait_healthy(&self, timeout: Duration) -> Result<()> {
        let start = Instant::now();
        let url = format!("http://{}/health", self.endpoint());
        loop {
            if let Some(status) = self.exited()? {
                bail!(
                    "etcd exited at start ({status}); its log:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            let answer = send(Request {
                method: "GET",
                url: &url,
                body: None,
                basic_auth: None,
                timeout: Duration::from_secs(2),
            })
            .await;
            if answer.is_ok_and(|r| r.status == 200 && r.body.contains("true")) {
                return Ok(());
            }
            if start.elapsed() > timeout {
                bail!(
                    "etcd did not become healthy within {timeout:?}; its log:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// One key, if it exists.
    pub(crate) async fn get(&self, key: &str) -> Result<Option<KeyValue>> {
        let body = json!({ "key": base64_encode(key.as_bytes()) });
        Ok(self.range(body).await?.into_iter().next())
    }

    /// Every key that starts with `prefix`, sorted by key.
    pub(crate) async fn get_prefix(&self, prefix: &str) -> Result<Vec<KeyValue>> {
        let mut end = prefix.as_bytes().to_vec();
        if let Some(last) = end.last_mut() {
            *last += 1;
        }
        let body = json!({
            "key": base64_encode(prefix.as_bytes()),
            "range_end": base64_encode(&end),
        });
        self.range(body).await
    }

    async fn range(&self, body: Value) -> Result<Vec<KeyValue>> {
        let url = format!("http://{}/v3/kv/range", self.endpoint());
        let body = body.to_string();
        let answer = send(Request {
            method: "POST",
            url: &url,
            body: Some(&body),
            basic_auth: None,
            timeout: Duration::from_secs(5),
        })
        .await
        .context("etcd range request")?;
        if answer.status != 200 {
            bail!("etcd range: HTTP {}: {}", answer.status, answer.body);
        }
        let reply: Value = serde_json::from_str(&answer.body).context("etcd range reply")?;
        let Some(kvs) = reply.get("kvs").and_then(Value::as_array) else {
            return Ok(Vec::new());
        };
        kvs.iter().map(key_value).collect()
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) etcd: while frozen, requests hang as in a
    /// network partition from every node.
    pub(crate) fn pause(&self, frozen: bool) -> Result<()> {
        let child = self.child();
        let child = child.as_ref().context("etcd is not running")?;
        let sig = if frozen {
            nix::sys::signal::Signal::SIGSTOP
        } else {
            nix::sys::signal::Signal::SIGCONT
        };
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id())?);
        nix::sys::signal::kill(pid, sig).context("signal etcd")
    }

    /// SIGKILLs etcd and reaps it.
    pub(crate) fn kill(&self) {
        if let Some(mut child) = self.child().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One member's name, address and ports.
struct Member {
    name: String,
    address: String,
    client_port: u16,
    peer_port: u16,
}

impl Member {
    /// `name=http://address:peer_port`, its entry in `--initial-cluster`.
    fn initial(&self) -> String {
        format!("{}=http://{}:{}", self.name, self.address, self.peer_port)
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// etcd's JSON gateway writes int64 fields as strings.
fn int_field(kv: &Value, name: &str) -> i64 {
    match kv.get(name) {
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        _ => 0,
    }
}

fn key_value(kv: &Value) -> Result<KeyValue> {
    let text = |name: &str| -> Result<String> {
        let raw = kv.get(name).and_then(Value::as_str).unwrap_or("");
        let bytes = base64_decode(raw).with_context(|| format!("etcd {name} is not base64"))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    Ok(KeyValue {
        key: text("key")?,
        value: text("value")?,
        create_revision: int_field(kv, "create_revision"),
        mod_revision: int_field(kv, "mod_revision"),
        lease: int_field(kv, "lease"),
    })
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional).
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c)?;
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}
