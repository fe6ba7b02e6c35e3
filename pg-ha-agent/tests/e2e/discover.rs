//! The `discover` example (pg-ha-examples) following a real failover of agent processes:
//! it runs beside the cluster, and its line naming the new primary must come within a
//! second of the leader key change, which an in-process watch of the same etcd stamps.

use crate::cluster::Cluster;
use anyhow::{bail, Context, Result};
use pg_ha_core::discovery::Discovery;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The example program, built beside the agent by `cargo test --workspace`.
fn binary() -> Result<PathBuf> {
    let path = std::path::Path::new(env!("CARGO_BIN_EXE_pg-ha-agent")).with_file_name("discover");
    if !path.is_file() {
        bail!(
            "{} is missing: build it with `cargo build -p pg-ha-examples` (scripts/test builds \
             every package)",
            path.display()
        );
    }
    Ok(path)
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// Lines as (wall-clock ms, text).
type Lines = Arc<Mutex<Vec<(u128, String)>>>;

/// The running example and an in-process watch of the leader, both collecting lines.
pub(crate) struct Watchers {
    child: Child,
    example: Lines,
    reference: Lines,
    task: tokio::task::JoinHandle<()>,
}

impl Watchers {
    /// Starts both on `c`'s etcd.
    pub(crate) async fn start(c: &Cluster) -> Result<Watchers> {
        let scope = c.options().scope.clone();
        let endpoint = c.etcd().endpoint();
        let file = c.path().join("discover.yml");
        std::fs::write(
            &file,
            format!("scope: {scope}\nnamespace: /service/\netcd3:\n  hosts: {endpoint}\n"),
        )?;
        let mut child = Command::new(binary()?)
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("start discover")?;
        let stdout = child.stdout.take().context("discover's stdout")?;
        let example: Lines = Arc::default();
        let sink = Arc::clone(&example);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some((stamp, text)) = line.split_once(' ') {
                    let stamp = stamp.parse().unwrap_or(0);
                    sink.lock().expect("lines").push((stamp, text.to_string()));
                }
            }
        });
        let mut config = dcs_etcd::EtcdConfig::new(vec![format!("http://{endpoint}")], &scope);
        config.namespace = "/service/".to_string();
        let dcs = dcs_etcd::EtcdDcs::new(&config).context("etcd client")?;
        let reference: Lines = Arc::default();
        let sink = Arc::clone(&reference);
        let task = tokio::spawn(async move {
            let discovery = Discovery::new(dcs);
            let Ok(mut topology) = discovery.topology().await else {
                return;
            };
            while let Ok((next, _)) = discovery.next_change(&topology).await {
                let primary = next
                    .primary
                    .as_ref()
                    .map_or("none".into(), |p| p.name.clone());
                sink.lock().expect("lines").push((now_ms(), primary));
                topology = next;
            }
        });
        Ok(Watchers {
            child,
            example,
            reference,
            task,
        })
    }

    /// Waits until the example reports `new` as the primary; returns how long after the
    /// in-process watch saw the leader key change it did (ms, 0 when no later).
    pub(crate) async fn reported(&self, new: &str) -> Result<u128> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let example = self.example.lock().expect("lines").clone();
            let reference = self.reference.lock().expect("lines").clone();
            let seen = example
                .iter()
                .find(|(_, l)| l.starts_with("primary ") && l.contains(&format!("-> {new} ")));
            let changed = reference.iter().find(|(_, p)| p == new);
            if let (Some((reported, _)), Some((changed, _))) = (seen, changed) {
                return Ok(reported.saturating_sub(*changed));
            }
            if Instant::now() > deadline {
                bail!("discover did not report {new}: {example:?} (watch saw {reference:?})");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Watchers {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.task.abort();
    }
}
