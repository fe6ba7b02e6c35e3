//! `PATCH /config` (merge patch, CAS, 409 on conflict) and `PUT /config` (unconditional).

use super::body::json_body;
use super::dcs_reads::fresh_cluster;
use super::{Ctx, Reply, Req};
use pg_ha_core::config::{deep_compare, patch_config};
use pg_ha_core::DynamicConfig;
use serde_json::Value;

/// `PATCH /config`.
pub(crate) async fn patch(ctx: &Ctx, req: &Req) -> Reply {
    let request = match json_body(req, false) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let cluster = match fresh_cluster(ctx).await {
        Ok(cluster) => cluster,
        Err(reply) => return reply,
    };
    let Some(entry) = cluster.config.filter(|c| c.version != 0) else {
        return Reply::error(503, Some("the cluster has no valid config"));
    };
    let Value::Object(mut data) = entry.raw else {
        return Reply::error(503, Some("the cluster has no valid config"));
    };
    if patch_config(&mut data, &request) {
        let value = Value::Object(data.clone());
        if let Err(reply) = check(&value) {
            return reply;
        }
        match ctx.control.write_config(&value, Some(entry.version)).await {
            Ok(true) => {}
            Ok(false) => return Reply::error(409, None),
            Err(e) => return Reply::text(503, format!("DCS is not accessible: {e}")),
        }
    }
    ctx.control.wake();
    Reply::json(200, Value::Object(data))
}

/// `PUT /config`.
pub(crate) async fn put(ctx: &Ctx, req: &Req) -> Reply {
    let request = match json_body(req, false) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let cluster = match fresh_cluster(ctx).await {
        Ok(cluster) => cluster,
        Err(reply) => return reply,
    };
    let same = matches!(&cluster.config, Some(c) if matches!(&c.raw, Value::Object(cur) if deep_compare(&request, cur)));
    let value = Value::Object(request);
    if !same {
        if let Err(reply) = check(&value) {
            return reply;
        }
        match ctx.control.write_config(&value, None).await {
            Ok(true) => ctx.control.wake(),
            Ok(false) | Err(_) => return Reply::error(502, None),
        }
    }
    Reply::json(200, value)
}

/// A config that nodes could not apply is refused with 400 naming the key (Patroni writes
/// it and every node then keeps its last good copy).
fn check(value: &Value) -> Result<(), Reply> {
    DynamicConfig::from_json(value)
        .and_then(|c| c.validate())
        .map_err(|e| Reply::error(400, Some(&e.to_string())))
}
