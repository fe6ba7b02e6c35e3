//! The cluster model: every DCS key of Patroni's layout as a typed value, and the `Cluster`
//! snapshot built from one consistent read.
//!
//! Every value reads the forms Patroni reads (legacy ones included) and writes exactly the
//! compact JSON Patroni writes, both through serde and through [`DcsValue`].

mod cluster;
mod conn_url;
mod dcs_value;
mod failover;
mod failsafe;
mod history;
mod key;
mod leader;
mod lenient;
mod member;
mod parse_error;
mod snapshot_parse;
mod status;
mod sync_state;
mod tags;

pub use cluster::{Cluster, ConfigEntry, Versioned};
pub use conn_url::url_host_port;
pub use dcs_value::DcsValue;
pub use failover::Failover;
pub use failsafe::Failsafe;
pub use history::{History, HistoryEntry};
pub use key::{
    Condition, Entry, Key, Snapshot, Version, LEADER_PATH, LEGACY_OPTIME_PATH, MEMBERS_PREFIX,
};
pub use leader::Leader;
pub use member::{Member, MemberData, MemberState, Role};
pub use parse_error::ParseError;
pub use status::Status;
pub use sync_state::SyncState;
pub use tags::Tags;
