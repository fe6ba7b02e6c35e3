//! Raw DCS data: key names relative to `/<namespace>/<scope>/`, versions, and the raw snapshot
//! that a backend returns before the core parses it.

/// A DCS modification index: etcd `mod_revision`, Consul `ModifyIndex`, ZooKeeper znode version
/// (or `mzxid` where the spec says so). Conditional writes compare against it.
pub type Version = u64;

/// A cluster-wide key that the core writes through [`crate::Dcs::write`].
///
/// The leader key and member keys have their own trait methods because they carry leases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// `initialize`: the system identifier, `""` while bootstrapping.
    Initialize,
    /// `config`: the dynamic configuration (JSON).
    Config,
    /// `failover`: a switchover or failover request (JSON).
    Failover,
    /// `sync`: the synchronous replication state (JSON).
    Sync,
    /// `history`: the timeline history (JSON array).
    History,
    /// `status`: the leader's optime and slots (JSON).
    Status,
    /// `failsafe`: the failsafe member map (JSON).
    Failsafe,
}

impl Key {
    /// Every key of this enum, in a fixed order.
    pub const ALL: [Key; 7] = [
        Key::Initialize,
        Key::Config,
        Key::Failover,
        Key::Sync,
        Key::History,
        Key::Status,
        Key::Failsafe,
    ];

    /// The key's path below the cluster prefix, as Patroni names it.
    pub fn path(self) -> &'static str {
        match self {
            Key::Initialize => "initialize",
            Key::Config => "config",
            Key::Failover => "failover",
            Key::Sync => "sync",
            Key::History => "history",
            Key::Status => "status",
            Key::Failsafe => "failsafe",
        }
    }
}

/// The relative path of the leader key.
pub const LEADER_PATH: &str = "leader";
/// The relative path of the legacy `optime/leader` key: the leader's LSN as plain decimal
/// text, written only while a member runs Patroni < 2.1.0. Read when `status` has no optime.
pub const LEGACY_OPTIME_PATH: &str = "optime/leader";
/// The relative path prefix of member keys (`members/<name>`).
pub const MEMBERS_PREFIX: &str = "members/";

/// When a conditional write may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Unconditionally.
    Any,
    /// Only if the key does not exist (create-if-absent).
    Absent,
    /// Only if the key exists with exactly this version.
    Version(Version),
}

/// One raw key-value pair of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the cluster prefix, e.g. `leader` or `members/node1`.
    pub key: String,
    /// The value as stored (UTF-8 text; JSON for most keys).
    pub value: String,
    /// The key's modification index.
    pub version: Version,
    /// The lease, session or ephemeral owner the key is bound to, if any.
    pub session: Option<String>,
}

/// One consistent read of every key under the cluster prefix.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// The store's revision at the time of the read; [`crate::Dcs::wait_for_change`] waits for
    /// a revision after this one.
    pub revision: u64,
    /// Every key under the prefix.
    pub entries: Vec<Entry>,
}

impl Snapshot {
    /// The entry for `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}
