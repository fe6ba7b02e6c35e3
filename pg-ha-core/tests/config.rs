//! The dynamic configuration (`config` key): Patroni's defaults, aliases and value forms
//! (spec 5.2), the JSON it writes back, and `validate`.

use pg_ha_core::config::{DynamicConfig, StandbyCluster, SyncMode};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

fn parse(value: Value) -> DynamicConfig {
    DynamicConfig::from_json(&value).unwrap_or_else(|e| panic!("{value}: {e}"))
}

fn error_key(value: Value) -> String {
    match DynamicConfig::from_json(&value) {
        Ok(cfg) => panic!("{value} parsed as {cfg:?}"),
        Err(e) => {
            assert!(e.to_string().contains(&e.key), "message names the key: {e}");
            e.key
        }
    }
}

fn validate_key(cfg: &DynamicConfig) -> String {
    match cfg.validate() {
        Ok(()) => panic!("{cfg:?} validated"),
        Err(e) => {
            assert!(e.to_string().contains(&e.key), "message names the key: {e}");
            e.key
        }
    }
}

fn timing(ttl: u64, loop_wait: u64, retry_timeout: u64) -> DynamicConfig {
    DynamicConfig {
        ttl: Duration::from_secs(ttl),
        loop_wait: Duration::from_secs(loop_wait),
        retry_timeout: Duration::from_secs(retry_timeout),
        ..DynamicConfig::default()
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

#[test]
fn empty_object_gives_patronis_defaults() {
    let cfg = parse(json!({}));
    assert_eq!(cfg, DynamicConfig::default());
    assert_eq!(secs(cfg.ttl), 30.0);
    assert_eq!(secs(cfg.loop_wait), 10.0);
    assert_eq!(secs(cfg.retry_timeout), 10.0);
    assert_eq!(cfg.maximum_lag_on_failover, 1_048_576);
    assert_eq!(secs(cfg.primary_start_timeout), 300.0);
    assert_eq!(cfg.primary_stop_timeout, Duration::ZERO);
    assert_eq!(cfg.synchronous_mode, SyncMode::Off);
    assert_eq!(cfg.synchronous_node_count, 1);
    assert_eq!(cfg.maximum_lag_on_syncnode, -1);
    assert_eq!(secs(cfg.member_slots_ttl), 1800.0);
    assert!(cfg.postgresql.use_slots && !cfg.postgresql.use_pg_rewind);
    assert!(!cfg.pause && !cfg.failsafe_mode && !cfg.check_timeline);
    assert!(cfg.validate().is_ok());
}

#[test]
fn default_writes_only_the_keys_patroni_writes_after_bootstrap() {
    assert_eq!(
        DynamicConfig::default().to_json(),
        json!({
            "ttl": 30, "loop_wait": 10, "retry_timeout": 10,
            "maximum_lag_on_failover": 1048576,
            "postgresql": {"use_pg_rewind": false, "use_slots": true}
        })
    );
}

#[test]
fn rest_config_samples_round_trip_exactly() {
    let dir = std::env::var_os("PG_HA_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/patroni"
            ))
        });
    for name in [
        "rest-1-initial-leader-config.json",
        "rest-2-after-switchover-leader-config.json",
        "rest-3-sync-mode-leader-config.json",
    ] {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let sample: Value = serde_json::from_str(&text).expect("JSON");
        let cfg = parse(sample.clone());
        assert!(cfg.validate().is_ok(), "{name}");
        assert_eq!(cfg.to_json(), sample, "{name}");
        assert_eq!(cfg.postgresql.parameters["shared_buffers"], json!("32MB"));
    }
}

#[test]
fn non_default_keys_are_written_and_read_back() {
    let value = json!({
        "ttl": 20, "loop_wait": 5, "retry_timeout": 5, "maximum_lag_on_failover": 0,
        "primary_start_timeout": 0, "primary_stop_timeout": 30,
        "synchronous_mode": true, "synchronous_mode_strict": true,
        "synchronous_node_count": 2, "maximum_lag_on_syncnode": 1000,
        "failsafe_mode": true, "check_timeline": true, "pause": true,
        "max_timelines_history": 5, "member_slots_ttl": 0,
        "postgresql": {"use_pg_rewind": true, "use_slots": false,
                       "parameters": {"max_connections": 100},
                       "remove_data_directory_on_rewind_failure": true,
                       "pg_hba": ["host all all 0.0.0.0/0 md5"]},
        "standby_cluster": {"host": "remote", "port": 5433, "create_replica_methods": ["basebackup"]},
        "slots": {"perm": {"type": "physical"}},
        "ignore_slots": [{"name": "x"}],
        "primary_race_backoff": 3
    });
    let cfg = parse(value.clone());
    assert_eq!(cfg.synchronous_node_count, 2);
    assert!(cfg.is_standby_cluster());
    assert_eq!(cfg.extra.len(), 1, "ignore_slots is kept as it is");
    assert_eq!(cfg.primary_race_backoff, Duration::from_secs(3));
    assert_eq!(cfg.to_json(), value, "every key written back as read");
    assert_eq!(parse(cfg.to_json()), cfg);
}

#[test]
fn master_aliases_are_read_and_primary_spelling_wins() {
    let cfg = parse(json!({"master_start_timeout": 60, "master_stop_timeout": 5}));
    assert_eq!(secs(cfg.primary_start_timeout), 60.0);
    assert_eq!(secs(cfg.primary_stop_timeout), 5.0);
    assert_eq!(
        cfg.to_json()["primary_start_timeout"],
        json!(60),
        "written with the new spelling"
    );
    assert!(cfg.to_json().get("master_start_timeout").is_none());
    assert!(cfg.extra.is_empty());
    let cfg = parse(json!({"master_start_timeout": 60, "primary_start_timeout": 120}));
    assert_eq!(secs(cfg.primary_start_timeout), 120.0);
    let cfg = parse(json!({"master_start_timeout": 60, "primary_start_timeout": null}));
    assert_eq!(secs(cfg.primary_start_timeout), 60.0, "null means unset");
}

#[test]
fn permanent_slot_aliases_follow_patronis_precedence() {
    let a = json!({"a": {"type": "physical"}});
    let b = json!({"b": {"type": "logical", "database": "db", "plugin": "pgoutput"}});
    let cfg = parse(json!({"permanent_slots": a}));
    assert_eq!(cfg.slots.keys().collect::<Vec<_>>(), ["a"]);
    assert_eq!(cfg.to_json()["slots"], a, "written as `slots`");
    assert!(cfg.to_json().get("permanent_slots").is_none());
    let cfg = parse(json!({"slots": a, "permanent_replication_slots": b}));
    assert_eq!(cfg.slots.keys().collect::<Vec<_>>(), ["b"]);
    let cfg = parse(json!({"slots": a, "permanent_slots": {}}));
    assert_eq!(
        cfg.slots.keys().collect::<Vec<_>>(),
        ["a"],
        "empty maps fall through"
    );
    assert_eq!(
        error_key(json!({"permanent_slots": ["a"]})),
        "permanent_slots"
    );
}

#[test]
fn booleans_accept_patronis_spellings() {
    let truthy = [
        json!(true),
        json!("on"),
        json!("ON"),
        json!("yes"),
        json!("1"),
        json!(1),
        json!("true"),
    ];
    let falsy = [
        json!(false),
        json!("off"),
        json!("no"),
        json!("0"),
        json!(0),
        json!("False"),
    ];
    for (v, expected) in truthy
        .iter()
        .map(|v| (v, true))
        .chain(falsy.iter().map(|v| (v, false)))
    {
        let cfg = parse(json!({
            "check_timeline": v, "failsafe_mode": v, "pause": v, "synchronous_mode_strict": v,
            "postgresql": {"use_pg_rewind": v, "use_slots": v}
        }));
        assert_eq!(cfg.check_timeline, expected, "{v}");
        assert_eq!(cfg.failsafe_mode, expected, "{v}");
        assert_eq!(cfg.pause, expected, "{v}");
        assert_eq!(cfg.synchronous_mode_strict, expected, "{v}");
        assert_eq!(cfg.postgresql.use_pg_rewind, expected, "{v}");
        assert_eq!(cfg.postgresql.use_slots, expected, "{v}");
    }
}

#[test]
fn synchronous_mode_off_on_quorum() {
    let mode = |v: Value| parse(json!({"synchronous_mode": v})).synchronous_mode;
    assert_eq!(mode(json!("quorum")), SyncMode::Quorum);
    assert_eq!(mode(json!("Quorum")), SyncMode::Quorum);
    assert_eq!(mode(json!(true)), SyncMode::On);
    assert_eq!(mode(json!("on")), SyncMode::On);
    assert_eq!(mode(json!("off")), SyncMode::Off);
    assert_eq!(mode(json!(false)), SyncMode::Off);
    assert_eq!(mode(Value::Null), SyncMode::Off);
    let write = |m: SyncMode| {
        DynamicConfig {
            synchronous_mode: m,
            ..DynamicConfig::default()
        }
        .to_json()
        .get("synchronous_mode")
        .cloned()
    };
    assert_eq!(write(SyncMode::On), Some(json!(true)));
    assert_eq!(write(SyncMode::Quorum), Some(json!("quorum")));
    assert_eq!(write(SyncMode::Off), None);
    assert_eq!(
        error_key(json!({"synchronous_mode": "sometimes"})),
        "synchronous_mode"
    );
}

#[test]
fn durations_accept_strings_units_and_fractions() {
    let cfg = parse(
        json!({"ttl": "20", "loop_wait": 2.5, "member_slots_ttl": "30min",
                           "primary_start_timeout": "1h", "retry_timeout": "3000ms"}),
    );
    assert_eq!(secs(cfg.ttl), 20.0);
    assert_eq!(secs(cfg.loop_wait), 2.5);
    assert_eq!(secs(cfg.member_slots_ttl), 1800.0);
    assert_eq!(secs(cfg.primary_start_timeout), 3600.0);
    assert_eq!(secs(cfg.retry_timeout), 3.0);
    let written = cfg.to_json();
    assert_eq!(written["ttl"], json!(20), "whole seconds as an integer");
    assert_eq!(written["loop_wait"], json!(2.5), "fractions as a float");
    assert!(
        written.get("member_slots_ttl").is_none(),
        "30min is the default"
    );
    assert_eq!(written["primary_start_timeout"], json!(3600));
    assert_eq!(parse(written), cfg);
}

#[test]
fn bad_values_name_their_key() {
    let cases = [
        (json!({"ttl": "soon"}), "ttl"),
        (json!({"ttl": -1}), "ttl"),
        (json!({"loop_wait": true}), "loop_wait"),
        (json!({"retry_timeout": [1]}), "retry_timeout"),
        (json!({"ttl": 1e300}), "ttl"),
        (json!({"member_slots_ttl": 1e12}), "member_slots_ttl"),
        (
            json!({"maximum_lag_on_failover": -5}),
            "maximum_lag_on_failover",
        ),
        (
            json!({"maximum_lag_on_failover": "1MB"}),
            "maximum_lag_on_failover",
        ),
        (json!({"master_start_timeout": "x"}), "master_start_timeout"),
        (json!({"primary_stop_timeout": {}}), "primary_stop_timeout"),
        (
            json!({"synchronous_node_count": 1.5}),
            "synchronous_node_count",
        ),
        (
            json!({"synchronous_node_count": 5_000_000_000u64}),
            "synchronous_node_count",
        ),
        (
            json!({"maximum_lag_on_syncnode": "far"}),
            "maximum_lag_on_syncnode",
        ),
        (json!({"failsafe_mode": "maybe"}), "failsafe_mode"),
        (json!({"check_timeline": 2}), "check_timeline"),
        (json!({"pause": "paused"}), "pause"),
        (
            json!({"max_timelines_history": -1}),
            "max_timelines_history",
        ),
        (json!({"member_slots_ttl": "5 parsecs"}), "member_slots_ttl"),
        (json!({"postgresql": 5}), "postgresql"),
        (
            json!({"postgresql": {"use_slots": "sure"}}),
            "postgresql.use_slots",
        ),
        (
            json!({"postgresql": {"use_pg_rewind": 3}}),
            "postgresql.use_pg_rewind",
        ),
        (
            json!({"postgresql": {"parameters": [1]}}),
            "postgresql.parameters",
        ),
        (json!({"standby_cluster": "remote"}), "standby_cluster"),
        (
            json!({"standby_cluster": {"port": "fifty"}}),
            "standby_cluster",
        ),
        (json!({"slots": 5}), "slots"),
        (json!([1, 2]), "config"),
    ];
    for (value, key) in cases {
        assert_eq!(error_key(value.clone()), key, "{value}");
    }
}

#[test]
fn null_values_mean_default() {
    let cfg = parse(json!({
        "ttl": null, "pause": null, "synchronous_node_count": null, "standby_cluster": null,
        "slots": null, "postgresql": {"use_slots": null, "parameters": null}
    }));
    assert_eq!(cfg, DynamicConfig::default());
}

#[test]
fn unknown_keys_are_kept_and_local_only_keys_stripped() {
    let cfg = parse(json!({
        "custom_thing": {"a": 1},
        "postgresql": {
            "pg_hba": ["local all all trust"], "parameters_replica": {"work_mem": "8MB"},
            "data_dir": "/evil", "listen": "0.0.0.0:5432", "connect_address": "x:1",
            "proxy_address": "p:1", "config_dir": "/c", "pgpass": "/p",
            "authentication": {"superuser": {"password": "x"}}
        }
    }));
    assert_eq!(cfg.extra.get("custom_thing"), Some(&json!({"a": 1})));
    assert_eq!(
        cfg.postgresql.extra.keys().collect::<Vec<_>>(),
        ["parameters_replica", "pg_hba"]
    );
    let written = cfg.to_json();
    assert_eq!(written["custom_thing"], json!({"a": 1}));
    assert_eq!(
        written["postgresql"]["pg_hba"],
        json!(["local all all trust"])
    );
    assert!(written["postgresql"].get("data_dir").is_none());
    assert_eq!(parse(written), cfg);
}

#[test]
fn standby_cluster_forms_and_activation() {
    let cfg = parse(
        json!({"standby_cluster": {"host": "10.0.0.9", "port": "5433",
                                               "primary_slot_name": "", "restore_command": ""}}),
    );
    let sc = cfg.standby_cluster.as_ref().expect("section");
    assert_eq!(sc.port, Some(5433));
    assert_eq!(sc.primary_slot_name, None, "empty strings are unset");
    assert!(cfg.is_standby_cluster());
    assert_eq!(
        cfg.to_json()["standby_cluster"],
        json!({"host": "10.0.0.9", "port": 5433})
    );
    let cfg = parse(json!({"standby_cluster": {"primary_slot_name": "s"}}));
    assert!(
        !cfg.is_standby_cluster(),
        "no host, port or restore_command"
    );
    let cfg = parse(json!({"standby_cluster": {"restore_command": "cp %f %p"}}));
    assert!(cfg.is_standby_cluster());
    assert_eq!(
        StandbyCluster::default(),
        serde_json::from_value::<StandbyCluster>(json!({"host": ""})).expect("parses")
    );
}

#[test]
fn serde_impls_agree_with_to_json_and_from_json() {
    let cfg = parse(json!({"ttl": 15, "loop_wait": 3, "retry_timeout": 4,
                           "synchronous_mode": "quorum", "pause": "on"}));
    assert_eq!(serde_json::to_value(&cfg).expect("ser"), cfg.to_json());
    let back: DynamicConfig = serde_json::from_value(cfg.to_json()).expect("de");
    assert_eq!(back, cfg);
    let err = serde_json::from_value::<DynamicConfig>(json!({"ttl": "x"})).expect_err("bad");
    assert!(err.to_string().contains("ttl"), "{err}");
}

#[test]
fn validate_accepts_short_ttls() {
    for (ttl, loop_wait, retry) in [(5, 1, 2), (3, 1, 1), (30, 10, 10), (10, 2, 4)] {
        let cfg = timing(ttl, loop_wait, retry);
        assert!(
            cfg.validate().is_ok(),
            "{ttl}/{loop_wait}/{retry}: {:?}",
            cfg.validate()
        );
    }
    let parsed = parse(json!({"ttl": 5, "loop_wait": 1, "retry_timeout": 2}));
    assert!(parsed.validate().is_ok());
}

#[test]
fn validate_accepts_ttl_2_with_half_second_loop_and_retry() {
    let cfg = parse(json!({"ttl": 2, "loop_wait": 0.5, "retry_timeout": 0.5}));
    assert!(cfg.validate().is_ok(), "{:?}", cfg.validate());
    assert_eq!(cfg.loop_wait, Duration::from_millis(500));
    assert_eq!(
        cfg.to_json()["loop_wait"],
        json!(0.5),
        "written as Patroni writes a float"
    );
    assert_eq!(cfg.safety_margin(), Duration::from_secs(1));
    assert_eq!(cfg.lease_budget(), Duration::from_secs(1));
    // Whole seconds still cannot fit: 1 + 2 * 1 > 2.
    assert_eq!(validate_key(&timing(2, 1, 1)), "ttl");
    // The safety margin (1 s at ttl 2) leaves loop_wait below 1 s.
    let slow_loop = parse(json!({"ttl": 2, "loop_wait": 1, "retry_timeout": 0.5}));
    assert_eq!(validate_key(&slow_loop), "loop_wait");
}

#[test]
fn a_leader_renewal_skips_a_keep_alive_only_while_half_the_ttl_is_left_before_the_clean_stop() {
    use pg_ha_core::config::{clean_demotion_lead, leader_keep_alive_skip, lease_budget};
    let secs = |s: f64| Duration::from_secs_f64(s);
    // ttl 2 and 3: the whole budget is needed, every renewal keeps the lease alive.
    assert_eq!(leader_keep_alive_skip(secs(2.0)), Duration::ZERO);
    assert_eq!(leader_keep_alive_skip(secs(3.0)), Duration::ZERO);
    // ttl 20: 15 s budget, 2 s clean demotion lead: 13 - 10 = 3 s of the 5 s quarter.
    assert_eq!(leader_keep_alive_skip(secs(20.0)), secs(3.0));
    // Patroni's default ttl 30: the whole quarter.
    assert_eq!(leader_keep_alive_skip(secs(30.0)), secs(7.5));
    for ttl in [2.0, 2.5, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0] {
        let ttl = secs(ttl);
        let skip = leader_keep_alive_skip(ttl);
        let left = lease_budget(ttl) - clean_demotion_lead(ttl) - skip;
        assert!(
            skip.is_zero() || left >= ttl / 2,
            "ttl {ttl:?}: {left:?} left"
        );
        assert!(skip <= ttl / 4, "ttl {ttl:?}: skip {skip:?}");
    }
}

#[test]
fn validate_checks_the_lease_relation() {
    assert_eq!(validate_key(&timing(30, 10, 11)), "ttl", "10 + 2*11 > 30");
    assert_eq!(validate_key(&timing(5, 2, 2)), "ttl", "2 + 2*2 > 5");
    assert!(timing(30, 10, 10).validate().is_ok(), "equality is allowed");
    // loop_wait + 2 * retry_timeout fits, but the leader would demote before renewing.
    assert_eq!(validate_key(&timing(20, 18, 1)), "loop_wait");
}

#[test]
fn validate_checks_minimums_and_bounds() {
    assert_eq!(validate_key(&timing(1, 1, 1)), "ttl");
    assert_eq!(validate_key(&timing(30, 0, 10)), "loop_wait");
    assert_eq!(validate_key(&timing(30, 10, 0)), "retry_timeout");
    let below = parse(json!({"ttl": 2, "loop_wait": 0.4, "retry_timeout": 0.5}));
    assert_eq!(validate_key(&below), "loop_wait");
    let below = parse(json!({"ttl": 2, "loop_wait": 0.5, "retry_timeout": 0.4}));
    assert_eq!(validate_key(&below), "retry_timeout");
    let huge = Duration::from_secs(u64::MAX / 2);
    let cfg = DynamicConfig {
        primary_start_timeout: huge,
        ..DynamicConfig::default()
    };
    assert_eq!(validate_key(&cfg), "primary_start_timeout");
    let cfg = DynamicConfig {
        ttl: huge,
        loop_wait: huge,
        ..DynamicConfig::default()
    };
    assert_eq!(validate_key(&cfg), "ttl", "no overflow panic");
}

#[test]
fn validate_checks_sync_settings() {
    let cfg = DynamicConfig {
        synchronous_node_count: 0,
        ..DynamicConfig::default()
    };
    assert_eq!(validate_key(&cfg), "synchronous_node_count");
    let cfg = DynamicConfig {
        maximum_lag_on_syncnode: -2,
        ..DynamicConfig::default()
    };
    assert_eq!(validate_key(&cfg), "maximum_lag_on_syncnode");
    let cfg = DynamicConfig {
        maximum_lag_on_syncnode: 0,
        synchronous_node_count: 3,
        ..DynamicConfig::default()
    };
    assert!(cfg.validate().is_ok());
    let parsed = parse(json!({"synchronous_node_count": 0}));
    assert_eq!(validate_key(&parsed), "synchronous_node_count");
}

#[test]
fn safety_margin_is_a_quarter_of_ttl_clamped() {
    assert_eq!(timing(30, 10, 10).safety_margin(), Duration::from_secs(5));
    assert_eq!(timing(8, 1, 2).safety_margin(), Duration::from_secs(2));
    assert_eq!(timing(3, 1, 1).safety_margin(), Duration::from_secs(1));
}
