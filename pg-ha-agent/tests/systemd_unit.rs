//! The shipped systemd unit (`packaging/systemd/pg-ha-agent.service`): `systemd-analyze
//! verify` accepts it without a warning (with `ExecStart` pointed at the binary just built),
//! and it keeps the settings the agent's shutdown and readiness rely on. Its shutdown path
//! (SIGTERM: PostgreSQL stopped cleanly, the leader key released, exit 0, `STOPPING=1`) and
//! readiness (`READY=1`) are exercised on real agents by the e2e suite's SIGTERM scenario.

use std::path::{Path, PathBuf};
use std::process::Command;

fn unit_text() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/systemd/pg-ha-agent.service");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn setting(text: &str, key: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_string())
}

#[test]
fn the_unit_keeps_what_the_shutdown_and_readiness_rely_on() {
    let unit = unit_text();
    for (key, value) in [
        ("Type", "notify"),
        ("User", "postgres"),
        ("KillMode", "process"),
        ("KillSignal", "SIGTERM"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
        ("Restart", "on-failure"),
    ] {
        assert_eq!(setting(&unit, key).as_deref(), Some(value), "{key}");
    }
    let timeout: u64 = setting(&unit, "TimeoutStopSec")
        .and_then(|v| v.parse().ok())
        .expect("TimeoutStopSec in seconds");
    assert!(
        timeout >= 60,
        "a busy primary's shutdown checkpoint needs time: {timeout}"
    );
}

#[test]
fn systemd_analyze_verifies_the_unit() {
    let analyze = Path::new("/usr/bin/systemd-analyze");
    assert!(
        analyze.is_file(),
        "systemd-analyze not found: install Debian's systemd package (scripts/install-deps does)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_pg-ha-agent"));
    let unit = unit_text().replace("/usr/bin/pg-ha-agent", &binary.to_string_lossy());
    let path = dir.path().join("pg-ha-agent.service");
    std::fs::write(&path, unit).expect("write the unit");
    let out = Command::new(analyze)
        .arg("verify")
        .arg(&path)
        .output()
        .expect("run systemd-analyze");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze verify failed: {stderr}"
    );
    let about_the_unit: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("pg-ha-agent.service"))
        .collect();
    assert!(about_the_unit.is_empty(), "warnings: {about_the_unit:?}");
}
