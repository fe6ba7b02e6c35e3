//! One consistent read of the cluster: two ZooKeeper multi-reads, and the snapshot revision.
//!
//! The first multi-read lists the scope's children (`members/`, `optime/` included); the
//! second reads every listed znode and the lists again, in one request, which the server
//! answers from one state. If a list changed in between, the read is repeated.
//!
//! The revision is the largest `mzxid` / `pzxid` in the scope's subtree: every change below
//! the scope (a write, a create, a delete, an expired ephemeral) raises one of them. When the
//! scope znode itself is absent, it is the parent's `pzxid`, which its deletion raised.

use crate::backend::ZooKeeperDcs;
use crate::error::ZkResultExt;
use crate::paths::{ScopeNode, MEMBERS_DIR, OPTIME_DIR};
use crate::session::{hex, Session};
use pg_ha_core::model::{Entry, Snapshot};
use pg_ha_core::DcsError;
use zookeeper_client::{Error as ZkError, MultiReadResult, Stat};

/// Attempts before a read gives up on a stable child list and returns what it saw.
const MAX_ATTEMPTS: usize = 5;

/// The child lists of the scope: its direct children, `members/`, `optime/`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Listing {
    scope: Option<Vec<String>>,
    members: Vec<String>,
    optime: Vec<String>,
}

impl Listing {
    /// Relative paths of the znodes to read: direct children (not the two directories),
    /// members and optime entries.
    fn relative_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .scope
            .iter()
            .flatten()
            .filter(|c| c.as_str() != MEMBERS_DIR && c.as_str() != OPTIME_DIR)
            .cloned()
            .collect();
        paths.extend(self.members.iter().map(|m| format!("{MEMBERS_DIR}/{m}")));
        paths.extend(self.optime.iter().map(|o| format!("{OPTIME_DIR}/{o}")));
        paths
    }
}

impl ZooKeeperDcs {
    /// Reads every key of the cluster in one consistent view.
    pub(crate) async fn read_snapshot(&self) -> Result<Snapshot, DcsError> {
        let session = self.sessions.get(None).await?;
        let mut listing = self.list(&session).await?;
        for _ in 0..MAX_ATTEMPTS {
            let (snapshot, seen) = self.read_listed(&session, &listing).await?;
            if seen == listing {
                return Ok(snapshot);
            }
            listing = seen;
        }
        let (snapshot, _) = self.read_listed(&session, &listing).await?;
        Ok(snapshot)
    }

    /// The first multi-read: the three child lists.
    async fn list(&self, session: &Session) -> Result<Listing, DcsError> {
        let mut reader = session.client.new_multi_reader();
        for dir in [
            self.paths.scope().to_string(),
            self.dir(MEMBERS_DIR),
            self.dir(OPTIME_DIR),
        ] {
            reader.add_get_children(&dir).zk()?;
        }
        let results = reader.commit().await.zk()?;
        let mut lists = results.into_iter().map(children);
        let scope = lists.next().transpose()?.flatten();
        let members = lists.next().transpose()?.flatten().unwrap_or_default();
        let optime = lists.next().transpose()?.flatten().unwrap_or_default();
        Ok(Listing {
            scope,
            members,
            optime,
        })
    }

    /// The second multi-read: the parent's and scope's stats, the child lists again, and the
    /// data of every listed znode. Returns the snapshot and the lists it saw.
    async fn read_listed(
        &self,
        session: &Session,
        listing: &Listing,
    ) -> Result<(Snapshot, Listing), DcsError> {
        let relative = listing.relative_paths();
        let mut reader = session.client.new_multi_reader();
        reader.add_get_data(self.paths.parent()).zk()?;
        reader.add_get_data(self.paths.scope()).zk()?;
        for dir in [
            self.paths.scope().to_string(),
            self.dir(MEMBERS_DIR),
            self.dir(OPTIME_DIR),
        ] {
            reader.add_get_children(&dir).zk()?;
        }
        reader.add_get_data(&self.dir(MEMBERS_DIR)).zk()?;
        reader.add_get_data(&self.dir(OPTIME_DIR)).zk()?;
        for path in &relative {
            reader.add_get_data(&self.paths.child(path)).zk()?;
        }
        let mut results = reader.commit().await.zk()?.into_iter();
        let mut next = || {
            results.next().unwrap_or(MultiReadResult::Error {
                err: ZkError::NoNode,
            })
        };
        let parent = data(next())?;
        let scope = data(next())?;
        let seen = Listing {
            scope: children(next())?,
            members: children(next())?.unwrap_or_default(),
            optime: children(next())?.unwrap_or_default(),
        };
        let dirs = [data(next())?, data(next())?];
        let mut revision = 0;
        let mut entries = Vec::new();
        for stat in dirs.iter().chain([&scope]).flatten().map(|(_, s)| s) {
            revision = revision.max(zxid(stat));
        }
        for path in relative {
            let Some((value, stat)) = data(next())? else {
                continue;
            };
            revision = revision.max(zxid(&stat));
            if stat.num_children > 0 {
                continue; // a directory (e.g. a Citus group), not a key
            }
            entries.push(entry(path, &value, &stat));
        }
        if scope.is_none() {
            revision = parent.map_or(0, |(_, s)| s.pzxid.max(0) as u64);
        }
        Ok((Snapshot { revision, entries }, seen))
    }

    fn dir(&self, name: &str) -> String {
        self.paths.child(name)
    }
}

/// The larger of a znode's `mzxid` and `pzxid`.
fn zxid(stat: &Stat) -> u64 {
    stat.mzxid.max(stat.pzxid).max(0) as u64
}

/// A snapshot entry: version = `mzxid`, session = the ephemeral owner if any.
fn entry(key: String, value: &[u8], stat: &Stat) -> Entry {
    Entry {
        key,
        value: String::from_utf8_lossy(value).into_owned(),
        version: stat.mzxid.max(0) as u64,
        session: (stat.ephemeral_owner != 0).then(|| hex(stat.ephemeral_owner)),
    }
}

/// A child list, `None` for a missing znode.
fn children(result: MultiReadResult) -> Result<Option<Vec<String>>, DcsError> {
    match result {
        MultiReadResult::Children { children } => Ok(Some(children)),
        MultiReadResult::Error {
            err: ZkError::NoNode,
        } => Ok(None),
        MultiReadResult::Error { err } => Err(err).zk(),
        other => Err(unexpected(other)),
    }
}

/// Data and stat, `None` for a missing znode.
fn data(result: MultiReadResult) -> Result<Option<(Vec<u8>, Stat)>, DcsError> {
    match result {
        MultiReadResult::Data { data, stat } => Ok(Some((data, stat))),
        MultiReadResult::Error {
            err: ZkError::NoNode,
        } => Ok(None),
        MultiReadResult::Error { err } => Err(err).zk(),
        other => Err(unexpected(other)),
    }
}

fn unexpected(result: MultiReadResult) -> DcsError {
    DcsError::Rejected(format!(
        "zookeeper: unexpected multi-read result {result:?}"
    ))
}
