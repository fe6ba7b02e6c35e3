//! The agent-managed `postgresql.conf`: initdb's original moves to `postgresql.base.conf` and
//! is included; then come the parameters, the settings the agent always controls
//! (`listen_addresses`, `port`, `cluster_name`, `hot_standby`, `synchronous_standby_names`)
//! and, on a standby, the recovery settings.

use super::conninfo::{conninfo, Endpoint};
use super::settings::Credentials;
use pg_ha_core::config::CLUSTER_WIDE;
use pg_ha_core::postgres::{PendingChange, Upstream};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The first line of a managed file; a `postgresql.conf` without it is the user's own.
pub const MARKER: &str = "# Managed by pg-ha";
const UPSTREAM_TAG: &str = "# pg-ha-upstream: ";

/// Parameters the agent always writes itself.
const RECOVERY_KEYS: [&str; 3] = [
    "primary_conninfo",
    "primary_slot_name",
    "recovery_target_timeline",
];

/// The recovery settings of a standby.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryConf {
    /// The member streamed from; `None` for a standby without streaming.
    pub upstream: Option<Upstream>,
    /// `primary_slot_name`, when slots are used.
    pub slot: Option<String>,
}

/// What the agent renders into `postgresql.conf`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfState {
    /// User parameters.
    pub parameters: BTreeMap<String, String>,
    /// `synchronous_standby_names`.
    pub sync_names: String,
    /// `Some` on a standby.
    pub recovery: Option<RecoveryConf>,
    /// Recovery parameters written on a standby (`recovery_conf`: `restore_command`, ...).
    pub recovery_params: BTreeMap<String, String>,
    /// On a standby: the primary's settings recorded in pg_control that the standby may not
    /// go below (PostgreSQL refuses to start otherwise). Read at every standby start.
    pub standby_minimums: BTreeMap<String, u64>,
    /// `Some` while a bootstrap recovers from the archive (a point-in-time restore): these
    /// settings are written and `recovery.signal` is kept until the server is promoted.
    pub archive_recovery: Option<BTreeMap<String, String>>,
}

impl ConfState {
    /// The parameters a standby runs above their configured value because the primary's
    /// recorded ones are higher: `{old_value: recorded, new_value: configured}`. They wait
    /// for a restart after the standby has replayed the primary's lower settings.
    pub fn raised_for_standby(&self) -> BTreeMap<String, PendingChange> {
        if self.recovery.is_none() {
            return BTreeMap::new();
        }
        self.standby_minimums
            .iter()
            .filter_map(|(name, minimum)| {
                let default = CLUSTER_WIDE.iter().find(|w| w.name == name);
                let configured = self
                    .parameters
                    .get(name)
                    .cloned()
                    .or_else(|| default.map(|w| w.default.to_string()))?;
                let below = configured.trim().parse::<u64>().ok()? < *minimum;
                below.then(|| {
                    let change = PendingChange {
                        old_value: minimum.to_string(),
                        new_value: configured,
                    };
                    (name.clone(), change)
                })
            })
            .collect()
    }
}

/// Node facts the rendering needs.
#[derive(Debug, Clone)]
pub struct ConfContext<'a> {
    /// `listen_addresses`.
    pub listen_addresses: String,
    /// `port`.
    pub port: u16,
    /// `cluster_name`.
    pub scope: &'a str,
    /// This member's name (`application_name` towards the upstream).
    pub member: &'a str,
    /// The replication role.
    pub replication: &'a Credentials,
    /// The value for `unix_socket_directories` when the user sets none.
    pub default_socket_dir: &'a str,
    /// The lease file the `pg_ha_lease` extension reads (`pg_ha_lease.file`).
    pub lease_file: String,
    /// The file included first: `postgresql.base.conf`, or `custom_conf`.
    pub base_conf: String,
    /// `hba_file` and `ident_file` when the configuration lives outside the data directory.
    pub config_files: Option<(String, String)>,
}

/// Quotes a value for postgresql.conf.
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// The `primary_conninfo` for streaming from `upstream`.
pub fn primary_conninfo(upstream: &Upstream, ctx: &ConfContext<'_>) -> Option<String> {
    let ep = Endpoint::from_url(&upstream.conn_url)?;
    let port = ep.port.to_string();
    let mut pairs = vec![
        ("user", ctx.replication.username.as_str()),
        ("host", ep.host.as_str()),
        ("port", port.as_str()),
        ("application_name", ctx.member),
        ("connect_timeout", "5"),
    ];
    if let Some(pw) = &ctx.replication.password {
        pairs.push(("password", pw.as_str()));
    }
    Some(conninfo(&ctx.replication.with_options(&pairs)))
}

/// The full text of `postgresql.conf`.
pub fn render(state: &ConfState, ctx: &ConfContext<'_>) -> String {
    let mut params: BTreeMap<String, String> = CLUSTER_WIDE
        .iter()
        .map(|w| (w.name.to_string(), w.default.to_string()))
        .collect();
    for (k, v) in &state.parameters {
        if !RECOVERY_KEYS.contains(&k.as_str()) {
            params.insert(k.clone(), v.clone());
        }
    }
    for (name, change) in state.raised_for_standby() {
        params.insert(name, change.old_value);
    }
    params
        .entry("unix_socket_directories".into())
        .or_insert_with(|| ctx.default_socket_dir.to_string());
    params.insert("listen_addresses".into(), ctx.listen_addresses.clone());
    params.insert("port".into(), ctx.port.to_string());
    params.insert("cluster_name".into(), ctx.scope.to_string());
    params.insert("pg_ha_lease.file".into(), ctx.lease_file.clone());
    params.insert("hot_standby".into(), "on".into());
    params.insert("synchronous_standby_names".into(), state.sync_names.clone());
    // Needs a restart to change, so it is written on primaries too (it only acts in recovery).
    params.insert("recovery_target_timeline".into(), "latest".into());
    if let Some((hba, ident)) = &ctx.config_files {
        params.insert("hba_file".into(), hba.clone());
        params.insert("ident_file".into(), ident.clone());
    }
    let mut out = format!(
        "{MARKER}: rewritten on every change; set parameters in the pg-ha configuration.\n\
         include_if_exists {}\n\n",
        quote(&ctx.base_conf)
    );
    for (k, v) in &params {
        let _ = writeln!(out, "{k} = {}", quote(v));
    }
    if let Some(rec) = &state.recovery {
        render_recovery(&mut out, rec, &state.recovery_params, ctx);
    } else if let Some(params) = &state.archive_recovery {
        out.push_str("\n# archive recovery of the bootstrap\n");
        for (k, v) in params {
            let _ = writeln!(out, "{k} = {}", quote(v));
        }
    }
    out
}

fn render_recovery(
    out: &mut String,
    rec: &RecoveryConf,
    params: &BTreeMap<String, String>,
    ctx: &ConfContext<'_>,
) {
    out.push_str("\n# recovery settings\n");
    let mut params = params.clone();
    if let Some(remote) = rec.upstream.as_ref().and_then(|u| u.remote.as_ref()) {
        // The standby leader of a standby cluster recovers with the standby_cluster settings.
        params.extend(remote.recovery.clone());
    }
    for (k, v) in &params {
        let _ = writeln!(out, "{k} = {}", quote(v));
    }
    let Some(up) = &rec.upstream else { return };
    let record = serde_json::to_string(up).unwrap_or_default();
    let _ = writeln!(out, "{UPSTREAM_TAG}{record}");
    if let Some(info) = primary_conninfo(up, ctx) {
        let _ = writeln!(out, "primary_conninfo = {}", quote(&info));
    }
    if let Some(slot) = &rec.slot {
        let _ = writeln!(out, "primary_slot_name = {}", quote(slot));
    }
}

/// What an earlier agent wrote: the upstream it followed and `synchronous_standby_names`.
pub fn parse_managed(text: &str) -> Option<(Option<Upstream>, String)> {
    if !text.starts_with(MARKER) {
        return None;
    }
    let upstream = text
        .lines()
        .find_map(|l| l.strip_prefix(UPSTREAM_TAG))
        .and_then(|json| serde_json::from_str::<Upstream>(json).ok());
    let sync = text
        .lines()
        .find_map(|l| l.strip_prefix("synchronous_standby_names = "))
        .map(unquote)
        .unwrap_or_default();
    Some((upstream, sync))
}

/// Reverses [`quote`].
pub fn unquote(text: &str) -> String {
    let inner = text
        .trim()
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .unwrap_or(text);
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '\'' => {
                chars.next_if_eq(&'\'');
                out.push('\'');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(repl: &Credentials) -> ConfContext<'_> {
        ConfContext {
            listen_addresses: "127.0.0.1".into(),
            port: 5433,
            scope: "demo",
            member: "node-2",
            replication: repl,
            default_socket_dir: "",
            lease_file: "/data/pg.lease".into(),
            base_conf: "postgresql.base.conf".into(),
            config_files: None,
        }
    }

    #[test]
    fn renders_primary_and_standby() {
        let repl = Credentials::new("replicator", "s'cret");
        let mut state = ConfState::default();
        state
            .parameters
            .insert("wal_level".into(), "logical".into());
        state
            .parameters
            .insert("primary_conninfo".into(), "ignored".into());
        state.sync_names = "FIRST 1 (\"a\")".into();
        let primary = render(&state, &ctx(&repl));
        assert!(primary.starts_with(MARKER));
        assert!(primary.contains("wal_level = 'logical'"));
        assert!(primary.contains("port = '5433'"));
        assert!(!primary.contains("primary_conninfo"));
        assert!(primary.contains("recovery_target_timeline = 'latest'"));
        assert!(primary.contains("pg_ha_lease.file = '/data/pg.lease'"));
        state.recovery = Some(RecoveryConf {
            upstream: Some(Upstream::member(
                "node-1",
                "postgres://10.0.0.1:5432/postgres",
            )),
            slot: Some("node_2".into()),
        });
        let standby = render(&state, &ctx(&repl));
        assert!(standby.contains("primary_slot_name = 'node_2'"));
        assert!(standby.contains("application_name=node-2"));
        assert!(standby.contains(r"password=''s\\''cret''"), "{standby}");
        let (up, sync) = parse_managed(&standby).expect("managed");
        assert_eq!(up.map(|u| u.name), Some("node-1".to_string()));
        assert_eq!(sync, "FIRST 1 (\"a\")");
        assert!(parse_managed("max_connections = 10").is_none());
    }

    #[test]
    fn a_standby_never_goes_below_the_primary_s_recorded_settings() {
        let repl = Credentials::new("replicator", "x");
        let mut state = ConfState::default();
        state
            .parameters
            .insert("max_connections".into(), "60".into());
        state.standby_minimums.insert("max_connections".into(), 100);
        state.standby_minimums.insert("max_wal_senders".into(), 5);
        state
            .standby_minimums
            .insert("max_worker_processes".into(), 16);
        assert!(render(&state, &ctx(&repl)).contains("max_connections = '60'"));
        state.recovery = Some(RecoveryConf {
            upstream: None,
            slot: None,
        });
        let standby = render(&state, &ctx(&repl));
        assert!(standby.contains("max_connections = '100'"), "{standby}");
        assert!(standby.contains("max_wal_senders = '10'"), "{standby}");
        assert!(standby.contains("max_worker_processes = '16'"), "{standby}");
        let raised = state.raised_for_standby();
        assert_eq!(raised.len(), 2);
        assert_eq!(raised["max_connections"].new_value, "60");
    }

    #[test]
    fn quote_round_trips() {
        for v in ["", "a", "it's", r"back\slash", "\"q\""] {
            assert_eq!(unquote(&quote(v)), v);
        }
    }
}
