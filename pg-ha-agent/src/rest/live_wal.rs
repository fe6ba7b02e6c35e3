//! WAL positions read at request time. Patroni's `GET /patroni` runs its status query for
//! every request, and peers compare these positions in elections and when a stopping leader
//! hands its key over: a position one loop_wait old would make a replica that has received
//! everything look behind (or a lagging one look current).

use super::NodeView;
use async_trait::async_trait;
use pg_ha_core::postgres::{PgRole, ProcessState};

pub use pg_ha_postgres::WalNow;

/// Reads [`WalNow`] from the local server; `None` when it cannot answer quickly.
#[async_trait]
pub trait LiveWal: Send + Sync {
    /// The positions now.
    async fn wal_now(&self) -> Option<WalNow>;
}

impl NodeView {
    /// True when the view shows a running server whose positions a [`LiveWal`] can refresh.
    pub fn has_live_wal(&self) -> bool {
        self.pg
            .as_ref()
            .is_some_and(|pg| pg.process == ProcessState::Running && pg.role.is_some())
    }

    /// This view with the positions of `wal`, when the server still runs in the role the
    /// view shows; without positions when it does not (after a promotion or demotion the
    /// next cycle publishes the new role, and the cycle's positions are of the old one).
    pub fn with_wal(&self, wal: WalNow) -> NodeView {
        let mut view = self.clone();
        let Some(pg) = view.pg.as_mut() else {
            return view;
        };
        match (pg.role, wal.in_recovery) {
            (Some(PgRole::Primary), false) => pg.write_lsn = wal.flush_lsn.or(pg.write_lsn),
            (Some(PgRole::Standby), true) => {
                pg.receive_lsn = wal.receive_lsn.or(pg.receive_lsn);
                pg.replay_lsn = wal.replay_lsn.or(pg.replay_lsn);
                view.wal_written = wal.written_lsn;
            }
            _ => return self.without_positions(),
        }
        view
    }

    /// This view without WAL positions: what a request shows when the server cannot tell
    /// them now. A position from the last cycle may understate what the server holds, and a
    /// peer would read it as this node lacking WAL (as a vote, in quorum mode); Patroni's
    /// API, whose status query failed, shows none either.
    pub fn without_positions(&self) -> NodeView {
        let mut view = self.clone();
        if let Some(pg) = view.pg.as_mut() {
            pg.write_lsn = None;
            pg.receive_lsn = None;
            pg.replay_lsn = None;
        }
        view.wal_written = None;
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_ha_core::postgres::PgStatus;
    use pg_ha_core::Lsn;

    fn view(role: PgRole) -> NodeView {
        let mut pg = PgStatus::empty();
        pg.process = ProcessState::Running;
        pg.role = Some(role);
        pg.write_lsn = Some(Lsn(100));
        pg.receive_lsn = Some(Lsn(100));
        pg.replay_lsn = Some(Lsn(90));
        NodeView {
            pg: Some(pg),
            wal_written: Some(Lsn(100)),
            ..NodeView::default()
        }
    }

    #[test]
    fn a_standby_shows_the_positions_read_now() {
        let wal = WalNow {
            in_recovery: true,
            receive_lsn: Some(Lsn(300)),
            replay_lsn: Some(Lsn(250)),
            written_lsn: None,
            ..WalNow::default()
        };
        let fresh = view(PgRole::Standby).with_wal(wal);
        assert_eq!(
            fresh.received_location(),
            300,
            "the stale written_lsn is dropped"
        );
        let pg = fresh.pg.expect("status");
        assert_eq!(
            (pg.receive_lsn, pg.replay_lsn),
            (Some(Lsn(300)), Some(Lsn(250)))
        );
    }

    #[test]
    fn a_primary_shows_its_flush_position_now() {
        let wal = WalNow {
            flush_lsn: Some(Lsn(500)),
            ..WalNow::default()
        };
        let fresh = view(PgRole::Primary).with_wal(wal);
        assert_eq!(fresh.pg.expect("status").write_lsn, Some(Lsn(500)));
    }

    #[test]
    fn a_role_change_since_the_cycle_shows_no_positions() {
        // Promoted since the cycle: the standby positions of the cycle understate what the
        // server holds now (seed 10825 of the simulator's full space lost a commit when a
        // peer counted them as a quorum vote).
        let wal = WalNow {
            in_recovery: false,
            flush_lsn: Some(Lsn(900)),
            ..WalNow::default()
        };
        let fresh = view(PgRole::Standby).with_wal(wal);
        assert_eq!(fresh.wal_written, None);
        let pg = fresh.pg.expect("status");
        assert_eq!(
            (pg.write_lsn, pg.receive_lsn, pg.replay_lsn),
            (None, None, None)
        );
        assert_eq!(pg.role, Some(PgRole::Standby), "the cycle's role stays");
    }
}
