//! The durable state of a batch run (SQLite, WAL, synchronous commits): what the run is
//! (care setting, environment, input hash) and where each row stands.
//!
//! A row is `pending`, then `sent` (committed after the pacer grants a request and before it
//! is written to the network), then `done` with its output record. A row left `sent` by a
//! process that died is *in doubt*: its request may have reached the service.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};

/// What a run is; a resumed run must be the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunKey {
    pub care_setting: String,
    pub environment: String,
    pub base_url: String,
    pub input_hash: String,
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

/// Create `path` as a new empty file, 0600, unless something is already there (a link
/// included, which is refused rather than followed).
fn create_private(path: &Path) -> Result<bool> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => return Ok(false),
        Ok(_) => {
            return Err(Error::usage(format!(
                "batch state {} is not a regular file",
                path.display()
            )))
        }
        Err(_) => {}
    }
    crate::private::create_new_private(path)
        .map_err(|e| Error::usage(format!("cannot create {}: {e}", path.display())))?;
    Ok(true)
}

impl State {
    /// Open (or create) the state at `path` for the run `key`. A state of another run is
    /// refused, naming the difference. Returns the state and whether it is a resumed run.
    pub fn open(path: &Path, key: &RunKey) -> Result<(State, bool)> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                crate::private::ensure_private_dir(dir)?;
            }
        }
        create_private(path)?;
        let err = db_error(path);
        let db = Connection::open(path).map_err(&err)?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(&err)?;
        db.pragma_update(None, "synchronous", "FULL")
            .map_err(&err)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS rows (
                 line INTEGER PRIMARY KEY,
                 nhs TEXT NOT NULL,
                 state TEXT NOT NULL,
                 status TEXT,
                 record TEXT
             );",
        )
        .map_err(&err)?;
        let get = |k: &str| -> Result<Option<String>> {
            db.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()
                .map_err(&err)
        };
        let fields = [
            ("care setting", "care_setting", &key.care_setting),
            ("environment", "environment", &key.environment),
            ("base URL", "base_url", &key.base_url),
            ("input file (content hash)", "input_hash", &key.input_hash),
        ];
        let resumed = get("care_setting")?.is_some();
        if resumed {
            for (label, k, want) in fields {
                let had = get(k)?.unwrap_or_default();
                if &had != want {
                    return Err(Error::usage(format!(
                        "the batch state {} belongs to another run: its {label} is {had}, this run's is {want}",
                        path.display()
                    ))
                    .with_hint("nothing was sent. Run it as before to resume it, or give this run its own --state and --output"));
                }
            }
        } else {
            for (_, k, v) in fields {
                db.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", [k, v])
                    .map_err(&err)?;
            }
        }
        Ok((State { db: Mutex::new(db) }, resumed))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RunKey {
        RunKey {
            care_setting: "unscheduled".into(),
            environment: "local".into(),
            base_url: "http://127.0.0.1:1/".into(),
            input_hash: "abc".into(),
        }
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
}
