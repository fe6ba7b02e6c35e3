//! The emulator's state: the KV table with tombstones, sessions with TTL timers and
//! lock-delays, and the raft index (see the list in `mod.rs`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// One KV entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Kv {
    pub(crate) value: Vec<u8>,
    pub(crate) flags: u64,
    pub(crate) create_index: u64,
    pub(crate) modify_index: u64,
    pub(crate) lock_index: u64,
    pub(crate) session: Option<String>,
}

/// What invalidating a session does to its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behavior {
    Release,
    Delete,
}

/// One session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) ttl: Option<Duration>,
    pub(crate) behavior: Behavior,
    pub(crate) lock_delay: Duration,
    pub(crate) checks: Vec<String>,
    pub(crate) create_index: u64,
    /// When the server invalidates it: last renewal + TTL x the store's multiplier.
    pub(crate) deadline: Option<Instant>,
}

/// The whole state.
pub(crate) struct Store {
    pub(crate) raft_index: u64,
    /// Index of the last change of the KV or tombstone table.
    pub(crate) kvs_index: u64,
    pub(crate) kv: BTreeMap<String, Kv>,
    pub(crate) tombstones: BTreeMap<String, u64>,
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) lock_delays: HashMap<String, Instant>,
    /// Carries `kvs_index` after every KV change, to wake blocking queries.
    pub(crate) changes: watch::Sender<u64>,
    /// A session is invalidated this many TTLs after its last renewal (Consul documents
    /// between 1 and 2; a real server takes 2).
    pub(crate) ttl_multiplier: u32,
}

impl Store {
    /// An empty store whose raft index starts at `index`, invalidating sessions
    /// `ttl_multiplier` TTLs after their last renewal.
    pub(crate) fn new(index: u64, ttl_multiplier: u32) -> Store {
        let (changes, _) = watch::channel(index);
        Store {
            raft_index: index,
            kvs_index: index,
            kv: BTreeMap::new(),
            tombstones: BTreeMap::new(),
            sessions: HashMap::new(),
            lock_delays: HashMap::new(),
            changes,
            ttl_multiplier,
        }
    }

    /// A new raft index for a write.
    fn next_index(&mut self) -> u64 {
        self.raft_index += 1;
        self.raft_index
    }

    fn kv_changed(&mut self, index: u64) {
        self.kvs_index = index;
        self.changes.send_replace(index);
    }

    /// Restarts every TTL timer, as a newly elected leader does.
    pub(crate) fn restart_timers(&mut self) {
        let now = Instant::now();
        let multiplier = self.ttl_multiplier;
        for session in self.sessions.values_mut() {
            session.deadline = session.ttl.map(|ttl| now + ttl * multiplier);
        }
    }

    /// Creates a session; returns its id.
    pub(crate) fn create_session(&mut self, mut session: Session) -> String {
        let index = self.next_index();
        session.id = uuid(index);
        session.create_index = index;
        session.deadline = session
            .ttl
            .map(|ttl| Instant::now() + ttl * self.ttl_multiplier);
        let id = session.id.clone();
        self.sessions.insert(id.clone(), session);
        id
    }

    /// Renews a session; `None` if it does not exist.
    pub(crate) fn renew_session(&mut self, id: &str) -> Option<Session> {
        let multiplier = self.ttl_multiplier;
        let session = self.sessions.get_mut(id)?;
        session.deadline = session.ttl.map(|ttl| Instant::now() + ttl * multiplier);
        Some(session.clone())
    }

    /// Invalidates a session: releases or deletes its keys, sets their lock-delays.
    pub(crate) fn destroy_session(&mut self, id: &str) {
        let Some(session) = self.sessions.remove(id) else {
            return;
        };
        let index = self.next_index();
        let held: Vec<String> = self
            .kv
            .iter()
            .filter(|(_, e)| e.session.as_deref() == Some(id))
            .map(|(k, _)| k.clone())
            .collect();
        let now = Instant::now();
        for key in &held {
            if !session.lock_delay.is_zero() {
                self.lock_delays
                    .insert(key.clone(), now + session.lock_delay);
            }
            match session.behavior {
                Behavior::Delete => {
                    self.kv.remove(key);
                    self.tombstones.insert(key.clone(), index);
                }
                Behavior::Release => {
                    if let Some(e) = self.kv.get_mut(key) {
                        e.session = None;
                        e.modify_index = index;
                    }
                }
            }
        }
        if !held.is_empty() {
            self.kv_changed(index);
        }
    }

    /// Invalidates every session whose timer ran out.
    pub(crate) fn expire(&mut self, now: Instant) {
        let expired: Vec<String> = self
            .sessions
            .values()
            .filter(|s| s.deadline.is_some_and(|d| d <= now))
            .map(|s| s.id.clone())
            .collect();
        for id in expired {
            self.destroy_session(&id);
        }
    }

    /// Stores `entry` under `key` unless nothing changes; the raft index is used either way.
    fn set(
        &mut self,
        key: &str,
        value: Vec<u8>,
        flags: u64,
        session: Option<String>,
        lock_index: Option<u64>,
    ) {
        let index = self.next_index();
        let existing = self.kv.get(key).cloned();
        let entry = Kv {
            value,
            flags,
            create_index: existing.as_ref().map_or(index, |e| e.create_index),
            modify_index: index,
            lock_index: lock_index
                .or(existing.as_ref().map(|e| e.lock_index))
                .unwrap_or(0),
            session,
        };
        if let Some(old) = &existing {
            let same = old.value == entry.value
                && old.flags == entry.flags
                && old.session == entry.session
                && old.lock_index == entry.lock_index;
            if same {
                return;
            }
        }
        self.kv.insert(key.to_string(), entry);
        self.tombstones.remove(key);
        self.kv_changed(index);
    }

    /// A plain PUT (keeps the key's session).
    pub(crate) fn put(&mut self, key: &str, value: Vec<u8>, flags: u64) -> bool {
        let session = self.kv.get(key).and_then(|e| e.session.clone());
        self.set(key, value, flags, session, None);
        true
    }

    /// `?cas=<index>`.
    pub(crate) fn put_cas(&mut self, key: &str, value: Vec<u8>, flags: u64, cas: u64) -> bool {
        let current = self.kv.get(key).map(|e| e.modify_index);
        let allowed = match (cas, current) {
            (0, None) => true,
            (0, Some(_)) | (_, None) => false,
            (cas, Some(index)) => cas == index,
        };
        if !allowed {
            self.next_index();
            return false;
        }
        self.put(key, value, flags)
    }

    /// `?acquire=<session>`: `Err` for an invalid session.
    pub(crate) fn acquire(
        &mut self,
        key: &str,
        value: Vec<u8>,
        flags: u64,
        session: &str,
    ) -> Result<bool, String> {
        if self
            .lock_delays
            .get(key)
            .is_some_and(|until| *until > Instant::now())
        {
            return Ok(false);
        }
        if !self.sessions.contains_key(session) {
            return Err(format!("invalid session \"{session}\""));
        }
        let lock_index = match self.kv.get(key) {
            Some(e) if e.session.as_deref() == Some(session) => e.lock_index,
            Some(e) if e.session.is_some() => {
                self.next_index();
                return Ok(false);
            }
            Some(e) => e.lock_index + 1,
            None => 1,
        };
        self.set(
            key,
            value,
            flags,
            Some(session.to_string()),
            Some(lock_index),
        );
        Ok(true)
    }

    /// `?release=<session>`.
    pub(crate) fn release(&mut self, key: &str, value: Vec<u8>, flags: u64, session: &str) -> bool {
        match self.kv.get(key) {
            Some(e) if e.session.as_deref() == Some(session) => {
                self.set(key, value, flags, None, None);
                true
            }
            _ => {
                self.next_index();
                false
            }
        }
    }

    /// A plain delete (a missing key is fine).
    pub(crate) fn delete(&mut self, key: &str) -> bool {
        let index = self.next_index();
        if self.kv.remove(key).is_some() {
            self.tombstones.insert(key.to_string(), index);
            self.kv_changed(index);
        }
        true
    }

    /// `?cas=<index>` delete: `true` also when the key is missing, as Consul answers.
    pub(crate) fn delete_cas(&mut self, key: &str, cas: u64) -> bool {
        match self.kv.get(key).map(|e| e.modify_index) {
            None => {
                self.next_index();
                true
            }
            Some(index) if index == cas => self.delete(key),
            Some(_) => {
                self.next_index();
                false
            }
        }
    }

    /// `?recurse` delete of every key under `prefix`.
    pub(crate) fn delete_tree(&mut self, prefix: &str) -> bool {
        let index = self.next_index();
        let keys: Vec<String> = self
            .kv
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect();
        for key in &keys {
            self.kv.remove(key);
            self.tombstones.insert(key.clone(), index);
        }
        if !keys.is_empty() {
            self.kv_changed(index);
        }
        true
    }

    /// The entries under `prefix` and the list index.
    pub(crate) fn list(&self, prefix: &str) -> (u64, Vec<(String, Kv)>) {
        let entries: Vec<(String, Kv)> = self
            .kv
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, e)| (k.clone(), e.clone()))
            .collect();
        let mut index = entries
            .iter()
            .map(|(_, e)| e.modify_index)
            .max()
            .unwrap_or(0);
        let graveyard = self
            .tombstones
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, i)| *i)
            .max()
            .unwrap_or(0);
        index = index.max(graveyard);
        if index == 0 {
            index = self.kvs_index;
        }
        (index.max(1), entries)
    }

    /// One entry and the KV table index.
    pub(crate) fn get(&self, key: &str) -> (u64, Option<Kv>) {
        (self.kvs_index.max(1), self.kv.get(key).cloned())
    }
}

/// A UUID-shaped session id.
fn uuid(index: u64) -> String {
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let nanos = clock ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        (nanos >> 32) as u32,
        (index >> 16) as u16,
        index as u16,
        (nanos >> 16) as u16,
        index
    )
}

/// Invalidates expired sessions every 10 ms, as the leader's timers would.
pub(crate) async fn reap(store: Arc<Mutex<Store>>) {
    loop {
        tokio::time::sleep(Duration::from_millis(10)).await;
        store.lock().expect("store").expire(Instant::now());
    }
}
