//! GET endpoints served from a fresh DCS read: `/cluster`, `/history`, `/config`.

use super::cluster_json::cluster_json;
use super::{Ctx, Reply};
use pg_ha_core::model::Cluster;
use serde_json::Value;

/// A fresh cluster, or the 503 reply when the DCS cannot be read.
pub(crate) async fn fresh_cluster(ctx: &Ctx) -> Result<Cluster, Reply> {
    ctx.control.load_cluster().await.map_err(|e| {
        tracing::warn!("REST: cannot read the cluster from the DCS: {e}");
        Reply::text(503, format!("DCS is not accessible: {e}"))
    })
}

/// `GET /cluster`.
pub(crate) async fn cluster(ctx: &Ctx) -> Reply {
    match fresh_cluster(ctx).await {
        Ok(cluster) => Reply::json(
            200,
            cluster_json(&cluster, &ctx.view.dynamic, &ctx.view.node.scope),
        ),
        Err(reply) => reply,
    }
}

/// `GET /history`: the history array (`[]` when none).
pub(crate) async fn history(ctx: &Ctx) -> Reply {
    match fresh_cluster(ctx).await {
        Ok(cluster) => Reply::json(
            200,
            serde_json::to_value(&cluster.history).unwrap_or(Value::Array(Vec::new())),
        ),
        Err(reply) => reply,
    }
}

/// `GET /config`: the config JSON, or 502 when the cluster has none.
pub(crate) async fn config(ctx: &Ctx) -> Reply {
    match fresh_cluster(ctx).await {
        Ok(cluster) => match cluster.config {
            Some(entry) => Reply::json(200, entry.raw),
            None => Reply::error(502, None),
        },
        Err(reply) => reply,
    }
}
