//! Prints the medians of each subject side by side, every raw sample for the record, and
//! each pg-ha subject's ratio to Patroni's at the same settings (pg-ha's ttl 5 against
//! Patroni's tuned 20/2/3).

use super::measure::Samples;
use super::Subject;

/// The median of `values` (0 when empty).
pub(crate) fn median(values: &[f64]) -> f64 {
    percentile(values, 0.5)
}

/// The `p` quantile of `values` (nearest rank; the mean of the two middle values for the
/// median of an even count; 0 when empty).
fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    if p == 0.5 && n.is_multiple_of(2) {
        return (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
    let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
    sorted[rank - 1]
}

/// One row: a name, a unit, and how to get the value from samples.
struct Row {
    name: &'static str,
    unit: &'static str,
    value: fn(&Samples) -> Option<f64>,
}

/// Requests per second of `method` (0 when the idle cluster sent none).
fn method_rate(s: &Samples, method: &str) -> Option<f64> {
    s.dcs_load
        .as_ref()
        .map(|load| load.get(method).copied().unwrap_or(0.0))
}

const ROWS: [Row; 16] = [
    Row {
        name: "boot -> primary + 2 streaming (median)",
        unit: "s",
        value: |s| some(median(&s.boot), s.boot.len()),
    },
    Row {
        name: "node loss -> first write elsewhere (median)",
        unit: "s",
        value: |s| some(median(&s.node_loss), s.node_loss.len()),
    },
    Row {
        name: "postmaster kill -9 -> writable (median)",
        unit: "s",
        value: |s| some(median(&s.postmaster_crash), s.postmaster_crash.len()),
    },
    Row {
        name: "switchover: longest unwritable window (median)",
        unit: "s",
        value: |s| some(median(&s.switchover), s.switchover.len()),
    },
    Row {
        name: "switchover -> both replicas stream (median)",
        unit: "s",
        value: |s| {
            some(
                median(&s.redundancy_switchover),
                s.redundancy_switchover.len(),
            )
        },
    },
    Row {
        name: "postmaster kill -9 -> both replicas stream",
        unit: "s",
        value: |s| some(median(&s.redundancy_crash), s.redundancy_crash.len()),
    },
    Row {
        name: "idle agent RSS (median of nodes)",
        unit: "MiB",
        value: |s| s.idle.map(|i| i.agent_rss_mib),
    },
    Row {
        name: "idle helper processes RSS (max of nodes)",
        unit: "MiB",
        value: |s| s.idle.map(|i| i.helpers_rss_mib),
    },
    Row {
        name: "idle agent CPU (% of one core)",
        unit: "%",
        value: |s| s.idle.map(|i| i.cpu_percent),
    },
    Row {
        name: "idle etcd requests, all methods",
        unit: "/s",
        value: |s| s.dcs_load.as_ref().map(|l| l.values().sum()),
    },
    Row {
        name: "  of which LeaseKeepAlive",
        unit: "/s",
        value: |s| method_rate(s, "LeaseKeepAlive"),
    },
    Row {
        name: "  of which Range",
        unit: "/s",
        value: |s| method_rate(s, "Range"),
    },
    Row {
        name: "  of which Txn",
        unit: "/s",
        value: |s| method_rate(s, "Txn"),
    },
    Row {
        name: "  of which Put",
        unit: "/s",
        value: |s| method_rate(s, "Put"),
    },
    Row {
        name: "REST GET /primary, 100 checkers (median)",
        unit: "ms",
        value: |s| some(median(&s.rest_ms), s.rest_ms.len()),
    },
    Row {
        name: "REST GET /primary, 100 checkers (p99)",
        unit: "ms",
        value: |s| some(percentile(&s.rest_ms, 0.99), s.rest_ms.len()),
    },
];

fn some(value: f64, count: usize) -> Option<f64> {
    (count > 0).then_some(value)
}

/// The Patroni subject a pg-ha subject is compared with.
fn baseline_of(subjects: &[(Subject, Samples)], i: usize) -> Option<usize> {
    let (subject, _) = &subjects[i];
    if subject.patroni {
        return None;
    }
    let settings = if subject.settings.starts_with("ttl") {
        "20/2/3"
    } else {
        subject.settings
    };
    subjects
        .iter()
        .position(|(s, _)| s.patroni && s.settings == settings)
}

/// Prints the raw samples, then the table.
pub(crate) fn print(results: &[(Subject, Samples)]) {
    for (subject, s) in results {
        let label = &subject.label;
        println!("{label}: boot {:?}", rounded(&s.boot));
        println!("{label}: node loss {:?}", rounded(&s.node_loss));
        println!(
            "{label}: postmaster crash {:?}",
            rounded(&s.postmaster_crash)
        );
        println!("{label}: switchover {:?}", rounded(&s.switchover));
        println!(
            "{label}: switchover -> both replicas stream {:?}",
            rounded(&s.redundancy_switchover)
        );
        println!(
            "{label}: postmaster crash -> both replicas stream {:?}",
            rounded(&s.redundancy_crash)
        );
        println!("{label}: idle etcd requests/s {:?}", s.dcs_load);
        println!("{label}: REST answers {}", s.rest_ms.len());
    }
    let mut header = format!("{:<48}", "measurement");
    for (subject, _) in results {
        header.push_str(&format!(" | {:>18}", subject.label));
    }
    let pairs: Vec<(usize, usize)> = (0..results.len())
        .filter_map(|i| baseline_of(results, i).map(|b| (i, b)))
        .collect();
    for (i, b) in &pairs {
        let name = format!("{} / {}", results[*i].0.label, results[*b].0.label);
        header.push_str(&format!(" | {name:>34}"));
    }
    println!("{header}");
    for row in &ROWS {
        let values: Vec<Option<f64>> = results.iter().map(|(_, s)| (row.value)(s)).collect();
        let mut line = format!("{:<48}", row.name);
        for v in &values {
            let cell = v.map_or("-".to_string(), |v| format!("{v:.3} {}", row.unit));
            line.push_str(&format!(" | {cell:>18}"));
        }
        for (i, b) in &pairs {
            let cell = match (values[*i], values[*b]) {
                (Some(ours), Some(base)) if base > 0.0 => format!("{:.2}", ours / base),
                _ => "-".to_string(),
            };
            line.push_str(&format!(" | {cell:>34}"));
        }
        println!("{line}");
    }
}

fn rounded(values: &[f64]) -> Vec<f64> {
    values
        .iter()
        .map(|v| (v * 1000.0).round() / 1000.0)
        .collect()
}
