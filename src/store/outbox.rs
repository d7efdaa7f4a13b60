//! The alert outbox: every alert, written (and synced) before its first attempt, with where it
//! stands. SQLite in WAL mode with synchronous commits, in a 0600 file in a 0700 directory
//! under the data directory.
//!
//! States: `pending` (written; not known to have arrived: never tried, not delivered, or an
//! unknown outcome, or an answer that did not show the service holds it), `sent` (the service
//! answered 2xx showing it holds the alert; `reference` holds its reference) and
//! `failed` (the service refused it with an OperationOutcome; `detail` says why).
//!
//! A kept alert is resent exactly as it was made: `cpis alert retry` neither verifies the
//! patient on PDS again nor reads the plan again.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};

/// One alert as kept.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// The UUID of the alert's identifier (and its `X-Request-ID`).
    pub id: String,
    pub created: String,
    pub state: String,
    /// The number the alert was made for: the patient's current number as PDS gave it (the
    /// number typed, with `--no-pds`). A retry resends the stored body without asking PDS
    /// again.
    pub nhs_number: String,
    pub local_authority: String,
    pub appointment: String,
    /// Where it is POSTed.
    pub url: String,
    pub attempts: i64,
    pub last_attempt: Option<String>,
    /// The service's reference (`Communication/{id}`) once sent.
    pub reference: Option<String>,
    /// The last outcome in words.
    pub detail: Option<String>,
    /// The exact FHIR body sent on every attempt.
    #[serde(skip)]
    pub body: String,
}

pub struct Outbox {
    db: Connection,
    path: PathBuf,
}

/// `{data dir}/alerts/outbox.sqlite`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("alerts").join("outbox.sqlite")
}

impl Outbox {
    /// Open the outbox, creating its directory (0700) and file (0600) when missing. A link or
    /// anything but a regular file in its place is refused.
    pub fn open(data_dir: Option<&Path>) -> Result<Outbox> {
        let data_dir = data_dir.ok_or_else(|| {
            Error::usage("no data directory for the alert outbox")
                .with_hint("set CPIS_DATA_DIR to a directory of your own")
        })?;
        let path = path(data_dir);
        // The data directory and its `alerts` directory are checked (and the file made)
        // through open handles; SQLite then opens the file by its path, which no other user
        // can change (every directory above it is checked).
        let dir = crate::private::open_private_dir(data_dir)?.subdir("alerts")?;
        let name = "outbox.sqlite";
        let meta = dir
            .metadata_of(name)
            .map_err(|e| Error::unexpected(format!("cannot inspect {}: {e}", path.display())))?;
        match meta {
            Some(m) if m.file_type().is_file() => {}
            Some(_) => {
                return Err(Error::usage(format!(
                    "the alert outbox {} is not a regular file",
                    path.display()
                )))
            }
            None => {
                dir.create_new(name).map_err(|e| {
                    Error::unexpected(format!("cannot create {}: {e}", path.display()))
                })?;
            }
        }
        let err = |e: rusqlite::Error| Error::unexpected(format!("alert outbox: {e}"));
        let db = Connection::open(&path).map_err(err)?;
        db.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        db.pragma_update(None, "synchronous", "FULL").map_err(err)?;
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS alerts (
                 id TEXT PRIMARY KEY,
                 created TEXT NOT NULL,
                 state TEXT NOT NULL,
                 nhs_number TEXT NOT NULL,
                 local_authority TEXT NOT NULL,
                 appointment TEXT NOT NULL,
                 url TEXT NOT NULL,
                 body TEXT NOT NULL,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 last_attempt TEXT,
                 reference TEXT,
                 detail TEXT
             );",
        )
        .map_err(err)?;
        Ok(Outbox { db, path })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |e| Error::unexpected(format!("alert outbox {}: {e}", self.path.display()))
    }

    /// Keep a new alert as pending (committed before this returns).
    pub fn add(&self, row: &Row) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO alerts (id, created, state, nhs_number, local_authority, appointment, url, body)
                 VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?6, ?7)",
                params![
                    row.id,
                    row.created,
                    row.nhs_number,
                    row.local_authority,
                    row.appointment,
                    row.url,
                    row.body
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Count an attempt about to be made (committed before the request is written).
    pub fn attempt(&self, id: &str, at: &str) -> Result<()> {
        self.db
            .execute(
                "UPDATE alerts SET attempts = attempts + 1, last_attempt = ?2 WHERE id = ?1",
                params![id, at],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Record where an alert now stands.
    pub fn set(&self, id: &str, state: &str, reference: Option<&str>, detail: &str) -> Result<()> {
        self.db
            .execute(
                "UPDATE alerts SET state = ?2, reference = COALESCE(?3, reference), detail = ?4 WHERE id = ?1",
                params![id, state, reference, detail],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn read(r: &rusqlite::Row) -> rusqlite::Result<Row> {
        Ok(Row {
            id: r.get(0)?,
            created: r.get(1)?,
            state: r.get(2)?,
            nhs_number: r.get(3)?,
            local_authority: r.get(4)?,
            appointment: r.get(5)?,
            url: r.get(6)?,
            body: r.get(7)?,
            attempts: r.get(8)?,
            last_attempt: r.get(9)?,
            reference: r.get(10)?,
            detail: r.get(11)?,
        })
    }

    const COLUMNS: &'static str = "id, created, state, nhs_number, local_authority, appointment, url, body, attempts, last_attempt, reference, detail";

    /// Every alert, oldest first.
    pub fn all(&self) -> Result<Vec<Row>> {
        let mut st = self
            .db
            .prepare(&format!(
                "SELECT {} FROM alerts ORDER BY created, rowid",
                Self::COLUMNS
            ))
            .map_err(self.err())?;
        let rows = st
            .query_map([], Self::read)
            .map_err(self.err())?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    /// The alerts still standing (`sent` or `pending`) for `nhs_number` (digits) and an
    /// appointment at `appointment_secs` (seconds since the epoch, whatever offset it was
    /// given in), oldest first.
    pub fn standing_for(&self, nhs_number: &str, appointment_secs: i64) -> Result<Vec<Row>> {
        Ok(self
            .all()?
            .into_iter()
            .filter(|r| {
                (r.state == "sent" || r.state == "pending")
                    && r.nhs_number == nhs_number
                    && crate::timeutil::parse_user_time(&r.appointment)
                        .is_ok_and(|m| m.secs == appointment_secs)
            })
            .collect())
    }

    /// One alert by its id (the UUID, with or without `urn:uuid:`).
    pub fn get(&self, id: &str) -> Result<Option<Row>> {
        let id = id
            .trim()
            .trim_start_matches("urn:uuid:")
            .to_ascii_lowercase();
        self.db
            .query_row(
                &format!("SELECT {} FROM alerts WHERE id = ?1", Self::COLUMNS),
                [id],
                Self::read,
            )
            .optional()
            .map_err(self.err())
    }
}
