//! `Wal`: a node's write-ahead log as a list of segments, each on one branch of history.
//!
//! PostgreSQL timeline numbers are not unique across a cluster (two nodes that both promote
//! from timeline 1 both create a timeline 2), so the simulator also tags every segment with a
//! globally unique *branch*: the WAL written by one primary after one promotion (or bootstrap).
//! A byte position on a branch has exactly one content, and a branch's prefix (its parent
//! segments) is fixed when the branch is created. So `(branch, lsn)` names one commit, and a
//! node holds that commit iff its own segment covering `lsn` is on the same branch.

use crate::lsn::Lsn;

/// The WAL of one promotion: `(start, end]` on `branch`, as PostgreSQL timeline `timeline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Globally unique id of the history branch.
    pub branch: u64,
    /// The PostgreSQL timeline number.
    pub timeline: u32,
    /// The position where the segment starts (exclusive).
    pub start: u64,
    /// The position up to which it is written (inclusive).
    pub end: u64,
}

/// A commit acknowledged (or attempted) on a primary: the record ending at `lsn` on `branch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Commit {
    /// The branch it was written on.
    pub branch: u64,
    /// The position just after the record.
    pub lsn: u64,
}

/// A node's WAL, oldest segment first. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wal {
    segments: Vec<Segment>,
}

impl Wal {
    /// The WAL of a freshly initialized cluster: timeline 1 on `branch`, written up to `end`.
    pub fn initdb(branch: u64, end: u64) -> Wal {
        Wal {
            segments: vec![Segment {
                branch,
                timeline: 1,
                start: 0,
                end,
            }],
        }
    }

    fn last(&self) -> &Segment {
        // The constructor and every mutation keep at least one segment.
        &self.segments[self.segments.len() - 1]
    }

    /// The end of the WAL.
    pub fn end(&self) -> u64 {
        self.last().end
    }

    /// The current timeline.
    pub fn timeline(&self) -> u32 {
        self.last().timeline
    }

    /// The current branch.
    pub fn branch(&self) -> u64 {
        self.last().branch
    }

    /// The segments, oldest first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Appends a record of `bytes` on the current branch; returns the commit.
    pub fn append(&mut self, bytes: u64) -> Commit {
        let last = self.segments.len() - 1;
        self.segments[last].end += bytes.max(1);
        Commit {
            branch: self.branch(),
            lsn: self.end(),
        }
    }

    /// Starts a new branch (promotion) on the timeline after the current one, or after
    /// `above_timeline` if that is higher (PostgreSQL skips numbers whose history file it
    /// finds), with an end-of-recovery record of `record` bytes so the new timeline diverges
    /// from anything else at once.
    pub fn fork(&mut self, branch: u64, record: u64, above_timeline: u32) {
        let end = self.end();
        let timeline = self.timeline().max(above_timeline) + 1;
        self.segments.push(Segment {
            branch,
            timeline,
            start: end,
            end: end + record.max(1),
        });
    }

    /// The branch of the byte just before `lsn` (`start < lsn <= end`), if written.
    pub fn branch_at(&self, lsn: u64) -> Option<u64> {
        if lsn == 0 {
            return self.segments.first().map(|s| s.branch);
        }
        self.segments
            .iter()
            .find(|s| s.start < lsn && lsn <= s.end)
            .map(|s| s.branch)
    }

    /// True when this WAL holds `commit`.
    pub fn contains(&self, commit: Commit) -> bool {
        self.branch_at(commit.lsn) == Some(commit.branch)
    }

    /// True when this WAL is a prefix of `other`: `other` can be streamed from by this node.
    pub fn is_prefix_of(&self, other: &Wal) -> bool {
        other.end() >= self.end() && other.branch_at(self.end()) == self.branch_at(self.end())
    }

    /// `other`'s WAL cut at `upto` (a clone, a rewind, or streaming up to a point).
    pub fn truncated(other: &Wal, upto: u64) -> Wal {
        let mut segments: Vec<Segment> = other
            .segments
            .iter()
            .filter(|s| s.start < upto || s.start == 0)
            .copied()
            .collect();
        if let Some(last) = segments.last_mut() {
            last.end = last.end.min(upto);
        }
        Wal { segments }
    }

    /// The history of the current timeline as PostgreSQL shows it: (parent timeline, switch
    /// LSN) for every earlier segment.
    pub fn history(&self) -> Vec<(u32, Lsn)> {
        let n = self.segments.len() - 1;
        self.segments[..n]
            .iter()
            .map(|s| (s.timeline, Lsn(s.end)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_commits_are_contained() {
        let mut wal = Wal::initdb(1, 100);
        let c = wal.append(50);
        assert_eq!(
            c,
            Commit {
                branch: 1,
                lsn: 150
            }
        );
        assert!(wal.contains(c));
        assert!(!wal.contains(Commit {
            branch: 1,
            lsn: 151
        }));
        assert!(!wal.contains(Commit {
            branch: 2,
            lsn: 150
        }));
    }

    #[test]
    fn fork_keeps_old_commits_and_moves_the_timeline() {
        let mut wal = Wal::initdb(1, 100);
        let old = wal.append(10);
        wal.fork(2, 5, 0);
        assert_eq!(wal.timeline(), 2);
        assert_eq!(wal.history(), vec![(1, Lsn(110))]);
        let new = wal.append(10);
        assert!(wal.contains(old));
        assert!(wal.contains(new));
        assert_eq!(new.branch, 2);
    }

    #[test]
    fn divergent_branches_are_not_prefixes() {
        let mut base = Wal::initdb(1, 100);
        base.append(10);
        let mut a = base.clone();
        let mut b = base.clone();
        a.fork(2, 5, 0);
        b.append(20);
        assert!(!b.is_prefix_of(&a));
        assert!(!a.is_prefix_of(&b));
        assert!(base.is_prefix_of(&a));
        assert!(base.is_prefix_of(&b));
        let lost = b.append(1);
        assert!(!a.contains(lost));
    }

    #[test]
    fn a_standby_at_the_switch_point_follows_the_new_timeline() {
        let mut primary = Wal::initdb(1, 100);
        let standby = Wal::truncated(&primary, 100);
        primary.fork(2, 8, 0);
        primary.append(30);
        assert!(standby.is_prefix_of(&primary));
        let caught_up = Wal::truncated(&primary, primary.end());
        assert_eq!(caught_up, primary);
        let partway = Wal::truncated(&primary, 104);
        assert_eq!(partway.timeline(), 2);
        assert_eq!(partway.end(), 104);
        let at_switch = Wal::truncated(&primary, 100);
        assert_eq!(at_switch.timeline(), 1);
    }
}
