//! Log lines in Patroni's shapes: a Python logging template (`%(asctime)s %(levelname)s:
//! %(message)s`) for plain lines, or one JSON object per line whose keys are the template's
//! field names, plus `static_fields` and the event's own fields.

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// One piece of a template: literal text or a `%(name)s` field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(String),
}

/// Patroni's line format.
#[derive(Debug, Clone)]
pub struct PatroniFormat {
    pieces: Vec<Piece>,
    json: bool,
    dateformat: Option<String>,
    static_fields: BTreeMap<String, String>,
}

impl PatroniFormat {
    /// A format from `log.format`, `log.type: json`, `log.dateformat` and
    /// `log.static_fields`.
    pub fn new(
        template: &str,
        json: bool,
        dateformat: Option<String>,
        static_fields: BTreeMap<String, String>,
    ) -> PatroniFormat {
        PatroniFormat {
            pieces: parse_template(template),
            json,
            dateformat,
            static_fields,
        }
    }

    /// One line (without the newline) for an event at `level` from `target` with `fields`
    /// (the `message` field first), at wall-clock `now`.
    pub fn line(
        &self,
        now: chrono::DateTime<chrono::Local>,
        level: &Level,
        target: &str,
        fields: &[(String, String)],
    ) -> String {
        let value = |name: &str| -> Option<String> {
            match name {
                "asctime" => Some(self.asctime(now)),
                "levelname" => Some(level_name(level).to_string()),
                "message" => Some(message(fields, !self.json)),
                "name" => Some(target.to_string()),
                "process" => Some(std::process::id().to_string()),
                _ => None,
            }
        };
        if self.json {
            let mut object = Map::new();
            for piece in &self.pieces {
                if let Piece::Field(name) = piece {
                    object.insert(name.clone(), value(name).map_or(Value::Null, Value::String));
                }
            }
            for (k, v) in &self.static_fields {
                object.insert(k.clone(), Value::String(v.clone()));
            }
            for (k, v) in fields.iter().filter(|(k, _)| k != "message") {
                object.insert(k.clone(), Value::String(v.clone()));
            }
            return Value::Object(object).to_string();
        }
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Field(name) => out.push_str(&value(name).unwrap_or_default()),
            }
        }
        out
    }

    fn asctime(&self, now: chrono::DateTime<chrono::Local>) -> String {
        match &self.dateformat {
            Some(format) => now.format(format).to_string(),
            None => now.format("%Y-%m-%d %H:%M:%S,%3f").to_string(),
        }
    }
}

/// Python's level names.
fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG | Level::TRACE => "DEBUG",
    }
}

/// The message; in plain lines the other fields follow as ` key=value`.
fn message(fields: &[(String, String)], with_fields: bool) -> String {
    let mut out = fields
        .iter()
        .find(|(k, _)| k == "message")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if with_fields {
        for (k, v) in fields.iter().filter(|(k, _)| k != "message") {
            let _ = write!(out, " {k}={v}");
        }
    }
    out
}

/// Splits `%(name)s` / `%(name)d` / `%(name)-8s` fields from the literal text.
fn parse_template(template: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("%(") {
        let Some(close) = rest[start..].find(')') else {
            break;
        };
        let name = &rest[start + 2..start + close];
        let after = &rest[start + close + 1..];
        let conversion = after
            .find(|c: char| c.is_ascii_alphabetic())
            .map_or(after.len(), |i| i + 1);
        if start > 0 {
            pieces.push(Piece::Text(rest[..start].to_string()));
        }
        pieces.push(Piece::Field(name.to_string()));
        rest = &after[conversion..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    pieces
}

/// Collects an event's fields as text.
#[derive(Default)]
struct Fields(Vec<(String, String)>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_string(), value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .push((field.name().to_string(), format!("{value:?}")));
    }
}

impl<S, N> FormatEvent<S, N> for PatroniFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let meta = event.metadata();
        let line = self.line(chrono::Local::now(), meta.level(), meta.target(), &fields.0);
        writeln!(writer, "{line}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> chrono::DateTime<chrono::Local> {
        chrono::Local
            .timestamp_millis_opt(1_796_301_937_123)
            .single()
            .expect("a time")
    }

    fn fields() -> Vec<(String, String)> {
        vec![
            ("message".into(), "leader lease renewed".into()),
            ("node".into(), "node1".into()),
        ]
    }

    #[test]
    fn plain_lines_follow_the_template() {
        let format = PatroniFormat::new(
            "%(asctime)s %(levelname)-8s: %(message)s",
            false,
            Some("%Y".into()),
            BTreeMap::new(),
        );
        let line = format.line(at(), &Level::WARN, "pg_ha", &fields());
        assert_eq!(line, "2026 WARNING: leader lease renewed node=node1");
        let default =
            PatroniFormat::new(crate::config::DEFAULT_FORMAT, false, None, BTreeMap::new());
        let line = default.line(at(), &Level::INFO, "pg_ha", &fields());
        assert!(
            line.ends_with(",123 INFO: leader lease renewed node=node1"),
            "{line}"
        );
    }

    #[test]
    fn json_lines_carry_template_static_and_event_fields() {
        let statics = BTreeMap::from([("app".to_string(), "pg-ha".to_string())]);
        let format =
            PatroniFormat::new("%(levelname)s %(message)s %(custom)s", true, None, statics);
        let line = format.line(at(), &Level::ERROR, "pg_ha", &fields());
        let value: Value = serde_json::from_str(&line).expect("one JSON object");
        assert_eq!(value["levelname"], "ERROR");
        assert_eq!(value["message"], "leader lease renewed");
        assert_eq!(value["app"], "pg-ha");
        assert_eq!(value["node"], "node1");
        assert_eq!(value["custom"], Value::Null);
        assert!(value.get("asctime").is_none());
    }
}
