//! Every command's output goes through here: tables for people, JSON and CSV for scripts.
//! Text from the server is neutralised before it reaches a terminal.

pub mod lookup;

use std::io::{self, IsTerminal, Write};

use comfy_table::{presets, ContentArrangement, Table};

pub use crate::sanitize::{csv_cell, sanitize};

/// A table cell from an optional server value: sanitised, or `-` when absent.
pub fn cell(v: Option<&str>) -> String {
    v.map(sanitize).unwrap_or_else(|| "-".to_string())
}

/// A table styled for the terminal (or plain ASCII when stdout is not one).
pub fn new_table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    if io::stdout().is_terminal() {
        t.load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        t.load_preset(presets::ASCII_MARKDOWN)
            .set_content_arrangement(ContentArrangement::Disabled);
    }
    t.set_header(headers.iter().copied());
    t
}

/// Is colour allowed on stdout? Not when it is not a terminal or `NO_COLOR` is set.
pub fn colour_enabled() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Bold text when colour is allowed.
pub fn bold(s: &str) -> String {
    if colour_enabled() {
        format!("\x1b[1m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// Write to stdout; a closed pipe (`cpis ... | head`) is not an error.
pub fn print_stdout(text: &str) -> io::Result<()> {
    write_stdout(text.as_bytes())
}

/// Write a path and a newline to stdout exactly as the OS holds it (a path need not be UTF-8).
pub fn print_path(path: &std::path::Path) -> io::Result<()> {
    let mut bytes = path.as_os_str().as_encoded_bytes().to_vec();
    bytes.push(b'\n');
    write_stdout(&bytes)
}

fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
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
