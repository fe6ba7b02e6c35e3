//! Scenarios 3 (kill -9 of the primary's agent and PostgreSQL), 4 (kill -9 of the
//! primary's PostgreSQL only) and 7 (SIGTERM of the primary's agent).

use crate::cluster::Cluster;
use crate::replication::{int, wait_replayed, wait_timeline_above, wait_value};
use crate::{step, BOOTSTRAP, FAILOVER, REJOIN};
use anyhow::{ensure, Context, Result};
use std::time::{Duration, Instant};

/// Scenario 3: rows replayed by both replicas survive a kill -9 of the primary's node; a
/// replica becomes primary and takes writes. Rows committed on the old primary after its
/// WAL senders were frozen (never received by a replica) make its timeline diverge: when
/// its agent is restarted it must pg_rewind, rejoin as a streaming replica on the new
/// timeline, and hold exactly the new primary's rows.
pub(crate) async fn kill9_primary_node(c: &Cluster) -> Result<()> {
    let old = c.wait_streaming(2, BOOTSTRAP).await?;
    let p = c.node(&old);
    p.execute("create table e2e_crash(id int primary key, note text)")
        .await?;
    for batch in 0..10 {
        p.execute(&format!(
            "insert into e2e_crash select g, 'batch {batch}' from generate_series({}, {}) g",
            batch * 100 + 1,
            batch * 100 + 100
        ))
        .await?;
    }
    wait_replayed(c, &old, &c.others(&old)).await?;
    let old_timeline = int(&p.patroni().await?["timeline"]).context("primary timeline")?;

    // Freeze the WAL senders, then commit rows no replica will receive.
    let senders = p.column("select pid from pg_stat_replication").await?;
    ensure!(senders.len() >= 2, "WAL senders on {old}: {senders:?}");
    for pid in &senders {
        let pid: i32 = pid.parse().context("walsender pid")?;
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGSTOP,
        )
        .context("SIGSTOP a walsender")?;
    }
    p.execute(
        "insert into e2e_crash select g, 'never replicated' from generate_series(2001, 2050) g",
    )
    .await?;

    step(&format!(
        "kill9: kill -9 of {old}'s agent and PostgreSQL (50 rows committed there only)"
    ));
    let killed = Instant::now();
    p.kill9_agent_and_pg();
    let new = c.wait_for_new_primary(&old, FAILOVER).await?;
    step(&format!(
        "kill9: {new} is a writable primary {:.1} s after the kill",
        killed.elapsed().as_secs_f64()
    ));
    let n = c.node(&new);
    let ids = n
        .query_one("select count(*) || ' ' || max(id) from e2e_crash")
        .await?;
    ensure!(
        ids == "1000 1000",
        "{new} has `{ids}` (count, max id); expected the 1000 rows both replicas had replayed \
         before the kill and none of the 50 never replicated"
    );
    n.execute("insert into e2e_crash values (1001, 'after the failover')")
        .await?;
    let third = c
        .others(&old)
        .into_iter()
        .find(|name| *name != new)
        .context("no third node")?;
    c.wait_replica_streaming(&third, REJOIN).await?;
    let new_timeline = wait_timeline_above(c, &new, old_timeline).await?;

    step(&format!("kill9: restarting {old}'s agent"));
    let restarted = Instant::now();
    p.restart_agent()?;
    c.wait_replica_streaming(&old, REJOIN).await?;
    let what = format!("{old}'s /patroni showing the primary's timeline {new_timeline}");
    let timeline = c
        .wait_until(&what, Duration::from_secs(30), || async {
            let timeline = int(&p.patroni().await?["timeline"]).context("rejoined timeline")?;
            Ok((timeline == new_timeline).then_some(timeline))
        })
        .await?;
    wait_value(
        c,
        &old,
        "select count(*) || ' ' || max(id) from e2e_crash",
        "1001 1001",
        Duration::from_secs(60),
    )
    .await?;
    let log = p.log();
    ensure!(
        log.contains("running pg_rewind"),
        "{old} rejoined without pg_rewind although its timeline had diverged"
    );
    step(&format!(
        "kill9: {old} rewound, streams on timeline {timeline} with the new primary's rows, \
         {:.1} s after its restart",
        restarted.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Scenario 4: after a kill -9 of the primary's postmaster (the agent keeps running), the
/// cluster is writable again (PostgreSQL restarted in place or a failover) and all three
/// nodes stream again.
pub(crate) async fn kill9_postgres_only(c: &Cluster) -> Result<()> {
    let primary = c.wait_streaming(2, REJOIN).await?;
    let node = c.node(&primary);
    node.execute("create table e2e_pgkill(at timestamptz default now(), note text)")
        .await?;
    wait_replayed(c, &primary, &c.others(&primary)).await?;
    step(&format!("pgkill: kill -9 of {primary}'s postmaster only"));
    let killed = Instant::now();
    let pid = node.kill9_pg_only()?;
    let writer = c
        .wait_until(
            "an INSERT succeeding on some node after the postmaster kill",
            FAILOVER,
            || async {
                for n in c.nodes() {
                    if n.execute("insert into e2e_pgkill(note) values ('after the kill')")
                        .await
                        .is_ok()
                    {
                        return Ok(Some(n.name.clone()));
                    }
                }
                Ok(None)
            },
        )
        .await?;
    let how = if writer == primary {
        format!(
            "restarted in place (postmaster {pid} -> {:?})",
            node.postmaster_pid()
        )
    } else {
        format!("failed over to {writer}")
    };
    step(&format!(
        "pgkill: writable again after {:.1} s: {how}",
        killed.elapsed().as_secs_f64()
    ));
    let now_primary = c.wait_streaming(2, REJOIN).await?;
    ensure!(
        now_primary == writer,
        "{writer} took the write but {now_primary} is the primary"
    );
    step("pgkill: all three nodes stream again");
    Ok(())
}

/// Scenario 7: SIGTERM of the primary's agent stops its PostgreSQL, releases the leader key
/// and exits; a replica becomes primary (the time is logged: the release is what makes it
/// fast, and it is checked directly); the node rejoins when restarted.
pub(crate) async fn sigterm_primary(c: &Cluster) -> Result<()> {
    let old = c.wait_streaming(2, REJOIN).await?;
    let node = c.node(&old);
    // What systemd (Type=notify) would have heard: ready once the node ran.
    let started = node.notifications();
    ensure!(
        started.iter().any(|m| m == "READY=1"),
        "{old}'s agent sent no READY=1: {started:?}"
    );
    step(&format!("sigterm: SIGTERM to {old}'s agent"));
    let sent = Instant::now();
    node.sigterm()?;
    let status = node.wait_agent_exit(Duration::from_secs(30)).await?;
    let exited = sent.elapsed();
    let stopping = node.notifications();
    ensure!(
        stopping == ["STOPPING=1"],
        "{old}'s agent should say STOPPING=1 at SIGTERM: {stopping:?}"
    );
    let leader = c.dcs_leader().await?;
    ensure!(
        leader.as_ref().is_none_or(|kv| kv.value != old),
        "{old}'s agent exited after {exited:?} but the leader key still names it: {leader:?}"
    );
    ensure!(status.success(), "{old}'s agent exited with {status}");
    ensure!(
        node.postmaster_pid().is_none(),
        "{old}'s PostgreSQL still runs after its agent exited"
    );
    let new = c.wait_for_new_primary(&old, FAILOVER).await?;
    let took = sent.elapsed();
    // Measured, not asserted: on a loaded machine a fast failover can take longer than any
    // tight bound, and the release of the key that makes it fast is checked above.
    step(&format!(
        "sigterm: agent exited after {:.1} s, {new} is a writable primary after {:.1} s",
        exited.as_secs_f64(),
        took.as_secs_f64()
    ));
    node.restart_agent()?;
    c.wait_replica_streaming(&old, REJOIN).await?;
    step(&format!("sigterm: {old} rejoined as a streaming replica"));
    Ok(())
}
