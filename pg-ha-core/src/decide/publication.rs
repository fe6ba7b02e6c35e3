//! Publication of this node's member key: rewritten when its value changed or the key is
//! missing from the read, otherwise refreshed (value and lease kept alive) about every
//! loop_wait, so that backends able to refresh without rewriting keep watchers quiet.

use super::{DcsView, Observation, PgView};
use crate::config::HaConfig;
use crate::member_report::member_data;
use crate::model::MemberData;
use crate::time::Mono;

/// What to do with the member key at the end of a cycle. The runner asks after the decision's
/// actions ran (even when one of them failed, unless the DCS itself stopped answering), with
/// the PostgreSQL status they left.
#[derive(Debug, Clone, PartialEq)]
pub enum Publication {
    /// Write this (changed or missing) value.
    Write(MemberData),
    /// Keep the unchanged key and the node's lease alive.
    Refresh(MemberData),
}

impl Publication {
    /// The member data published.
    pub fn data(&self) -> &MemberData {
        match self {
            Publication::Write(d) | Publication::Refresh(d) => d,
        }
    }
}

/// The share of loop_wait after which an unchanged member key is refreshed.
const REFRESH_AFTER: f64 = 0.9;

/// The publication due, if any, for the state in `obs`. While PostgreSQL cannot be asked,
/// the last value is only refreshed.
pub fn publication(obs: &Observation, cfg: &HaConfig) -> Option<Publication> {
    let DcsView::Available(cluster) = &obs.dcs else {
        return None;
    };
    let published = obs.facts.published_member.as_ref();
    let PgView::Known(pg) = &obs.pg else {
        return published
            .filter(|(_, at)| refresh_due(obs.now, *at, cfg))
            .map(|(data, _)| Publication::Refresh(data.clone()));
    };
    let mut data = member_data(cfg, Some(pg), Some(cluster));
    data.scheduled_restart = obs
        .facts
        .scheduled_restart
        .as_ref()
        .map(|s| s.published.clone());
    let listed = cluster.member(&cfg.node.name).is_some();
    match published {
        Some((last, at)) if listed && *last == data => {
            refresh_due(obs.now, *at, cfg).then_some(Publication::Refresh(data))
        }
        _ => Some(Publication::Write(data)),
    }
}

fn refresh_due(now: Mono, published_at: Mono, cfg: &HaConfig) -> bool {
    now.since(published_at) >= cfg.dynamic.loop_wait.mul_f64(REFRESH_AFTER)
}
