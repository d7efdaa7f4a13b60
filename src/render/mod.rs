//! Every command's output goes through here: tables for people, JSON and CSV for scripts.
//! Text from the server is neutralised before it reaches a terminal.

pub mod lookup;

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use comfy_table::{presets, ContentArrangement, Table};

pub use crate::sanitize::{csv_cell, sanitize};

/// A table cell from an optional server value: sanitised, or `-` when absent.
pub fn cell(v: Option<&str>) -> String {
    v.map(sanitize).unwrap_or_else(|| "-".to_string())
}

/// `TERM=dumb`: a terminal that understands no escape sequences at all.
pub fn term_is_dumb() -> bool {
    std::env::var_os("TERM").is_some_and(|t| t == "dumb")
}

/// Does the locale say UTF-8 (`LC_ALL`, else `LC_CTYPE`, else `LANG`, the first one set)?
/// No locale at all is the C locale: not UTF-8.
pub fn utf8_locale() -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(std::env::var_os)
        .find(|v| !v.is_empty())
        .is_some_and(|v| {
            let v = v.to_string_lossy().to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        })
}

/// May stdout show box-drawing and other non-ASCII marks: a terminal, not `TERM=dumb`, and
/// a UTF-8 locale?
pub fn unicode_marks() -> bool {
    io::stdout().is_terminal() && !term_is_dumb() && utf8_locale()
}

/// A table styled for the terminal (or plain ASCII when stdout is not one, or the terminal
/// or locale cannot show box-drawing).
pub fn new_table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    if io::stdout().is_terminal() {
        t.load_preset(if unicode_marks() {
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
pub fn fitted_table(headers: &[&str], rows: &[Vec<String>], unbreakable: &[bool]) -> String {
    let mut t = new_table(headers);
    for r in rows {
        t.add_row(r.clone());
    }
    if !io::stdout().is_terminal() {
        return t.to_string();
    }
    let Some(width) = terminal_width().or_else(|| t.width()) else {
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

/// The terminal's width in columns, from standard output.
fn terminal_width() -> Option<u16> {
    #[cfg(unix)]
    {
        // SAFETY: TIOCGWINSZ on fd 1 into a zeroed winsize.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        if unsafe { libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) } == 0 && ws.ws_col > 0 {
            return Some(ws.ws_col);
        }
    }
    None
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

/// Is colour allowed on stdout? Not when it is not a terminal, is `TERM=dumb`, or `NO_COLOR`
/// is set.
pub fn colour_enabled() -> bool {
    io::stdout().is_terminal()
        && !term_is_dumb()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Bold text when colour is allowed.
pub fn bold(s: &str) -> String {
    if colour_enabled() {
        format!("\x1b[1m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// Standard output was closed when the process started (`cpis ... >&-`).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// Whoever read standard output has gone (`cpis ... | head -1`): the run ends quietly.
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
/// The command this run is (`lookup`), for errors about its output.
static COMMAND: OnceLock<String> = OnceLock::new();

/// Before anything else: a standard stream that is closed (`>&-`) is opened on `/dev/null`,
/// so that no file or socket the process opens later takes its number (and data written to
/// "standard output" never lands in it). A closed standard output is remembered: data for it
/// is refused instead of silently lost.
pub fn guard_standard_streams() {
    #[cfg(unix)]
    for fd in 0..=2 {
        // SAFETY: fcntl/open/dup2/close on small integers; no memory is shared.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) == -1
                && io::Error::last_os_error().raw_os_error() == Some(libc::EBADF)
            {
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
                if null >= 0 && null != fd {
                    libc::dup2(null, fd);
                    libc::close(null);
                } else if null == fd {
                    // Keep it open across exec of nothing: clear close-on-exec for a std fd.
                    libc::fcntl(fd, libc::F_SETFD, 0);
                }
                if fd == 1 {
                    STDOUT_CLOSED.store(true, Ordering::SeqCst);
                }
            }
        }
    }
    // Rust's runtime has already opened /dev/null read-write on a standard stream that was
    // closed at exec; a shell's `> /dev/null` opens it write-only. So standard output on
    // /dev/null read-write means it was closed.
    #[cfg(unix)]
    if stdout_is_null_read_write() {
        STDOUT_CLOSED.store(true, Ordering::SeqCst);
    }
}

#[cfg(unix)]
fn stdout_is_null_read_write() -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: fcntl and fstat on fd 1 into a zeroed stat; no memory is shared.
    unsafe {
        let flags = libc::fcntl(1, libc::F_GETFL);
        if flags == -1 || flags & libc::O_ACCMODE != libc::O_RDWR {
            return false;
        }
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(1, &mut st) != 0 || st.st_mode & libc::S_IFMT != libc::S_IFCHR {
            return false;
        }
        std::fs::metadata("/dev/null").is_ok_and(|m| m.rdev() == st.st_rdev as u64)
    }
}

/// Name the command this run is, for errors about its output.
pub fn set_command(name: &str) {
    let _ = COMMAND.set(name.to_string());
}

fn command() -> &'static str {
    COMMAND.get().map_or("cpis", String::as_str)
}

/// Has the reader of standard output gone away (a closed pipe)?
pub fn stdout_gone() -> bool {
    STDOUT_GONE.load(Ordering::SeqCst)
}

/// Refuse to start a command whose data would have nowhere to go: standard output closed.
pub fn require_stdout() -> crate::error::Result<()> {
    if STDOUT_CLOSED.load(Ordering::SeqCst) {
        return Err(crate::error::Error::usage(format!(
            "standard output is closed, so the output of `cpis {}` could not be written",
            command()
        ))
        .with_hint("nothing was sent; send the output somewhere (a file, a pipe, or `> /dev/null` to discard it)"));
    }
    Ok(())
}

/// Why data could not be written to standard output, naming what it was.
fn stdout_error(e: &io::Error) -> io::Error {
    let why = if STDOUT_CLOSED.load(Ordering::SeqCst) {
        "it is closed".to_string()
    } else {
        e.to_string()
    };
    io::Error::new(
        e.kind(),
        format!(
            "cannot write the output of `cpis {}` to standard output: {why}",
            command()
        ),
    )
}

/// Standard output as a writer for long runs (`batch`): a closed pipe is remembered (the run
/// then ends quietly), a closed or full standard output is an error naming it.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if STDOUT_CLOSED.load(Ordering::SeqCst) {
            return Err(stdout_error(&io::Error::from(io::ErrorKind::BrokenPipe)));
        }
        io::stdout().write(buf).map_err(|e| gone_or(&e))
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stdout().flush().map_err(|e| gone_or(&e))
    }
}

fn gone_or(e: &io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        STDOUT_GONE.store(true, Ordering::SeqCst);
    }
    stdout_error(e)
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
    if STDOUT_CLOSED.load(Ordering::SeqCst) {
        return Err(stdout_error(&io::Error::from(io::ErrorKind::BrokenPipe)));
    }
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            STDOUT_GONE.store(true, Ordering::SeqCst);
            Ok(())
        }
        Err(e) => Err(stdout_error(&e)),
        Ok(()) => Ok(()),
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
