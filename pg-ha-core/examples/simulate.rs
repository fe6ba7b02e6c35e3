//! Runs the deterministic cluster simulator over many seeds.
//!
//! ```text
//! cargo run --release -p pg-ha-core --features sim --example simulate -- --seeds 1000000 [--start N]
//! cargo run -p pg-ha-core --features sim --example simulate -- --seed N --verbose
//! cargo run --release -p pg-ha-core --features sim --example simulate -- --space full --seeds 10000
//! ```
//!
//! `--space full` also draws quorum and strict modes, synchronous_node_count 2,
//! failsafe_mode, check_timeline, use_pg_rewind off, a failed rewind left to a human and node
//! tags; `--space lossy` adds machines lost for good; `--space short` runs the full space
//! at the shortest timings (ttl 2 / 0.5 / 0.5 and 3 / 1 / 1), with lease renewals as the
//! etcd backend makes them and status queries that sometimes take hundreds of milliseconds
//! (see `sim::Space`).
//!
//! Many seeds run on every core; a failing seed prints the command that replays it with the
//! full event log. Exits non-zero when any seed fails.

use pg_ha_core::sim::{replay_command_in, run_seed_in, Space};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

struct Args {
    start: u64,
    seeds: u64,
    single: Option<u64>,
    verbose: bool,
    stop_after: u64,
    space: Space,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        start: 0,
        seeds: 1000,
        single: None,
        verbose: false,
        stop_after: 10,
        space: Space::Classic,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--seeds" => args.seeds = value("--seeds")?,
            "--start" => args.start = value("--start")?,
            "--seed" => args.single = Some(value("--seed")?),
            "--stop-after" => args.stop_after = value("--stop-after")?,
            "--verbose" | "-v" => args.verbose = true,
            "--space" => {
                args.space = match it.next().as_deref() {
                    Some("full") => Space::Full,
                    Some("lossy") => Space::Lossy,
                    Some("short") => Space::Short,
                    Some("classic") => Space::Classic,
                    _ => return Err("--space needs `classic`, `full`, `lossy` or `short`".into()),
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn run_one(seed: u64, verbose: bool, space: Space) -> bool {
    let outcome = run_seed_in(seed, space, false, verbose);
    println!("{outcome}");
    println!("  stats: {:?}", outcome.stats);
    outcome.passed()
}

fn run_many(args: &Args) -> u64 {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = Arc::new(AtomicU64::new(args.start));
    let failed = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicU64::new(0));
    let end = args.start + args.seeds;
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (next, failed, done) = (next.clone(), failed.clone(), done.clone());
            let (stop_after, space) = (args.stop_after, args.space);
            std::thread::spawn(move || loop {
                let seed = next.fetch_add(1, Ordering::SeqCst);
                if seed >= end {
                    return;
                }
                let outcome = run_seed_in(seed, space, false, false);
                if !outcome.passed() {
                    println!("{outcome}");
                    let mut f = failed.lock().unwrap_or_else(|e| e.into_inner());
                    f.push(seed);
                    if f.len() as u64 >= stop_after {
                        next.store(end, Ordering::SeqCst);
                    }
                }
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                if n % 1000 == 0 {
                    eprintln!("{n} seeds in {:.1}s", started.elapsed().as_secs_f64());
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let failed = failed.lock().unwrap_or_else(|e| e.into_inner()).clone();
    println!(
        "{} seeds from {} in {:.1}s: {} failed",
        done.load(Ordering::SeqCst),
        args.start,
        started.elapsed().as_secs_f64(),
        failed.len()
    );
    for seed in &failed {
        println!("  replay: {}", replay_command_in(*seed, args.space));
    }
    failed.len() as u64
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}\nusage: simulate [--space classic|full|lossy|short] [--seeds N] [--start N] [--stop-after N] | --seed N [--verbose]");
            std::process::exit(2);
        }
    };
    let ok = match args.single {
        Some(seed) => run_one(seed, args.verbose, args.space),
        None => run_many(&args) == 0,
    };
    std::process::exit(if ok { 0 } else { 1 });
}
