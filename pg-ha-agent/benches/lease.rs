//! Lease benchmark: the per-commit cost of the `pg_ha_lease` extension. Two real PostgreSQL
//! 15 primaries, one with `shared_preload_libraries = 'pg_ha_lease'`, both with the write
//! fence armed an hour ahead (so the extension checks the clock on every commit), run the
//! same pgbench load in turns: 4 clients, each transaction one single-row insert (a commit per
//! statement, the worst case for a per-commit check), `BENCH_SECS` (default 10) per run,
//! `BENCH_RUNS` (default 3) runs each. Reports the median throughput and latency of both and
//! their ratio. (The test settings run with `fsync = off`, so commits are cheap and the check's
//! share is as large as it can be.)
//!
//! Run: `cargo bench -p pg-ha-agent --bench lease` (as root, after scripts/install-extension).

#[allow(dead_code)]
#[path = "../tests/real_pg/common.rs"]
mod common;

use anyhow::{bail, Context, Result};
use pg_ha_core::{Clock, Postgres};
use std::process::Command;
use std::time::Duration;

/// One pgbench result.
#[derive(Debug, Clone, Copy)]
struct Run {
    tps: f64,
    latency_ms: f64,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn primary(sandbox: &common::Sandbox, name: &str, extension: bool) -> Result<common::Node> {
    let mut settings = common::settings(sandbox, name);
    if extension {
        settings
            .parameters
            .insert("shared_preload_libraries".into(), "pg_ha_lease".into());
    }
    let node = common::Node::new(settings).await?;
    node.pg.bootstrap().await?;
    node.exec("create table bench(id bigserial primary key, at timestamptz default now())")
        .await?;
    let hour = Duration::from_secs(3600);
    node.pg
        .set_write_fence(Some(common::clock().now() + hour))
        .await?;
    Ok(node)
}

fn pgbench(node: &common::Node, script: &std::path::Path, secs: u64) -> Result<Run> {
    let url = node.pg.conn_url();
    let port = url
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .context("port")?;
    let out = Command::new("pgbench")
        .args([
            "-n",
            "-c",
            "4",
            "-j",
            "2",
            "-T",
            &secs.to_string(),
            "-h",
            "127.0.0.1",
        ])
        .args(["-p", port, "-U", "postgres", "-f"])
        .arg(script)
        .arg("postgres")
        .env("PGPASSWORD", "su-secret")
        .output()
        .context("run pgbench")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "pgbench failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let value = |prefix: &str| -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(prefix))?
            .split('=')
            .nth(1)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    Ok(Run {
        tps: value("tps").context("tps")?,
        latency_ms: value("latency average").context("latency")?,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    common::require_pg();
    let lib = std::path::Path::new(common::DEFAULT_LIB_DIR).join("pg_ha_lease.so");
    if !lib.is_file() {
        bail!(
            "{} is missing: run scripts/install-extension",
            lib.display()
        );
    }
    let (runs, secs) = (env_number("BENCH_RUNS", 3), env_number("BENCH_SECS", 10));
    let sandbox = common::Sandbox::new();
    let script = sandbox.path().join("insert.sql");
    std::fs::write(&script, "insert into bench default values;\n")?;
    let without = primary(&sandbox, "plain", false).await?;
    let with = primary(&sandbox, "lease", true).await?;
    let (mut plain, mut leased) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        plain.push(pgbench(&without, &script, secs)?);
        leased.push(pgbench(&with, &script, secs)?);
        eprintln!(
            "run {run}: without {:.0} tps {:.3} ms, with pg_ha_lease {:.0} tps {:.3} ms",
            plain[plain.len() - 1].tps,
            plain[plain.len() - 1].latency_ms,
            leased[leased.len() - 1].tps,
            leased[leased.len() - 1].latency_ms
        );
    }
    let tps = |v: &[Run]| median(v.iter().map(|r| r.tps).collect());
    let lat = |v: &[Run]| median(v.iter().map(|r| r.latency_ms).collect());
    println!(
        "pg_ha_lease: single-insert commits, 4 clients, {runs} x {secs} s each: without \
         {:.0} tps / {:.3} ms, with {:.0} tps / {:.3} ms; throughput ratio {:.3}, latency \
         ratio {:.3}",
        tps(&plain),
        lat(&plain),
        tps(&leased),
        lat(&leased),
        tps(&leased) / tps(&plain),
        lat(&leased) / lat(&plain)
    );
    Ok(())
}
