//! Every command's output goes through here: tables for people, JSON and CSV for scripts.
//! Pure: what the terminal can show is given ([`Terminal`], from `ui`), never asked for.
//! Text from the server is neutralised before it reaches a terminal.

pub mod alert;
pub mod auth;
pub mod config;
pub mod doctor;
pub mod lookup;
pub mod sandbox;

use comfy_table::{presets, ContentArrangement, Table};

use crate::sanitize::{csv_cell, sanitize};
use crate::ui::Terminal;

/// A table cell from an optional server value: sanitised, or `-` when absent.
pub fn cell(v: Option<&str>) -> String {
    v.map(sanitize).unwrap_or_else(|| "-".to_string())
}

/// A table styled for the terminal (or plain ASCII when stdout is not one, or the terminal
/// or locale cannot show box-drawing).
pub fn new_table(headers: &[&str], term: &Terminal) -> Table {
    let mut t = Table::new();
    if term.tty {
        t.load_preset(if term.unicode {
            presets::UTF8_FULL_CONDENSED
        } else {
            presets::ASCII_MARKDOWN
        })
        .set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        t.load_preset(presets::ASCII_MARKDOWN)
            .set_content_arrangement(ContentArrangement::Disabled);
    }
    t.set_header(headers.iter().copied());
    t
}

/// A table for people. Off a terminal, the plain table. On a terminal, the columns marked
/// `unbreakable` (dates, phone numbers, statuses) are never wrapped inside; and when even
/// then the table is wider than the terminal, each row is printed as `key: value` lines
/// instead, a value that does not fit beside its key going on the next line whole.
pub fn fitted_table(
    headers: &[&str],
    rows: &[Vec<String>],
    unbreakable: &[bool],
    term: &Terminal,
) -> String {
    let mut t = new_table(headers, term);
    for r in rows {
        t.add_row(r.clone());
    }
    if !term.tty {
        return t.to_string();
    }
    let Some(width) = term.width.or_else(|| t.width()) else {
        return t.to_string();
    };
    let width = usize::from(width);
    let chars = |s: &str| s.chars().count();
    let longest_word = |s: &str| s.split_whitespace().map(chars).max().unwrap_or(0);
    let mins: Vec<usize> = (0..headers.len())
        .map(|i| {
            let cells = rows.iter().filter_map(|r| r.get(i)).map(String::as_str);
            let content = if unbreakable.get(i).copied().unwrap_or(false) {
                cells.map(|c| c.lines().map(chars).max().unwrap_or(0)).max()
            } else {
                cells.map(longest_word).max()
            };
            content.unwrap_or(0).max(longest_word(headers[i]))
        })
        .collect();
    // `│ a │ b │`: a border and a space each side of every cell.
    let needed = mins.iter().sum::<usize>() + 3 * headers.len() + 1;
    if needed > width {
        return records(headers, rows, width);
    }
    for (i, col) in t.column_iter_mut().enumerate() {
        if unbreakable.get(i).copied().unwrap_or(false) {
            col.set_constraint(comfy_table::ColumnConstraint::LowerBoundary(
                // The width comfy-table gives a column includes its padding.
                comfy_table::Width::Fixed(u16::try_from(mins[i] + 2).unwrap_or(u16::MAX)),
            ));
        }
    }
    t.to_string()
}

/// Rows as `key: value` lines, for a terminal too narrow for the table.
fn records(headers: &[&str], rows: &[Vec<String>], width: usize) -> String {
    let pad = headers.iter().map(|h| h.chars().count()).max().unwrap_or(0) + 2;
    let mut out = String::new();
    for (n, r) in rows.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{} of {}\n", n + 1, rows.len()));
        for (h, v) in headers.iter().zip(r) {
            let key = format!("{h}:");
            let v = v.replace('\n', " ");
            let len = v.chars().count();
            if pad + len <= width {
                out.push_str(&format!("{key:<pad$}{v}\n"));
            } else if key.chars().count() + 1 + len <= width {
                out.push_str(&format!("{key} {v}\n"));
            } else {
                out.push_str(&format!("{key}\n  {v}\n"));
            }
        }
    }
    out
}

/// Bold text when colour is allowed.
pub fn bold(s: &str, term: &Terminal) -> String {
    if term.colour {
        format!("\x1b[1m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// Serialise any value as pretty JSON with a trailing newline.
pub fn json<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("serialisable");
    s.push('\n');
    s
}

/// CSV text from rows (first row is the header). Values are sanitised and never formulas.
pub fn csv(rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r.iter().map(|v| csv_cell(v)))
            .expect("write to memory");
    }
    String::from_utf8(w.into_inner().expect("flush to memory")).expect("utf-8 in, utf-8 out")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_as_needed() {
        let s = csv(&[
            vec!["a".into(), "b".into()],
            vec!["x, y".into(), "\"q\"".into()],
        ]);
        assert_eq!(s, "a,b\n\"x, y\",\"\"\"q\"\"\"\n");
    }
}
