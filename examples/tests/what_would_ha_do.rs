//! The `what_would_ha_do` example on the snapshots captured from a real Patroni cluster
//! (`pg-ha-core/tests/fixtures/patroni`): the leader renews, a replica follows, and without
//! the leader key the replicas say why they would or would not promote.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_what_would_ha_do"))
        .args(args)
        .output()
        .expect("run the example");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sample(name: &str) -> String {
    format!(
        "{}/../pg-ha-core/tests/fixtures/patroni/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn the_leader_renews_and_a_replica_follows() {
    let file = sample("etcd-1-initial.pretty.json");
    let (ok, out, err) = run(&[&file, "node3"]);
    assert!(ok, "{err}");
    assert!(
        out.starts_with("reason: no action: I am the leader with the lock\naction: RenewLeader"),
        "{out}"
    );
    let (ok, out, _) = run(&[&file, "node1"]);
    assert!(ok);
    assert_eq!(out, "reason: no action: following the leader node3\n");
}

#[test]
fn without_the_leader_key_each_replica_says_why() {
    let file = sample("etcd-1-initial.pretty.json");
    let (_, out, _) = run(&[&file, "node1", "--without-leader"]);
    assert!(
        out.contains("not promoting: lag 16.0 MB > maximum_lag_on_failover 1.0 MB"),
        "{out}"
    );
    let (_, out, _) = run(&[&file, "node2", "--without-leader"]);
    assert!(
        out.contains("not promoting: node3 still reports it is primary"),
        "{out}"
    );
}

#[test]
fn bad_input_is_named() {
    let (ok, _, err) = run(&["/nonexistent.json", "node1"]);
    assert!(!ok && err.contains("/nonexistent.json"), "{err}");
    let file = sample("etcd-1-initial.pretty.json");
    let (ok, _, err) = run(&[&file, "node9"]);
    assert!(!ok && err.contains("no member key for node9"), "{err}");
    let (ok, _, err) = run(&[&file]);
    assert!(!ok && err.contains("usage"), "{err}");
}
