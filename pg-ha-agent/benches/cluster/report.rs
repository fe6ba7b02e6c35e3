//! Prints the medians of each implementation side by side, with ratios against the last
//! one (the baseline) when there are two.

use super::measure::Samples;

/// The median of `values` (0 when empty).
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// One row: a name, how to format a value, and how to get the value from samples.
struct Row {
    name: &'static str,
    unit: &'static str,
    value: fn(&Samples) -> Option<f64>,
}

const ROWS: [Row; 6] = [
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
];

fn some(value: f64, count: usize) -> Option<f64> {
    (count > 0).then_some(value)
}

/// Prints the table (and every sample, for the record).
pub(crate) fn print(results: &[(&str, Samples)]) {
    for (label, s) in results {
        println!("{label}: node loss {:?}", rounded(&s.node_loss));
        println!(
            "{label}: postmaster crash {:?}",
            rounded(&s.postmaster_crash)
        );
        println!("{label}: switchover {:?}", rounded(&s.switchover));
    }
    let mut header = format!("{:<48}", "measurement");
    for (label, _) in results {
        header.push_str(&format!(" | {label:>22}"));
    }
    if results.len() == 2 {
        header.push_str(" |  ratio");
    }
    println!("{header}");
    for row in &ROWS {
        let values: Vec<Option<f64>> = results.iter().map(|(_, s)| (row.value)(s)).collect();
        let mut line = format!("{:<48}", row.name);
        for v in &values {
            let cell = v.map_or("-".to_string(), |v| format!("{v:.3} {}", row.unit));
            line.push_str(&format!(" | {cell:>22}"));
        }
        if let [Some(ours), Some(base)] = values.as_slice() {
            if *base > 0.0 {
                line.push_str(&format!(" | {:>6.2}", ours / base));
            }
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
