//! Bootstrap, stop/start, exit detection, hung servers, parameters and callbacks.

use crate::common::*;
use anyhow::{Context, Result};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use pg_ha_agent::postgres::controldata::ClusterState;
use pg_ha_agent::postgres::procs::signal_server;
use pg_ha_agent::postgres::{BootstrapMethod, Callbacks, LocalPostgres, PgSettings};
use pg_ha_core::config::{LocalServerConfig, PostgresqlDynamic, CLUSTER_WIDE};
use pg_ha_core::postgres::{DataDirState, PgRole, ProcessState, StopMode, Upstream};
use pg_ha_core::Postgres;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_creates_a_primary_with_roles() -> Result<()> {
    let sandbox = Sandbox::new();
    let log = shared_file(sandbox.path(), "callbacks.log");
    let cb = script(
        sandbox.path(),
        "cb.sh",
        &format!("echo \"$@\" >> {}", log.display()),
    );
    let mut s = settings(&sandbox, "a");
    s.callbacks = Callbacks {
        on_start: Some(cb.display().to_string()),
        on_stop: Some(cb.display().to_string()),
        ..Callbacks::default()
    };
    let node = Node::new(s).await?;
    let before = node.status().await?;
    assert_eq!(before.data_dir, DataDirState::Empty);

    let sysid = timed("bootstrap", node.pg.bootstrap()).await?;
    let st = node.status().await?;
    assert_eq!(st.process, ProcessState::Running);
    assert_eq!(st.role, Some(PgRole::Primary));
    assert_eq!(st.timeline, Some(1));
    assert_eq!(st.sysid(), Some(sysid.as_str()));
    assert!(st.write_lsn.is_some());
    assert!(st.timeline_history.is_empty());
    assert!(!st.pending_restart);

    let roles = node
        .column("SELECT rolname::text FROM pg_roles WHERE rolname IN ('replicator','rewinder') AND rolcanlogin ORDER BY 1")
        .await?;
    assert_eq!(roles, vec!["replicator", "rewinder"]);
    let repl = node
        .column("SELECT rolreplication::text FROM pg_roles WHERE rolname = 'replicator'")
        .await?;
    assert_eq!(repl, vec!["true"]);
    let cd = node.pg.controldata().await?;
    assert!(cd.checksums, "initdb --data-checksums");
    assert!(node.data_dir.join("postgresql.base.conf").is_file());
    let conf = std::fs::read_to_string(node.data_dir.join("postgresql.conf"))?;
    assert!(conf.contains("cluster_name = 'test'"), "{conf}");

    node.pg.stop(StopMode::Fast).await?;
    let down = node.status().await?;
    assert_eq!(down.process, ProcessState::Stopped);
    assert_eq!(down.timeline, Some(1));
    assert!(down.write_lsn.is_some());
    assert!(matches!(
        down.data_dir,
        DataDirState::Initialized {
            clean_shutdown: true,
            standby_signal: false,
            ..
        }
    ));
    node.pg.start_primary().await?;
    assert!(node.status().await?.is_running_primary());
    wait_for("callbacks", Duration::from_secs(30), || async {
        let text = std::fs::read_to_string(&log)?;
        Ok(text.contains("on_start primary test") && text.contains("on_stop primary test"))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_bootstrap_method_gets_scope_and_datadir() -> Result<()> {
    let sandbox = Sandbox::new();
    let args = shared_file(sandbox.path(), "args.log");
    let body = format!(
        "echo \"$@\" >> {args}\n\
         for a in \"$@\"; do case $a in --datadir=*) D=${{a#--datadir=}};; esac; done\n\
         P=$(mktemp) && echo su-secret > $P\n\
         {bin}/initdb -D \"$D\" -U postgres --pwfile=$P --no-sync -E UTF8 --locale=C -k >/dev/null || exit 1\n\
         rm -f $P",
        args = args.display(),
        bin = pg_ha_agent::postgres::DEFAULT_BIN_DIR,
    );
    let method = script(sandbox.path(), "make-cluster.sh", &body);
    let mut s = settings(&sandbox, "a");
    s.bootstrap_method = BootstrapMethod::Custom {
        command: method.display().to_string(),
        no_params: false,
        keep_existing_recovery_conf: false,
        recovery_conf: Default::default(),
    };
    let node = Node::new(s).await?;
    node.pg.bootstrap().await?;
    assert!(node.status().await?.is_running_primary());
    let text = std::fs::read_to_string(&args)?;
    assert!(text.contains("--scope=test"), "{text}");
    assert!(
        text.contains(&format!("--datadir={}", node.data_dir.display())),
        "{text}"
    );
    let roles = node
        .column("SELECT rolname::text FROM pg_roles WHERE rolname = 'replicator'")
        .await?;
    assert_eq!(roles, vec!["replicator"]);
    Ok(())
}

/// How long the test waits for a kill to be noticed. Detection takes milliseconds (a child's
/// exit is reported by SIGCHLD, an adopted postmaster is polled every 100 ms) and is logged
/// as `TIMING`; this bound only catches a death that goes unnoticed, since a loaded machine
/// can delay the report well past a second.
const NOTICE_WITHIN: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postmaster_kill_is_detected_within_a_second() -> Result<()> {
    let sandbox = Sandbox::new();
    let node = Node::primary(&sandbox, "a").await?;
    let mut exits = node.pg.subscribe_exits();
    let pid = node.pg.postmaster_pid().expect("running");
    let killed_at = Instant::now();
    kill(Pid::from_raw(pid as i32), Signal::SIGKILL)?;
    tokio::time::timeout(NOTICE_WITHIN, exits.changed())
        .await
        .context("the kill of the child postmaster went unnoticed")??;
    let noticed = killed_at.elapsed();
    eprintln!(
        "TIMING postmaster kill noticed (child): {} ms",
        noticed.as_millis()
    );
    let exit = exits.borrow().clone().expect("an exit");
    assert_eq!(exit.pid, pid);
    assert!(!exit.expected);
    assert_eq!(exit.signal, Some(9));

    let started = Instant::now();
    let st = node.status().await?;
    eprintln!(
        "TIMING status of the crashed server: {} ms",
        started.elapsed().as_millis()
    );
    assert_eq!(st.process, ProcessState::Crashed);
    assert!(matches!(
        st.data_dir,
        DataDirState::Initialized {
            clean_shutdown: false,
            ..
        }
    ));
    assert_eq!(
        node.pg.controldata().await?.state,
        ClusterState::InProduction
    );

    // The crashed primary starts again (crash recovery), with the orphaned backends gone.
    node.pg.start_primary().await?;
    assert!(node.status().await?.is_running_primary());

    // A new agent adopts the running postmaster and still notices its death in time.
    let pid = node.pg.postmaster_pid().expect("running");
    let adopted = LocalPostgres::new(node.pg.settings().clone(), clock()).await?;
    assert_eq!(adopted.postmaster_pid(), Some(pid));
    assert!(adopted.status().await?.is_running_primary());
    let mut exits = adopted.subscribe_exits();
    let killed_at = Instant::now();
    pg_ha_agent::postgres::procs::kill_server(pid);
    tokio::time::timeout(NOTICE_WITHIN, exits.changed())
        .await
        .context("the kill of the adopted postmaster went unnoticed")??;
    eprintln!(
        "TIMING postmaster kill noticed (adopted): {} ms",
        killed_at.elapsed().as_millis()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_a_hung_server_returns_promptly() -> Result<()> {
    let sandbox = Sandbox::new();
    let node = Node::primary(&sandbox, "a").await?;
    node.status().await?;
    let pid = node.pg.postmaster_pid().expect("running");
    signal_server(pid, Signal::SIGSTOP);
    let start = Instant::now();
    // Without its bound (`status_timeout`) the call would wait for the frozen server for ever.
    let result = tokio::time::timeout(Duration::from_secs(60), node.pg.status()).await;
    let took = start.elapsed();
    signal_server(pid, Signal::SIGCONT);
    let result = result.context("status() waited for the frozen server")?;
    assert!(result.is_err(), "a frozen server cannot report: {result:?}");
    let bound = node.pg.settings().status_timeout;
    eprintln!(
        "TIMING status of a frozen server: {} ms (status_timeout {} ms)",
        took.as_millis(),
        bound.as_millis()
    );
    // Generous (a loaded machine adds to the timeout); it catches a status call that the
    // timeout does not bound.
    assert!(
        took < bound + Duration::from_secs(5),
        "status took {took:?} with status_timeout {bound:?}"
    );
    wait_for("recovered status", Duration::from_secs(30), || async {
        Ok(node.pg.status().await.is_ok_and(|s| s.is_running_primary()))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_reload_restart_and_callbacks() -> Result<()> {
    let sandbox = Sandbox::new();
    let log = shared_file(sandbox.path(), "callbacks.log");
    let cb = script(
        sandbox.path(),
        "cb.sh",
        &format!("echo \"$@\" >> {}", log.display()),
    );
    let mut s = settings(&sandbox, "a");
    s.callbacks = Callbacks {
        on_reload: Some(cb.display().to_string()),
        on_restart: Some(cb.display().to_string()),
        ..Callbacks::default()
    };
    let (mut dynamic, local) = split_parameters(&s);
    s.local = local.clone();
    let node = Node::new(s).await?;
    node.pg.bootstrap().await?;

    dynamic.parameters.insert("work_mem".into(), json!("8MB"));
    node.pg.apply_config(&dynamic).await?;
    // A new session sees the reload eventually.
    node.wait_rows("SHOW work_mem", &["8MB"]).await?;
    assert!(!node.status().await?.pending_restart);

    let mut mine = local.clone();
    mine.parameters.insert("work_mem".into(), json!("16MB"));
    node.pg.set_local_config(mine);
    node.pg.apply_config(&dynamic).await?;
    node.wait_rows("SHOW work_mem", &["16MB"]).await?;

    dynamic
        .parameters
        .insert("max_connections".into(), json!(40));
    node.pg.apply_config(&dynamic).await?;
    let st = node.status().await?;
    assert!(st.pending_restart);
    let change = &st.pending_restart_reason["max_connections"];
    assert_eq!(
        (change.old_value.as_str(), change.new_value.as_str()),
        ("30", "40")
    );

    let pid = node.pg.postmaster_pid();
    node.pg.restart().await?;
    assert_ne!(node.pg.postmaster_pid(), pid);
    let st = node.status().await?;
    assert!(st.is_running_primary());
    assert!(!st.pending_restart);
    assert!(st.pending_restart_reason.is_empty());
    assert_eq!(node.column("SHOW max_connections").await?, vec!["40"]);
    wait_for("callbacks", Duration::from_secs(30), || async {
        let text = std::fs::read_to_string(&log)?;
        Ok(text.contains("on_reload primary test") && text.contains("on_restart primary test"))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_pg_hba_and_pg_ident_apply_unless_the_node_sets_its_own() -> Result<()> {
    let sandbox = Sandbox::new();
    let mut s = settings(&sandbox, "a");
    let test_lines = s.pg_hba.clone();
    let (mut dynamic, local) = split_parameters(&s);
    s.local = local.clone();
    let node = Node::new(s).await?;
    node.pg.bootstrap().await?;
    let rules = "SELECT coalesce(address, '') FROM pg_catalog.pg_hba_file_rules \
                 WHERE address = '10.9.9.0'";

    // Without pg_hba anywhere, the file in place stays.
    node.pg.apply_config(&dynamic).await?;
    assert_eq!(node.column(rules).await?, Vec::<String>::new());
    let mut lines: Vec<serde_json::Value> = test_lines.iter().map(|l| json!(l)).collect();
    lines.push(json!("host all all 10.9.9.0/24 scram-sha-256"));
    dynamic.extra.insert("pg_hba".into(), json!(lines));
    dynamic
        .extra
        .insert("pg_ident".into(), json!(["ops alice postgres"]));
    node.pg.apply_config(&dynamic).await?;
    assert_eq!(node.column(rules).await?, vec!["10.9.9.0"]);
    let maps = "SELECT map_name || ':' || sys_name FROM pg_catalog.pg_ident_file_mappings";
    assert_eq!(node.column(maps).await?, vec!["ops:alice"]);

    // The node's own list wins over the dynamic one.
    let mut mine = local;
    mine.pg_hba = test_lines;
    node.pg.set_local_config(mine);
    node.pg.apply_config(&dynamic).await?;
    assert_eq!(node.column(rules).await?, Vec::<String>::new());
    assert!(node.status().await?.is_running_primary());
    Ok(())
}

/// The test settings' parameters split the way a Patroni configuration holds them: the
/// cluster-wide ones in the dynamic section, the others in the node's own.
fn split_parameters(s: &PgSettings) -> (PostgresqlDynamic, LocalServerConfig) {
    let mut dynamic = PostgresqlDynamic::default();
    let mut local = LocalServerConfig::default();
    for (name, value) in &s.parameters {
        let wide = CLUSTER_WIDE.iter().any(|w| w.name == name);
        let target = if wide {
            &mut dynamic.parameters
        } else {
            &mut local.parameters
        };
        target.insert(name.clone(), json!(value));
    }
    (dynamic, local)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_promote_refuses_and_before_stop_runs_first() -> Result<()> {
    let sandbox = Sandbox::new();
    let log = shared_file(sandbox.path(), "hooks.log");
    let hook = |name: &str, code: i32| {
        let body = format!("echo {name} >> {}\nexit {code}", log.display());
        script(sandbox.path(), &format!("{name}.sh"), &body)
            .display()
            .to_string()
    };
    let a = Node::primary(&sandbox, "a").await?;
    let mut s = settings(&sandbox, "b");
    s.hooks.pre_promote = Some(hook("refuse", 1));
    s.hooks.before_stop = Some(hook("before_stop", 0));
    let b = Node::new(s).await?;
    b.pg.clone_replica(&a.upstream()).await?;
    b.pg.start_standby(Some(&a.upstream())).await?;

    let refused = b.pg.promote(0).await;
    assert!(
        matches!(refused, Err(pg_ha_core::PgError::Refused(_))),
        "{refused:?}"
    );
    assert_eq!(b.status().await?.role, Some(PgRole::Standby));
    b.pg.stop(StopMode::Fast).await?;
    let ran = std::fs::read_to_string(&log)?;
    assert_eq!(ran.lines().collect::<Vec<_>>(), ["refuse", "before_stop"]);

    let mut s = settings(&sandbox, "b");
    s.hooks.pre_promote = Some(hook("accept", 0));
    let b = Node::new(s).await?;
    b.pg.start_standby(Some(&a.upstream())).await?;
    b.pg.promote(0).await?;
    assert_eq!(b.status().await?.role, Some(PgRole::Primary));
    assert!(std::fs::read_to_string(&log)?.ends_with("accept\n"));
    Ok(())
}

/// `use_unix_socket`: with TCP refused to everyone (pg_hba), the agent still bootstraps and
/// reads its status, through the socket directory it configured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_unix_socket_connects_through_the_socket_directory() -> Result<()> {
    let sandbox = Sandbox::new();
    let mut s = settings(&sandbox, "a");
    s.pg_hba = vec![
        "local all all trust".into(),
        "host all all 0.0.0.0/0 reject".into(),
    ];
    s.use_unix_socket = true;
    let socket_dir = sandbox.node_dir("sockets");
    let (uid, gid) = postgres_ids();
    std::os::unix::fs::chown(&socket_dir, Some(uid), Some(gid))?;
    s.parameters.insert(
        "unix_socket_directories".into(),
        socket_dir.display().to_string(),
    );
    let a = Node::new(s).await?;
    a.pg.bootstrap().await?;
    let status = a.status().await?;
    assert_eq!(status.role, Some(PgRole::Primary));
    let over = a
        .column("SELECT coalesce(client_addr::text, 'socket') FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        .await?;
    assert_eq!(over, vec!["socket"]);
    Ok(())
}

/// `config_dir` (Debian's layout), `custom_conf` and `bin_name`: the managed
/// `postgresql.conf`, `pg_hba.conf` and `pg_ident.conf` live in the configuration directory
/// (the server is started with `config_file` there and reads `hba_file` / `ident_file`
/// from it), the user's own file is included instead of `postgresql.base.conf`, and the
/// programs are found under their configured names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_dir_custom_conf_and_bin_name() -> Result<()> {
    let sandbox = Sandbox::new();
    let mut s = settings(&sandbox, "a");
    let config_dir = sandbox.node_dir("a").join("etc");
    let custom = sandbox.node_dir("a").join("custom.conf");
    std::fs::write(&custom, "work_mem = '3MB'\n")?;
    let bin = sandbox.node_dir("bin");
    for program in [
        "postgres",
        "initdb",
        "pg_controldata",
        "pg_basebackup",
        "pg_rewind",
    ] {
        let name = if program == "pg_controldata" {
            "pg_controldata15".to_string()
        } else {
            program.to_string()
        };
        std::os::unix::fs::symlink(s.bin_dir.join(program), bin.join(name))?;
    }
    s.bin_dir = bin;
    s.bin_name
        .insert("pg_controldata".into(), "pg_controldata15".into());
    s.config_dir = Some(config_dir.clone());
    s.custom_conf = Some(custom.clone());
    let a = Node::new(s).await?;
    a.pg.bootstrap().await?;
    let files = a
        .column(
            "SELECT setting FROM pg_settings \
             WHERE name IN ('config_file', 'hba_file', 'ident_file', 'work_mem') ORDER BY name",
        )
        .await?;
    let etc = config_dir.display().to_string();
    assert_eq!(
        files,
        vec![
            format!("{etc}/postgresql.conf"),
            format!("{etc}/pg_hba.conf"),
            format!("{etc}/pg_ident.conf"),
            "3072".to_string(),
        ]
    );
    let ours = std::fs::read_to_string(config_dir.join("postgresql.conf"))?;
    assert!(
        ours.contains(&format!("include_if_exists '{}'", custom.display())),
        "{ours}"
    );
    assert!(!config_dir.join("postgresql.base.conf").exists());
    a.pg.restart().await?;
    assert!(a.status().await?.is_running_primary());
    Ok(())
}

/// `bootstrap.<method>.recovery_conf`: a point-in-time restore. The method copies a base
/// backup; the server then recovers from the WAL archive up to `recovery_target_lsn`, is
/// promoted there, and the bootstrap goes on (roles, a new primary): it holds the row
/// committed before the target and not the one after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_bootstrap_restores_to_a_point_in_time() -> Result<()> {
    let sandbox = Sandbox::new();
    let archive = sandbox.node_dir("archive");
    let (uid, gid) = postgres_ids();
    std::os::unix::fs::chown(&archive, Some(uid), Some(gid))?;
    let mut s = settings(&sandbox, "a");
    s.parameters.insert("archive_mode".into(), "on".into());
    s.parameters.insert(
        "archive_command".into(),
        format!("cp %p {}/%f", archive.display()),
    );
    let a = Node::new(s).await?;
    a.pg.bootstrap().await?;
    let backup = Node::new(settings(&sandbox, "backup")).await?;
    backup
        .pg
        .clone_replica(&Upstream::member("a", &a.pg.conn_url()))
        .await?;
    a.exec("CREATE TABLE t (v text); INSERT INTO t VALUES ('before')")
        .await?;
    let target = a
        .column("SELECT pg_current_wal_lsn()::text")
        .await?
        .remove(0);
    a.exec("INSERT INTO t VALUES ('after'); SELECT pg_switch_wal()")
        .await?;
    a.pg.stop(StopMode::Fast).await?;

    let restore = script(
        sandbox.path(),
        "restore.sh",
        &format!(
            "for a in \"$@\"; do case \"$a\" in --datadir=*) d=\"${{a#--datadir=}}\";; esac; done\n\
             cp -a {}/. \"$d\"/",
            backup.data_dir.display()
        ),
    );
    let mut s = settings(&sandbox, "b");
    s.bootstrap_method = BootstrapMethod::Custom {
        command: restore.display().to_string(),
        no_params: false,
        keep_existing_recovery_conf: false,
        recovery_conf: [
            (
                "restore_command".to_string(),
                format!("cp {}/%f %p", archive.display()),
            ),
            ("recovery_target_lsn".to_string(), target),
            ("recovery_target_action".to_string(), "promote".to_string()),
        ]
        .into_iter()
        .collect(),
    };
    let b = Node::new(s).await?;
    b.pg.bootstrap().await?;
    assert!(b.status().await?.is_running_primary());
    assert_eq!(b.column("SELECT v FROM t ORDER BY v").await?, ["before"]);
    let conf = std::fs::read_to_string(b.data_dir.join("postgresql.conf"))?;
    assert!(!conf.contains("recovery_target_lsn"), "{conf}");
    Ok(())
}

/// `StopMode::FastOrKill` (primary_stop_timeout): a fast stop that cannot finish (its WAL
/// sender is frozen, so the shutdown checkpoint is never sent) is ended by SIGKILL after the
/// timeout instead of waiting out pg_ctl_timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_fast_stop_is_killed_after_primary_stop_timeout() -> Result<()> {
    let sandbox = Sandbox::new();
    let a = Node::primary(&sandbox, "a").await?;
    let b = Node::standby_of(&sandbox, "b", &a).await?;
    let senders = a
        .column("SELECT pid::text FROM pg_stat_replication")
        .await?;
    assert_eq!(senders.len(), 1, "{senders:?}");
    let sender = Pid::from_raw(senders[0].parse()?);
    kill(sender, Signal::SIGSTOP)?;
    let started = Instant::now();
    let stopped =
        a.pg.stop(StopMode::FastOrKill {
            after: Duration::from_secs(2),
        })
        .await;
    let _ = kill(sender, Signal::SIGCONT);
    stopped?;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}; pg_ctl_timeout is 30 s",
        started.elapsed()
    );
    assert_eq!(a.status().await?.process, ProcessState::Stopped);
    let state = a.pg.controldata().await?.state;
    assert_eq!(state, ClusterState::InProduction, "killed, not shut down");
    drop(b);
    Ok(())
}
