//! etcd's own request counters, read from its Prometheus text (`GET /metrics`): how the
//! backends' tests and benches count the requests pg-ha sends, per gRPC method.

use std::collections::BTreeMap;

/// `grpc_server_started_total` per gRPC method (`Range`, `Txn`, `LeaseKeepAlive`, ...),
/// summed over the label sets of each method; lines that do not parse are skipped.
pub fn started_requests(metrics: &str) -> BTreeMap<String, u64> {
    let mut total = BTreeMap::new();
    for line in metrics
        .lines()
        .filter(|l| l.starts_with("grpc_server_started_total{"))
    {
        if let Some((method, count)) = method_and_count(line) {
            *total.entry(method.to_string()).or_insert(0) += count;
        }
    }
    total
}

/// The `grpc_method` label and the value of one counter line.
fn method_and_count(line: &str) -> Option<(&str, u64)> {
    let method = line.split("grpc_method=\"").nth(1)?.split('"').next()?;
    let count = line.rsplit(' ').next()?.parse::<f64>().ok()?;
    Some((method, count as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_method_over_its_label_sets_and_skips_other_lines() {
        let text = r#"# HELP grpc_server_started_total Total number of RPCs started on the server.
# TYPE grpc_server_started_total counter
grpc_server_started_total{grpc_method="LeaseKeepAlive",grpc_service="etcdserverpb.Lease",grpc_type="bidi_stream"} 42
grpc_server_started_total{grpc_method="Range",grpc_service="etcdserverpb.KV",grpc_type="unary"} 7
grpc_server_started_total{grpc_method="Range",grpc_service="etcdserverpb.KV",grpc_type="server_stream"} 1e+01
grpc_server_started_total{grpc_method="Txn",grpc_service="etcdserverpb.KV",grpc_type="unary"} garbage
grpc_server_handled_total{grpc_code="OK",grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"} 3
"#;
        let counts = started_requests(text);
        assert_eq!(counts.get("LeaseKeepAlive"), Some(&42));
        assert_eq!(counts.get("Range"), Some(&17));
        assert_eq!(counts.get("Txn"), None, "an unparsable value was counted");
        assert_eq!(
            counts.get("Put"),
            None,
            "a handled counter was counted as started"
        );
    }
}
