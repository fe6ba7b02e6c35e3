//! `pg-ha-ctl` end to end: the binary run as a process against a real etcd holding Patroni's
//! sample cluster and real REST servers, one per member (their local commands recorded by a
//! test `Control`; simulated agents act on switchover requests).

mod ctl_support;

use ctl_support::{run_ctl, TestCluster, SCOPE, SYSID};
use pg_ha_core::dcs::Dcs;
use pg_ha_core::model::{Condition, Key};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_history_show_config_and_why() {
    let tc = TestCluster::start().await;

    let out = tc.ctl(&["list"]).await.ok();
    assert_eq!(
        out.stdout.trim_end(),
        format!(
            "\
+ Cluster: {SCOPE} ({SYSID}) ---------+----+-----------+
| Member | Host            | Role    | State   | TL | Lag in MB |
+--------+-----------------+---------+---------+----+-----------+
| node1  | 127.0.0.1:54321 | Replica | running |  1 |        16 |
| node2  | 127.0.0.1:54322 | Replica | running |  1 |         0 |
| node3  | 127.0.0.1:54323 | Leader  | running |  1 |           |
+--------+-----------------+---------+---------+----+-----------+"
        )
    );

    let out = tc.ctl(&["list", "--format", "json"]).await.ok();
    let rows: Value = serde_json::from_str(out.stdout.trim()).expect("list -f json is JSON");
    assert_eq!(
        rows[2],
        json!({"Cluster": "demo", "Member": "node3", "Host": "127.0.0.1:54323",
            "Role": "Leader", "State": "running", "TL": 1, "Lag in MB": ""})
    );

    let out = tc.ctl(&["history"]).await.ok();
    assert!(
        out.stdout.contains(
            "|  1 | 25623960 | no recovery target specified | 2026-01-01T10:00:00+00:00 | node3      |"
        ),
        "{out}"
    );
    assert!(out.stdout.contains("| TL |      LSN | Reason"), "{out}");

    let out = tc.ctl(&["show-config"]).await.ok();
    assert!(out.stdout.contains("loop_wait: 10\n"), "{out}");
    assert!(
        out.stdout
            .contains("  parameters:\n    max_connections: 50\n"),
        "{out}"
    );

    let out = tc.ctl(&["why"]).await.ok();
    assert!(
        out.stdout.starts_with("node3: holds the leader lease for "),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("reason: no action: I am the leader with the lock"),
        "{out}"
    );
    let out = tc.ctl(&["why", "node1"]).await.ok();
    assert!(
        out.stdout
            .contains("reason: no action: following the leader node3"),
        "{out}"
    );
    tc.ctl(&["why", "node9"])
        .await
        .fails_with(1, "node9 is not a member of cluster demo");

    // another cluster name on the command line reads that cluster (here: none)
    let out = tc.ctl(&["list", "other"]).await.ok();
    assert!(
        out.stdout.starts_with("+ Cluster: other (uninitialized) "),
        "{out}"
    );
    tc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_config_writes_the_config_key() {
    let tc = TestCluster::start().await;

    let out = tc
        .ctl(&[
            "edit-config",
            "--set",
            "ttl=40",
            "--set",
            "postgresql.use_slots=null",
            "--pg",
            "max_connections=101",
            "--force",
        ])
        .await
        .ok();
    assert!(out.stdout.contains("-ttl: 30\n+ttl: 40\n"), "{out}");
    assert!(out.stdout.contains("Configuration changed"), "{out}");
    let config = tc.config_value().await;
    assert_eq!(config["ttl"], 40);
    assert_eq!(config["loop_wait"], 10, "other keys are kept");
    assert_eq!(config["postgresql"]["parameters"]["max_connections"], 101);
    assert_eq!(config["postgresql"]["parameters"]["shared_buffers"], "32MB");
    assert_eq!(
        config["postgresql"]["use_slots"],
        Value::Null,
        "null removes"
    );
    assert_eq!(config["postgresql"]["use_pg_rewind"], true);

    // a merge patch from a file: mappings merge, null deletes
    let patch = tc.write_file(
        "patch.yml",
        "loop_wait: 5\nretry_timeout: null\npostgresql:\n  parameters:\n    work_mem: 8MB\n",
    );
    let out = tc
        .ctl(&[
            "edit-config",
            "--apply",
            patch.to_str().expect("path"),
            "--force",
            "-q",
        ])
        .await
        .ok();
    assert!(
        !out.stdout.contains("+loop_wait"),
        "--quiet hides the diff: {out}"
    );
    let config = tc.config_value().await;
    assert_eq!(config["loop_wait"], 5);
    assert_eq!(config["retry_timeout"], Value::Null);
    assert_eq!(config["postgresql"]["parameters"]["work_mem"], "8MB");
    assert_eq!(config["postgresql"]["parameters"]["max_connections"], 101);

    // the same patch from standard input: nothing changes
    let out = run_ctl(
        &[
            "-c",
            tc.config.to_str().expect("path"),
            "edit-config",
            "--apply",
            "-",
            "--force",
        ],
        &[],
        Some(&patch),
    )
    .await
    .ok();
    assert!(out.stdout.contains("Not changed"), "{out}");

    // no terminal and no --force: refused, nothing written
    let before = tc.config_value().await;
    tc.ctl(&["edit-config", "--set", "ttl=50"])
        .await
        .fails_with(1, "pass --force");
    tc.ctl(&["edit-config", "--set", "ttl=abc", "--force"])
        .await
        .fails_with(1, "the new configuration is invalid");
    tc.ctl(&["edit-config", "--force"])
        .await
        .fails_with(2, "edit-config needs --set");
    assert_eq!(tc.config_value().await, before);
    tc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_resume() {
    let mut tc = TestCluster::start().await;
    tc.start_agents();

    let out = tc.ctl(&["pause", "--wait", "--timeout", "20"]).await.ok();
    assert!(
        out.stdout
            .contains("'pause' request sent, waiting until it is recognized by all nodes"),
        "{out}"
    );
    assert!(
        out.stdout.contains("Success: cluster management is paused"),
        "{out}"
    );
    assert_eq!(tc.config_value().await["pause"], true);
    let cluster = tc.cluster().await;
    assert!(cluster.members.iter().all(|m| m.data.pause == Some(true)));
    let out = tc.ctl(&["list"]).await.ok();
    assert!(out.stdout.ends_with("\n Maintenance mode: on\n"), "{out}");

    tc.ctl(&["pause"])
        .await
        .fails_with(1, "Cluster is already paused");

    // in pause, a switchover needs a candidate: the REST API's 400 is shown
    tc.ctl(&["switchover", "--force"]).await.fails_with(
        1,
        "Switchover failed, details: 400, Switchover is possible only to a specific candidate in a paused state",
    );

    let out = tc.ctl(&["resume"]).await.ok();
    assert!(
        out.stdout
            .contains("Success: cluster management is resumed"),
        "{out}"
    );
    let config = tc.config_value().await;
    assert!(config.get("pause").is_none(), "resume sends pause: null");
    assert_eq!(config["ttl"], 30);
    tc.ctl(&["resume"])
        .await
        .fails_with(1, "Cluster is not paused");
    tc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switchover_and_failover() {
    let mut tc = TestCluster::start().await;

    // refused before anything is sent
    tc.ctl(&["switchover", "--candidate", "node3", "--force"])
        .await
        .fails_with(1, "Switchover target and source are the same.");
    tc.ctl(&["switchover", "--candidate", "node9", "--force"])
        .await
        .fails_with(
            1,
            "Member node9 does not exist in cluster demo or is tagged as nofailover",
        );
    tc.ctl(&["switchover", "--leader", "node1", "--force"])
        .await
        .fails_with(1, "Member node1 is not the leader of cluster demo");
    tc.ctl(&["failover", "--force"]).await.fails_with(
        1,
        "Failover could be performed only to a specific candidate",
    );
    tc.ctl(&["switchover", "--candidate", "node1"])
        .await
        .fails_with(1, "pass --force");
    // refused by the REST API: the body is shown
    tc.ctl(&[
        "switchover",
        "--candidate",
        "node1",
        "--scheduled",
        "2001-01-01T00:00:00+00:00",
        "--force",
    ])
    .await
    .fails_with(
        1,
        "Switchover failed, details: 422, Cannot schedule switchover in the past",
    );
    assert_eq!(tc.cluster().await.leader_name(), Some("node3"));

    // nobody acts on the request: not done within the timeout, exit 1
    let out = tc
        .ctl(&[
            "switchover",
            "--candidate",
            "node1",
            "--force",
            "--timeout",
            "2",
        ])
        .await
        .fails_with(1, "Switchover did not complete within 2 seconds");
    assert!(out.stdout.contains("Current cluster topology"), "{out}");
    // the leader's REST API wrote what the ctl asked for
    let request = tc
        .cluster()
        .await
        .failover_request()
        .map(|f| f.value.clone());
    assert_eq!(
        request.map(|f| (f.leader, f.member, f.scheduled_at)),
        Some((Some("node3".into()), Some("node1".into()), None))
    );
    tc.clear_failover().await;
    tc.ctl(&[
        "failover",
        "--candidate",
        "node2",
        "--force",
        "--timeout",
        "1",
    ])
    .await
    .fails_with(1, "Failover did not complete within 1 seconds");
    let request = tc
        .cluster()
        .await
        .failover_request()
        .map(|f| f.value.clone());
    assert_eq!(
        request.map(|f| (f.leader, f.member)),
        Some((None, Some("node2".into()))),
        "a failover names only the candidate"
    );
    tc.clear_failover().await;

    tc.start_agents();
    let out = tc
        .ctl(&["switchover", "--candidate", "node1", "--force"])
        .await
        .ok();
    assert!(out.stdout.contains(" leader: node3 -> "), "{out}");
    assert!(
        out.stdout
            .contains("Successfully switched over to \"node1\""),
        "{out}"
    );
    assert!(
        out.stdout.contains("| node1  | 127.0.0.1:54321 | Leader "),
        "the final table shows the new leader: {out}"
    );
    assert_eq!(tc.cluster().await.leader_name(), Some("node1"));

    // without a candidate the cluster picks one
    let out = tc
        .ctl(&["switchover", "--primary", "node1", "--force"])
        .await
        .ok();
    let leader = tc.cluster().await.leader_name().map(str::to_string);
    assert!(
        leader.is_some() && leader.as_deref() != Some("node1"),
        "{leader:?}\n{out}"
    );

    let out = tc
        .ctl(&["failover", "--candidate", "node3", "--force"])
        .await
        .ok();
    assert!(
        out.stdout.contains("Successfully failed over to \"node3\""),
        "{out}"
    );
    assert_eq!(tc.cluster().await.leader_name(), Some("node3"));

    // a scheduled switchover is accepted and shown by list
    tc.stop_agents();
    let out = tc
        .ctl(&[
            "switchover",
            "--candidate",
            "node2",
            "--scheduled",
            "2099-01-01T10:00:00+00:00",
            "--force",
        ])
        .await
        .ok();
    assert!(out.stdout.contains("Switchover scheduled"), "{out}");
    let out = tc.ctl(&["list"]).await.ok();
    assert!(
        out.stdout.contains(
            " Switchover scheduled at: 2099-01-01T10:00:00+00:00\n                    from: node3\n                      to: node2"
        ),
        "{out}"
    );
    tc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_reload_and_reinit_reach_each_member() {
    let tc = TestCluster::start().await;

    let out = tc.ctl(&["restart", "node1", "--force"]).await.ok();
    assert!(
        out.stdout.contains("Success: restart on member node1"),
        "{out}"
    );
    assert_eq!(
        tc.node("node1").control.calls(),
        vec!["restart timeout=None"]
    );
    assert!(tc.node("node2").control.calls().is_empty());

    let out = tc
        .ctl(&[
            "restart",
            "demo",
            "node2",
            "--scheduled",
            "2099-01-01T10:00+00:00",
            "--force",
        ])
        .await
        .ok();
    assert!(
        out.stdout
            .contains("Success: restart scheduled on member node2"),
        "{out}"
    );
    assert_eq!(
        tc.node("node2").control.calls(),
        vec!["schedule restart at 2099-01-01T10:00:00+00:00"]
    );

    *tc.node("node3")
        .control
        .restart_result
        .lock()
        .expect("lock") = Err("restart failed".into());
    let out = tc
        .ctl(&["restart", "--role", "primary", "--force"])
        .await
        .fails_with(1, "restart failed on node3");
    assert!(
        out.stdout
            .contains("Failed: restart for member node3, status code=503, (restart failed)"),
        "{out}"
    );

    let out = tc.ctl(&["reload", "node1", "node2", "--force"]).await.ok();
    assert!(
        out.stdout.contains(
            "Reload request received for member node2 and will be processed within 10 seconds"
        ),
        "{out}"
    );
    for name in ["node1", "node2"] {
        assert!(tc
            .node(name)
            .control
            .calls()
            .contains(&"reload".to_string()));
    }

    let out = tc.ctl(&["reinit", "node1", "--force", "--wait"]).await.ok();
    assert!(
        out.stdout
            .contains("Success: reinitialize for member node1"),
        "{out}"
    );
    assert!(
        out.stdout.contains("Reinitialize is completed on: node1"),
        "{out}"
    );
    assert!(tc
        .node("node1")
        .control
        .calls()
        .contains(&"reinitialize force=true from_leader=false".to_string()));
    let out = tc
        .ctl(&["reinit", "node3", "--force"])
        .await
        .fails_with(1, "reinitialize failed: node3");
    assert!(
        out.stdout
            .contains("(I am the leader, can not reinitialize)"),
        "{out}"
    );

    tc.ctl(&["restart", "node9", "--force"])
        .await
        .fails_with(1, "node9 is not a member of cluster demo");
    tc.ctl(&["reload", "node1"])
        .await
        .fails_with(1, "Are you sure you want to reload members node1?");
    tc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_credentials_come_from_ctl_then_restapi() {
    let tc = TestCluster::start_with(Some(("admin", "secret"))).await;
    let auth = |section: &str, user: &str, password: &str| {
        format!("{section}:\n  authentication:\n    username: {user}\n    password: {password}\n")
    };

    let ctl_auth = tc.write_config("ctl-auth.yml", &auth("ctl", "admin", "secret"));
    run_ctl(
        &[
            "-c",
            ctl_auth.to_str().expect("path"),
            "reload",
            "node1",
            "--force",
        ],
        &[],
        None,
    )
    .await
    .ok();
    assert_eq!(tc.node("node1").control.calls(), vec!["reload"]);

    // PATRONICTL_CONFIG_FILE names the file when -c is not given; restapi's credentials
    // are the fallback (ctl-only file: the agent-only keys may be missing)
    let ctl_only = tc.write_file(
        "patronictl.yaml",
        &format!(
            "scope: demo\netcd3:\n  hosts: {}\n{}",
            tc.etcd.host(),
            auth("restapi", "admin", "secret")
        ),
    );
    run_ctl(
        &["reload", "node2", "--force"],
        &[("PATRONICTL_CONFIG_FILE", ctl_only.to_str().expect("path"))],
        None,
    )
    .await
    .ok();
    assert_eq!(tc.node("node2").control.calls(), vec!["reload"]);

    let wrong = tc.write_config("wrong.yml", &auth("ctl", "admin", "nope"));
    let out = run_ctl(
        &[
            "-c",
            wrong.to_str().expect("path"),
            "reload",
            "node3",
            "--force",
        ],
        &[],
        None,
    )
    .await
    .fails_with(1, "reload failed on node3");
    assert!(
        out.stdout.contains("status code=401"),
        "the 401 is shown: {out}"
    );
    assert!(tc.node("node3").control.calls().is_empty());
    tc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_deletes_the_cluster() {
    let tc = TestCluster::start().await;
    tc.ctl(&["remove", "demo"])
        .await
        .fails_with(1, "pass --force");
    assert!(!tc.admin.read().await.expect("read").entries.is_empty());
    tc.ctl(&["remove", "nosuch", "--force"])
        .await
        .fails_with(1, "cluster nosuch has no keys in the DCS");

    let out = tc.ctl(&["remove", "demo", "--force"]).await.ok();
    assert!(out.stdout.contains("Cluster demo removed"), "{out}");
    assert!(tc.admin.read().await.expect("read").entries.is_empty());
    let out = tc.ctl(&["list"]).await.ok();
    assert!(
        out.stdout.starts_with("+ Cluster: demo (uninitialized) "),
        "{out}"
    );
    tc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_command_lines_and_configs_are_clear_errors() {
    // no etcd needed: these fail before any DCS access
    run_ctl(&["-c", "/nonexistent/pg-ha.yml", "list"], &[], None)
        .await
        .fails_with(1, "configuration file /nonexistent/pg-ha.yml not found");
    run_ctl(&["frobnicate"], &[], None)
        .await
        .fails_with(2, "unknown command `frobnicate`");
    run_ctl(&["list", "--force"], &[], None)
        .await
        .fails_with(2, "unknown option `--force` for `list`");
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.yml");
    std::fs::write(&bad, "scope: demo\netcd3:\n  hosts: [\n").expect("write");
    run_ctl(&["-c", bad.to_str().expect("path"), "list"], &[], None)
        .await
        .fails_with(1, "invalid configuration");
    let no_dcs = dir.path().join("no-dcs.yml");
    std::fs::write(&no_dcs, "scope: demo\n").expect("write");
    run_ctl(&["-c", no_dcs.to_str().expect("path"), "list"], &[], None)
        .await
        .fails_with(1, "invalid configuration");
    let out = run_ctl(&["switchover", "--help"], &[], None).await.ok();
    assert!(
        out.stdout.starts_with("usage: pg-ha-ctl switchover"),
        "{out}"
    );
    let out = run_ctl(&["--version"], &[], None).await.ok();
    assert!(out.stdout.starts_with("pg-ha-ctl "), "{out}");
}

/// Rewrites `name`'s member key with `extra` fields merged in.
async fn member_with(tc: &TestCluster, name: &str, extra: Value) {
    let node = tc.node(name);
    let mut value: Value = serde_json::from_str(&ctl_support::cluster::member_value(
        name,
        &node.api_url,
        name == "node3",
        false,
    ))
    .expect("member JSON");
    for (k, v) in extra.as_object().expect("an object") {
        value[k] = v.clone();
    }
    node.dcs
        .touch_member(name, &value.to_string(), std::time::Duration::from_secs(30))
        .await
        .expect("write the member key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topology_dsn_yaml_timestamp_and_watch() {
    let tc = TestCluster::start().await;
    member_with(&tc, "node1", json!({"tags": {"replicatefrom": "node2"}})).await;

    let out = tc.ctl(&["topology"]).await.ok();
    let rows: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("| ")).collect();
    assert!(rows[0].starts_with("| Member "), "{out}");
    assert!(
        rows[1].starts_with("| node3 ") && rows[1].contains("Leader"),
        "{out}"
    );
    assert!(rows[2].starts_with("| + node2 "), "{out}");
    assert!(rows[3].starts_with("|   + node1 "), "{out}");

    let out = tc.ctl(&["topology", "-f", "json"]).await.ok();
    let rows: Value = serde_json::from_str(out.stdout.trim()).expect("JSON");
    let members: Vec<&str> = rows
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["Member"].as_str())
        .collect();
    assert_eq!(members, ["node3", "+ node2", "  + node1"]);

    let out = tc.ctl(&["list", "-f", "yaml"]).await.ok();
    let rows: Value = serde_norway::from_str(&out.stdout).expect("list -f yaml is YAML");
    assert_eq!(rows[2]["Member"], "node3");
    assert_eq!(rows[2]["Role"], "Leader");
    assert_eq!(rows[0]["Cluster"], SCOPE);

    let out = tc.ctl(&["dsn"]).await.ok();
    assert_eq!(out.stdout.trim(), "host=127.0.0.1 port=54323", "{out}");
    let out = tc.ctl(&["dsn", "-m", "node1"]).await.ok();
    assert_eq!(out.stdout.trim(), "host=127.0.0.1 port=54321", "{out}");
    let out = tc.ctl(&["dsn", "-r", "replica"]).await.ok();
    assert_eq!(out.stdout.trim(), "host=127.0.0.1 port=54321", "{out}");
    tc.ctl(&["dsn", "-m", "node9"])
        .await
        .fails_with(1, "node9 is not a member of cluster demo");

    let out = tc.ctl(&["list", "-t"]).await.ok();
    let first = out.stdout.lines().next().unwrap_or_default();
    assert!(
        first.len() == 19 && first.as_bytes()[4] == b'-' && first.as_bytes()[13] == b':',
        "a YYYY-MM-DD HH:MM:SS line first: {out}"
    );

    // Watch: the table again every 0.2 s until interrupted.
    let mut watch = tokio::process::Command::new(env!("CARGO_BIN_EXE_pg-ha-ctl"))
        .args([
            "-c",
            tc.config.to_str().expect("utf-8"),
            "list",
            "-w",
            "0.2",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start pg-ha-ctl list -w");
    let stdout = watch.stdout.take().expect("stdout");
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let mut tables = 0;
    while tables < 3 {
        let line = tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line())
            .await
            .expect("watch keeps printing")
            .expect("read")
            .expect("a line");
        if line.starts_with("+ Cluster: demo") {
            tables += 1;
        }
    }
    watch.kill().await.expect("stop the watch");
    tc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_cancels_scheduled_restarts_and_switchovers() {
    let tc = TestCluster::start().await;
    let out = tc.ctl(&["flush", "restart", "--force"]).await.ok();
    assert!(
        out.stdout.contains("No scheduled restart for member node1"),
        "{out}"
    );

    tc.ctl(&[
        "restart",
        "node2",
        "--scheduled",
        "2099-01-01T10:00+00:00",
        "--force",
    ])
    .await
    .ok();
    member_with(
        &tc,
        "node2",
        json!({"scheduled_restart": {"schedule": "2099-01-01T10:00:00+00:00"}}),
    )
    .await;
    let out = tc
        .ctl(&["flush", "demo", "node2", "restart", "--force"])
        .await
        .ok();
    assert!(
        out.stdout
            .contains("Success: flush scheduled restart for member node2"),
        "{out}"
    );
    assert!(tc
        .node("node2")
        .control
        .calls()
        .contains(&"cancel scheduled restart".to_string()));

    let out = tc.ctl(&["flush", "switchover"]).await.ok();
    assert!(
        out.stdout.contains("No pending scheduled switchover"),
        "{out}"
    );
    tc.admin
        .write(
            Key::Failover,
            r#"{"leader":"node3","member":"node2","scheduled_at":"2099-01-01T10:00:00+00:00"}"#,
            Condition::Any,
        )
        .await
        .expect("schedule a switchover");
    let out = tc.ctl(&["flush", "switchover"]).await.ok();
    assert!(
        out.stdout.contains("Success: scheduled switchover deleted"),
        "{out}"
    );
    let request = tc
        .cluster()
        .await
        .failover_request()
        .map(|f| f.value.clone());
    assert!(
        request.as_ref().is_none_or(|f| f.scheduled_at.is_none()),
        "{request:?}"
    );
    let out = tc.ctl(&["flush", "demo", "reboot"]).await;
    assert!(
        out.stdout.contains("must be restart or switchover"),
        "{out}"
    );
    tc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dcs_url_insecure_and_member_versions() {
    let tc = TestCluster::start().await;
    let url = format!("etcd3://{}", tc.etcd.host());
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("none.yml");
    let missing = missing.to_str().expect("utf-8");

    // No file: -d (or DCS_URL) names the DCS, the command line the cluster.
    let out = run_ctl(&["-c", missing, "-d", &url, "list", "demo"], &[], None)
        .await
        .ok();
    assert!(
        out.stdout.contains("| node3 ") && out.stdout.contains("Leader"),
        "{out}"
    );
    let out = run_ctl(
        &["-c", missing, "topology", "demo"],
        &[("DCS_URL", &url)],
        None,
    )
    .await
    .ok();
    assert!(out.stdout.contains("| + node1 "), "{out}");
    run_ctl(&["-c", missing, "-d", &url, "list"], &[], None)
        .await
        .fails_with(1, "name the cluster");
    run_ctl(
        &["-c", missing, "-d", "etcd://127.0.0.1:1", "list", "demo"],
        &[],
        None,
    )
    .await
    .fails_with(2, "use etcd3://");

    // -d wins over the file's section (here: an etcd nobody listens on), -k is accepted.
    let wrong = tc.write_file(
        "wrong.yml",
        &std::fs::read_to_string(&tc.config)
            .expect("ctl.yml")
            .replace(&tc.etcd.host(), "127.0.0.1:1"),
    );
    let wrong = wrong.to_str().expect("utf-8");
    let out = run_ctl(&["-c", wrong, "-k", "-d", &url, "dsn"], &[], None)
        .await
        .ok();
    assert_eq!(out.stdout.trim(), "host=127.0.0.1 port=54323", "{out}");

    let out = tc.ctl(&["version"]).await.ok();
    assert!(out.stdout.starts_with("pg-ha-ctl version "), "{out}");
    assert!(!out.stdout.contains("node1"), "{out}");
    let out = tc.ctl(&["version", "demo"]).await.ok();
    for name in ["node1", "node2", "node3"] {
        assert!(out.stdout.contains(&format!("{name}: Patroni ")), "{out}");
    }
    let out = tc.ctl(&["version", "demo", "node2"]).await.ok();
    assert!(out.stdout.contains("node2: Patroni "), "{out}");
    assert!(!out.stdout.contains("node1:"), "{out}");
    tc.stop().await;
}
