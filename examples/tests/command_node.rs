//! The `command_node` example on real servers: two nodes whose PostgreSQL 15 servers are
//! managed only through the commands of `commands.yml` (run as the `postgres` OS user through
//! a `runuser` prefix, standing in for `docker exec`) and asked over SQL, elected through a
//! real etcd. The first bootstraps, the second clones and streams; a switchover moves the
//! primary and the old one follows; a stopped primary hands over to the other.

mod program;
#[path = "../../dcs-etcd/tests/support/mod.rs"]
mod support;

use program::{now_ms, Program};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::EtcdCluster;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_postgres::{Client, NoTls};

const BIN_DIR: &str = "/usr/lib/postgresql/15/bin";
const SCOPE: &str = "command-node";

/// A loopback port nothing listens on.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a loopback port")
}

fn require_pg() {
    assert!(
        Path::new(BIN_DIR).join("postgres").is_file(),
        "PostgreSQL 15 binaries not found in {BIN_DIR}: install Debian's postgresql-15; \
         this test runs real servers"
    );
}

/// `[runuser, -u, postgres, --]` when running as root (PostgreSQL refuses root), else none.
fn prefix() -> Vec<String> {
    let uid = std::process::Command::new("id")
        .arg("-u")
        .output()
        .expect("run id -u");
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        ["runuser", "-u", "postgres", "--"]
            .map(String::from)
            .to_vec()
    } else {
        Vec::new()
    }
}

/// One member: its files, ports and the running example.
struct Member {
    name: &'static str,
    dir: PathBuf,
    pg_port: u16,
    rest_port: u16,
    program: Option<Program>,
}

impl Member {
    fn new(root: &Path, name: &'static str) -> Member {
        let dir = root.join(name);
        std::fs::create_dir(&dir).expect("member dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        Member {
            name,
            dir,
            pg_port: free_port(),
            rest_port: free_port(),
            program: None,
        }
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    /// The commands file: pg_ctl, pg_basebackup and pg_rewind on this member's directory.
    fn commands(&self) -> String {
        let (d, dir, port) = (self.data(), self.dir.display(), self.pg_port);
        let start = format!(
            "{BIN_DIR}/pg_ctl start -w -t 60 -D {d} -l {dir}/server.log \
             -o '-h 127.0.0.1 -p {port} -k {dir}'"
        );
        let prefix: Vec<String> = prefix().iter().map(|p| format!("'{p}'")).collect();
        format!(
            r#"name: {name}
prefix: [{prefix}]
connect: host=127.0.0.1 port={port} user=postgres dbname=postgres connect_timeout=2
replication: user=replicator
rewind: user=postgres
commands:
  running: {BIN_DIR}/pg_ctl status -D {d}
  controldata: LC_ALL=C {BIN_DIR}/pg_controldata {d}
  standby_signal: test -f {d}/standby.signal
  bootstrap: |
    set -e
    {BIN_DIR}/initdb -D {d} -U postgres -A trust >/dev/null
    printf "%s\n" "wal_level = replica" "wal_log_hints = on" "max_wal_senders = 10" \
      "include_if_exists = 'standby.conf'" >> {d}/postgresql.conf
    {start}
    {BIN_DIR}/psql -h 127.0.0.1 -p {port} -U postgres -d postgres -qc \
      "CREATE ROLE replicator REPLICATION LOGIN"
  clone: {BIN_DIR}/pg_basebackup -D {d} -d "$PGHA_SOURCE" -X stream -c fast
  start_primary: |
    rm -f {d}/standby.signal {d}/standby.conf
    {start}
  start_standby: |
    set -e
    printf "primary_conninfo = '%s'\n" "$(printf %s "$PGHA_PRIMARY_CONNINFO" | sed "s/'/''/g")" \
      > {d}/standby.conf
    touch {d}/standby.signal
    {start}
  stop: {BIN_DIR}/pg_ctl stop -w -t 60 -D {d} -m "$PGHA_STOP_MODE"
  promote: {BIN_DIR}/pg_ctl promote -w -D {d}
  rewind: {BIN_DIR}/pg_rewind -D {d} --source-server="$PGHA_SOURCE"
  wipe: rm -rf {d}
"#,
            name = self.name,
            prefix = prefix.join(", "),
        )
    }

    fn node_config(&self, etcd: &EtcdCluster) -> String {
        let hosts: Vec<String> = etcd
            .endpoints()
            .iter()
            .map(|e| e.trim_start_matches("http://").to_string())
            .collect();
        format!(
            "scope: {SCOPE}\nname: {name}\netcd3:\n  hosts: {hosts}\n\
             log:\n  dir: {dir}\n\
             restapi:\n  listen: 127.0.0.1:{rest}\n  connect_address: 127.0.0.1:{rest}\n\
             bootstrap:\n  dcs:\n    ttl: 10\n    loop_wait: 1\n    retry_timeout: 3\n\
             postgresql:\n  data_dir: {data}\n  listen: 127.0.0.1:{pg}\n  \
             connect_address: 127.0.0.1:{pg}\n  authentication:\n    \
             superuser: {{username: postgres, password: unused}}\n    \
             replication: {{username: replicator, password: unused}}\n",
            name = self.name,
            hosts = hosts.join(","),
            rest = self.rest_port,
            pg = self.pg_port,
            data = self.data(),
            dir = self.dir.display(),
        )
    }

    fn start(&mut self, etcd: &EtcdCluster) {
        let node = self.dir.join("pg-ha.yml");
        let commands = self.dir.join("commands.yml");
        std::fs::write(&node, self.node_config(etcd)).expect("write pg-ha.yml");
        std::fs::write(&commands, self.commands()).expect("write commands.yml");
        self.program = Some(Program::start(
            env!("CARGO_BIN_EXE_command_node"),
            &[
                node.to_str().expect("utf-8"),
                commands.to_str().expect("utf-8"),
            ],
            Duration::from_secs(90),
        ));
    }

    fn program(&mut self) -> &mut Program {
        self.program.as_mut().expect("started")
    }

    /// Waits for the example to report `role`; returns the report's stamp.
    async fn reaches(&mut self, role: &str) -> u128 {
        let wanted = format!("role {role}");
        self.program().until(&wanted).await.0
    }

    /// SIGTERM, then the example's own `stopped` line.
    async fn terminate(&mut self) {
        let pid = self.program().child.id().expect("running");
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        self.program().until("stopped").await;
    }

    async fn sql(&self) -> Client {
        let conninfo = format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.pg_port
        );
        let (client, connection) = tokio_postgres::connect(&conninfo, NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        client
    }

    /// Waits until `sql` returns `expected` on this member's server.
    async fn shows(&self, sql: &str, expected: i64) {
        for _ in 0..300 {
            if let Ok(rows) = self.sql().await.query(sql, &[]).await {
                if rows.first().map(|r| r.get::<_, i64>(0)) == Some(expected) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{}: `{sql}` never returned {expected}", self.name);
    }
}

impl Drop for Member {
    /// Stops the server by the PID in its pid file if the example left it running.
    fn drop(&mut self) {
        self.program = None;
        let pidfile = self.dir.join("data/postmaster.pid");
        let pid = std::fs::read_to_string(pidfile).ok();
        if let Some(pid) = pid.as_deref().and_then(|t| t.lines().next()) {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", pid])
                .status();
        }
    }
}

/// `POST /switchover` on `member`'s REST API; the answer's status line.
async fn switchover(member: &Member, leader: &str, candidate: &str) -> String {
    let body = format!(r#"{{"leader":"{leader}","candidate":"{candidate}"}}"#);
    let request = format!(
        "POST /switchover HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", member.rest_port))
        .await
        .expect("REST connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("answer");
    answer.lines().next().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_of_command_managed_servers_fails_over_and_switches_over() {
    require_pg();
    let etcd = EtcdCluster::start().await;
    let root = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut a = Member::new(root.path(), "a");
    let mut b = Member::new(root.path(), "b");

    a.start(&etcd);
    a.reaches("primary").await;
    a.sql()
        .await
        .batch_execute("CREATE TABLE t (i int); INSERT INTO t VALUES (1)")
        .await
        .expect("write on the primary");
    b.start(&etcd);
    b.reaches("replica").await;
    b.shows("SELECT count(*) FROM t", 1).await;

    let asked = now_ms();
    let answer = switchover(&a, "a", "b").await;
    assert!(answer.contains(" 200 "), "{answer}");
    let promoted = b.reaches("primary").await;
    println!(
        "switchover: b primary {} ms after the request",
        promoted - asked
    );
    a.reaches("replica").await;
    b.sql()
        .await
        .batch_execute("INSERT INTO t VALUES (2)")
        .await
        .expect("write on the new primary");
    a.shows("SELECT count(*) FROM t", 2).await;

    let stopping = now_ms();
    b.terminate().await;
    let taken = a.reaches("primary").await;
    println!(
        "handover: a primary {} ms after SIGTERM to b",
        taken - stopping
    );
    a.sql()
        .await
        .batch_execute("INSERT INTO t VALUES (3)")
        .await
        .expect("write after the handover");
    a.shows("SELECT count(*) FROM t", 3).await;
    a.terminate().await;
}
