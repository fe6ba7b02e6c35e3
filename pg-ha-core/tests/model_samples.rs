//! The cluster model against JSON captured from a real Patroni 4.1.5 cluster, and against
//! every legacy and malformed form Patroni's readers accept.
//!
//! The samples (captured from Patroni 4.1.5, copied from shared/spec/samples) live in
//! `tests/fixtures/patroni` (override with `PG_HA_SAMPLES`).

use pg_ha_core::model::{
    Cluster, DcsValue, Entry, Failover, History, HistoryEntry, MemberData, MemberState, Role,
    Snapshot, Status, SyncState,
};
use serde_json::{json, Value};
use std::path::PathBuf;

const PREFIX: &str = "/service/demo/";

fn samples_dir() -> PathBuf {
    std::env::var_os("PG_HA_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/patroni"
            ))
        })
}

fn read_sample(name: &str) -> String {
    let path = samples_dir().join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read sample {}: {e}", path.display()))
}

/// A value as the DCS stores it: strings as-is, everything else as compact JSON.
fn stored_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The sample's keys (relative path -> parsed value) and the snapshot built from them.
fn load(name: &str) -> (Vec<(String, Value)>, Snapshot) {
    let file: Value = serde_json::from_str(&read_sample(name)).expect("sample is JSON");
    let keys = file["keys"].as_object().expect("sample has keys");
    let mut values = Vec::new();
    let mut entries = Vec::new();
    for (path, meta) in keys {
        let key = path.strip_prefix(PREFIX).expect("key under the prefix");
        values.push((key.to_string(), meta["value"].clone()));
        entries.push(Entry {
            key: key.to_string(),
            value: stored_text(&meta["value"]),
            version: meta["mod_revision"].as_u64().expect("mod_revision"),
            session: meta["lease"].as_u64().map(|l| l.to_string()),
        });
    }
    let revision = file["header"]["revision"].as_u64().expect("revision");
    (values, Snapshot { revision, entries })
}

fn parse_clean(name: &str) -> (Vec<(String, Value)>, Cluster) {
    let (values, snapshot) = load(name);
    let (cluster, errors) = Cluster::from_snapshot(&snapshot);
    assert!(
        errors.is_empty(),
        "{name}: unexpected parse errors {errors:?}"
    );
    (values, cluster)
}

fn text_json(text: &str) -> Value {
    serde_json::from_str(text).expect("written value is JSON")
}

/// The typed value of `key` written back as JSON (or as the plain text it is).
fn written(cluster: &Cluster, key: &str) -> Value {
    if let Some(name) = key.strip_prefix("members/") {
        let member = cluster.member(name).expect("member parsed");
        return text_json(&member.data.to_text());
    }
    match key {
        "leader" => Value::from(cluster.leader_name().expect("leader")),
        "initialize" => text_json(cluster.initialize.as_deref().expect("initialize")),
        "config" => cluster.config.as_ref().expect("config").parsed.to_json(),
        "failover" => text_json(&cluster.failover.as_ref().expect("failover").value.to_text()),
        "sync" => text_json(&cluster.sync.as_ref().expect("sync").value.to_text()),
        "history" => text_json(&cluster.history.to_text()),
        "status" => text_json(&cluster.status.to_text()),
        other => panic!("sample has a key the test does not know: {other}"),
    }
}

fn one(entries: &[(&str, &str)]) -> (Cluster, Vec<pg_ha_core::model::ParseError>) {
    let snapshot = Snapshot {
        revision: 7,
        entries: entries
            .iter()
            .enumerate()
            .map(|(i, (key, value))| Entry {
                key: key.to_string(),
                value: value.to_string(),
                version: 100 + i as u64,
                session: None,
            })
            .collect(),
    };
    Cluster::from_snapshot(&snapshot)
}

fn roles(cluster: &Cluster) -> Vec<(&str, Role)> {
    cluster
        .members
        .iter()
        .map(|m| (m.name.as_str(), m.data.role))
        .collect()
}

const SAMPLES: [&str; 3] = [
    "etcd-1-initial.pretty.json",
    "etcd-2-after-switchover.pretty.json",
    "etcd-3-sync-mode.pretty.json",
];

#[test]
fn initial_sample_loads_with_expected_fields() {
    let (_, c) = parse_clean(SAMPLES[0]);
    assert_eq!(c.revision, 17);
    assert_eq!(c.leader_name(), Some("node3"));
    assert_eq!(c.initialize.as_deref(), Some("7712434073260532225"));
    assert_eq!(
        roles(&c),
        [
            ("node1", Role::Replica),
            ("node2", Role::Replica),
            ("node3", Role::Primary)
        ]
    );
    let leader = c.leader_member().expect("leader's member key");
    assert_eq!(leader.data.state, MemberState::Running);
    assert_eq!(
        leader.data.api_url.as_deref(),
        Some("http://127.0.0.1:8010/patroni")
    );
    assert_eq!(leader.data.xlog_location, Some(67_108_864));
    assert_eq!(leader.data.receive_lsn, None);
    let node1 = c.member("node1").expect("node1");
    assert_eq!(node1.data.receive_lsn, Some(50_331_648));
    assert_eq!(node1.data.replication_state, None);
    assert_eq!(c.status.optime, Some(67_108_864));
    assert_eq!(c.status.retain_slots, ["node3"]);
    assert_eq!(c.status.slots.get("node3"), Some(&67_108_864));
    assert!(c.history.0.is_empty());
    assert_eq!(c.history.timeline(), 1);
    assert!(c.failover.is_none() && c.sync.is_none() && c.failsafe.is_none());
    let config = c.config.as_ref().expect("config");
    assert_eq!(config.version, 11);
    assert!(config.parsed.postgresql.use_pg_rewind);
    assert_eq!(
        config.parsed.postgresql.parameters.get("max_connections"),
        Some(&json!(50))
    );
}

#[test]
fn switchover_sample_has_history_and_cleared_failover() {
    let (_, c) = parse_clean(SAMPLES[1]);
    assert_eq!(c.leader_name(), Some("node1"));
    assert_eq!(
        roles(&c),
        [
            ("node1", Role::Primary),
            ("node2", Role::Replica),
            ("node3", Role::Replica)
        ]
    );
    assert_eq!(
        c.history.0,
        [HistoryEntry {
            timeline: 1,
            switch_lsn: 67_109_256,
            reason: "no recovery target specified".into(),
            timestamp: Some("2026-11-26T11:04:13.898417+00:00".into()),
            new_leader: Some("node1".into()),
        }]
    );
    assert_eq!(c.history.timeline(), 2);
    assert_eq!(c.history.switch_point(1), Some(67_109_256));
    let failover = c.failover.as_ref().expect("failover key exists");
    assert_eq!(failover.version, 31);
    assert!(failover.value.is_empty());
    assert!(c.failover_request().is_none());
    for m in &c.members {
        assert_eq!(m.data.timeline, Some(2), "{}", m.name);
    }
    let node3 = c.member("node3").expect("node3");
    assert_eq!(node3.data.replication_state.as_deref(), Some("streaming"));
    assert_eq!(c.status.retain_slots, ["node1", "node2", "node3"]);
}

#[test]
fn sync_sample_has_active_sync_state() {
    let (_, c) = parse_clean(SAMPLES[2]);
    let sync = c.sync_state().expect("sync active");
    assert_eq!(sync.version, 48);
    assert_eq!(sync.value.leader.as_deref(), Some("node1"));
    assert_eq!(sync.value.members(), ["node2"]);
    assert_eq!(sync.value.quorum, 0);
    assert!(sync.value.has_standby("NODE2"));
    assert!(!sync.value.has_standby("node3"));
    let config = &c.config.as_ref().expect("config").parsed;
    assert_eq!(config.synchronous_mode, pg_ha_core::SyncMode::On);
    assert_eq!(c.status.optime, Some(67_111_128));
}

#[test]
fn every_sample_value_writes_back_as_the_same_json() {
    let mut checked = 0;
    for name in SAMPLES {
        let (values, cluster) = parse_clean(name);
        for (key, sample) in &values {
            assert_eq!(&written(&cluster, key), sample, "{name}: key {key}");
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        7 + 9 + 10,
        "every key of every sample was compared"
    );
}

#[test]
fn config_raw_is_kept_as_stored() {
    for name in SAMPLES {
        let (values, cluster) = parse_clean(name);
        let sample = &values
            .iter()
            .find(|(k, _)| k == "config")
            .expect("config")
            .1;
        assert_eq!(&cluster.config.expect("config").raw, sample, "{name}");
    }
}

#[test]
fn versions_and_sessions_come_from_key_metadata() {
    let (_, c) = parse_clean(SAMPLES[1]);
    let leader = c.leader.as_ref().expect("leader");
    assert_eq!(leader.version, 30);
    assert_eq!(leader.session.as_deref(), Some("7668682487421261832"));
    let node1 = c.member("node1").expect("node1");
    assert_eq!(node1.version, 40);
    assert_eq!(
        node1.session, leader.session,
        "leader and member share a lease"
    );
}

/// Every value Patroni wrote during the idle watch is rewritten byte for byte.
#[test]
fn idle_watch_values_rewrite_byte_for_byte() {
    let log = read_sample("etcd-idle-watch-40s.txt");
    let mut count = 0;
    for line in log.lines().filter(|l| l.contains(" PUT ")) {
        let key_start = line.find(PREFIX).expect("key") + PREFIX.len();
        let key = line[key_start..].split(' ').next().expect("key");
        let value = &line[line.find(" {").expect("JSON value") + 1..];
        let rewritten = if key.starts_with("members/") {
            MemberData::from_text(value).expect("member").to_text()
        } else if key == "status" {
            Status::from_text(value).expect("status").to_text()
        } else {
            panic!("unexpected key {key}");
        };
        assert_eq!(rewritten, value, "{key}");
        count += 1;
    }
    assert!(count >= 4, "watch log had {count} writes");
}

#[test]
fn legacy_master_role_reads_as_primary_and_writes_primary() {
    let (c, errors) = one(&[
        ("leader", "old"),
        (
            "members/old",
            r#"{"conn_url":"postgres://h:5432/postgres","api_url":"http://h:8008/patroni","state":"running","role":"master","xlog_location":5}"#,
        ),
    ]);
    assert!(errors.is_empty(), "{errors:?}");
    let old = c.leader_member().expect("leader member");
    assert_eq!(old.data.role, Role::Primary);
    assert!(old.data.to_text().contains(r#""role":"primary""#));
}

#[test]
fn legacy_member_connection_url() {
    let (c, errors) = one(&[(
        "members/gov",
        "postgres://repl:secret@10.0.0.5:5433/postgres?application_name=http://10.0.0.5:8009/patroni",
    )]);
    assert!(errors.is_empty(), "{errors:?}");
    let data = &c.member("gov").expect("member").data;
    assert_eq!(
        data.conn_url.as_deref(),
        Some("postgres://repl:secret@10.0.0.5:5433/postgres")
    );
    assert_eq!(
        data.api_url.as_deref(),
        Some("http://10.0.0.5:8009/patroni")
    );
    assert_eq!(
        (data.state, data.role),
        (MemberState::Running, Role::Replica)
    );
    assert_eq!(data.xlog_location, None);
    let written = text_json(&data.to_text());
    assert_eq!(written["api_url"], "http://10.0.0.5:8009/patroni");
}

#[test]
fn legacy_failover_plain_text_is_a_request() {
    let (c, errors) = one(&[("failover", "node1:node2")]);
    assert!(errors.is_empty(), "{errors:?}");
    let request = c.failover_request().expect("request");
    assert_eq!(request.value.leader.as_deref(), Some("node1"));
    assert_eq!(request.value.member.as_deref(), Some("node2"));
    assert_eq!(request.version, 100);
    assert_eq!(
        request.value.to_text(),
        r#"{"leader":"node1","member":"node2"}"#
    );
}

#[test]
fn empty_failover_forms_are_no_request_but_keep_the_version() {
    for text in ["", "{}", "null"] {
        let (c, errors) = one(&[("failover", text)]);
        assert!(errors.is_empty(), "{text:?}: {errors:?}");
        let failover = c.failover.as_ref().expect("key is present");
        assert_eq!(failover.version, 100, "{text:?}");
        assert!(failover.value.is_empty(), "{text:?}");
        assert!(c.failover_request().is_none(), "{text:?}");
    }
}

#[test]
fn failover_json_with_schedule() {
    let text = r#"{"leader":"node1","member":"node2","scheduled_at":"2026-01-01T10:00:00+00:00"}"#;
    let (c, errors) = one(&[("failover", text)]);
    assert!(errors.is_empty(), "{errors:?}");
    let f = &c.failover_request().expect("request").value;
    assert_eq!(f.scheduled_at_millis(), Some(1_767_261_600_000));
    assert_eq!(f.to_text(), text);
}

#[test]
fn legacy_status_bare_integer_is_optime() {
    let (c, errors) = one(&[("status", "67108864")]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(c.status.optime, Some(67_108_864));
    assert!(c.status.slots.is_empty());
    assert_eq!(c.status.to_text(), r#"{"optime":67108864}"#);
    let slots_only = Status::from_text(r#"{"optime":null,"slots":{"s":1}}"#).expect("parses");
    assert_eq!(
        slots_only.to_text(),
        r#"{"slots":{"s":1}}"#,
        "no null optime"
    );
}

#[test]
fn legacy_optime_leader_key_fills_a_missing_optime() {
    let (c, errors) = one(&[("optime/leader", "12345")]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(c.status.optime, Some(12_345));
    let (c, _) = one(&[("optime/leader", "12345"), ("status", r#"{"optime":99}"#)]);
    assert_eq!(c.status.optime, Some(99), "status wins over the legacy key");
}

#[test]
fn history_entries_of_three_four_and_five_items() {
    let text = r#"[[1,100,"no recovery target specified"],[2,200,"x","2019-09-23T16:57:57+02:00"],[3,300,"y","2020-01-01T00:00:00+00:00","node2"]]"#;
    let (c, errors) = one(&[("history", text)]);
    assert!(errors.is_empty(), "{errors:?}");
    let h = &c.history.0;
    assert_eq!(h.len(), 3);
    assert_eq!(
        (h[0].timestamp.as_deref(), h[0].new_leader.as_deref()),
        (None, None)
    );
    assert_eq!(h[1].timestamp.as_deref(), Some("2019-09-23T16:57:57+02:00"));
    assert_eq!(h[1].new_leader, None);
    assert_eq!(h[2].new_leader.as_deref(), Some("node2"));
    assert_eq!(c.history.timeline(), 4);
    assert_eq!(c.history.to_text(), text, "written back item for item");
}

#[test]
fn history_entry_serializes_as_a_json_array() {
    let entry = HistoryEntry {
        timeline: 4,
        switch_lsn: 1,
        reason: "r".into(),
        timestamp: None,
        new_leader: None,
    };
    assert_eq!(
        serde_json::to_value(&entry).expect("serializes"),
        json!([4, 1, "r"])
    );
    let back: HistoryEntry = serde_json::from_value(json!([4, 1, "r"])).expect("parses");
    assert_eq!(back, entry);
    assert_eq!(
        serde_json::to_string(&History(vec![entry])).expect("serializes"),
        r#"[[4,1,"r"]]"#
    );
}

#[test]
fn sync_with_null_standby_is_active_without_standbys() {
    let text = r#"{"leader":"node1","quorum":0,"sync_standby":null}"#;
    let (c, errors) = one(&[("sync", text)]);
    assert!(errors.is_empty(), "{errors:?}");
    let sync = c.sync_state().expect("active");
    assert!(sync.value.members().is_empty());
    assert!(sync.value.is_member("NODE1"));
    assert_eq!(sync.value.to_text(), text);
    assert_eq!(serde_json::to_string(&sync.value).expect("ser"), text);
}

#[test]
fn empty_sync_forms_are_inactive_but_keep_the_version() {
    for text in ["", "{}", "null"] {
        let (c, errors) = one(&[("sync", text)]);
        assert!(errors.is_empty(), "{text:?}: {errors:?}");
        assert_eq!(c.sync.as_ref().expect("present").version, 100);
        assert!(c.sync_state().is_none(), "{text:?}");
    }
}

#[test]
fn initialize_is_plain_text() {
    let (c, _) = one(&[("initialize", "7712434073260532225")]);
    assert_eq!(c.initialize.as_deref(), Some("7712434073260532225"));
    let (c, _) = one(&[("initialize", "")]);
    assert_eq!(c.initialize.as_deref(), Some(""), "bootstrapping");
    let (c, _) = one(&[]);
    assert_eq!(c.initialize, None);
}

#[test]
fn member_unknown_fields_are_kept_and_written_back() {
    let text = r#"{"conn_url":"postgres://h:1/postgres","api_url":"http://h:2/patroni","state":"running","role":"replica","version":"4.1.5","proxy_url":"postgres://p:6432/postgres","tags":{"nofailover":true,"zone":"a"},"future_field":{"x":[1,2]}}"#;
    let data = MemberData::from_text(text).expect("parses");
    assert_eq!(
        data.extra.get("proxy_url"),
        Some(&json!("postgres://p:6432/postgres"))
    );
    assert_eq!(data.extra.get("future_field"), Some(&json!({"x": [1, 2]})));
    assert!(data.tags.nofailover());
    assert_eq!(text_json(&data.to_text()), text_json(text));
}

#[test]
fn member_lsns_written_as_strings_or_null_are_read() {
    let data = MemberData::from_text(
        r#"{"state":"running","role":"replica","xlog_location":"100","receive_lsn":null,"replay_lsn":90,"timeline":"3","tags":null}"#,
    )
    .expect("parses");
    assert_eq!(data.xlog_location, Some(100));
    assert_eq!(data.receive_lsn, None);
    assert_eq!(data.timeline, Some(3));
    assert_eq!(data.wal_position(), Some(100));
}

#[test]
fn only_direct_children_of_members_are_members() {
    let member = r#"{"state":"running","role":"replica"}"#;
    let (c, errors) = one(&[
        ("members/a", member),
        ("members/a/extra", "garbage"),
        ("members/", member),
    ]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(roles(&c), [("a", Role::Replica)]);
}

#[test]
fn failsafe_map_parses() {
    let text = r#"{"node1":"http://h1:8008/patroni","node2":"http://h2:8008/patroni"}"#;
    let (c, errors) = one(&[("failsafe", text)]);
    assert!(errors.is_empty(), "{errors:?}");
    let map = c.failsafe.as_ref().expect("failsafe");
    assert_eq!(map.0.len(), 2);
    assert_eq!(map.to_text(), text);
    let (c, errors) = one(&[("failsafe", "")]);
    assert!(errors.is_empty() && c.failsafe.is_none());
}

/// Each malformed key yields one error naming it; the good keys around it still load.
#[test]
fn malformed_values_name_their_key_and_the_rest_loads() {
    let good_member = r#"{"state":"running","role":"primary"}"#;
    let cases = [
        ("members/bad", r#"{"state":"running"}"#),
        ("members/bad", r#"{"state":"dancing","role":"replica"}"#),
        ("members/bad", "{not json"),
        ("members/bad", "[1,2]"),
        ("members/bad", ""),
        ("config", "{not json"),
        ("config", "[1]"),
        ("config", r#"{"ttl":"soon"}"#),
        ("failover", r#"{"leader":5}"#),
        ("failover", "[1]"),
        ("failover", r#"{"leader":"a","scheduled_at":"someday"}"#),
        ("sync", r#"{"leader":["x"]}"#),
        ("sync", "{oops"),
        ("history", r#"[[1,2]]"#),
        ("history", r#"{"a":1}"#),
        ("status", r#"{"optime":"abc"}"#),
        ("status", r#""text""#),
        ("failsafe", r#"{"node1":5}"#),
        ("failsafe", "[]"),
        ("optime/leader", "abc"),
    ];
    for (key, value) in cases {
        let (c, errors) = one(&[
            ("leader", "good"),
            ("members/good", good_member),
            (key, value),
            ("initialize", "123"),
        ]);
        assert_eq!(errors.len(), 1, "{key}={value}: {errors:?}");
        assert_eq!(errors[0].key, key, "{key}={value}");
        assert!(errors[0].to_string().contains(key), "message names the key");
        assert_eq!(c.leader_name(), Some("good"), "{key}={value}");
        assert_eq!(roles(&c), [("good", Role::Primary)], "{key}={value}");
        assert_eq!(c.initialize.as_deref(), Some("123"));
    }
}

#[test]
fn malformed_keys_are_read_as_empty() {
    let (c, errors) = one(&[
        ("config", r#"{"ttl":"soon"}"#),
        ("failover", "[1]"),
        ("sync", "{oops"),
        ("history", "5"),
        ("status", "[]"),
        ("failsafe", "[]"),
    ]);
    assert_eq!(errors.len(), 6, "{errors:?}");
    assert!(
        errors[0].reason.contains("ttl"),
        "config error names the config key"
    );
    assert!(c.config.is_none(), "nodes keep their last good config");
    let failover = c.failover.as_ref().expect("kept for CAS");
    assert!(failover.value.is_empty());
    assert_eq!(failover.version, 101);
    assert_eq!(
        c.sync.as_ref().map(|s| (&s.value, s.version)),
        Some((&SyncState::default(), 102))
    );
    assert_eq!(c.history, History::default());
    assert_eq!(c.status, Status::default());
    assert!(c.failsafe.is_none());
}

#[test]
fn failover_written_by_serde_matches_to_text() {
    let f = Failover {
        leader: Some("a".into()),
        member: None,
        scheduled_at: None,
    };
    assert_eq!(serde_json::to_string(&f).expect("ser"), f.to_text());
    assert_eq!(f.to_text(), r#"{"leader":"a"}"#);
    assert_eq!(Failover::default().to_text(), "{}");
}

/// Parsing after an earlier snapshot reuses only values whose text is unchanged: a member
/// rewritten with new text (even under the same version, as a ZooKeeper znode recreated at
/// version 0) is parsed again, and the result equals a parse from scratch.
#[test]
fn parsing_after_an_earlier_snapshot_equals_parsing_from_scratch() {
    use pg_ha_core::model::{Cluster, Entry, Snapshot};
    let entry = |key: &str, value: &str, version: u64| Entry {
        key: key.into(),
        value: value.into(),
        version,
        session: None,
    };
    let member = |lsn: u64| {
        format!(
            r#"{{"conn_url":"postgres://h/postgres","api_url":"http://h:8008/patroni","state":"running","role":"replica","xlog_location":{lsn}}}"#
        )
    };
    let first = Snapshot {
        revision: 10,
        entries: vec![
            entry("config", r#"{"ttl":30,"loop_wait":10}"#, 3),
            entry("members/a", &member(100), 5),
            entry("members/b", &member(200), 6),
        ],
    };
    let (parsed_first, _) = Cluster::from_snapshot(&first);
    let second = Snapshot {
        revision: 11,
        entries: vec![
            entry("config", r#"{"ttl":30,"loop_wait":10}"#, 3),
            entry("members/a", &member(100), 5),
            entry("members/b", &member(300), 6),
            entry("members/c", "not json", 7),
        ],
    };
    let (reused, reused_errors) =
        Cluster::from_snapshot_after(&second, Some((&first, &parsed_first)));
    let (scratch, scratch_errors) = Cluster::from_snapshot(&second);
    assert_eq!(reused, scratch);
    assert_eq!(reused_errors.len(), scratch_errors.len());
    let b = reused.member("b").and_then(|m| m.data.xlog_location);
    assert_eq!(b, Some(300), "b's new text was parsed");
}
