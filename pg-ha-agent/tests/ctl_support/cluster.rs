//! `TestCluster`: a real etcd holding Patroni's `1-initial` sample (scope `demo`, leader
//! `node3`), one real REST server per member (with an [`EtcdControl`]), a ctl config file,
//! and a way to run the `pg-ha-ctl` binary against it.

use super::agents;
use super::control::EtcdControl;
use super::etcd::Etcd;
use dcs_etcd::{EtcdConfig, EtcdDcs};
use pg_ha_agent::config::{Credentials, HostPort};
use pg_ha_agent::rest::{NodeView, RestServer, RestSettings, ViewSource};
use pg_ha_core::config::NodeConfig;
use pg_ha_core::dcs::{Dcs, DcsExt};
use pg_ha_core::model::{Cluster, Condition, Key};
use pg_ha_core::time::{Clock, SystemClock};
use pg_ha_core::{Decision, Reason};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::task::JoinHandle;

/// The cluster name of the sample.
pub const SCOPE: &str = "demo";
/// The lease of the member and leader keys (longer than any test).
pub const TTL: Duration = Duration::from_secs(300);
/// The sample's system identifier.
pub const SYSID: &str = "7712434073260532225";

/// The sample's members: name, PostgreSQL port, WAL position.
pub const MEMBERS: [(&str, u16, u64); 3] = [
    ("node1", 54321, 50331648),
    ("node2", 54322, 67108864),
    ("node3", 54323, 67108864),
];

/// One member: its lease-holding DCS client, its REST server and control.
pub struct Node {
    /// The member name.
    pub name: String,
    /// The client that owns the member's lease (member key, leader key).
    pub dcs: Arc<EtcdDcs>,
    /// What its REST API was asked to do.
    pub control: Arc<EtcdControl>,
    /// `http://127.0.0.1:<port>/patroni`.
    pub api_url: String,
    server: Option<RestServer>,
}

/// What a `pg-ha-ctl` run printed and how it ended.
#[derive(Debug)]
pub struct CtlOutput {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CtlOutput {
    /// Panics with both streams unless the exit code is 0.
    pub fn ok(self) -> CtlOutput {
        assert_eq!(self.code, 0, "pg-ha-ctl failed:\n{self}");
        self
    }

    /// Panics unless the run failed with `code` and stderr contains `text`.
    pub fn fails_with(self, code: i32, text: &str) -> CtlOutput {
        assert_eq!(self.code, code, "unexpected exit code:\n{self}");
        assert!(
            self.stderr.contains(text),
            "stderr should contain {text:?}:\n{self}"
        );
        self
    }
}

impl std::fmt::Display for CtlOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The whole test setup.
pub struct TestCluster {
    /// The etcd server.
    pub etcd: Etcd,
    /// The members, in name order.
    pub nodes: Vec<Node>,
    /// A client without a lease, for reads and cluster-wide writes.
    pub admin: EtcdDcs,
    /// Holds the config files.
    pub dir: TempDir,
    /// `ctl.yml`: the agent-format config the ctl runs with by default.
    pub config: PathBuf,
    agents: Option<JoinHandle<()>>,
}

/// A member key value as the sample has it, with this test's `api_url`.
pub fn member_value(name: &str, api_url: &str, leader: bool, pause: bool) -> String {
    let (_, port, lsn) = MEMBERS
        .iter()
        .find(|(n, _, _)| *n == name)
        .copied()
        .unwrap_or((name, 5432, 0));
    let mut value = json!({
        "api_url": api_url,
        "conn_url": format!("postgres://127.0.0.1:{port}/postgres"),
        "role": if leader { "primary" } else { "replica" },
        "state": "running",
        "timeline": 1,
        "version": "4.1.5",
        "xlog_location": lsn,
    });
    if !leader {
        value["receive_lsn"] = json!(lsn);
        value["replay_lsn"] = json!(lsn);
    }
    if pause {
        value["pause"] = json!(true);
    }
    value.to_string()
}

/// An etcd client for the sample's cluster.
pub fn client(etcd: &Etcd, scope: &str) -> EtcdDcs {
    let mut config = EtcdConfig::new(vec![etcd.endpoint()], scope);
    config.request_timeout = Duration::from_secs(3);
    EtcdDcs::new(&config).expect("valid etcd config")
}

impl TestCluster {
    /// The sample with REST APIs without authentication.
    pub async fn start() -> TestCluster {
        TestCluster::start_with(None).await
    }

    /// The sample; the REST APIs require `auth` when given.
    pub async fn start_with(auth: Option<(&str, &str)>) -> TestCluster {
        let etcd = Etcd::start().await;
        let admin = client(&etcd, SCOPE);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
        let mut nodes = Vec::new();
        for (name, _, _) in MEMBERS {
            let control = Arc::new(EtcdControl::new(client(&etcd, SCOPE)));
            let mut settings = RestSettings::new(HostPort {
                host: "127.0.0.1".into(),
                port: 0,
            });
            settings.switchover_poll_interval = Duration::from_millis(50);
            settings.switchover_timeout = Some(Duration::from_secs(10));
            settings.authentication = auth.map(|(u, p)| Credentials {
                username: u.into(),
                password: p.into(),
            });
            let view = NodeView {
                node: NodeConfig {
                    name: name.into(),
                    scope: SCOPE.into(),
                    ..NodeConfig::default()
                },
                lease_until: (name == "node3").then(|| clock.now() + Duration::from_secs(3600)),
                decision: Some(Decision::idle(if name == "node3" {
                    Reason::LeaderRenewed
                } else {
                    Reason::Following {
                        leader: "node3".into(),
                    }
                })),
                ..NodeView::default()
            };
            let server = RestServer::start(
                settings,
                ViewSource::fixed(view),
                control.clone(),
                Arc::clone(&clock),
            )
            .await
            .expect("REST server starts");
            let api_url = format!("{}/patroni", server.base_url());
            nodes.push(Node {
                name: name.into(),
                dcs: Arc::new(client(&etcd, SCOPE)),
                control,
                api_url,
                server: Some(server),
            });
        }
        let keys = [
            (Key::Initialize, SYSID.to_string()),
            (
                Key::Config,
                json!({"loop_wait": 10, "maximum_lag_on_failover": 1048576, "retry_timeout": 10,
                    "ttl": 30, "postgresql": {"parameters": {"max_connections": 50,
                    "shared_buffers": "32MB", "wal_log_hints": "on"},
                    "use_pg_rewind": true, "use_slots": true}})
                .to_string(),
            ),
            (
                Key::Status,
                r#"{"optime":67108864,"retain_slots":["node3"],"slots":{"node3":67108864}}"#
                    .to_string(),
            ),
            (
                Key::History,
                r#"[[1,25623960,"no recovery target specified","2026-01-01T10:00:00+00:00","node3"]]"#
                    .to_string(),
            ),
        ];
        for (key, value) in keys {
            admin
                .write(key, &value, Condition::Any)
                .await
                .expect("write a cluster key");
        }
        for node in &nodes {
            let leader = node.name == "node3";
            node.dcs
                .touch_member(
                    &node.name,
                    &member_value(&node.name, &node.api_url, leader, false),
                    TTL,
                )
                .await
                .expect("write a member key");
            if leader {
                assert!(node
                    .dcs
                    .acquire_leader(&node.name, TTL)
                    .await
                    .expect("take the leader key"));
            }
        }
        let dir = tempfile::tempdir().expect("temp dir for configs");
        let mut cluster = TestCluster {
            etcd,
            nodes,
            admin,
            config: PathBuf::new(),
            dir,
            agents: None,
        };
        cluster.config = cluster.write_config("ctl.yml", "");
        cluster
    }

    /// Writes an agent-format config (node1's, as in the sample) with `extra` YAML appended.
    pub fn write_config(&self, file: &str, extra: &str) -> PathBuf {
        let text = format!(
            "scope: {SCOPE}\nnamespace: /service/\nname: node1\n\
             restapi:\n  listen: 127.0.0.1:8008\n  connect_address: 127.0.0.1:8008\n\
             etcd3:\n  hosts: {}\n\
             postgresql:\n  listen: 127.0.0.1:54321\n  connect_address: 127.0.0.1:54321\n  \
             data_dir: {}/data\n{extra}",
            self.etcd.host(),
            self.dir.path().display()
        );
        self.write_file(file, &text)
    }

    /// Writes `text` to `file` in the temp dir.
    pub fn write_file(&self, file: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(file);
        std::fs::write(&path, text).expect("write a file");
        path
    }

    /// The member named `name`.
    pub fn node(&self, name: &str) -> &Node {
        self.nodes
            .iter()
            .find(|n| n.name == name)
            .unwrap_or_else(|| panic!("no member {name}"))
    }

    /// A fresh read of the cluster.
    pub async fn cluster(&self) -> Cluster {
        self.admin.load().await.expect("read the cluster")
    }

    /// The `config` key as JSON.
    pub async fn config_value(&self) -> Value {
        self.cluster()
            .await
            .config
            .map(|c| c.raw)
            .unwrap_or(Value::Null)
    }

    /// Sets the `failover` key to `{}` (no request).
    pub async fn clear_failover(&self) {
        self.admin
            .write(Key::Failover, "{}", Condition::Any)
            .await
            .expect("clear the failover key");
    }

    /// Starts the simulated agents: they act on switchover / failover requests and publish
    /// `pause` in their member keys.
    pub fn start_agents(&mut self) {
        let nodes = self
            .nodes
            .iter()
            .map(|n| agents::Agent {
                name: n.name.clone(),
                api_url: n.api_url.clone(),
                dcs: Arc::clone(&n.dcs),
            })
            .collect();
        self.agents = Some(agents::spawn(client(&self.etcd, SCOPE), nodes));
    }

    /// Stops the simulated agents.
    pub fn stop_agents(&mut self) {
        if let Some(task) = self.agents.take() {
            task.abort();
        }
    }

    /// Runs `pg-ha-ctl -c ctl.yml ARGS` without a terminal.
    pub async fn ctl(&self, args: &[&str]) -> CtlOutput {
        let mut full = vec!["-c", self.config.to_str().expect("utf-8 path")];
        full.extend_from_slice(args);
        run_ctl(&full, &[], None).await
    }

    /// Stops the REST servers.
    pub async fn stop(mut self) {
        self.stop_agents();
        for node in &mut self.nodes {
            if let Some(server) = node.server.take() {
                server.stop().await;
            }
        }
    }
}

/// Runs the `pg-ha-ctl` binary with `args` and extra `env`, stdin from `stdin` (or nothing:
/// no terminal), and waits for it (at most two minutes).
pub async fn run_ctl(args: &[&str], env: &[(&str, &str)], stdin: Option<&Path>) -> CtlOutput {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_pg-ha-ctl"));
    command
        .args(args)
        .env_remove("PATRONICTL_CONFIG_FILE")
        .env_remove("DCS_URL")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    match stdin {
        Some(path) => command.stdin(std::fs::File::open(path).expect("open stdin file")),
        None => command.stdin(Stdio::null()),
    };
    let run = command.output();
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("pg-ha-ctl finished within two minutes")
        .expect("pg-ha-ctl runs");
    CtlOutput {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
