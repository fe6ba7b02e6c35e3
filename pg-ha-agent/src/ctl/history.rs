//! `history`: the `history` key as a table (TL, LSN, Reason, Timestamp, New Leader).

use super::command::OutputFormat;
use super::table::{Cell, Table};
use pg_ha_core::model::History;

/// The history table.
pub fn history_table(history: &History) -> Table {
    let mut table = Table::new(&["TL", "LSN", "Reason", "Timestamp", "New Leader"])
        .align_right("TL")
        .align_right("LSN");
    for entry in &history.0 {
        table.rows.push(vec![
            Cell::number(u64::from(entry.timeline)),
            Cell::number(entry.switch_lsn),
            Cell::text(&entry.reason),
            Cell::text(entry.timestamp.as_deref().unwrap_or("")),
            Cell::text(entry.new_leader.as_deref().unwrap_or("")),
        ]);
    }
    table
}

/// The `history` output in `format`.
pub fn render(history: &History, format: OutputFormat) -> String {
    let table = history_table(history);
    match format {
        OutputFormat::Pretty => table.render(),
        OutputFormat::Tsv => table.render_tsv(),
        OutputFormat::Json => table.to_json().to_string(),
        OutputFormat::Yaml => table.render_yaml(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pg_ha_core::model::DcsValue;

    #[test]
    fn rows_pad_missing_fields() {
        let history = History::from_text(
            r#"[[1,25623960,"no recovery target specified","2019-09-23T16:57:57+02:00","node1"],[2,25624128,"no recovery target specified"]]"#,
        )
        .expect("parses");
        assert_eq!(
            render(&history, OutputFormat::Pretty),
            "\
+----+----------+------------------------------+---------------------------+------------+
| TL |      LSN | Reason                       | Timestamp                 | New Leader |
+----+----------+------------------------------+---------------------------+------------+
|  1 | 25623960 | no recovery target specified | 2019-09-23T16:57:57+02:00 | node1      |
|  2 | 25624128 | no recovery target specified |                           |            |
+----+----------+------------------------------+---------------------------+------------+"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(&history, OutputFormat::Json)).expect("json");
        assert_eq!(
            json,
            serde_json::json!([
                {"TL": 1, "LSN": 25623960, "Reason": "no recovery target specified",
                 "Timestamp": "2019-09-23T16:57:57+02:00", "New Leader": "node1"},
                {"TL": 2, "LSN": 25624128, "Reason": "no recovery target specified",
                 "Timestamp": "", "New Leader": ""}
            ])
        );
    }
}
