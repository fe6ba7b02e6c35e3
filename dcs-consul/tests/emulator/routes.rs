//! The emulator's HTTP endpoints (see the list in `mod.rs`).

use super::store::{Behavior, Session, Store};
use super::Settings;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Largest KV value Consul accepts.
const MAX_VALUE: usize = 512 * 1024;
/// Longest session TTL.
const SESSION_TTL_MAX: Duration = Duration::from_secs(86_400);
/// Blocking query defaults.
const DEFAULT_WAIT: Duration = Duration::from_secs(300);
const MAX_WAIT: Duration = Duration::from_secs(600);

type Params = Query<HashMap<String, String>>;

#[derive(Clone)]
struct App {
    store: Arc<Mutex<Store>>,
    settings: Settings,
}

/// The routes of the emulated agent.
pub(super) fn router(store: Arc<Mutex<Store>>, settings: Settings) -> Router {
    let app = App { store, settings };
    Router::new()
        .route("/v1/session/create", put(session_create))
        .route("/v1/session/renew/{id}", put(session_renew))
        .route("/v1/session/destroy/{id}", put(session_destroy))
        .route("/v1/session/info/{id}", get(session_info))
        .route("/v1/kv/{*key}", get(kv_get).put(kv_put).delete(kv_delete))
        .with_state(app)
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (status, body.into()).into_response()
}

impl App {
    /// 403 unless the request carries the configured token; 500 for another datacenter.
    fn check(
        &self,
        headers: &HeaderMap,
        params: &HashMap<String, String>,
    ) -> Result<(), Box<Response>> {
        if let Some(token) = &self.settings.token {
            let given = headers
                .get("x-consul-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .or_else(|| params.get("token").cloned());
            if given.as_deref() != Some(token.as_str()) {
                return Err(Box::new(text(StatusCode::FORBIDDEN, "Permission denied")));
            }
        }
        match params.get("dc") {
            Some(dc) if !dc.is_empty() && *dc != self.settings.datacenter => {
                let message = "No path to datacenter";
                Err(Box::new(text(StatusCode::INTERNAL_SERVER_ERROR, message)))
            }
            _ => Ok(()),
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().expect("store")
    }
}

/// Go's `time.ParseDuration` for one unit.
fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let per_unit = match unit {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(value * per_unit).ok()
}

/// Consul's `FixupLockDelay`: strings are durations, numbers nanoseconds; below 1000 ns,
/// seconds were meant.
fn lock_delay(value: Option<&Value>) -> Result<Duration, String> {
    let raw = match value {
        None | Some(Value::Null) => return Ok(Duration::from_secs(15)),
        Some(Value::String(s)) => {
            parse_duration(s).ok_or_else(|| format!("invalid duration {s}"))?
        }
        Some(Value::Number(n)) => Duration::from_nanos(n.as_f64().unwrap_or(0.0) as u64),
        Some(other) => return Err(format!("invalid LockDelay {other}")),
    };
    Ok(if raw < Duration::from_nanos(1000) {
        Duration::from_secs(raw.as_nanos() as u64)
    } else {
        raw
    })
}

async fn session_create(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Params,
    body: Bytes,
) -> Response {
    if let Err(r) = app.check(&headers, &params) {
        return *r;
    }
    let raw: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                return text(
                    StatusCode::BAD_REQUEST,
                    format!("Request decode failed: {e}"),
                )
            }
        }
    };
    match parse_session(&raw, &app.settings) {
        Ok(session) => {
            let id = app.store().create_session(session);
            axum::Json(json!({ "ID": id })).into_response()
        }
        Err(message) => text(StatusCode::INTERNAL_SERVER_ERROR, message),
    }
}

fn parse_session(raw: &Value, settings: &Settings) -> Result<Session, String> {
    let field = |name: &str| {
        raw.as_object().and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        })
    };
    let behavior = match field("Behavior")
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or("")
    {
        "" | "release" => Behavior::Release,
        "delete" => Behavior::Delete,
        other => return Err(format!("Invalid Behavior setting '{other}'")),
    };
    let ttl = match field("TTL").as_ref().and_then(Value::as_str) {
        None | Some("") => None,
        Some(text) => {
            let ttl =
                parse_duration(text).ok_or_else(|| format!("Session TTL '{text}' invalid"))?;
            if !ttl.is_zero() && (ttl < settings.session_ttl_min || ttl > SESSION_TTL_MAX) {
                return Err(format!(
                    "Invalid Session TTL '{}', must be between [{:?}=24h0m0s]",
                    ttl.as_nanos(),
                    settings.session_ttl_min
                ));
            }
            (!ttl.is_zero()).then_some(ttl)
        }
    };
    let checks: Vec<String> = match field("Checks") {
        None => vec!["serfHealth".to_string()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::Null) => Vec::new(),
        Some(other) => return Err(format!("invalid Checks {other}")),
    };
    if let Some(unknown) = checks.iter().find(|c| c.as_str() != "serfHealth") {
        return Err(format!("Missing check '{unknown}' registration"));
    }
    Ok(Session {
        id: String::new(),
        name: field("Name")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        ttl,
        behavior,
        lock_delay: lock_delay(field("LockDelay").as_ref())?,
        checks,
        create_index: 0,
        deadline: None,
    })
}

fn session_json(s: &Session) -> Value {
    json!({
        "ID": s.id, "Name": s.name, "Checks": s.checks, "LockDelay": s.lock_delay.as_nanos() as u64,
        "Behavior": if s.behavior == Behavior::Delete { "delete" } else { "release" },
        "TTL": s.ttl.map(|t| format!("{}ms", t.as_millis())).unwrap_or_default(),
        "CreateIndex": s.create_index, "ModifyIndex": s.create_index,
    })
}

async fn session_renew(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Params,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = app.check(&headers, &params) {
        return *r;
    }
    let renewed = app.store().renew_session(&id);
    match renewed {
        Some(s) => axum::Json(json!([session_json(&s)])).into_response(),
        None => text(
            StatusCode::NOT_FOUND,
            format!("Session id '{id}' not found"),
        ),
    }
}

async fn session_destroy(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Params,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = app.check(&headers, &params) {
        return *r;
    }
    app.store().destroy_session(&id);
    axum::Json(json!(true)).into_response()
}

async fn session_info(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Params,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = app.check(&headers, &params) {
        return *r;
    }
    let found = app.store().sessions.get(&id).map(session_json);
    axum::Json(json!(found.into_iter().collect::<Vec<_>>())).into_response()
}

fn with_index(mut response: Response, index: u64) -> Response {
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&index.to_string()) {
        headers.insert("X-Consul-Index", v);
    }
    headers.insert("X-Consul-KnownLeader", HeaderValue::from_static("true"));
    headers.insert("X-Consul-LastContact", HeaderValue::from_static("0"));
    response
}

fn entry_json(key: &str, e: &super::store::Kv) -> Value {
    let value =
        (!e.value.is_empty()).then(|| base64::engine::general_purpose::STANDARD.encode(&e.value));
    let mut v = json!({
        "Key": key, "Value": value, "Flags": e.flags, "LockIndex": e.lock_index,
        "CreateIndex": e.create_index, "ModifyIndex": e.modify_index,
    });
    if let Some(session) = &e.session {
        v["Session"] = json!(session);
    }
    v
}

/// The current answer of a KV read: index and entries.
fn read_now(app: &App, key: &str, recurse: bool) -> (u64, Vec<Value>) {
    let store = app.store();
    if recurse {
        let (index, entries) = store.list(key);
        (
            index,
            entries.iter().map(|(k, e)| entry_json(k, e)).collect(),
        )
    } else {
        let (index, entry) = store.get(key);
        (index, entry.iter().map(|e| entry_json(key, e)).collect())
    }
}

async fn kv_get(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Params,
    Path(key): Path<String>,
) -> Response {
    if let Err(r) = app.check(&headers, &params) {
        return *r;
    }
    if params.contains_key("stale") && params.contains_key("consistent") {
        return text(
            StatusCode::BAD_REQUEST,
            "Cannot specify ?stale with ?consistent, conflicting semantics.",
        );
    }
    let recurse = params.contains_key("recurse");
    let min_index: u64 = params
        .get("index")
        .and_then(|i| i.parse().ok())
        .unwrap_or(0);
    let (mut index, mut entries) = read_now(&app, &key, recurse);
    if min_index > 0 && index <= min_index {
        let wait = params
            .get("wait")
            .and_then(|w| parse_duration(w))
            .unwrap_or(DEFAULT_WAIT)
            .min(MAX_WAIT);
        let noise = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() % 100);
        let jitter = wait / 16 * noise / 100;
        let deadline = tokio::time::Instant::now() + wait + jitter;
        let mut changes = app.store().changes.subscribe();
        loop {
            (index, entries) = read_now(&app, &key, recurse);
            if index > min_index {
                break;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                break;
            }
        }
    }
    let response = if entries.is_empty() {
        StatusCode::NOT_FOUND.into_response()
    } else {
        axum::Json(Value::Array(entries)).into_response()
    };
    with_index(response, index)
}

async fn kv_put(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Params,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(r) = app.check(&headers, &params) {
        return *r;
    }
    if body.len() > MAX_VALUE {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Request body({} bytes) too large, max size: {MAX_VALUE} bytes.",
                body.len()
            ),
        );
    }
    let flags = params
        .get("flags")
        .and_then(|f| f.parse().ok())
        .unwrap_or(0);
    let value = body.to_vec();
    let mut store = app.store();
    let result = match (
        params.get("acquire"),
        params.get("release"),
        params.get("cas"),
    ) {
        (Some(_), Some(_), _) => {
            return text(
                StatusCode::BAD_REQUEST,
                "Conflicting flags: acquire and release",
            );
        }
        (Some(session), None, _) => match store.acquire(&key, value, flags, session) {
            Ok(done) => done,
            Err(message) => return text(StatusCode::INTERNAL_SERVER_ERROR, message),
        },
        (None, Some(session), _) => store.release(&key, value, flags, session),
        (None, None, Some(cas)) => match cas.parse() {
            Ok(cas) => store.put_cas(&key, value, flags, cas),
            Err(_) => return text(StatusCode::BAD_REQUEST, "Invalid cas index"),
        },
        (None, None, None) => store.put(&key, value, flags),
    };
    axum::Json(json!(result)).into_response()
}

async fn kv_delete(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Params,
    Path(key): Path<String>,
) -> Response {
    if let Err(r) = app.check(&headers, &params) {
        return *r;
    }
    let mut store = app.store();
    let result = match params.get("cas") {
        Some(cas) => match cas.parse() {
            Ok(cas) => store.delete_cas(&key, cas),
            Err(_) => return text(StatusCode::BAD_REQUEST, "Invalid cas index"),
        },
        None if params.contains_key("recurse") => store.delete_tree(&key),
        None => store.delete(&key),
    };
    axum::Json(json!(result)).into_response()
}
