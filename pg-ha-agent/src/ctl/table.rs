//! `Table`: rows of text cells printed as patronictl prints them: a boxed table (Python's
//! prettytable with patronictl's title in the top border), tab-separated values, or JSON.

use serde_json::{Map, Value};

/// How a column's cells are aligned in the boxed form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Left (the default).
    Left,
    /// Right (numbers).
    Right,
}

/// One cell: the text shown, and the JSON value for `-f json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The text in the boxed and tab-separated forms.
    pub text: String,
    /// The value in the JSON form.
    pub json: Value,
}

impl Cell {
    /// A text cell (JSON: the same string).
    pub fn text(text: impl Into<String>) -> Cell {
        let text = text.into();
        Cell {
            json: Value::String(text.clone()),
            text,
        }
    }

    /// A number cell.
    pub fn number(n: u64) -> Cell {
        Cell {
            text: n.to_string(),
            json: Value::from(n),
        }
    }

    /// An empty cell (JSON: `""`, as patronictl writes it).
    pub fn empty() -> Cell {
        Cell::text("")
    }
}

/// A table with a header row and an optional title drawn into the top border.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Drawn into the top border, e.g. ` Cluster: demo (7712434073260532225) `.
    pub title: Option<String>,
    /// Column names and alignments.
    pub columns: Vec<(String, Align)>,
    /// The rows (each as long as `columns`).
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with these left-aligned columns.
    pub fn new(columns: &[&str]) -> Table {
        Table {
            title: None,
            columns: columns
                .iter()
                .map(|c| (c.to_string(), Align::Left))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Right-aligns `column` (if present).
    pub fn align_right(mut self, column: &str) -> Table {
        for (name, align) in &mut self.columns {
            if name == column {
                *align = Align::Right;
            }
        }
        self
    }

    /// The boxed form, one line per row, without a trailing newline.
    pub fn render(&self) -> String {
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                self.rows
                    .iter()
                    .filter_map(|row| row.get(i))
                    .map(|cell| width(&cell.text))
                    .chain([width(name)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let rule = rule(&widths);
        let mut lines = vec![match &self.title {
            Some(title) => titled(&rule, title),
            None => rule.clone(),
        }];
        let header: Vec<(&str, Align)> = self
            .columns
            .iter()
            .map(|(name, align)| (name.as_str(), *align))
            .collect();
        lines.push(row_line(&header, &widths));
        lines.push(rule.clone());
        for row in &self.rows {
            let cells: Vec<(&str, Align)> = self
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, align))| (row.get(i).map_or("", |c| c.text.as_str()), *align))
                .collect();
            lines.push(row_line(&cells, &widths));
        }
        lines.push(rule);
        lines.join("\n")
    }

    /// Tab-separated: the header line, then one line per row.
    pub fn render_tsv(&self) -> String {
        let mut lines = vec![self
            .columns
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join("\t")];
        for row in &self.rows {
            lines.push(
                row.iter()
                    .map(|c| c.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\t"),
            );
        }
        lines.join("\n")
    }

    /// A JSON array with one object per row, keyed by column name.
    /// The rows as a YAML list of mappings (the JSON form's objects), as `-f yaml` prints.
    pub fn render_yaml(&self) -> String {
        serde_norway::to_string(&self.to_json())
            .unwrap_or_default()
            .trim_end()
            .to_string()
    }

    pub fn to_json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    let mut object = Map::new();
                    for ((name, _), cell) in self.columns.iter().zip(row) {
                        object.insert(name.clone(), cell.json.clone());
                    }
                    Value::Object(object)
                })
                .collect(),
        )
    }
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// `+------+----+`
fn rule(widths: &[usize]) -> String {
    let mut line = String::from("+");
    for w in widths {
        line.push_str(&"-".repeat(w + 2));
        line.push('+');
    }
    line
}

/// patronictl's title: written over the top rule after its first `+`, cut to fit.
fn titled(rule: &str, title: &str) -> String {
    let room = width(rule).saturating_sub(2);
    let title: String = title.chars().take(room).collect();
    let rest: String = rule.chars().skip(1 + width(&title)).collect();
    format!("+{title}{rest}")
}

fn row_line(cells: &[(&str, Align)], widths: &[usize]) -> String {
    let mut line = String::from("|");
    for ((text, align), w) in cells.iter().zip(widths) {
        let pad = " ".repeat(w.saturating_sub(width(text)));
        match align {
            Align::Left => line.push_str(&format!(" {text}{pad} |")),
            Align::Right => line.push_str(&format!(" {pad}{text} |")),
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut table = Table::new(&["Member", "TL", "Lag in MB"])
            .align_right("TL")
            .align_right("Lag in MB");
        table
            .rows
            .push(vec![Cell::text("node1"), Cell::number(1), Cell::number(16)]);
        table
            .rows
            .push(vec![Cell::text("node3"), Cell::number(12), Cell::empty()]);
        table
    }

    #[test]
    fn boxed_with_right_aligned_numbers() {
        assert_eq!(
            sample().render(),
            "\
+--------+----+-----------+
| Member | TL | Lag in MB |
+--------+----+-----------+
| node1  |  1 |        16 |
| node3  | 12 |           |
+--------+----+-----------+"
        );
    }

    #[test]
    fn title_goes_into_the_top_border() {
        let mut table = sample();
        table.title = Some(" Cluster: demo (77) ".into());
        let first = table.render().lines().next().map(str::to_string);
        assert_eq!(first.as_deref(), Some("+ Cluster: demo (77) -----+"));
        table.title = Some(" Cluster: a-very-long-cluster-name (7712434073260532225) ".into());
        let rendered = table.render();
        let first = rendered.lines().next().unwrap_or_default();
        assert_eq!(first.len(), "+--------+----+-----------+".len());
        assert!(first.starts_with("+ Cluster: a-very-long"));
    }

    #[test]
    fn tsv_and_json_forms() {
        assert_eq!(
            sample().render_tsv(),
            "Member\tTL\tLag in MB\nnode1\t1\t16\nnode3\t12\t"
        );
        assert_eq!(
            sample().to_json(),
            serde_json::json!([
                {"Member": "node1", "TL": 1, "Lag in MB": 16},
                {"Member": "node3", "TL": 12, "Lag in MB": ""}
            ])
        );
    }

    #[test]
    fn empty_table_still_has_a_header() {
        let table = Table::new(&["TL", "LSN"]);
        assert_eq!(
            table.render(),
            "+----+-----+\n| TL | LSN |\n+----+-----+\n+----+-----+"
        );
    }
}
