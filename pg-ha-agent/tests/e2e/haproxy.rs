//! HAProxy with the shipped sample configuration (`examples/configs/haproxy.cfg`, its server
//! lines pointed at this cluster) in front of the cluster, and PgBouncer with its sample
//! (`examples/configs/pgbouncer.ini`) in front of HAProxy: writes through either reach the
//! leader, reads through HAProxy's replica port a replica; then the time from a switchover
//! request, and from kill -9 of the primary's agent and PostgreSQL, to the first write
//! through HAProxy (and through PgBouncer) that lands on the new primary. Measured and
//! reported, not bounded tightly (a loaded machine must not fail it): each must happen
//! within FAILOVER.

use crate::cluster::{free_port, postgres_ids, Cluster, SUPERUSER, SUPERUSER_PASSWORD};
use crate::{step, FAILOVER, REJOIN};
use anyhow::{anyhow, bail, ensure, Context, Result};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running haproxy, killed by PID when dropped.
struct Haproxy {
    child: Child,
    primary_port: u16,
    replica_port: u16,
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn haproxy_binary() -> Result<PathBuf> {
    let path = PathBuf::from("/usr/sbin/haproxy");
    ensure!(
        path.is_file(),
        "haproxy not found at {}: install Debian's haproxy (scripts/install-deps does)",
        path.display()
    );
    Ok(path)
}

/// The sample configuration with its listen ports and server lines set for `c`.
fn render(c: &Cluster, primary_port: u16, replica_port: u16) -> Result<String> {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/configs/haproxy.cfg");
    let text =
        std::fs::read_to_string(&sample).with_context(|| format!("read {}", sample.display()))?;
    let mut out = String::new();
    for line in text.lines() {
        let mut line = line
            .replace("bind *:5000", &format!("bind 127.0.0.1:{primary_port}"))
            .replace("bind *:5001", &format!("bind 127.0.0.1:{replica_port}"));
        for (i, node) in c.nodes().iter().enumerate() {
            let server = format!("server node{} 10.0.0.{}:5432", i + 1, i + 1);
            if line.contains(&server) {
                line = line
                    .replace(
                        &server,
                        &format!("server {} {}:{}", node.name, node.host, node.pg_port),
                    )
                    .replace("check port 8008", &format!("check port {}", node.api_port));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    ensure!(
        !out.contains("10.0.0."),
        "server lines left unrendered:\n{out}"
    );
    Ok(out)
}

fn start(c: &Cluster) -> Result<Haproxy> {
    let bin = haproxy_binary()?;
    let (primary_port, replica_port) = (free_port(), free_port());
    let config = c.path().join("haproxy.cfg");
    std::fs::write(&config, render(c, primary_port, replica_port)?)?;
    let check = Command::new(&bin)
        .arg("-c")
        .arg("-f")
        .arg(&config)
        .output()?;
    ensure!(
        check.status.success(),
        "haproxy -c: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let log = std::fs::File::create(c.path().join("haproxy.log"))?;
    let child = Command::new(&bin)
        .arg("-db")
        .arg("-f")
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("start haproxy")?;
    Ok(Haproxy {
        child,
        primary_port,
        replica_port,
    })
}

/// Through HAProxy's `port`: a row written (or, for reads, a query) on whichever server it
/// routes to; returns that server's PostgreSQL port and whether it is in recovery.
async fn through(port: u16, write: bool) -> Result<(u16, bool)> {
    let conn = format!(
        "host=127.0.0.1 port={port} user={SUPERUSER} password={SUPERUSER_PASSWORD} \
         dbname=postgres connect_timeout=2 application_name=e2e-haproxy"
    );
    let connect = tokio_postgres::connect(&conn, tokio_postgres::NoTls);
    let (client, connection) = tokio::time::timeout(Duration::from_secs(3), connect)
        .await
        .map_err(|_| anyhow!("connect through haproxy timed out"))??;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let query = async {
        if write {
            client
                .batch_execute("INSERT INTO e2e_haproxy DEFAULT VALUES")
                .await?;
        }
        let row = client
            .query_one(
                "SELECT current_setting('port')::int, pg_is_in_recovery()",
                &[],
            )
            .await?;
        Ok::<_, tokio_postgres::Error>((row.get::<_, i32>(0) as u16, row.get::<_, bool>(1)))
    };
    Ok(tokio::time::timeout(Duration::from_secs(3), query)
        .await
        .map_err(|_| anyhow!("query through haproxy timed out"))??)
}

/// Waits for the first write through `proxy_port` that lands on the server at `target` (or
/// on any server but `not` when `target` is None); returns the time since `since`.
async fn first_write(
    proxy_port: u16,
    target: Option<u16>,
    not: u16,
    since: Instant,
) -> Result<Duration> {
    while since.elapsed() < FAILOVER {
        if let Ok((port, false)) = through(proxy_port, true).await {
            if target.map_or(port != not, |t| port == t) {
                return Ok(since.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("no write through port {proxy_port} reached the new primary within {FAILOVER:?}")
}

/// A running PgBouncer (as the postgres OS user), killed by PID when dropped.
struct Pgbouncer {
    child: Child,
    port: u16,
}

impl Drop for Pgbouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sample PgBouncer configuration pointed at `haproxy_port`, listening on a free port,
/// with a user list for the tests' superuser.
fn start_pgbouncer(c: &Cluster, haproxy_port: u16) -> Result<Pgbouncer> {
    let bin = PathBuf::from("/usr/sbin/pgbouncer");
    ensure!(
        bin.is_file(),
        "pgbouncer not found at {}: install Debian's pgbouncer (scripts/install-deps does)",
        bin.display()
    );
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/configs/pgbouncer.ini");
    let port = free_port();
    let userlist = c.path().join("pgbouncer-users.txt");
    std::fs::write(
        &userlist,
        format!("\"{SUPERUSER}\" \"{SUPERUSER_PASSWORD}\"\n"),
    )?;
    let ini = std::fs::read_to_string(&sample)?
        .replace("port=5000", &format!("port={haproxy_port}"))
        .replace("listen_port = 6432", &format!("listen_port = {port}"))
        .replace(
            "auth_file = /etc/pgbouncer/userlist.txt",
            &format!(
                "auth_file = {}\nunix_socket_dir =\nignore_startup_parameters = application_name",
                userlist.display()
            ),
        );
    ensure!(
        ini.contains(&format!("listen_port = {port}")),
        "ini not rendered:\n{ini}"
    );
    let path = c.path().join("pgbouncer.ini");
    std::fs::write(&path, ini)?;
    let log = std::fs::File::create(c.path().join("pgbouncer.log"))?;
    // As the postgres OS user (PgBouncer refuses root), started directly so that the PID
    // killed at the end is PgBouncer's own.
    let (uid, gid) = postgres_ids()?;
    let child = Command::new(&bin)
        .uid(uid)
        .gid(gid)
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("start pgbouncer")?;
    Ok(Pgbouncer { child, port })
}

fn port_of(c: &Cluster, name: &str) -> u16 {
    c.node(name).pg_port
}

/// The scenario (see the module docs).
pub(crate) async fn haproxy_follows_the_primary(c: &Cluster) -> Result<()> {
    let leader = c.wait_streaming(2, REJOIN).await?;
    c.node(&leader)
        .execute("CREATE TABLE IF NOT EXISTS e2e_haproxy (id serial primary key, at timestamptz default now())")
        .await?;
    let proxy = start(c)?;
    let bouncer = start_pgbouncer(c, proxy.primary_port)?;
    let started = Instant::now();
    first_write(proxy.primary_port, Some(port_of(c, &leader)), 0, started).await?;
    first_write(bouncer.port, Some(port_of(c, &leader)), 0, started).await?;
    let (read_port, in_recovery) = through(proxy.replica_port, false).await?;
    ensure!(
        in_recovery && read_port != port_of(c, &leader),
        "the replica port reached {read_port} (in recovery: {in_recovery})"
    );
    step(&format!(
        "haproxy: writes reach {leader} through the sample configs (HAProxy, PgBouncer), \
         reads a replica"
    ));

    let candidate = c.others(&leader).remove(0);
    let body = format!(r#"{{"leader":"{leader}","candidate":"{candidate}"}}"#);
    let asked = Instant::now();
    let (status, answer) = c
        .node(&leader)
        .rest("POST", "/switchover", Some(&body))
        .await?;
    ensure!(status == 200, "switchover: {status} {answer}");
    let switched = first_write(proxy.primary_port, Some(port_of(c, &candidate)), 0, asked).await?;
    let bounced = first_write(bouncer.port, Some(port_of(c, &candidate)), 0, asked).await?;
    step(&format!(
        "haproxy: switchover {leader} -> {candidate}: first write on {candidate} {:.2} s \
         after the request through haproxy, {:.2} s through pgbouncer",
        switched.as_secs_f64(),
        bounced.as_secs_f64()
    ));

    c.wait_streaming(2, REJOIN).await?;
    let killed = Instant::now();
    c.node(&candidate).kill9_agent_and_pg();
    let old = port_of(c, &candidate);
    let failed_over = first_write(proxy.primary_port, None, old, killed).await?;
    let bounced = first_write(bouncer.port, None, old, killed).await?;
    step(&format!(
        "haproxy: kill -9 of {candidate}: first write on the new primary {:.2} s after the \
         kill through haproxy, {:.2} s through pgbouncer",
        failed_over.as_secs_f64(),
        bounced.as_secs_f64()
    ));
    c.node(&candidate).restart_agent()?;
    c.wait_replica_streaming(&candidate, REJOIN).await?;
    drop(bouncer);
    drop(proxy);
    Ok(())
}
