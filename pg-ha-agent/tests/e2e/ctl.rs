//! Issue 5, ctl part: `pg-ha-ctl list` (one Leader, two streaming Replicas), `switchover
//! --candidate X --force`, `switchover --force` (any member), `failover --candidate X
//! --force`, and `pause --wait` / `resume --wait`, each run as the `pg-ha-ctl` binary against
//! node1's config.

use crate::cluster::Cluster;
use crate::{step, FAILOVER, REJOIN};
use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// One row of a members table: column name -> cell text.
pub(crate) type Row = BTreeMap<String, String>;

/// Runs `pg-ha-ctl -c <node1's config> <args>` (off the async workers: it blocks until the
/// command exits) and returns its stdout; fails with both outputs unless it exits 0.
pub(crate) async fn run_ctl(c: &Cluster, args: &[&str]) -> Result<String> {
    let started = Instant::now();
    let out = tokio::task::block_in_place(|| c.ctl(args));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    ensure!(
        out.status.success(),
        "pg-ha-ctl {} exited with {} after {:.1} s\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}",
        args.join(" "),
        out.status,
        started.elapsed().as_secs_f64()
    );
    step(&format!(
        "ctl: `pg-ha-ctl {}` exited 0 after {:.1} s",
        args.join(" "),
        started.elapsed().as_secs_f64()
    ));
    Ok(stdout)
}

/// The rows of the last boxed members table in `stdout` (patronictl's layout: a top border
/// with ` Cluster: <scope> (<sysid>) ` in it, a header row, a rule, the rows, a bottom
/// rule). Fails unless the table is the end of the output (`trailer` lines, such as
/// `Maintenance mode: on`, may follow it).
pub(crate) fn last_table(stdout: &str, trailer: usize) -> Result<Vec<Row>> {
    let lines: Vec<&str> = stdout.trim_end().lines().collect();
    let top = lines
        .iter()
        .rposition(|l| l.starts_with('+') && l.contains(" Cluster: "))
        .with_context(|| format!("no members table in the output:\n{stdout}"))?;
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_start_matches('|')
            .trim_end_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let header = lines
        .get(top + 1)
        .filter(|l| l.starts_with('|'))
        .map(|l| cells(l))
        .with_context(|| format!("no header row under the table's top border:\n{stdout}"))?;
    ensure!(
        lines.get(top + 2).is_some_and(|l| l.starts_with('+')),
        "no rule under the table's header:\n{stdout}"
    );
    let mut rows = Vec::new();
    let mut at = top + 3;
    while let Some(line) = lines.get(at).filter(|l| l.starts_with('|')) {
        rows.push(header.iter().cloned().zip(cells(line)).collect::<Row>());
        at += 1;
    }
    ensure!(
        lines.get(at).is_some_and(|l| l.starts_with('+')),
        "the table has no bottom rule:\n{stdout}"
    );
    ensure!(
        lines.len() == at + 1 + trailer,
        "expected the output to end with the members table (and {trailer} more lines), got:\n\
         {stdout}"
    );
    Ok(rows)
}

fn cell<'r>(row: &'r Row, column: &str) -> &'r str {
    row.get(column).map_or("", String::as_str)
}

/// The members with `role` in `rows`.
fn with_role(rows: &[Row], role: &str) -> Vec<String> {
    rows.iter()
        .filter(|r| cell(r, "Role") == role)
        .map(|r| cell(r, "Member").to_string())
        .collect()
}

/// Waits until `pg-ha-ctl list` shows `leader` as the one Leader row and two Replica rows in
/// state `streaming` (member keys are published once per loop, so a moment after
/// PostgreSQL streams).
async fn wait_list(c: &Cluster, leader: &str) -> Result<Vec<Row>> {
    let what = format!("`pg-ha-ctl list` showing {leader} as Leader and two streaming Replicas");
    let last = RefCell::new(String::new());
    let result = c
        .wait_until(&what, Duration::from_secs(30), || async {
            let stdout = run_ctl_quiet(c, &["list"])?;
            last.replace(stdout.clone());
            let rows = last_table(&stdout, 0)?;
            let leaders = with_role(&rows, "Leader");
            let streaming = rows
                .iter()
                .filter(|r| cell(r, "Role") == "Replica" && cell(r, "State") == "streaming")
                .count();
            let ok = rows.len() == 3 && leaders == [leader] && streaming == 2;
            Ok(ok.then_some(rows))
        })
        .await;
    result.with_context(|| format!("last `pg-ha-ctl list` output:\n{}", last.borrow()))
}

/// `pg-ha-ctl <args>` without a step line (for polling); stdout, or an error with both
/// outputs unless it exits 0.
fn run_ctl_quiet(c: &Cluster, args: &[&str]) -> Result<String> {
    let out = tokio::task::block_in_place(|| c.ctl(args));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "pg-ha-ctl {} exited with {}: {stdout}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(stdout)
}

/// Checks a switchover / failover's output: exit 0 (already checked), the outcome line
/// naming the new leader, and the cluster table at the end with `expected` (or, when
/// `None`, anyone but `old`) as its Leader. Returns the leader in the table.
fn check_switch_output(stdout: &str, old: &str, expected: Option<&str>) -> Result<String> {
    let rows = last_table(stdout, 0)?;
    let leaders = with_role(&rows, "Leader");
    let [leader] = leaders.as_slice() else {
        bail!("the final table shows leaders {leaders:?}:\n{stdout}");
    };
    match expected {
        Some(name) => ensure!(
            leader == name,
            "the final table shows {leader} as Leader, not {name}:\n{stdout}"
        ),
        None => ensure!(
            leader != old,
            "the final table still shows {old} as Leader:\n{stdout}"
        ),
    }
    ensure!(
        stdout.contains(&format!("\"{leader}\"")),
        "no outcome line naming \"{leader}\" in the output:\n{stdout}"
    );
    ensure!(
        stdout.starts_with("Current cluster topology"),
        "the output does not start with the current topology:\n{stdout}"
    );
    Ok(leader.clone())
}

/// Waits until `new` is the writable primary, `old` streams from it, and so do both
/// replicas.
async fn settle(c: &Cluster, old: &str, new: &str, started: Instant, what: &str) -> Result<()> {
    let now = c.wait_for_primary(FAILOVER).await?;
    ensure!(
        now == new,
        "after `{what}` {now} is the writable primary, not {new}"
    );
    c.wait_replica_streaming(old, REJOIN).await?;
    let streaming = c.wait_streaming(2, REJOIN).await?;
    ensure!(streaming == new, "{streaming} is primary, not {new}");
    step(&format!(
        "ctl: {what}: {new} writable primary, {old} streams from it, all streaming {:.1} s after \
         the command started",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Waits until every node's `/patroni` shows `pause: true` (or no `pause` when `paused` is
/// false) and `GET /config` on each node agrees.
async fn wait_pause_shown(c: &Cluster, paused: bool) -> Result<()> {
    let what = format!("every node showing pause={paused} in /patroni and GET /config");
    c.wait_until(&what, Duration::from_secs(30), || async {
        for node in c.nodes() {
            let status = node.patroni().await?;
            let shown = status.get("pause").and_then(Value::as_bool) == Some(true);
            let (code, config) = node.rest_json("GET", "/config", None).await?;
            let configured = config.get("pause").and_then(Value::as_bool) == Some(true);
            if code != 200 || shown != paused || configured != paused {
                return Ok(None);
            }
        }
        Ok(Some(()))
    })
    .await
}

/// The ctl scenarios, on a cluster with a primary and two streaming replicas.
pub(crate) async fn ctl_commands(c: &Cluster) -> Result<()> {
    let first = c.wait_streaming(2, REJOIN).await?;
    let rows = wait_list(c, &first).await?;
    step(&format!(
        "ctl: list shows {first} as Leader and {:?} as streaming Replicas",
        with_role(&rows, "Replica")
    ));

    // 0. query: SQL on the leader (tab-separated, a header first, NULL as None) and on a
    // replica.
    let out = run_ctl(
        c,
        &[
            "query",
            "-c",
            "SELECT 1 AS one, NULL AS nothing, pg_is_in_recovery() AS standby",
        ],
    )
    .await?;
    ensure!(
        out.trim_end() == "one\tnothing\tstandby\n1\tNone\tf",
        "query on the leader: {out:?}"
    );
    let out = run_ctl(
        c,
        &[
            "query",
            "-r",
            "replica",
            "--format",
            "json",
            "-c",
            "SELECT pg_is_in_recovery() AS standby",
        ],
    )
    .await?;
    ensure!(
        out.trim_end() == r#"[{"standby":"t"}]"#,
        "query on a replica: {out:?}"
    );

    // 1. switchover to a named candidate.
    let candidate = c.others(&first).remove(0);
    step(&format!("ctl: switchover {first} -> {candidate}"));
    let started = Instant::now();
    let out = run_ctl(c, &["switchover", "--candidate", &candidate, "--force"]).await?;
    check_switch_output(&out, &first, Some(&candidate))?;
    settle(c, &first, &candidate, started, "switchover --candidate").await?;

    // 2. switchover to any member.
    step(&format!("ctl: switchover {candidate} -> any"));
    let started = Instant::now();
    let out = run_ctl(c, &["switchover", "--force"]).await?;
    let second = check_switch_output(&out, &candidate, None)?;
    settle(c, &candidate, &second, started, "switchover").await?;

    // 3. failover to a named candidate.
    let target = c.others(&second).remove(0);
    step(&format!("ctl: failover {second} -> {target}"));
    let started = Instant::now();
    let out = run_ctl(c, &["failover", "--candidate", &target, "--force"]).await?;
    check_switch_output(&out, &second, Some(&target))?;
    settle(c, &second, &target, started, "failover --candidate").await?;
    wait_list(c, &target).await?;
    step(&format!(
        "ctl: list shows {target} as Leader, two streaming Replicas"
    ));

    // 4. pause --wait / resume --wait.
    let out = run_ctl(c, &["pause", "--wait"]).await?;
    ensure!(
        out.contains("Success: cluster management is paused"),
        "pause --wait output:\n{out}"
    );
    wait_pause_shown(c, true).await?;
    let listed = run_ctl(c, &["list"]).await?;
    last_table(&listed, 1)?;
    ensure!(
        listed.trim_end().ends_with("Maintenance mode: on"),
        "`list` in pause does not end with `Maintenance mode: on`:\n{listed}"
    );
    step("ctl: paused (GET /config and every /patroni show pause; list says maintenance mode)");
    let out = run_ctl(c, &["resume", "--wait"]).await?;
    ensure!(
        out.contains("Success: cluster management is resumed"),
        "resume --wait output:\n{out}"
    );
    wait_pause_shown(c, false).await?;
    step("ctl: resumed (no pause in GET /config or any /patroni)");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_last_table() {
        let out = "Current cluster topology\n\
+ Cluster: demo (1) -+-----------+\n\
| Member | Role    | State     |\n\
+--------+---------+-----------+\n\
| node1  | Replica | streaming |\n\
+--------+---------+-----------+\n\
2026-01-01 10:00:00.000000 Successfully switched over to \"node2\"\n\
+ Cluster: demo (1) -+-----------+\n\
| Member | Role    | State     |\n\
+--------+---------+-----------+\n\
| node1  | Replica | streaming |\n\
| node2  | Leader  | running   |\n\
+--------+---------+-----------+\n";
        let rows = super::last_table(out, 0).expect("a table");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["Member"], "node2");
        assert_eq!(rows[1]["Role"], "Leader");
        assert_eq!(
            super::check_switch_output(out, "node1", None).expect("ok"),
            "node2"
        );
        assert!(super::last_table(&format!("{out}more\n"), 0).is_err());
        assert!(super::last_table(&format!("{out} Maintenance mode: on\n"), 1).is_ok());
    }
}
