//! Replication slots: what a server has, what the HA wants, and Patroni's slot names.

use serde::{Deserialize, Serialize};

/// The kind of a replication slot.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SlotKind {
    /// A physical slot (a standby or a WAL archiver streams through it).
    Physical,
    /// A logical slot of `database`, decoded with `plugin`.
    Logical {
        /// The database the slot belongs to.
        database: String,
        /// The output plugin.
        plugin: String,
    },
}

/// A slot on a server: one row of `pg_replication_slots`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExistingSlot {
    /// `slot_name`.
    pub name: String,
    /// Physical or logical (with its database and plugin).
    pub kind: SlotKind,
    /// True while a consumer (walsender) uses it.
    pub active: bool,
    /// How far it has been consumed: `confirmed_flush_lsn` of a logical slot, `restart_lsn`
    /// of a physical one (`None` before a physical slot reserved WAL).
    pub position: Option<crate::lsn::Lsn>,
}

/// A slot to create.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SlotSpec {
    /// The slot's name.
    pub name: String,
    /// Physical or logical.
    pub kind: SlotKind,
}

impl SlotSpec {
    /// A physical slot named `name`.
    pub fn physical(name: &str) -> SlotSpec {
        SlotSpec {
            name: name.to_string(),
            kind: SlotKind::Physical,
        }
    }
}

/// A member's slot name (Patroni's `slot_name_from_member_name`): its name lowercased, `-`
/// and `.` turned into `_`, any other character outside `[a-z0-9_]` turned into `u` + its
/// 4-digit decimal code point, cut to 63 characters.
pub fn slot_name(member: &str) -> String {
    let mut out = String::new();
    for c in member.to_lowercase().chars() {
        match c {
            'a'..='z' | '0'..='9' | '_' => out.push(c),
            '-' | '.' => out.push('_'),
            other => out.push_str(&format!("u{:04}", u32::from(other))),
        }
    }
    out.chars().take(63).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_names_follow_patronis_rule() {
        assert_eq!(slot_name("Node-1.dc"), "node_1_dc");
        assert_eq!(slot_name("a b"), "au0032b");
        assert_eq!(slot_name("é"), "u0233");
        assert_eq!(slot_name(&"x".repeat(70)).len(), 63);
    }
}
