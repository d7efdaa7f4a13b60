//! `cpis batch`'s workflow: many NHS numbers from a file or standard input, one typed
//! [`Record`] per data row, typed values in and out, never printing (notes and progress go
//! to the command's [`Ui`]).
//!
//! Every row is read and validated before any request ([`input`]). [`open`] then takes the
//! locks, connects, and opens (or resumes) the run's state ([`resume`]); the command asks its
//! question if one is needed; [`Opened::run`] checks the numbers with at most
//! `--concurrency` in flight and every request (retries included) paced by one shared pacer
//! ([`run`]), the CareTeam search first and the AuditEvent search only when a plan is found
//! ([`check`]), each request under the one renewal policy ([`clients`]). Records are written
//! as results arrive ([`output`]), then a [`Summary`].

mod check;
mod clients;
pub mod input;
mod output;
pub mod record;
mod resume;
mod run;

use std::path::PathBuf;

use crate::config::care::CareSetting;
use crate::config::route::Route;
use crate::error::Result;

pub use input::{plan_row, plan_rows, read_rows, Plan, Row, RowReader};
pub use record::{Summary, CSV_COLUMNS, STATUSES};
pub use run::open;

/// The record format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line, then a summary line.
    Jsonl,
    /// Comma-separated values with a header row, one row per input row.
    Csv,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }
}

/// What a batch is asked to do (the command line, typed).
#[derive(Debug, Clone)]
pub struct Options {
    /// The list of NHS numbers: a file, or `-` for standard input.
    pub input: PathBuf,
    pub column: Option<String>,
    pub care: CareSetting,
    pub output: Option<PathBuf>,
    pub format: Format,
    pub rate: u32,
    pub concurrency: u32,
    pub pds_rate: Option<u32>,
    pub no_pds: bool,
    pub state: Option<PathBuf>,
    pub fresh: bool,
    /// The question before an unscheduled batch is not to be asked.
    pub yes: bool,
    pub retry_failed: bool,
    pub retry_in_doubt: bool,
    pub keep_order: bool,
}

/// What the batch tells the user as it goes: the command's terminal (notes above a progress
/// bar). Called from the run's tasks too.
pub trait Ui: Send + Sync {
    /// A note, unless `--quiet`.
    fn note(&self, msg: &str);
    /// A warning, shown even with `--quiet`.
    fn warning(&self, msg: &str);
    /// The rows are about to be checked: `rows` in all, `done` of them before this run.
    fn start(&self, rows: u64, done: u64);
    /// One more row finished; `plans` of this run's rows have a plan.
    fn row(&self, plans: u64);
    /// Every row has finished.
    fn finish(&self);
}

/// Refuse a care setting the configured route cannot serve, before anything is read.
pub fn refuse_route(route: Route, care: CareSetting) -> Result<()> {
    if care == CareSetting::Unscheduled && route == Route::Flags {
        return Err(crate::api::flags::unscheduled_refused());
    }
    if care == CareSetting::Scheduled && route == Route::V3 {
        return Err(crate::api::v3::scheduled_refused());
    }
    Ok(())
}
