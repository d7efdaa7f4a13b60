//! The one owner of the terminal: everything `cpis` writes to standard output and standard
//! error goes through here (notes, warnings, errors, messages, data), as do the facts about
//! the terminal (is it one, how wide, colour, box drawing) and the questions asked on it
//! ([`prompt`]). `tests/cli/architecture.rs` holds the rule: no other module prints.

pub mod progress;
pub mod prompt;

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Is standard output a terminal?
pub fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// Is standard error a terminal (where notes, questions and progress go)?
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

/// What a terminal can show, handed to `render` (which never asks for itself).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Terminal {
    /// The text goes to a terminal (not a file or a pipe).
    pub tty: bool,
    /// Its width in columns, when known.
    pub width: Option<u16>,
    /// Box drawing and other non-ASCII marks may be used.
    pub unicode: bool,
    /// Colour and bold may be used.
    pub colour: bool,
}

/// What standard output can show.
pub fn stdout_terminal() -> Terminal {
    Terminal {
        tty: stdout_is_terminal(),
        width: terminal_width(),
        unicode: unicode_marks(),
        colour: colour_enabled(),
    }
}

/// What standard error can show (a patient shown before a question).
pub fn stderr_terminal() -> Terminal {
    let tty = stderr_is_terminal();
    Terminal {
        tty,
        width: None,
        unicode: unicode_on(tty),
        colour: colour_on(tty),
    }
}

/// May a stream that is (`tty`) or is not a terminal show box drawing: not `TERM=dumb`, and a
/// UTF-8 locale?
fn unicode_on(tty: bool) -> bool {
    tty && !term_is_dumb() && utf8_locale()
}

/// May a stream that is (`tty`) or is not a terminal show colour: not `TERM=dumb`, and no
/// `NO_COLOR`?
fn colour_on(tty: bool) -> bool {
    tty && !term_is_dumb() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A note on standard error (`note: ...`); the caller decides whether `--quiet` silences it.
pub fn note(msg: &str) {
    eprintln!("note: {msg}");
}

/// A warning on standard error (`warning: ...`), shown even with `--quiet`.
pub fn warning(msg: &str) {
    eprintln!("warning: {msg}");
}

/// An error (or any message that is complete as it is) as a line on standard error.
pub fn message(msg: &dyn std::fmt::Display) {
    eprintln!("{msg}");
}

/// Text on standard error exactly as given (a block that ends its own lines).
pub fn text(s: &str) {
    eprint!("{s}");
    let _ = io::stderr().flush();
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
    unicode_on(stdout_is_terminal())
}

/// The terminal's width in columns, from standard output.
pub fn terminal_width() -> Option<u16> {
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

/// Is colour allowed on stdout? Not when it is not a terminal, is `TERM=dumb`, or `NO_COLOR`
/// is set.
pub fn colour_enabled() -> bool {
    colour_on(stdout_is_terminal())
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
