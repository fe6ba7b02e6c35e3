//! `pg-ha-fence --data-dir <dir>`: the write-fence guard started by the agent. It reads
//! `deadline <CLOCK_MONOTONIC ns> [stop <ns>]` / `disarm` lines from stdin, asks the data
//! directory's postmaster for a fast shutdown when the stop point passes and SIGKILLs it when
//! the deadline passes, while it runs as a primary. When stdin closes it enforces the last
//! deadline, then exits. At start it stops the guard a previous agent left on the same data
//! directory (see `registry`).

use pg_ha_agent::postgres::fence::{registry, run_guard, DataDirTarget, GuardEvent};
use std::io::BufReader;
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let data_dir = match (args.next().as_deref(), args.next()) {
        (Some("--data-dir"), Some(dir)) => PathBuf::from(dir),
        _ => {
            eprintln!("usage: pg-ha-fence --data-dir <dir>");
            std::process::exit(2);
        }
    };
    if let Some(old) = registry::supersede(&data_dir, std::process::id()) {
        eprintln!(
            "pg-ha-fence: stopped the previous guard (pid {old}) of {}",
            data_dir.display()
        );
    }
    let target = DataDirTarget::new(&data_dir);
    let stdin = BufReader::new(std::io::stdin());
    run_guard(stdin, &target, |event| match event {
        GuardEvent::Fired(outcome) => {
            eprintln!(
                "pg-ha-fence: deadline passed for {}: {outcome:?}",
                data_dir.display()
            )
        }
        GuardEvent::CleanStop(outcome) => {
            eprintln!(
                "pg-ha-fence: clean-stop point passed for {}: {outcome:?}",
                data_dir.display()
            )
        }
        GuardEvent::BadLine(line) => eprintln!("pg-ha-fence: ignoring {line:?}"),
        _ => {}
    });
}
