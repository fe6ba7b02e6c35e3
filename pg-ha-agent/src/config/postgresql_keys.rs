//! Which keys of the `postgresql` section pg-ha acts on: every other key gets one warning,
//! in every sub-section (`authentication.<role>`, `callbacks`, custom replica methods).

use super::section::Section;
use super::ConfigWarning;
use pg_ha_core::ConfigError;

/// `postgresql` keys that are acted on (`pgpass` needs nothing: pg-ha hands passwords to
/// libpq tools in their environment and to standbys in `primary_conninfo`, never through a
/// password file; nor does `use_unix_socket_repl`: the agent makes no replication
/// connection to its own server).
const SUPPORTED: [&str; 26] = [
    "pgpass",
    "config_dir",
    "custom_conf",
    "bin_name",
    "use_unix_socket",
    "use_unix_socket_repl",
    "recovery_conf",
    "proxy_address",
    "pre_promote",
    "before_stop",
    "listen",
    "connect_address",
    "data_dir",
    "bin_dir",
    "authentication",
    "parameters",
    "pg_hba",
    "pg_ident",
    "callbacks",
    "create_replica_methods",
    "basebackup",
    "rewind",
    "pg_ctl_timeout",
    "remove_data_directory_on_rewind_failure",
    "run_as",
    "use_slots",
];

/// Patroni's `postgresql` keys pg-ha does not act on (yet).
const UNSUPPORTED: [&str; 8] = [
    "use_pg_rewind",
    "remove_data_directory_on_diverged_timelines",
    "parameters_primary",
    "parameters_replica",
    "parameters_standby_leader",
    "pg_hba_primary",
    "pg_hba_replica",
    "pg_hba_standby_leader",
];

/// libpq's TLS and GSS options in `authentication.<role>`: in the libpq tools' connection
/// strings and `primary_conninfo`, and (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`,
/// `channel_binding`) in the agent's own SQL connections as that role.
pub(crate) const CONNECTION_OPTIONS: [&str; 10] = [
    "sslmode",
    "sslkey",
    "sslpassword",
    "sslcert",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslnegotiation",
    "gssencmode",
    "channel_binding",
];

const CALLBACKS: [&str; 5] = [
    "on_start",
    "on_stop",
    "on_restart",
    "on_reload",
    "on_role_change",
];

/// Warns once for each key of `postgresql` (`s`) that has no effect.
pub(crate) fn warn_postgresql_keys(
    s: &Section<'_>,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(), ConfigError> {
    let methods: Vec<String> = if s.has("create_replica_methods") {
        s.string_list("create_replica_methods")?
    } else {
        Vec::new()
    };
    let mut supported: Vec<&str> = SUPPORTED.to_vec();
    supported.extend(methods.iter().map(String::as_str));
    s.warn_keys(&supported, &UNSUPPORTED, warnings);
    if s.has("use_slots") {
        warnings.push(ConfigWarning::new(
            s.key("use_slots"),
            "is global: set it in the dynamic configuration (pg-ha-ctl edit-config); ignored here",
        ));
    }
    if s.has("authentication") {
        let auth = s.sub("authentication")?;
        auth.warn_keys(&["superuser", "replication", "rewind"], &[], warnings);
        let mut remote = vec!["username", "password"];
        remote.extend(CONNECTION_OPTIONS);
        for role in ["replication", "rewind"].iter().filter(|r| auth.has(r)) {
            auth.sub(role)?.warn_keys(&remote, &[], warnings);
        }
        if auth.has("superuser") {
            auth.sub("superuser")?.warn_keys(&remote, &[], warnings);
        }
    }
    if s.has("callbacks") {
        s.sub("callbacks")?.warn_keys(&CALLBACKS, &[], warnings);
    }
    // A method's other keys are passed to its command as `--key=value` (every key acts).
    for method in methods.iter().filter(|m| *m != "basebackup" && s.has(m)) {
        s.sub(method)?;
    }
    Ok(())
}
