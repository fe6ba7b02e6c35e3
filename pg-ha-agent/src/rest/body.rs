//! Reading a JSON request body the way Patroni's `_read_json_content` does.

use super::{Reply, Req};
use serde_json::{Map, Value};

/// The body as a JSON object.
///
/// - No `Content-Length`: 411, or `{}` when the body is optional.
/// - `Content-Length: 0` with an optional body: `{}`.
/// - Not JSON, not an object, or an empty object where a body is required: 400 with the
///   reason.
pub(crate) fn json_body(req: &Req, optional: bool) -> Result<Map<String, Value>, Reply> {
    let length = match req.content_length {
        None if optional => return Ok(Map::new()),
        None => return Err(Reply::error(411, None)),
        Some(None) => return Err(Reply::error(400, Some("invalid Content-Length"))),
        Some(Some(n)) => n,
    };
    if length == 0 && optional {
        return Ok(Map::new());
    }
    let value: Value = serde_json::from_slice(&req.body)
        .map_err(|e| Reply::error(400, Some(&format!("the body is not valid JSON: {e}"))))?;
    match value {
        Value::Object(map) if !map.is_empty() || optional => Ok(map),
        Value::Object(_) => Err(Reply::error(400, Some("the body is an empty JSON object"))),
        _ => Err(Reply::error(400, Some("the body must be a JSON object"))),
    }
}
