//! The durable state of a batch run (SQLite, WAL, synchronous commits): what the run is
//! (care setting, environment, base URLs, PDS, input hash, column, format, output) and where
//! each row stands; and the lock that keeps two runs off the same state or output.
//!
//! A row is `pending`, then `sent` (committed after the pacer grants a request and before it
//! is written to the network), then `done` with its output record. A row left `sent` by a
//! process that died is *in doubt*: its request may have reached the service.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};

/// What a run is; a resumed run must be the same in every field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunKey {
    pub care_setting: String,
    pub environment: String,
    /// The CP-IS base URL.
    pub base_url: String,
    pub input_hash: String,
    /// `on` or `off`.
    pub pds: String,
    pub pds_base_url: String,
    /// `--column`, or `none` for one number per line.
    pub column: String,
    /// `--format`.
    pub format: String,
    /// The output file (absolute), or `standard output`.
    pub output: String,
    /// `fhir`, or `flags` with the Patient Flags base URL and path.
    pub route: String,
}

impl RunKey {
    /// (label in messages, key in the state, value).
    fn fields(&self) -> [(&'static str, &'static str, &str); 10] {
        [
            ("care setting", "care_setting", &self.care_setting),
            ("environment", "environment", &self.environment),
            ("base URL", "base_url", &self.base_url),
            ("input file (content hash)", "input_hash", &self.input_hash),
            ("PDS verification", "pds", &self.pds),
            ("PDS base URL", "pds_base_url", &self.pds_base_url),
            ("--column", "column", &self.column),
            ("--format", "format", &self.format),
            ("output", "output", &self.output),
            ("route", "route", &self.route),
        ]
    }
}

/// Where a row stands in the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowState {
    Pending,
    Sent,
    /// Done, with the record's status (`plan`, `error`, ...) and the record itself.
    Done {
        status: String,
        record: String,
    },
}

pub struct State {
    db: Mutex<Connection>,
}

fn db_error(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::unexpected(format!("batch state {}: {e}", path.display()))
}

/// SQLite's companion files of the state at `path` (write-ahead log, shared memory).
fn companions(path: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    })
}

/// Create `path` as a new empty file, 0600, unless one of ours is already there; anything
/// else there (a link, another's file, a file open to others, a file with another name) is
/// refused rather than used. SQLite's companion files, when there, are checked the same way.
fn create_private(path: &Path) -> Result<bool> {
    let existed = crate::private::check_existing_private_file(path, "batch state")?;
    for c in companions(path) {
        crate::private::check_existing_private_file(&c, "batch state")?;
    }
    if existed {
        return Ok(false);
    }
    crate::private::create_new_private(path)
        .map_err(|e| Error::usage(format!("cannot create {}: {e}", path.display())))?;
    Ok(true)
}

/// The identity of the file at `path`, not following a link.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_: &Path) -> Option<(u64, u64)> {
    None
}

/// The state holds NHS numbers and what was found: its directory, and every one above it (up
/// to home, or `/`), must be one no other user could change (sticky ones such as `/tmp` are
/// fine), or the state could be swapped between runs. The state file itself is checked as one
/// of ours.
fn check_state_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    crate::private::check_safe_dir(dir)
}

/// Make sure the directory a file is to be created in exists (created private if not).
pub fn ensure_parent(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            crate::private::ensure_private_dir(dir)?;
        }
    }
    Ok(())
}

/// An exclusive lock on a file beside a batch's state or output (`NAME.lock`), held for the
/// whole run, with the holder's pid and start time written in it. The lock file is created
/// 0600, never through a link, and is left in place afterwards (removing it could let two
/// runs lock two different files of the same name); it holds nothing once the run has ended.
pub struct RunLock {
    _file: std::fs::File,
}

/// `path` + `.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

impl RunLock {
    /// Lock `lock_path(of)` or exit 2 at once, naming the run that holds it. `what` names
    /// `of` ("batch state", "output").
    pub fn acquire(of: &Path, what: &str) -> Result<RunLock> {
        use std::io::{Read, Seek, Write};
        let path = lock_path(of);
        ensure_parent(&path)?;
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        let mut file = o.open(&path).map_err(|e| {
            let err = Error::usage(format!("cannot open the lock file {}: {e}", path.display()));
            #[cfg(unix)]
            if e.raw_os_error() == Some(libc::ELOOP) {
                return err.with_hint(
                    "nothing was sent; it is a symbolic link, which is refused, not followed: move it away",
                );
            }
            err.with_hint("nothing was sent")
        })?;
        let meta = file
            .metadata()
            .map_err(|e| Error::unexpected(format!("cannot inspect {}: {e}", path.display())))?;
        crate::private::check_private_file(&path, "batch lock file", &meta)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut held = String::new();
                let _ = file.read_to_string(&mut held);
                let held = crate::sanitize::sanitize(held.trim());
                let holder = if held.is_empty() {
                    "pid unknown (it has only just started)".to_string()
                } else {
                    held.lines().collect::<Vec<_>>().join(", ")
                };
                return Err(Error::usage(format!(
                    "another batch run is using the {what} {}: {holder}",
                    of.display()
                ))
                .with_hint("nothing was sent; one run at a time per state and output: wait for it to end (or stop it), then run this again"));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::unexpected(format!(
                    "cannot lock {}: {e}",
                    path.display()
                )))
            }
        }
        let started = crate::timeutil::rfc3339(std::time::SystemTime::now());
        let text = format!("pid {}\nstarted {started}\n", std::process::id());
        file.set_len(0)
            .and_then(|_| file.seek(std::io::SeekFrom::Start(0)))
            .and_then(|_| file.write_all(text.as_bytes()))
            .and_then(|_| file.sync_all())
            .map_err(|e| Error::unexpected(format!("cannot write {}: {e}", path.display())))?;
        Ok(RunLock { _file: file })
    }
}

impl State {
    /// Open (or create) the state at `path` for the run `key`. A state of another run is
    /// refused, naming the difference; so is a file there that is not one of ours. Returns
    /// the state and whether it is a resumed run.
    pub fn open(path: &Path, key: &RunKey) -> Result<(State, bool)> {
        ensure_parent(path)?;
        check_state_dir(path)?;
        create_private(path)?;
        let before = identity(path);
        let err = db_error(path);
        let db = Connection::open(path).map_err(&err)?;
        // The file SQLite opened is the one checked (nothing was swapped in between).
        if identity(path) != before {
            return Err(Error::usage(format!(
                "batch state {} changed while it was being opened",
                path.display()
            )));
        }
        Self::init(db, key, &err, path)
    }

    /// A state that lives only as long as the run (standard output without `--state`): in
    /// SQLite's temporary tables, kept in a temporary file (removed when it is opened, so it
    /// is private and gone with the process) with only their cache in memory, so that a run
    /// of a million rows does not hold a million records.
    pub fn in_memory(key: &RunKey) -> Result<State> {
        let path = Path::new(":memory:");
        let err = db_error(path);
        let db = Connection::open_in_memory().map_err(&err)?;
        Self::init(db, key, &err, path).map(|(s, _)| s)
    }

    /// Remove the state at `path` and SQLite's companion files (`--fresh`). Each must be
    /// one of ours.
    pub fn discard(path: &Path) -> Result<()> {
        check_state_dir(path)?;
        let all = std::iter::once(path.to_path_buf()).chain(companions(path));
        for p in all {
            if crate::private::check_existing_private_file(&p, "batch state")? {
                std::fs::remove_file(&p).map_err(|e| {
                    Error::unexpected(format!("cannot remove {}: {e}", p.display()))
                })?;
            }
        }
        Ok(())
    }

    fn init(
        db: Connection,
        key: &RunKey,
        err: &impl Fn(rusqlite::Error) -> Error,
        path: &Path,
    ) -> Result<(State, bool)> {
        let temp = if path != Path::new(":memory:") {
            db.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
            db.pragma_update(None, "synchronous", "FULL").map_err(err)?;
            ""
        } else {
            // Temporary tables come first in name resolution: the same queries use them.
            db.execute_batch("PRAGMA temp_store = FILE; PRAGMA temp.cache_size = -2048;")
                .map_err(err)?;
            "TEMP"
        };
        db.execute_batch(&format!(
            "CREATE {temp} TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE {temp} TABLE IF NOT EXISTS rows (
                 line INTEGER PRIMARY KEY,
                 nhs TEXT NOT NULL,
                 state TEXT NOT NULL,
                 status TEXT,
                 record TEXT
             );"
        ))
        .map_err(err)?;
        let get = |k: &str| -> Result<Option<String>> {
            db.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()
                .map_err(err)
        };
        let resumed = get("care_setting")?.is_some();
        if resumed {
            for (label, k, want) in key.fields() {
                let had = get(k)?;
                if had.as_deref() != Some(want) {
                    let had = had.unwrap_or_else(|| "not recorded (an older state)".into());
                    return Err(Error::usage(format!(
                        "the batch state {} belongs to another run: its {label} is {had}, this run's is {want}",
                        path.display()
                    ))
                    .with_hint("nothing was sent. Run it exactly as before to resume it, give this run its own --state and --output, or --fresh to discard that state and start again"));
                }
            }
        } else {
            for (_, k, v) in key.fields() {
                db.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", [k, v])
                    .map_err(err)?;
            }
        }
        Ok((State { db: Mutex::new(db) }, resumed))
    }

    /// The rows done so far, by status (this run's and every earlier run's).
    pub fn totals(&self) -> Result<HashMap<String, u64>> {
        self.with(|db| {
            let mut stmt = db.prepare(
                "SELECT status, COUNT(*) FROM rows WHERE state = 'done' GROUP BY status",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    r.get::<_, i64>(1)? as u64,
                ))
            })?;
            rows.collect()
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let db = self.db.lock().unwrap_or_else(|e| e.into_inner());
        f(&db).map_err(|e| Error::unexpected(format!("batch state: {e}")))
    }

    /// Where the row at `line` stands (pending if never seen).
    pub fn row(&self, line: u64) -> Result<RowState> {
        let got: Option<(String, Option<String>, Option<String>)> = self.with(|db| {
            db.query_row(
                "SELECT state, status, record FROM rows WHERE line = ?1",
                [line as i64],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
        })?;
        Ok(match got {
            None => RowState::Pending,
            Some((s, status, record)) => match s.as_str() {
                "sent" => RowState::Sent,
                "done" => RowState::Done {
                    status: status.unwrap_or_default(),
                    record: record.unwrap_or_default(),
                },
                _ => RowState::Pending,
            },
        })
    }

    /// Rows already done, not counting those whose status is in `again` (queried again).
    pub fn done_count(&self, again: &[&str]) -> Result<u64> {
        self.with(|db| {
            let mut stmt = db.prepare("SELECT status FROM rows WHERE state = 'done'")?;
            let mut rows = stmt.query([])?;
            let mut n = 0u64;
            while let Some(r) = rows.next()? {
                let status: Option<String> = r.get(0)?;
                if !again.contains(&status.as_deref().unwrap_or("")) {
                    n += 1;
                }
            }
            Ok(n)
        })
    }

    /// The request for `line` is about to be written to the network (committed, synced).
    pub fn mark_sent(&self, line: u64, nhs: &str) -> Result<()> {
        self.with(|db| {
            db.execute(
                "INSERT INTO rows (line, nhs, state) VALUES (?1, ?2, 'sent')
                 ON CONFLICT(line) DO UPDATE SET state = 'sent'",
                params![line as i64, nhs],
            )
            .map(|_| ())
        })
    }

    /// The row's record, before it is written to the output.
    pub fn mark_done(&self, line: u64, nhs: &str, status: &str, record: &str) -> Result<()> {
        self.with(|db| {
            db.execute(
                "INSERT INTO rows (line, nhs, state, status, record) VALUES (?1, ?2, 'done', ?3, ?4)
                 ON CONFLICT(line) DO UPDATE SET state = 'done', status = ?3, record = ?4",
                params![line as i64, nhs, status, record],
            )
            .map(|_| ())
        })
    }
}

/// What a run knows about the numbers of its input, kept out of memory: the first line of
/// each number (filled as the input is first read, then claimed by superseded rows for their
/// current numbers), and on a resumed run the lines whose records are already in the output.
///
/// It lives in a temporary SQLite database on disk (a few MiB of cache; the file is private
/// to the process and removed as soon as it is opened, so nothing is left behind), so a
/// million rows cost no more memory than a thousand.
pub struct Numbers {
    db: Mutex<Connection>,
}

impl Numbers {
    pub fn new() -> Result<Numbers> {
        let err = |e: rusqlite::Error| Error::unexpected(format!("batch scratch database: {e}"));
        let db = Connection::open_in_memory().map_err(err)?;
        // An attached database named "" is a temporary file: with temp_store = FILE it is on
        // disk (only its cache in memory), and deleted when the connection closes.
        db.execute_batch(
            "PRAGMA temp_store = FILE;
             ATTACH DATABASE '' AS scratch;
             PRAGMA scratch.cache_size = -2048;
             PRAGMA scratch.journal_mode = OFF;
             PRAGMA scratch.synchronous = OFF;
             CREATE TABLE scratch.first (nhs INTEGER PRIMARY KEY, line INTEGER NOT NULL);
             CREATE TABLE scratch.written (line INTEGER PRIMARY KEY);",
        )
        .map_err(err)?;
        Ok(Numbers { db: Mutex::new(db) })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let db = self.db.lock().unwrap_or_else(|e| e.into_inner());
        f(&db).map_err(|e| Error::unexpected(format!("batch scratch database: {e}")))
    }

    /// Group many changes into one transaction (`begin`, then `commit`): much faster.
    pub fn begin(&self) -> Result<()> {
        self.with(|db| db.execute_batch("BEGIN"))
    }

    pub fn commit(&self) -> Result<()> {
        self.with(|db| db.execute_batch("COMMIT"))
    }

    /// The first line of `nhs`, which is `line` when it has none yet (recorded).
    pub fn first_or_insert(&self, nhs: u64, line: u64) -> Result<u64> {
        self.with(|db| {
            let got: Option<i64> = db
                .prepare_cached("SELECT line FROM scratch.first WHERE nhs = ?1")?
                .query_row([nhs as i64], |r| r.get(0))
                .optional()?;
            match got {
                Some(l) => Ok(l as u64),
                None => {
                    db.prepare_cached("INSERT INTO scratch.first (nhs, line) VALUES (?1, ?2)")?
                        .execute([nhs as i64, line as i64])?;
                    Ok(line)
                }
            }
        })
    }

    /// The first line of `nhs`, when it has one.
    pub fn first(&self, nhs: u64) -> Result<Option<u64>> {
        self.with(|db| {
            db.prepare_cached("SELECT line FROM scratch.first WHERE nhs = ?1")?
                .query_row([nhs as i64], |r| r.get::<_, i64>(0))
                .optional()
                .map(|l| l.map(|l| l as u64))
        })
    }

    /// The line written as already in the output.
    pub fn mark_written(&self, line: u64) -> Result<()> {
        self.with(|db| {
            db.prepare_cached("INSERT OR IGNORE INTO scratch.written (line) VALUES (?1)")?
                .execute([line as i64])
                .map(|_| ())
        })
    }

    /// Is the record of `line` already in the output?
    pub fn written(&self, line: u64) -> Result<bool> {
        self.with(|db| {
            db.prepare_cached("SELECT 1 FROM scratch.written WHERE line = ?1")?
                .query_row([line as i64], |_| Ok(()))
                .optional()
                .map(|r| r.is_some())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RunKey {
        RunKey {
            care_setting: "unscheduled".into(),
            environment: "local".into(),
            base_url: "http://127.0.0.1:1/".into(),
            input_hash: "abc".into(),
            pds: "on".into(),
            pds_base_url: "http://127.0.0.1:1/pds".into(),
            column: "none".into(),
            format: "jsonl".into(),
            output: "standard output".into(),
            route: "fhir".into(),
        }
    }

    #[test]
    fn numbers_keep_the_first_line_and_the_written_lines() {
        let n = Numbers::new().unwrap();
        n.begin().unwrap();
        assert_eq!(n.first_or_insert(9990000018, 3).unwrap(), 3);
        assert_eq!(n.first_or_insert(9990000018, 7).unwrap(), 3);
        n.commit().unwrap();
        assert_eq!(n.first(9990000018).unwrap(), Some(3));
        assert_eq!(n.first(9990000026).unwrap(), None);
        assert!(!n.written(4).unwrap());
        n.mark_written(4).unwrap();
        n.mark_written(4).unwrap();
        assert!(n.written(4).unwrap());
    }

    #[test]
    fn rows_move_from_pending_to_sent_to_done_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.state");
        let (s, resumed) = State::open(&path, &key()).unwrap();
        assert!(!resumed);
        assert_eq!(s.row(3).unwrap(), RowState::Pending);
        s.mark_sent(3, "9990000077").unwrap();
        s.mark_sent(4, "9990000018").unwrap();
        s.mark_done(4, "9990000018", "plan", "{}").unwrap();
        s.mark_done(5, "9990000026", "error", "{}").unwrap();
        assert_eq!(s.done_count(&[]).unwrap(), 2);
        assert_eq!(s.done_count(&["error"]).unwrap(), 1);
        drop(s);
        let (s, resumed) = State::open(&path, &key()).unwrap();
        assert!(resumed);
        assert_eq!(s.row(3).unwrap(), RowState::Sent);
        assert_eq!(
            s.row(4).unwrap(),
            RowState::Done {
                status: "plan".into(),
                record: "{}".into()
            }
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let other = RunKey {
            care_setting: "scheduled".into(),
            ..key()
        };
        let e = State::open(&path, &other).err().unwrap();
        assert!(
            e.message
                .contains("care setting is unscheduled, this run's is scheduled"),
            "{}",
            e.message
        );
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn a_held_lock_is_refused_naming_its_holder_and_a_linked_one_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("run.state");
        let held = RunLock::acquire(&state, "batch state").unwrap();
        let e = RunLock::acquire(&state, "batch state").err().unwrap();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.message.contains(&format!(
                "batch state {}: pid {}",
                state.display(),
                std::process::id()
            )),
            "{}",
            e.message
        );
        drop(held);
        RunLock::acquire(&state, "batch state").unwrap();
        #[cfg(unix)]
        {
            let victim = dir.path().join("victim");
            std::fs::write(&victim, "victim").unwrap();
            let other = dir.path().join("other.state");
            std::os::unix::fs::symlink(&victim, lock_path(&other)).unwrap();
            let e = RunLock::acquire(&other, "batch state").err().unwrap();
            assert!(e.hint.unwrap().contains("symbolic link"));
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "victim");
        }
    }
}
