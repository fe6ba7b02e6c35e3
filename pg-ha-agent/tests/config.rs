//! Loading the local configuration: Patroni's sample YAML, `PATRONI_*` overrides, bad values,
//! unknown keys and DCS selection.

use pg_ha_agent::config::{load, load_str, DcsSection, LoadError, LoadedConfig, VerifyClient};
use pg_ha_core::model::Tags;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

fn samples_dir() -> PathBuf {
    std::env::var_os("PG_HA_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../pg-ha-core/tests/fixtures/patroni"
            ))
        })
}

fn sample_yaml() -> String {
    let path = samples_dir().join("patroni-node1.yml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load_yaml(yaml: &str) -> Result<LoadedConfig, LoadError> {
    load_str("test.yml", yaml, &[])
}

const MINIMAL: &str = "
name: n1
scope: demo
restapi: {listen: 127.0.0.1:8008}
etcd3: {hosts: 127.0.0.1:2379}
postgresql: {listen: 127.0.0.1:5432, data_dir: /data}
";

fn invalid_key(result: Result<LoadedConfig, LoadError>) -> (String, String) {
    match result {
        Err(LoadError::Invalid(e)) => (e.key, e.reason),
        Err(other) => panic!("expected an invalid value, got {other}"),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the samples use etcd3: needs the etcd feature"
)]
fn patroni_sample_loads() {
    let loaded = load_str("patroni-node1.yml", &sample_yaml(), &[]).expect("sample loads");
    assert_eq!(loaded.warnings, Vec::new(), "{:?}", loaded.warnings);
    let cfg = &loaded.config;
    assert_eq!((cfg.name.as_str(), cfg.scope.as_str()), ("node1", "demo"));
    assert_eq!(cfg.namespace, "/service/");
    assert_eq!(cfg.restapi.listen.to_string(), "127.0.0.1:8008");
    assert_eq!(
        cfg.dcs,
        Some(DcsSection::Etcd3(json!({"hosts": "127.0.0.1:2379"})))
    );
    assert_eq!(cfg.dcs.as_ref().map(DcsSection::feature), Some("etcd"));
    let node = cfg.node_config();
    assert_eq!(node.conn_url, "postgres://127.0.0.1:54321/postgres");
    assert_eq!(node.api_url, "http://127.0.0.1:8008/patroni");
    assert!(node.can_bootstrap);
    assert_eq!(
        node.tags,
        Tags::default(),
        "false boolean tags are not published"
    );
    let dynamic = cfg.bootstrap_dynamic();
    assert_eq!(dynamic.ttl, Duration::from_secs(30));
    assert_eq!(dynamic.loop_wait, Duration::from_secs(10));
    assert!(dynamic.postgresql.use_pg_rewind);
    assert_eq!(
        dynamic.postgresql.parameters.get("max_connections"),
        Some(&json!(50))
    );
    assert_eq!(
        cfg.postgresql_raw()["data_dir"],
        "/var/lib/pgha-demo/data/node1"
    );
    assert_eq!(
        cfg.postgresql_raw()["authentication"]["replication"]["username"],
        "replicator"
    );
    let bootstrap = cfg.bootstrap.as_ref().expect("bootstrap section");
    assert_eq!(
        bootstrap.raw["initdb"],
        json!([{"encoding": "UTF8"}, {"locale": "C"}])
    );
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the samples use etcd3: needs the etcd feature"
)]
fn sample_file_loads_from_disk() {
    let path = samples_dir().join("patroni-node1.yml");
    let loaded = load(Some(&path), &[]).expect("loads");
    assert_eq!(loaded.config.name, "node1");
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the samples use etcd3: needs the etcd feature"
)]
fn environment_overrides_the_file() {
    let env = vars(&[
        ("PATRONI_NAME", "node9"),
        ("PATRONI_RESTAPI_CONNECT_ADDRESS", "10.0.0.9:8009"),
        ("PATRONI_RESTAPI_USERNAME", "admin"),
        ("PATRONI_RESTAPI_PASSWORD", "secret"),
        ("PATRONI_ETCD3_HOSTS", "'h1:2379','h2:2379'"),
        ("PATRONI_POSTGRESQL_CONNECT_ADDRESS", "10.0.0.9:5432"),
        ("PATRONI_SUPERUSER_PASSWORD", "s3cret"),
        ("PATRONI_LOG_LEVEL", "DEBUG"),
        ("HOME", "/root"),
    ]);
    let loaded = load_str("node1.yml", &sample_yaml(), &env).expect("loads");
    let cfg = &loaded.config;
    assert_eq!(cfg.name, "node9");
    assert_eq!(cfg.scope, "demo", "untouched keys stay");
    let node = cfg.node_config();
    assert_eq!(node.api_url, "http://10.0.0.9:8009/patroni");
    assert_eq!(node.conn_url, "postgres://10.0.0.9:5432/postgres");
    let auth = cfg.restapi.authentication.as_ref().expect("auth from env");
    assert_eq!(
        (auth.username.as_str(), auth.password.as_str()),
        ("admin", "secret")
    );
    assert_eq!(
        cfg.dcs
            .as_ref()
            .map(DcsSection::settings)
            .expect("a DCS section"),
        &json!({"hosts": ["h1:2379", "h2:2379"]})
    );
    assert_eq!(
        cfg.postgresql_raw()["authentication"]["superuser"],
        json!({"username": "postgres", "password": "s3cret"}),
        "mappings merge key by key"
    );
    assert_eq!(
        cfg.log.level.tracing_level(),
        tracing::Level::DEBUG,
        "PATRONI_LOG_LEVEL"
    );
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the samples use etcd3: needs the etcd feature"
)]
fn patroni_configuration_variable_holds_the_whole_yaml() {
    let env = vars(&[
        ("PATRONI_CONFIGURATION", &sample_yaml()),
        ("PATRONI_NAME", "ignored"),
    ]);
    let loaded = load(None, &env).expect("loads");
    assert_eq!(loaded.config.name, "node1", "other variables are ignored");
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the samples use etcd3: needs the etcd feature"
)]
fn environment_alone_is_a_configuration() {
    let env = vars(&[
        ("PATRONI_NAME", "e1"),
        ("PATRONI_SCOPE", "envscope"),
        ("PATRONI_RESTAPI_LISTEN", "127.0.0.1:8008"),
        ("PATRONI_ETCD3_HOSTS", "127.0.0.1:2379"),
        ("PATRONI_POSTGRESQL_LISTEN", "127.0.0.1:5432"),
        ("PATRONI_POSTGRESQL_DATA_DIR", "/data"),
    ]);
    let cfg = load(None, &env).expect("loads").config;
    assert_eq!(cfg.scope, "envscope");
    assert!(cfg.bootstrap.is_none(), "no variables for bootstrap");
    assert!(!cfg.node_config().can_bootstrap);
    assert_eq!(
        cfg.node_config().conn_url,
        "postgres://127.0.0.1:5432/postgres"
    );
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the samples use etcd3: needs the etcd feature"
)]
fn a_directory_merges_its_yaml_files_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("10-base.yml"), MINIMAL).expect("write");
    std::fs::write(dir.path().join("20-name.yaml"), "name: n2\n").expect("write");
    std::fs::write(dir.path().join("notes.txt"), "name: not yaml").expect("write");
    let cfg = load(Some(dir.path()), &[]).expect("loads").config;
    assert_eq!(cfg.name, "n2");
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the samples use etcd3: needs the etcd feature"
)]
fn wrong_values_name_the_key_and_the_expected_form() {
    let cases: [(&str, &str, &str, &str); 9] = [
        (
            "restapi:",
            "restapi: {listen: 8008}",
            "restapi.listen",
            "expected host:port",
        ),
        (
            "postgresql:",
            "postgresql: {listen: '127.0.0.1:99999'}",
            "postgresql.listen",
            "expected host:port",
        ),
        ("name: n1", "name: [a]", "name", "expected a string"),
        (
            "etcd3:",
            "tags: {nofailover: maybe}\netcd3:",
            "tags.nofailover",
            "expected a boolean",
        ),
        (
            "etcd3:",
            "tags: {failover_priority: high}\netcd3:",
            "tags.failover_priority",
            "expected an integer",
        ),
        (
            "etcd3:",
            "log: {level: LOUD}\netcd3:",
            "log.level",
            "expected DEBUG, INFO, WARNING, ERROR or CRITICAL",
        ),
        (
            "etcd3:",
            "bootstrap: {dcs: {loop_wait: ten}}\netcd3:",
            "bootstrap.dcs.loop_wait",
            "expected a non-negative number of seconds",
        ),
        (
            "etcd3:",
            "bootstrap: {dcs: {postgresql: {use_slots: perhaps}}}\netcd3:",
            "bootstrap.dcs.postgresql.use_slots",
            "boolean",
        ),
        (
            "etcd3:",
            "bootstrap: {dcs: {ttl: 10, loop_wait: 10}}\netcd3:",
            "bootstrap.dcs.ttl",
            "must not exceed ttl",
        ),
    ];
    for (find, replace, key, expected) in cases {
        let yaml = MINIMAL.replacen(find, replace, 1);
        let yaml = if replace.starts_with("restapi:") || replace.starts_with("postgresql:") {
            // replace the whole line
            let line = MINIMAL.lines().find(|l| l.starts_with(find)).expect("line");
            MINIMAL.replace(line, replace)
        } else if find == "name: n1" {
            MINIMAL.replace(find, replace)
        } else {
            yaml
        };
        let (got_key, reason) = invalid_key(load_yaml(&yaml));
        assert_eq!(got_key, key, "{yaml}");
        assert!(reason.contains(expected), "{key}: {reason}");
    }
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the samples use etcd3: needs the etcd feature"
)]
fn required_keys_are_named() {
    let (key, reason) = invalid_key(load_yaml(&MINIMAL.replace("name: n1\n", "")));
    assert_eq!(key, "name");
    assert!(reason.contains("is required"), "{reason}");
    let (key, _) = invalid_key(load_yaml(
        &MINIMAL.replace("restapi: {listen: 127.0.0.1:8008}", "restapi: {}"),
    ));
    assert_eq!(key, "restapi.listen");
    let (key, _) = invalid_key(load_yaml(
        &MINIMAL.replace("postgresql: {listen: 127.0.0.1:5432, data_dir: /data}", ""),
    ));
    assert_eq!(key, "postgresql");
    let (key, reason) = invalid_key(load_yaml(
        &MINIMAL.replace("127.0.0.1:5432", "0.0.0.0:5432"),
    ));
    assert_eq!(key, "postgresql.connect_address");
    assert!(reason.contains("is required"), "{reason}");
    let (key, reason) = invalid_key(load_yaml(&MINIMAL.replace(
        "restapi: {listen: 127.0.0.1:8008}",
        "restapi: {listen: 127.0.0.1:8008, authentication: {username: u}}",
    )));
    assert_eq!(key, "restapi.authentication.password");
    assert!(reason.contains("is required"), "{reason}");
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the samples use etcd3: needs the etcd feature"
)]
fn unknown_and_unsupported_keys_warn_once_each() {
    let yaml = format!(
        "{MINIMAL}foo: 1\nttl: 30\ncitus: {{group: 0}}\nlog: {{level: INFO, loggers: {{urllib3: DEBUG}}}}\n\
         ctl: {{insecure: true, keyfile_password: x}}\nwatchdog: {{mode: automatic, bark: 1}}\n"
    )
    .replace(
        "restapi: {listen: 127.0.0.1:8008}",
        "restapi: {listen: 127.0.0.1:8008, ciphers: HIGH, bogus: 1}",
    );
    let loaded = load_yaml(&yaml).expect("warnings do not fail");
    let keys: Vec<&str> = loaded.warnings.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "citus",
            "foo",
            "ttl",
            "restapi.bogus",
            "restapi.ciphers",
            "ctl.keyfile_password",
            "log.loggers",
            "watchdog.bark"
        ]
    );
    let messages: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert!(messages[1].contains("unknown key"), "{messages:?}");
    assert!(messages[0].contains("not supported"), "{messages:?}");
    assert!(loaded.config.ctl.insecure);
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the samples use etcd3: needs the etcd feature"
)]
fn dcs_section_selection() {
    let no_dcs = MINIMAL.replace("etcd3: {hosts: 127.0.0.1:2379}\n", "");
    // Without a DCS section the file loads (an embedder may supply its own Dcs), and
    // connecting a backend from it says what is missing.
    let loaded = load_yaml(&no_dcs).expect("loads without a DCS section");
    // The binary has no other DCS: it refuses such a file at once, saying why.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("no-dcs.yml");
    std::fs::write(&path, &no_dcs).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pg-ha-agent"))
        .arg(&path)
        .env_remove("PATRONI_CONFIGURATION")
        .output()
        .expect("pg-ha-agent runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no DCS section"), "{stderr}");
    assert_eq!(loaded.config.dcs, None);
    let refused = pg_ha_agent::dcs_backend::connect(&loaded.config, Duration::from_secs(1));
    let message = refused.err().expect("no backend to connect");
    assert!(message.starts_with("no DCS section"), "{message}");
    let two = format!("{MINIMAL}consul: {{host: 127.0.0.1:8500}}\n");
    match load_yaml(&two) {
        Err(LoadError::ManyDcs(list)) => assert_eq!(list, "etcd3, consul"),
        other => panic!("expected ManyDcs, got {:?}", other.map(|l| l.config.dcs)),
    }
    let k8s = MINIMAL.replace("etcd3: {hosts: 127.0.0.1:2379}", "kubernetes: {}");
    assert!(matches!(load_yaml(&k8s), Err(LoadError::UnsupportedDcs(k)) if k == "kubernetes"));
    let etcd2 = MINIMAL.replace("etcd3:", "etcd:");
    let refused = load_yaml(&etcd2).map(|l| l.config.dcs);
    assert!(matches!(refused, Err(LoadError::EtcdV2)), "{refused:?}");
    let message = LoadError::EtcdV2.to_string();
    assert!(
        message.contains("rename the section to `etcd3`"),
        "{message}"
    );
    let empty = MINIMAL.replace("etcd3: {hosts: 127.0.0.1:2379}", "etcd3:");
    assert_eq!(
        load_yaml(&empty).expect("loads").config.dcs,
        Some(DcsSection::Etcd3(json!({})))
    );
    let bad = MINIMAL.replace("etcd3: {hosts: 127.0.0.1:2379}", "etcd3: [a]");
    assert_eq!(invalid_key(load_yaml(&bad)).0, "etcd3");
}

#[test]
fn backends_not_compiled_in_name_their_feature() {
    for (section, feature, compiled) in [
        ("consul", "consul", cfg!(feature = "consul")),
        ("zookeeper", "zookeeper", cfg!(feature = "zookeeper")),
        ("etcd3", "etcd", cfg!(feature = "etcd")),
    ] {
        let yaml = MINIMAL.replace(
            "etcd3: {hosts: 127.0.0.1:2379}",
            &format!("{section}: {{}}"),
        );
        match load_yaml(&yaml) {
            Ok(loaded) => {
                assert!(compiled, "{section} loaded without its feature");
                assert_eq!(
                    loaded.config.dcs.as_ref().map(DcsSection::key),
                    Some(section)
                );
            }
            Err(LoadError::FeatureMissing {
                section: s,
                feature: f,
            }) => {
                assert!(!compiled);
                assert_eq!((s.as_str(), f.as_str()), (section, feature));
                let text = LoadError::FeatureMissing {
                    section: s,
                    feature: f,
                }
                .to_string();
                assert!(
                    text.contains(&format!("cargo feature `{feature}`")),
                    "{text}"
                );
            }
            Err(other) => panic!("{section}: {other}"),
        }
    }
}

#[test]
fn yaml_syntax_errors_name_the_source() {
    match load_str("bad.yml", "name: [unclosed\n", &[]) {
        Err(e @ LoadError::Yaml { .. }) => {
            assert!(e.to_string().starts_with("bad.yml is not valid YAML"))
        }
        other => panic!(
            "expected a YAML error, got {:?}",
            other.map(|l| l.config.name)
        ),
    }
    assert!(matches!(
        load(Some(std::path::Path::new("/nonexistent/p.yml")), &[]),
        Err(LoadError::Read { .. })
    ));
    assert_eq!(invalid_key(load_yaml("- a\n- b\n")).0, "(top level)");
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the samples use etcd3: needs the etcd feature"
)]
fn restapi_tls_auth_and_tags() {
    let yaml = MINIMAL.replace(
        "restapi: {listen: 127.0.0.1:8008}",
        "restapi:\n  listen: 0.0.0.0:8008\n  connect_address: db1.example:8008\n  certfile: /c.pem\n  \
         cafile: /ca.pem\n  verify_client: optional\n  allowlist: [127.0.0.1, 10.0.0.0/8]\n  \
         http_extra_headers: {X-A: b}",
    ) + "tags: {nofailover: 'on', clonefrom: false, failover_priority: 3, zone: eu-1}\n";
    let loaded = load_yaml(&yaml).expect("loads");
    let cfg = &loaded.config;
    assert_eq!(
        cfg.node_config().api_url,
        "https://db1.example:8008/patroni"
    );
    assert_eq!(cfg.restapi.verify_client, VerifyClient::Optional);
    assert_eq!(cfg.restapi.allowlist, ["127.0.0.1", "10.0.0.0/8"]);
    assert_eq!(
        cfg.restapi
            .http_extra_headers
            .get("X-A")
            .map(String::as_str),
        Some("b")
    );
    assert_eq!(
        serde_json::to_value(&cfg.tags).expect("json"),
        json!({"nofailover": true, "failover_priority": 3, "zone": "eu-1"})
    );
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert_eq!(loaded.warnings[0].key, "tags.failover_priority");
    let no_ca = yaml.replace("  cafile: /ca.pem\n", "");
    assert_eq!(invalid_key(load_yaml(&no_ca)).0, "restapi.cafile");
    let wildcard = MINIMAL.replace("127.0.0.1:8008", "0.0.0.0:8008");
    assert_eq!(
        invalid_key(load_yaml(&wildcard)).0,
        "restapi.connect_address"
    );
}

/// Runs `pg-ha-agent --validate-config` on `yaml`; (exit code, stdout).
fn validate_cli(yaml: &str) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("pgha-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.yml", yaml.len()));
    std::fs::write(&path, yaml).expect("config written");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pg-ha-agent"))
        .arg("--validate-config")
        .arg(&path)
        .env_remove("PATRONI_CONFIGURATION")
        .output()
        .expect("pg-ha-agent runs");
    let _ = std::fs::remove_file(&path);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the config uses etcd3: needs the etcd feature"
)]
fn validate_config_lists_every_problem_and_exits_non_zero() {
    let bin_dir = pg_ha_agent::postgres::settings::DEFAULT_BIN_DIR;
    assert!(
        std::path::Path::new(bin_dir).join("postgres").is_file(),
        "PostgreSQL 15 binaries are needed in {bin_dir} (apt-get install postgresql-15)"
    );
    let good = MINIMAL.replace(
        "data_dir: /data}",
        &format!("data_dir: /data, bin_dir: {bin_dir}}}"),
    );
    let (code, out) = validate_cli(&good);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("the configuration is valid"), "{out}");

    let bad = "
name: n1
scope: demo
unknown_top_level: 1
restapi: {listen: 127.0.0.1:8008, certfile: /nonexistent/cert.pem}
etcd3: {hosts: 127.0.0.1:2379, cacert: /nonexistent/ca.pem}
postgresql:
  listen: 127.0.0.1:5432
  data_dir: /data
  bin_dir: /nonexistent/bin
  parameters: {max_connections: 500}
";
    let (code, out) = validate_cli(bad);
    assert_eq!(code, 1, "{out}");
    for expected in [
        "/nonexistent/bin",
        "etcd3:",
        "restapi:",
        "warning: postgresql.parameters.max_connections",
        "unknown_top_level",
        "the configuration is not valid: 3 errors",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    let (code, out) = validate_cli("name: [broken");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error: "), "{out}");
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the config uses etcd3: needs the etcd feature"
)]
fn the_log_section_is_read_with_patroni_s_forms() {
    let yaml = format!(
        "{MINIMAL}log: {{type: json, level: DEBUG, format: [asctime, levelname, message], \
         dateformat: '%H:%M', static_fields: {{app: db}}, dir: /var/log/pg-ha, file_num: 2, \
         file_size: 1MB, mode: 0640}}\n"
    );
    let log = load_yaml(&yaml).expect("loads").config.log;
    assert!(log.json);
    assert_eq!(log.format, "%(asctime)s %(levelname)s %(message)s");
    assert_eq!(log.dateformat.as_deref(), Some("%H:%M"));
    assert_eq!(log.static_fields["app"], "db");
    assert_eq!(
        log.dir.as_deref(),
        Some(std::path::Path::new("/var/log/pg-ha"))
    );
    assert_eq!(
        (log.file_num, log.file_size, log.mode),
        (2, 1_000_000, 0o640)
    );
    for (bad, key) in [
        ("log: {type: xml}", "log.type"),
        ("log: {file_size: lots}", "log.file_size"),
        ("log: {mode: rw}", "log.mode"),
        ("log: {dateformat: '%Q%'}", "log.dateformat"),
    ] {
        let yaml = format!("{MINIMAL}{bad}\n");
        assert_eq!(invalid_key(load_yaml(&yaml)).0, key, "{bad}");
    }
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the config uses etcd3: needs the etcd feature"
)]
fn the_agent_writes_json_lines_to_patroni_log_in_log_dir() {
    let dir = std::env::temp_dir().join(format!("pgha-logdir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let yaml = MINIMAL.replace(
        "data_dir: /data}",
        "data_dir: /data, bin_dir: /nonexistent/bin}",
    ) + &format!(
        "log: {{type: json, dir: {}, static_fields: {{app: pg-ha-test}}}}\n",
        dir.display()
    );
    let path = std::env::temp_dir().join(format!("pgha-logdir-{}.yml", std::process::id()));
    std::fs::write(&path, yaml).expect("config written");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pg-ha-agent"))
        .arg(&path)
        .env_remove("RUST_LOG")
        .output()
        .expect("pg-ha-agent runs");
    assert!(
        !out.status.success(),
        "a missing bin_dir must stop the start"
    );
    let log = std::fs::read_to_string(dir.join("patroni.log")).expect("patroni.log written");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is one JSON object"))
        .collect();
    let failure = lines
        .iter()
        .find(|l| l["levelname"] == "ERROR")
        .unwrap_or_else(|| panic!("no ERROR line in {log}"));
    assert!(failure["message"]
        .as_str()
        .is_some_and(|m| m.contains("/nonexistent/bin")));
    assert_eq!(failure["app"], "pg-ha-test");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&path);
}

/// One row of `docs/patroni-keys.md`: the key's path, its example value, and whether pg-ha
/// warns about it.
struct KeyRow {
    path: Vec<String>,
    example: serde_json::Value,
    warned: bool,
}

/// The rows between `<!-- keys` and `<!-- end of keys -->` in the key table.
fn key_table() -> Vec<KeyRow> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/patroni-keys.md");
    let text = std::fs::read_to_string(path).expect("docs/patroni-keys.md is beside the crates");
    let start = text.find("<!-- keys").expect("start marker");
    let end = text.find("<!-- end of keys -->").expect("end marker");
    text[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line
                .split(" | ")
                .map(|c| c.trim_matches(['|', ' ']))
                .collect();
            let key = cells[0].trim_matches('`');
            let example = cells[1].trim_matches('`');
            KeyRow {
                path: key.split('.').map(str::to_string).collect(),
                example: serde_json::from_str(example)
                    .unwrap_or_else(|e| panic!("{key}: example {example} is not JSON: {e}")),
                warned: match cells[2] {
                    "warned" => true,
                    "done" | "differs" => false,
                    other => panic!("{key}: unknown status {other:?}"),
                },
            }
        })
        .collect()
}

/// `examples/configs/pg-ha.yml` with its optional keys enabled: `#key: value` lines (a
/// `#` directly before the key) lose the `#`.
fn with_optional_keys(text: &str) -> String {
    text.lines()
        .map(|line| {
            let body = line.trim_start();
            let indent = &line[..line.len() - body.len()];
            match body.strip_prefix('#') {
                Some(key) if key.starts_with(|c: char| c.is_ascii_alphabetic()) => {
                    format!("{indent}{key}")
                }
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The annotated sample loads without a warning, as written and with every optional key
/// enabled, and holds every key the table marks done or differs.
#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the sample uses etcd3: needs the etcd feature"
)]
fn the_annotated_sample_has_every_key_pg_ha_acts_on() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/configs/pg-ha.yml");
    let text = std::fs::read_to_string(path).expect("the annotated sample");
    let full = with_optional_keys(&text);
    for (what, yaml) in [("as written", text.as_str()), ("all keys", full.as_str())] {
        let loaded = load_str("pg-ha.yml", yaml, &[]).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(loaded.warnings, Vec::new(), "{what}");
    }
    let tree: serde_json::Value = serde_norway::from_str(&full).expect("YAML");
    let missing: Vec<String> = key_table()
        .into_iter()
        .filter(|row| !row.warned)
        .map(|row| row.path.join("."))
        .filter(|key| {
            key.split('.')
                .try_fold(&tree, |at, part| at.get(part))
                .is_none()
        })
        .collect();
    assert!(missing.is_empty(), "not in the sample: {missing:?}");
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the config uses etcd3: needs the etcd feature"
)]
fn every_documented_key_acts_or_warns() {
    let base: serde_json::Value = serde_norway::from_str(MINIMAL).expect("MINIMAL is YAML");
    let rows = key_table();
    assert!(rows.len() > 80, "only {} rows read", rows.len());
    for row in rows {
        let mut config = base.clone();
        let mut at = &mut config;
        for part in &row.path[..row.path.len() - 1] {
            at = at
                .as_object_mut()
                .expect("a mapping")
                .entry(part.clone())
                .or_insert_with(|| json!({}));
        }
        at[row.path.last().expect("a key")] = row.example.clone();
        let key = row.path.join(".");
        let loaded = load_str("keys.yml", &config.to_string(), &[])
            .unwrap_or_else(|e| panic!("{key} = {}: {e}", row.example));
        let warned = loaded
            .warnings
            .iter()
            .any(|w| key == w.key || key.starts_with(&format!("{}.", w.key)));
        assert_eq!(
            warned, row.warned,
            "{key}: warned {warned}, the table says {} ({:?})",
            row.warned, loaded.warnings
        );
    }
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the config uses etcd3: needs the etcd feature"
)]
fn proxy_address_is_published_as_proxy_url() {
    let yaml = MINIMAL.replace(
        "data_dir: /data}",
        "data_dir: /data, proxy_address: 10.0.0.9:6432}",
    );
    let node = load_yaml(&yaml).expect("loads").config.node_config();
    assert_eq!(
        node.proxy_url.as_deref(),
        Some("postgres://10.0.0.9:6432/postgres")
    );
    let cfg = pg_ha_core::HaConfig {
        node,
        dynamic: Default::default(),
    };
    let data = pg_ha_core::member_report::member_data(&cfg, None, None);
    let json = serde_json::to_value(&data).expect("serializes");
    assert_eq!(json["proxy_url"], "postgres://10.0.0.9:6432/postgres");
    let plain = load_yaml(MINIMAL).expect("loads").config.node_config();
    assert_eq!(plain.proxy_url, None);
}

#[test]
#[cfg_attr(
    not(feature = "etcd"),
    ignore = "the config uses etcd3: needs the etcd feature"
)]
fn a_custom_replica_method_passes_its_other_keys_and_may_clone_without_a_leader() {
    let yaml = MINIMAL.replace(
        "data_dir: /data}",
        "data_dir: /data, create_replica_methods: [wal_g, basebackup], \
         wal_g: {command: wal-g-restore, envdir: /etc/wal-g.d, retries: 2, no_leader: true}}",
    );
    let loaded = load_yaml(&yaml).expect("loads");
    let keys: Vec<&str> = loaded.warnings.iter().map(|w| w.key.as_str()).collect();
    assert!(keys.is_empty(), "{keys:?}");
    let cfg = &loaded.config;
    assert!(cfg.node_config().can_clone_without_leader);
    assert!(
        !load_yaml(MINIMAL)
            .expect("loads")
            .config
            .node_config()
            .can_clone_without_leader
    );
    let settings = pg_ha_agent::node::pg_settings(cfg, &cfg.bootstrap_dynamic()).expect("settings");
    match &settings.create_replica_methods[0] {
        pg_ha_agent::postgres::ReplicaMethod::Custom {
            params, no_leader, ..
        } => {
            assert!(no_leader);
            assert_eq!(
                params,
                &[
                    ("envdir".to_string(), "/etc/wal-g.d".to_string()),
                    ("retries".to_string(), "2".to_string())
                ]
            )
        }
        other => panic!("expected the custom method first, got {other:?}"),
    }
}
