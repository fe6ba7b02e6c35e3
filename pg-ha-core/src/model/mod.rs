//! The cluster model: every DCS key of Patroni's layout as a typed value, and the `Cluster`
//! snapshot built from one consistent read.

mod cluster;
mod failover;
mod failsafe;
mod history;
mod key;
mod leader;
mod member;
mod parse_error;
mod status;
mod sync_state;
mod tags;

pub use cluster::{Cluster, ConfigEntry, Versioned};
pub use failover::Failover;
pub use failsafe::Failsafe;
pub use history::{History, HistoryEntry};
pub use key::{Condition, Entry, Key, Snapshot, Version, LEADER_PATH, MEMBERS_PREFIX};
pub use leader::Leader;
pub use member::{Member, MemberData, MemberState, Role};
pub use parse_error::ParseError;
pub use status::Status;
pub use sync_state::SyncState;
pub use tags::Tags;
