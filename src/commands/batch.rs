//! `cpis batch`: many NHS numbers from a file or stdin, one record per data row.
//!
//! Every row is read and validated before any request. Numbers are then checked with at most
//! `--concurrency` in flight and every request (retries included) paced by one shared
//! [`Pacer`]. The CareTeam search goes first; the AuditEvent search only when a plan is found.
//! Records are written as results arrive.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};

use crate::cpis::model;
use crate::cpis::{CareSetting, Pacer, Search};
use crate::error::{Error, Kind, Result};
use crate::nhs_number::NhsNumber;
use crate::render::lookup::PatientReport;
use crate::store::batch::{Numbers, RowState, RunKey, RunLock, State};
use args::{BatchArgs, BatchFormat};

/// One data row of the input: where it was, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based line of the input where the row starts.
    pub line: u64,
    pub raw: String,
    /// The `dob` column of CSV input, when there is one and it is filled in.
    pub dob: Option<String>,
}

/// What to do with a row, decided before any request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    Query(NhsNumber),
    Invalid(String),
    /// The line of the first row with the same number.
    Duplicate(NhsNumber, u64),
}

/// The data rows of `input`: plain (one number per line) or CSV with a header and `column`.
pub fn read_rows(input: &[u8], column: Option<&str>) -> Result<Vec<Row>> {
    let mut reader = RowReader::new(input, column)?;
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row()? {
        rows.push(row);
    }
    Ok(rows)
}

/// The data rows of an input, read one at a time (the input is never held whole): plain (one
/// number per line; blank lines and `#` comments skipped) or CSV with a header and a column.
/// A UTF-8 byte-order mark is skipped.
pub struct RowReader<R: BufRead> {
    inner: Rows<R>,
}

enum Rows<R: BufRead> {
    Plain {
        input: R,
        line: u64,
        buf: Vec<u8>,
    },
    Csv {
        rdr: csv::Reader<LineEnds<R>>,
        idx: usize,
        dob_idx: Option<usize>,
        record: csv::StringRecord,
        /// Line endings before the newest record.
        lines: u64,
    },
}

/// A reader that notes where its line endings are (runs of `\r` and `\n`, with the number of
/// `\n` in each), so that a CSV record's byte offset gives its line; the runs of the records
/// already read are dropped, so what is kept is bounded by the CSV reader's look-ahead.
struct LineEnds<R> {
    input: R,
    offset: u64,
    /// (start, end, `\n` count) of each run of line-ending bytes not yet passed.
    runs: std::collections::VecDeque<(u64, u64, u64)>,
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.input.read(buf)?;
        for (i, b) in buf[..n].iter().enumerate() {
            if !matches!(b, b'\r' | b'\n') {
                continue;
            }
            let at = self.offset + i as u64;
            let lf = u64::from(*b == b'\n');
            match self.runs.back_mut() {
                Some(run) if run.1 == at => {
                    run.1 += 1;
                    run.2 += lf;
                }
                _ => self.runs.push_back((at, at + 1, lf)),
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R: Read> LineEnds<R> {
    /// The line endings before a record starting at byte `at`: the offset may point at the
    /// end of the line before (a record never starts with a line ending, so a run of them it
    /// points into is stepped over), and records come in order, so every run starting at or
    /// before `at` is passed for good.
    fn pass(&mut self, at: u64) -> u64 {
        let mut lf = 0;
        while let Some(run) = self.runs.front() {
            if run.0 > at {
                break;
            }
            lf += run.2;
            self.runs.pop_front();
        }
        lf
    }
}

impl<R: BufRead> RowReader<R> {
    pub fn new(mut input: R, column: Option<&str>) -> Result<Self> {
        let read_error = |e: std::io::Error| Error::usage(format!("cannot read the input: {e}"));
        if input
            .fill_buf()
            .map_err(read_error)?
            .starts_with(b"\xEF\xBB\xBF")
        {
            input.consume(3);
        }
        let Some(name) = column else {
            return Ok(RowReader {
                inner: Rows::Plain {
                    input,
                    line: 0,
                    buf: Vec::new(),
                },
            });
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .comment(Some(b'#'))
            .from_reader(LineEnds {
                input,
                offset: 0,
                runs: Default::default(),
            });
        let headers = rdr
            .headers()
            .map_err(|e| Error::usage(format!("cannot read the CSV header: {e}")))?
            .clone();
        let idx = headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                Error::usage(format!(
                    "no column {:?} in the CSV header (columns: {})",
                    crate::render::sanitize(name),
                    crate::render::sanitize(&headers.iter().collect::<Vec<_>>().join(", "))
                ))
            })?;
        // An optional date-of-birth column, matched against PDS like `lookup --dob`.
        let dob_idx = headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case("dob"));
        Ok(RowReader {
            inner: Rows::Csv {
                rdr,
                idx,
                dob_idx,
                record: csv::StringRecord::new(),
                lines: 0,
            },
        })
    }

    /// The next data row, or `None` at the end of the input.
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        match &mut self.inner {
            Rows::Plain { input, line, buf } => loop {
                buf.clear();
                let n = input
                    .read_until(b'\n', buf)
                    .map_err(|e| Error::usage(format!("cannot read the input: {e}")))?;
                if n == 0 {
                    return Ok(None);
                }
                *line += 1;
                let text = String::from_utf8_lossy(buf);
                let t = text.trim();
                if !t.is_empty() && !t.starts_with('#') {
                    return Ok(Some(Row {
                        line: *line,
                        raw: t.to_string(),
                        dob: None,
                    }));
                }
            },
            Rows::Csv {
                rdr,
                idx,
                dob_idx,
                record,
                lines,
            } => loop {
                let more = rdr
                    .read_record(record)
                    .map_err(|e| Error::usage(format!("cannot read the CSV: {e}")))?;
                if !more {
                    return Ok(None);
                }
                // The 1-based line where the record starts, counted from its byte offset
                // (the reader's own line count depends on the line endings).
                if let Some(p) = record.position() {
                    *lines += rdr.get_mut().pass(p.byte());
                }
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                return Ok(Some(Row {
                    line: 1 + *lines,
                    raw: record.get(*idx).unwrap_or("").trim().to_string(),
                    dob: dob_idx
                        .and_then(|i| record.get(i))
                        .map(str::trim)
                        .filter(|d| !d.is_empty())
                        .map(str::to_string),
                }));
            },
        }
    }
}

/// What to do with `row`: `first` gives the line of the first row with its number (this
/// row's own line when it is the first), for a valid row.
pub fn plan_row(row: &Row, first: impl FnOnce(NhsNumber, u64) -> Result<u64>) -> Result<Plan> {
    Ok(match NhsNumber::parse(&row.raw) {
        Err(e) => Plan::Invalid(e.to_string()),
        Ok(_)
            if row
                .dob
                .as_deref()
                .is_some_and(|d| crate::app::input::parse_dob(Some(d)).is_err()) =>
        {
            Plan::Invalid(format!(
                "the dob column holds \"{}\", not a date (YYYY-MM-DD)",
                crate::sanitize::echo(row.dob.as_deref().unwrap_or(""))
            ))
        }
        Ok(n) => match first(n, row.line)? {
            line if line == row.line => Plan::Query(n),
            line => Plan::Duplicate(n, line),
        },
    })
}

/// Validate every row and mark repeats of a number already seen.
pub fn plan_rows(rows: &[Row]) -> Vec<Plan> {
    let mut first: HashMap<NhsNumber, u64> = HashMap::new();
    rows.iter()
        .map(|r| {
            plan_row(r, |n, line| Ok(*first.entry(n).or_insert(line))).expect("a map never fails")
        })
        .collect()
}

/// The record statuses, in summary order.
pub const STATUSES: &[&str] = &[
    "plan",
    "no-plan",
    "invalid",
    "duplicate",
    "in-doubt",
    "error",
];

/// The CSV columns of `--format csv`.
pub const CSV_COLUMNS: &[&str] = &[
    "line",
    "nhs_number",
    "status",
    "plans",
    "active_plans",
    "local_authorities",
    "accesses",
    "duplicate_of",
    "exit_code",
    "http_status",
    "code",
    "message",
    "trace_id",
    "patient_name",
    "birth_date",
    "pds_status",
    "route",
];

fn error_record(line: u64, nhs: &str, e: &Error) -> Value {
    json!({
        "type": "result",
        "line": line,
        "nhs_number": nhs,
        "status": "error",
        "plans": [],
        "access_history": [],
        "exit_class": e.kind.class(),
        "exit_code": e.exit_code(),
        "http_status": e.trace.http_status,
        "code": e.trace.code,
        "message": e.message,
        "trace_id": e.trace.trace_id,
    })
}

/// The client a batch's requests go through. When the service refuses the access token
/// (HTTP 401: the API platform turned it away, so CP-IS never saw the request) and a new one
/// can be had without the user, the token is renewed once for everyone and the request sent
/// again; a renewal that fails is not tried again for the same token.
struct Clients {
    current: tokio::sync::Mutex<Current>,
    renewal: Option<Renewal>,
}

struct Current {
    generation: u64,
    client: Arc<crate::cpis::Client>,
    /// The Patient Flags client (the CP-IS pacer), on `--route flags`.
    flags: Option<Arc<crate::flags::Client>>,
    /// The MHS adaptor client and the query's author, on `--route v3`.
    v3: Option<Arc<(crate::v3::Client, crate::v3::request::Author)>>,
    /// The PDS client (its own pacer), unless `--no-pds`.
    pds: Option<Arc<crate::pds::Client>>,
    /// The renewal of this generation's token failed, with this error.
    failed: Option<Error>,
}

struct Renewal {
    ctx: Arc<crate::app::Ctx>,
    conn: crate::app::Connection,
    pacer: Arc<Pacer>,
    pds_pacer: Option<Arc<Pacer>>,
    notify: crate::cpis::Notify,
}

/// The clients for one token: CP-IS, and PDS unless `pds_pacer` is `None`.
fn clients_for(
    ctx: &crate::app::Ctx,
    conn: &crate::app::Connection,
    token: &crate::auth::TokenSource,
    pacer: &Arc<Pacer>,
    pds_pacer: Option<&Arc<Pacer>>,
    notify: &crate::cpis::Notify,
) -> Result<Current> {
    let client = ctx
        .client_with(conn, token)?
        .pacer(pacer.clone())
        .notifier(notify.clone());
    let pds = pds_pacer
        .map(|p| ctx.pds_client_paced(conn, token, p.clone(), notify.clone()))
        .transpose()?;
    let flags = (ctx.settings.route.value == crate::cpis::Route::Flags)
        .then(|| ctx.flags_client_paced(conn, token, pacer.clone(), notify.clone()))
        .transpose()?;
    let v3 = if ctx.settings.route.value == crate::cpis::Route::V3 {
        let (ready, author) =
            crate::app::v3route::preflight(ctx, conn, token, CareSetting::Unscheduled)?;
        let c = crate::app::v3route::client(ctx, conn, ready).pacer(pacer.clone());
        Some(Arc::new((c, author)))
    } else {
        None
    };
    Ok(Current {
        generation: 0,
        client: Arc::new(client),
        flags: flags.map(Arc::new),
        v3,
        pds: pds.map(Arc::new),
        failed: None,
    })
}

impl Current {
    /// The same clients (a failed renewal is not carried over).
    fn copy(&self) -> Current {
        Current {
            generation: self.generation,
            client: self.client.clone(),
            flags: self.flags.clone(),
            v3: self.v3.clone(),
            pds: self.pds.clone(),
            failed: None,
        }
    }
}

impl Clients {
    /// The client to use after generation `generation`'s token was refused: a new one, or
    /// `None` when the token cannot be renewed.
    async fn renewed(&self, generation: u64) -> Result<Option<Current>> {
        let Some(r) = &self.renewal else {
            return Ok(None);
        };
        let mut c = self.current.lock().await;
        if c.generation == generation {
            if let Some(e) = &c.failed {
                return Err(e.clone());
            }
            (r.notify)("the service refused the access token (HTTP 401): getting a new one");
            let fresh = match r.ctx.renewed_token(&r.conn).await.and_then(|token| {
                clients_for(
                    &r.ctx,
                    &r.conn,
                    &token,
                    &r.pacer,
                    r.pds_pacer.as_ref(),
                    &r.notify,
                )
            }) {
                Ok(clients) => clients,
                Err(e) => {
                    c.failed = Some(e.clone());
                    return Err(e);
                }
            };
            *c = Current {
                generation: generation + 1,
                ..fresh
            };
        }
        Ok(Some(c.copy()))
    }

    /// Who `nhs` belongs to on PDS (`None` with `--no-pds`); after a 401, again with a
    /// renewed token (see [`Clients::with_renewal`]).
    async fn patient(&self, nhs: &NhsNumber) -> Result<Option<crate::pds::Outcome>> {
        if self.snapshot().await.pds.is_none() {
            return Ok(None);
        }
        self.with_renewal(|c| async move {
            let pds = c.pds.expect("PDS is on");
            pds.patient(nhs).await
        })
        .await
        .map(Some)
    }

    /// One search, with renewal after a 401.
    async fn search(
        &self,
        search: Search,
        nhs: &NhsNumber,
        care: CareSetting,
        mark: &crate::cpis::Mark,
    ) -> Result<crate::cpis::SearchResult> {
        self.with_renewal(
            |c| async move { c.client.search_marked(search, nhs, care, Some(mark)).await },
        )
        .await
    }

    /// Run `f` with the newest clients; after a 401 (the token was refused before the
    /// service saw the request), again with a renewed token, while the token keeps changing
    /// (other requests in flight may have renewed it meanwhile) and at most five times.
    async fn with_renewal<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: Fn(Current) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut current = self.snapshot().await;
        let mut tries = 0;
        loop {
            let generation = current.generation;
            match f(current).await {
                Err(e) if e.trace.http_status == Some(401) && tries < 5 => {
                    tries += 1;
                    match self.renewed(generation).await? {
                        Some(next) => current = next,
                        None => return Err(e),
                    }
                }
                r => return r,
            }
        }
    }

    async fn snapshot(&self) -> Current {
        self.current.lock().await.copy()
    }

    /// One HL7 V3 query through the MHS adaptor (no platform token is sent there, so no
    /// renewal): never resent once it may have reached Spine.
    async fn v3(
        &self,
        nhs: &NhsNumber,
        today: i64,
        mark: &crate::cpis::Mark,
    ) -> Result<crate::v3::Found> {
        let c = self.snapshot().await;
        let v3 = c.v3.expect("--route v3");
        let q = crate::v3::query(v3.0.ready(), v3.1.clone(), nhs);
        v3.0.send(&q, nhs, today, Some(mark)).await
    }

    /// The CP-IS flag on the Patient Flags API, with renewal after a 401.
    async fn flags(
        &self,
        nhs: &NhsNumber,
        today: i64,
        mark: &crate::cpis::Mark,
    ) -> Result<crate::flags::Found> {
        self.with_renewal(|c| async move {
            let flags = c.flags.expect("--route flags");
            flags.search(nhs, today, Some(mark)).await
        })
        .await
    }
}

/// Which row checks each number on CP-IS: filled with every valid row's number before the
/// run, then claimed by superseded rows for their current numbers, so that no number is asked
/// about twice in a run.
type Claims = Numbers;

/// What one row asks: its line, number, care setting, and `dob` to match on PDS.
struct Ask<'a> {
    line: u64,
    nhs: &'a NhsNumber,
    care: CareSetting,
    today: i64,
    dob: Option<&'a str>,
    /// The run's CP-IS slots (`--concurrency`): one is held while the row is on CP-IS.
    slots: &'a tokio::sync::Semaphore,
    route: crate::cpis::Route,
}

/// Is this failed CP-IS request one the service may have seen: any answer but the platform's
/// refusals (401: the token; 429: the rate), or a failure after sending?
fn maybe_sent(e: &Error) -> bool {
    e.trace.maybe_sent || e.trace.http_status.is_some_and(|s| s != 401 && s != 429)
}

/// An unscheduled row whose CP-IS request may have been seen (`maybe_sent`), or which had an
/// answer before (`answered`: its CareTeam search, when the AuditEvent search failed), is
/// `in-doubt` rather than `error`: the local authority may have been notified, so only
/// `--retry-in-doubt` sends it again, never `--retry-failed`.
fn in_doubt_if_seen(mut v: Value, e: &Error, care: CareSetting, answered: bool) -> Value {
    if care == CareSetting::Unscheduled && (answered || maybe_sent(e)) {
        v["status"] = json!("in-doubt");
        v["in_doubt"] = json!(if answered {
            "CP-IS answered this row's CareTeam search, so the local authority may have been notified: not sent again without --retry-in-doubt"
        } else {
            "CP-IS may have seen this request, so the local authority may have been notified: not sent again without --retry-in-doubt"
        });
    }
    v
}

fn invalid_record(
    ask: &Ask,
    digits: &str,
    message: String,
    pds_status: &str,
    patient: Value,
) -> Value {
    json!({
        "type": "result",
        "line": ask.line,
        "nhs_number": digits,
        "status": "invalid",
        "plans": [],
        "access_history": [],
        "message": message,
        "pds_status": pds_status,
        "patient": patient,
    })
}

/// Check one number: PDS first (unless `--no-pds`), then CareTeam under the current number,
/// then AuditEvent only when a plan is found. `mark` runs before every CP-IS request is
/// written to the network; PDS (a silent read) is not marked.
async fn check(
    clients: &Clients,
    ask: Ask<'_>,
    claims: &Claims,
    mark: &crate::cpis::Mark,
) -> Value {
    let requested = ask.nhs.digits();
    let (patient, current) = match clients.patient(ask.nhs).await {
        Err(e) => {
            let mut v = error_record(ask.line, &requested, &e);
            v["pds_status"] = json!("error");
            return v;
        }
        Ok(None) => (PatientReport::unverified(&requested), *ask.nhs),
        Ok(Some(crate::pds::Outcome::Found(p))) => {
            let report = PatientReport::verified(&p, ask.today);
            if let Err(e) = crate::app::verify::check_dob(&p, ask.dob) {
                return invalid_record(&ask, &requested, e.message, "dob-mismatch", json!(report));
            }
            let current = match crate::app::verify::current_number(&p) {
                Ok(n) => n,
                Err(e) => return error_record(ask.line, &requested, &e),
            };
            if p.superseded {
                match claims.first_or_insert(current.to_u64(), ask.line) {
                    Err(e) => return error_record(ask.line, &requested, &e),
                    Ok(other) if other != ask.line => {
                        return json!({
                            "type": "result",
                            "line": ask.line,
                            "nhs_number": current.digits(),
                            "status": "duplicate",
                            "duplicate_of": other,
                            "plans": [],
                            "access_history": [],
                            "message": format!("superseded by {}, which row {other} checks", current.digits()),
                            "pds_status": report.status(),
                            "patient": report,
                        });
                    }
                    Ok(_) => {}
                }
            }
            (report, current)
        }
        Ok(Some(other)) => {
            let (message, _) = other.refusal(&requested).expect("not a record");
            return invalid_record(
                &ask,
                &requested,
                message,
                other.code(),
                json!(PatientReport::unverified(&requested)),
            );
        }
    };
    let digits = current.digits();
    let pds_status = patient.status();
    let Ok(_slot) = ask.slots.acquire().await else {
        return error_record(ask.line, &digits, &Error::unexpected("the run has ended"));
    };
    if ask.route == crate::cpis::Route::V3 {
        // One POST: plans and access history, or no CP-IS information.
        return match clients.v3(&current, ask.today, mark).await {
            Ok(found) => json!({
                "type": "result",
                "line": ask.line,
                "nhs_number": digits,
                "status": if found.plans.is_empty() { "no-plan" } else { "plan" },
                "has_active_plan": found.plans.iter().any(|p| p.active),
                "plans": found.plans,
                "access_history_available": found.access_history.is_some(),
                "access_history": found.access_history,
                "spine_reasons": found.reasons,
                "trace_ids": {"care_team": [], "audit_event": [], "v3": [found.trace_id]},
                "pds_status": pds_status,
                "patient": patient,
            }),
            Err(e) => {
                let mut v = error_record(ask.line, &digits, &e);
                v["patient"] = json!(patient);
                v["pds_status"] = json!(pds_status);
                in_doubt_if_seen(v, &e, ask.care, false)
            }
        };
    }
    if ask.route == crate::cpis::Route::Flags {
        // One request: the CP-IS flag with its plan and care team; no access history.
        return match clients.flags(&current, ask.today, mark).await {
            Ok(found) => json!({
                "type": "result",
                "line": ask.line,
                "nhs_number": digits,
                "status": if found.plans.is_empty() { "no-plan" } else { "plan" },
                "has_active_plan": found.plans.iter().any(|p| p.active),
                "plans": found.plans,
                "access_history": null,
                "access_history_available": false,
                "trace_ids": {"care_team": [], "audit_event": [], "flags": [found.trace_id]},
                "pds_status": pds_status,
                "patient": patient,
            }),
            Err(e) => {
                let mut v = error_record(ask.line, &digits, &e);
                v["patient"] = json!(patient);
                v["pds_status"] = json!(pds_status);
                v["access_history"] = json!(null);
                v["access_history_available"] = json!(false);
                v
            }
        };
    }
    let care_team = match clients
        .search(Search::CareTeam, &current, ask.care, mark)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            let mut v = error_record(ask.line, &digits, &e);
            v["patient"] = json!(patient);
            v["pds_status"] = json!(pds_status);
            return in_doubt_if_seen(v, &e, ask.care, false);
        }
    };
    let plans = model::plans_from(&care_team.bundles, ask.today);
    if plans.is_empty() {
        return json!({
            "type": "result",
            "line": ask.line,
            "nhs_number": digits,
            "status": "no-plan",
            "plans": [],
            "access_history": [],
            "trace_ids": {"care_team": care_team.trace_ids, "audit_event": []},
            "pds_status": pds_status,
            "patient": patient,
        });
    }
    let audit = match clients
        .search(Search::AuditEvent, &current, ask.care, mark)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            // The plans are known; the access history is not. Still an error row: the
            // record is incomplete.
            let mut v = error_record(ask.line, &digits, &e);
            v["plans"] = json!(plans);
            v["patient"] = json!(patient);
            v["pds_status"] = json!(pds_status);
            return in_doubt_if_seen(v, &e, ask.care, true);
        }
    };
    json!({
        "type": "result",
        "line": ask.line,
        "nhs_number": digits,
        "status": "plan",
        "has_active_plan": plans.iter().any(|p| p.active),
        "plans": plans,
        "access_history": model::accesses_from(&audit.bundles),
        "trace_ids": {"care_team": care_team.trace_ids, "audit_event": audit.trace_ids},
        "pds_status": pds_status,
        "patient": patient,
    })
}

/// The progress bar on stderr: rows done of all rows, rate, ETA and plans found. Hidden when
/// stderr is not a terminal, on `TERM=dumb` (it redraws with escape sequences), with
/// `--no-progress` or `--quiet` (not `NO_COLOR`: it has no colour); notes are printed above it.
#[derive(Clone)]
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
}

impl Progress {
    fn new(show: bool, quiet: bool, rows: u64, done: u64) -> Self {
        let dumb = crate::render::term_is_dumb();
        let bar = (show && !quiet && !dumb && crate::ui::stderr_is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(rows),
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} rows  {rate}  ETA {eta}  {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.1} rows/s", s.per_sec());
                    },
                )
                .progress_chars("=> "),
            );
            bar.set_position(done);
            bar.set_message("0 with a plan");
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Progress { bar, quiet }
    }

    fn row(&self, plans: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!("{plans} with a plan"));
        }
    }

    fn note(&self, msg: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.suspend(|| crate::ui::note(msg)),
            None => crate::ui::note(msg),
        }
    }

    fn notifier(&self) -> crate::cpis::Notify {
        let p = self.clone();
        Arc::new(move |msg: &str| p.note(msg))
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Records on their way to the output: written as they arrive, or with `--keep-order` in
/// input order (each row's slot filled by its record, or by nothing when it has none to
/// write), holding back only the records behind a row still in flight.
struct Writer {
    sink: Sink,
    keep_order: bool,
    /// The next row index to write, and the finished rows waiting behind it.
    next: usize,
    waiting: std::collections::BTreeMap<usize, Option<Value>>,
}

impl Writer {
    fn put(&mut self, index: usize, record: Option<Value>) -> Result<()> {
        if !self.keep_order {
            return match record {
                Some(v) => self.sink.result(&v),
                None => Ok(()),
            };
        }
        self.waiting.insert(index, record);
        while let Some(record) = self.waiting.remove(&self.next) {
            if let Some(v) = record {
                self.sink.result(&v)?;
            }
            self.next += 1;
        }
        Ok(())
    }

    /// Records held back (with `--keep-order`).
    fn held(&self) -> usize {
        self.waiting.len()
    }

    /// Write whatever is held back, in order, leaving out rows that never finished.
    fn flush(&mut self) -> Result<()> {
        for (_, record) in std::mem::take(&mut self.waiting) {
            if let Some(v) = record {
                self.sink.result(&v)?;
            }
        }
        Ok(())
    }
}

/// Where records go, in the chosen format.
enum Sink {
    Jsonl(Box<dyn Write + Send>),
    Csv(Box<csv::Writer<Box<dyn Write + Send>>>),
}

fn str_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Sink {
    /// `append`: the file exists and already has its header.
    fn open(path: Option<&Path>, format: BatchFormat, append: bool) -> Result<Self> {
        // Buffered, and flushed after every record: one write a record, where JSON's
        // Display would make one per token (191 a row, measured with strace -c).
        let w: Box<dyn Write + Send> = match path {
            None => Box::new(std::io::BufWriter::new(crate::render::Stdout)),
            Some(p) if append => Box::new(std::io::BufWriter::new(open_append(p)?)),
            Some(p) => Box::new(std::io::BufWriter::new(create_private_new(p)?)),
        };
        Ok(match format {
            BatchFormat::Jsonl => Sink::Jsonl(w),
            BatchFormat::Csv => {
                let mut c = csv::Writer::from_writer(w);
                if !append {
                    c.write_record(CSV_COLUMNS).map_err(write_error)?;
                }
                c.flush().map_err(write_error)?;
                Sink::Csv(Box::new(c))
            }
        })
    }

    fn result(&mut self, v: &Value) -> Result<()> {
        match self {
            Sink::Jsonl(w) => writeln!(w, "{v}")
                .and_then(|_| w.flush())
                .map_err(write_error),
            Sink::Csv(c) => {
                let plans = v["plans"].as_array().cloned().unwrap_or_default();
                let mut las: Vec<String> = plans
                    .iter()
                    .filter_map(|p| p["local_authority"].as_str().map(str::to_string))
                    .collect();
                las.dedup();
                let row = [
                    str_of(&v["line"]),
                    str_of(&v["nhs_number"]),
                    str_of(&v["status"]),
                    plans.len().to_string(),
                    plans
                        .iter()
                        .filter(|p| p["active"] == true)
                        .count()
                        .to_string(),
                    las.join("; "),
                    v["access_history"]
                        .as_array()
                        .map(|a| a.len())
                        .unwrap_or(0)
                        .to_string(),
                    str_of(&v["duplicate_of"]),
                    str_of(&v["exit_code"]),
                    str_of(&v["http_status"]),
                    str_of(&v["code"]),
                    str_of(&v["message"]),
                    str_of(&v["trace_id"]),
                    str_of(&v["patient"]["name"]),
                    str_of(&v["patient"]["birth_date"]),
                    str_of(&v["pds_status"]),
                    str_of(&v["route"]),
                ];
                c.write_record(row.iter().map(|v| crate::render::csv_cell(v)))
                    .map_err(write_error)?;
                c.flush().map_err(write_error)
            }
        }
    }

    fn summary(&mut self, v: &Value) -> Result<()> {
        match self {
            Sink::Jsonl(w) => writeln!(w, "{v}")
                .and_then(|_| w.flush())
                .map_err(write_error),
            // CSV has one row per input row only; the summary goes to stderr.
            Sink::Csv(c) => c.flush().map_err(write_error),
        }
    }
}

fn write_error(e: impl std::fmt::Display) -> Error {
    Error::unexpected(format!("cannot write the output: {e}"))
}

/// A new file, 0600, never an existing one and never through a link (O_CREAT|O_EXCL).
fn create_private_new(path: &Path) -> Result<std::fs::File> {
    crate::private::create_new_private(path).map_err(|e| {
        let err = Error::usage(format!("cannot create {}: {e}", path.display()));
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            err.with_hint("batch writes a new file and never replaces one; a run is resumed with its state (--state, default the output + .state): choose another --output or move the old one away")
        } else {
            err
        }
    })
}

/// An existing output file to append to, never through a link.
fn open_append(path: &Path) -> Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    let f = o
        .open(path)
        .map_err(|e| Error::usage(format!("cannot append to {}: {e}", path.display())))?;
    // The file opened (not through a link) is one of ours.
    let meta = f
        .metadata()
        .map_err(|e| Error::unexpected(format!("cannot inspect {}: {e}", path.display())))?;
    crate::private::check_private_file(path, "output", &meta)?;
    Ok(f)
}

/// Note in `numbers` the lines of the input whose records are in an existing output file,
/// reading it a line at a time. A last line cut short (the process died while writing it) is
/// removed, so that its row is written again.
fn lines_in_output(path: &Path, format: BatchFormat, numbers: &Numbers) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    let cannot = |e: std::io::Error| Error::usage(format!("cannot read {}: {e}", path.display()));
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let len = file.metadata().map_err(cannot)?.len();
    // The end of the last complete line: search back from the end, a block at a time.
    let mut complete = 0u64;
    let mut end = len;
    let mut block = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(block.len() as u64);
        let chunk = &mut block[..(end - start) as usize];
        file.seek(SeekFrom::Start(start)).map_err(cannot)?;
        file.read_exact(chunk).map_err(cannot)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            complete = start + i as u64 + 1;
            break;
        }
        end = start;
    }
    if complete < len {
        let f = open_append(path)?;
        f.set_len(complete)
            .map_err(|e| Error::unexpected(format!("cannot repair {}: {e}", path.display())))?;
    }
    file.seek(SeekFrom::Start(0)).map_err(cannot)?;
    let mut input = std::io::BufReader::with_capacity(64 * 1024, file.take(complete));
    numbers.begin()?;
    match format {
        BatchFormat::Jsonl => {
            /// Only what is needed of a record; the rest is skipped unread.
            #[derive(serde::Deserialize)]
            struct Head {
                #[serde(rename = "type")]
                kind: Option<String>,
                line: Option<u64>,
            }
            let mut buf = Vec::new();
            loop {
                buf.clear();
                if input.read_until(b'\n', &mut buf).map_err(cannot)? == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buf);
                if let Ok(Head {
                    kind: Some(kind),
                    line: Some(n),
                }) = serde_json::from_str::<Head>(&text)
                {
                    if kind == "result" {
                        numbers.mark_written(n)?;
                    }
                }
            }
        }
        BatchFormat::Csv => {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(input);
            for rec in rdr.records().flatten() {
                if let Some(n) = rec.get(0).and_then(|f| f.parse().ok()) {
                    numbers.mark_written(n)?;
                }
            }
        }
    }
    numbers.commit()
}

/// The input, copied as it is read into an unnamed temporary file (private to the process,
/// gone when it ends), with its SHA-256: every pass over the rows reads the same bytes, and
/// the input is never held in memory.
struct Spool {
    file: std::fs::File,
    hash: String,
}

impl Spool {
    fn read(path: &Path) -> Result<Spool> {
        use sha2::Digest;
        let stdin = path.as_os_str() == "-";
        let cannot = |e: std::io::Error| {
            if stdin {
                Error::usage(format!("cannot read standard input: {e}"))
            } else {
                Error::usage(format!("cannot read {}: {e}", path.display()))
            }
        };
        let mut source: Box<dyn Read> = if stdin {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(path).map_err(cannot)?)
        };
        let mut file = tempfile::tempfile()
            .map_err(|e| Error::unexpected(format!("cannot make a temporary file: {e}")))?;
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match source.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(cannot(e)),
            };
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n])
                .map_err(|e| Error::unexpected(format!("cannot write a temporary file: {e}")))?;
        }
        let hash = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        Ok(Spool { file, hash })
    }

    /// The rows, from the start.
    fn rows(&self, column: Option<&str>) -> Result<RowReader<std::io::BufReader<std::fs::File>>> {
        use std::io::{Seek, SeekFrom};
        let f = self
            .file
            .try_clone()
            .and_then(|mut f| f.seek(SeekFrom::Start(0)).map(|_| f))
            .map_err(|e| Error::unexpected(format!("cannot read a temporary file: {e}")))?;
        RowReader::new(std::io::BufReader::with_capacity(64 * 1024, f), column)
    }
}

/// The state file: `--state`, else beside the output; on standard output without `--state`,
/// none (the run keeps its state in memory only, and a rerun starts afresh).
fn state_path(args: &BatchArgs) -> Option<PathBuf> {
    if let Some(p) = &args.state {
        return Some(p.clone());
    }
    args.output.as_ref().map(|out| {
        let mut p = out.clone().into_os_string();
        p.push(".state");
        PathBuf::from(p)
    })
}

/// Is there a terminal to ask on (standard input and standard error)?
fn can_ask() -> bool {
    crate::ui::prompt::can_ask()
}

/// Ask on the terminal before an unscheduled batch: yes to notify up to `n` local
/// authorities.
async fn confirm_notify(n: u64) -> Result<bool> {
    crate::prompt::confirm(&format!(
        "This unscheduled batch sends {n} number{} to CP-IS: notify up to {n} local authorit{}?",
        if n == 1 { "" } else { "s" },
        if n == 1 { "y" } else { "ies" }
    ))
    .await
}

fn unconfirmed() -> Error {
    Error::usage(
        "an unscheduled batch notifies the local authority of every child found with a plan, so it must be confirmed, and there is no terminal to ask on",
    )
    .with_hint("pass --yes once the list has been checked, or run it on a terminal to be asked; nothing was sent")
}

fn format_name(f: BatchFormat) -> &'static str {
    match f {
        BatchFormat::Jsonl => "jsonl",
        BatchFormat::Csv => "csv",
    }
}

pub async fn run(ctx: &crate::app::Ctx, args: BatchArgs) -> Result<()> {
    if args.output.is_none() {
        crate::render::require_stdout()?;
    }
    let care = crate::app::input::care_from_flags(
        args.scheduled,
        args.unscheduled,
        ctx.settings.care_setting.as_ref().map(|c| c.value),
    )?;
    let route = ctx.settings.route.value;
    if care == CareSetting::Unscheduled && route == crate::cpis::Route::Flags {
        return Err(crate::flags::unscheduled_refused());
    }
    if care == CareSetting::Scheduled && route == crate::cpis::Route::V3 {
        return Err(crate::v3::scheduled_refused());
    }
    // An unscheduled batch notifies: --yes, or a terminal to ask on, before anything else.
    if care == CareSetting::Unscheduled && !args.yes && !can_ask() {
        return Err(unconfirmed());
    }
    // Every row is read and validated, and the first line of each number noted, before
    // anything is sent; the rows are read again as they are sent, never all held at once.
    let spool = Spool::read(&args.input)?;
    let hash = spool.hash.clone();
    let numbers = Arc::new(Numbers::new()?);
    let mut total_rows = 0u64;
    {
        let mut reader = spool.rows(args.column.as_deref())?;
        numbers.begin()?;
        while let Some(row) = reader.next_row()? {
            total_rows += 1;
            plan_row(&row, |n, line| numbers.first_or_insert(n.to_u64(), line))?;
        }
        numbers.commit()?;
    }
    let planned = |row: &Row| {
        plan_row(row, |n, line| {
            Ok(numbers.first(n.to_u64())?.unwrap_or(line))
        })
    };

    let state_file = state_path(&args);
    if let (Some(st), Some(out)) = (&state_file, &args.output) {
        if st == out {
            return Err(Error::usage("--state and --output must be different files"));
        }
    }
    // Only files of ours are used, and one run at a time per output and per state: a second
    // run stops here, before anything is sent.
    if let Some(out) = &args.output {
        crate::private::check_existing_private_file(out, "output")?;
    }
    let mut _locks = Vec::new();
    if let Some(out) = &args.output {
        _locks.push(RunLock::acquire(out, "output")?);
    }
    if let Some(st) = &state_file {
        crate::store::batch::ensure_parent(st)?;
        _locks.push(RunLock::acquire(st, "batch state")?);
    }

    let (client, conn, token) = ctx.cpis_client().await?;
    crate::app::verify::check_role(&token, care)?;
    if route == crate::cpis::Route::V3 {
        // Every setting and the author, before anything is sent.
        crate::app::v3route::preflight(ctx, &conn, &token, care)?;
    }
    let verify = !args.no_pds && ctx.settings.verify_on_pds;
    // The embedded sandbox listens on a new port each run.
    let embedded = ctx.settings.endpoint.base_url.is_none();
    if embedded {
        // A results file from the sandbox must not pass for real results: said even with
        // --quiet (its records say `"environment": "local"` too).
        crate::ui::warning(
            "this batch runs against the embedded sandbox (synthetic patients only): its results are not about real children; choose a real environment with --env or `cpis config set env`",
        );
    }
    let key = RunKey {
        care_setting: care.as_str().to_string(),
        environment: ctx.settings.environment_label().to_string(),
        base_url: if embedded {
            "embedded sandbox".to_string()
        } else {
            client.base_url().as_str().to_string()
        },
        input_hash: hash.clone(),
        pds: if verify { "on" } else { "off" }.to_string(),
        pds_base_url: if !verify {
            "none (PDS off)".to_string()
        } else if embedded && ctx.settings.pds_base_url.is_none() {
            "embedded sandbox".to_string()
        } else {
            ctx.pds_base(&conn)?.as_str().to_string()
        },
        column: args
            .column
            .clone()
            .unwrap_or_else(|| "none (one number per line)".to_string()),
        format: format_name(args.format).to_string(),
        output: match &args.output {
            Some(p) => std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string(),
            None => "standard output".to_string(),
        },
        route: match route {
            crate::cpis::Route::Fhir => "fhir".to_string(),
            crate::cpis::Route::V3 => {
                let url = crate::app::v3route::preflight(ctx, &conn, &token, care)?
                    .0
                    .url;
                if embedded && ctx.settings.v3.mhs_url.is_none() {
                    "v3 embedded sandbox".to_string()
                } else {
                    format!("v3 {url}")
                }
            }
            crate::cpis::Route::Flags => format!(
                "flags {}/{}",
                if embedded && ctx.settings.flags_base_url.is_none() {
                    "embedded sandbox".to_string()
                } else {
                    ctx.flags_base(&conn)?.as_str().to_string()
                },
                ctx.settings.flags_path.value
            ),
        },
    };
    let out_exists = args.output.as_deref().is_some_and(|p| p.exists());
    if let (Some(out), Some(st)) = (&args.output, &state_file) {
        if out_exists && !st.exists() {
            return Err(create_private_new(out)
                .err()
                .unwrap_or_else(|| Error::usage(format!("{} already exists", out.display()))));
        }
        if args.fresh && out_exists {
            return Err(Error::usage(format!(
                "--fresh starts a new run, and the output {} is still there",
                out.display()
            ))
            .with_hint("nothing was sent or discarded: move the output away (or choose another --output), then run with --fresh again"));
        }
    }
    if args.fresh {
        if let Some(st) = state_file.as_deref().filter(|p| p.exists()) {
            State::discard(st)?;
            ctx.note(&format!(
                "--fresh: discarded the earlier run's state {}",
                st.display()
            ));
        }
    }
    let (state, resumed) = match &state_file {
        Some(p) => State::open(p, &key)?,
        None => (State::in_memory(&key)?, false),
    };
    let state = Arc::new(state);
    let append = resumed && out_exists;
    // On a resumed run, the done rows whose records are not in the output: those missing
    // from an existing output file, or all of them when it is new (moved away, or standard
    // output) and so written again from the state.
    if let (Some(p), true) = (&args.output, append) {
        lines_in_output(p, args.format, &numbers)?;
    }
    if let Some(st) = state_file.as_deref().filter(|_| resumed) {
        ctx.note(&format!(
            "resuming the run kept in {}{}",
            st.display(),
            if append {
                ""
            } else {
                ": the records of the rows done before are written again"
            }
        ));
    }
    let again: Vec<&str> = [
        args.retry_failed.then_some("error"),
        args.retry_in_doubt.then_some("in-doubt"),
    ]
    .into_iter()
    .flatten()
    .collect();
    // The rows this run sends to CP-IS (at most: PDS may turn some away), for the question.
    let mut to_send = 0u64;
    let mut reader = spool.rows(args.column.as_deref())?;
    while let Some(row) = (care == CareSetting::Unscheduled && !args.yes)
        .then(|| reader.next_row())
        .transpose()?
        .flatten()
    {
        if !matches!(planned(&row)?, Plan::Query(_)) {
            continue;
        }
        to_send += match state.row(row.line)? {
            RowState::Pending => 1,
            RowState::Sent => u64::from(care == CareSetting::Scheduled || args.retry_in_doubt),
            RowState::Done { status, .. } => u64::from(again.contains(&status.as_str())),
        };
    }
    if care == CareSetting::Unscheduled
        && to_send > 0
        && !args.yes
        && !confirm_notify(to_send).await?
    {
        return Err(crate::prompt::declined("nothing was sent")
            .with_hint("check the list, then run it again (--yes to skip the question)"));
    }
    let sink = Sink::open(args.output.as_deref(), args.format, append)?;
    let progress = Progress::new(
        !args.no_progress,
        ctx.settings.quiet,
        total_rows,
        if resumed {
            state.done_count(&again)?
        } else {
            0
        },
    );
    let pacer = Arc::new(Pacer::new(args.rate));
    // PDS and CP-IS are separate APIs with separate limits: each has its own pacer.
    let pds_pacer = verify.then(|| Arc::new(Pacer::new(args.pds_rate.unwrap_or(args.rate))));
    if !verify {
        progress
            .note("not verified on PDS (--no-pds or verify_on_pds = false): every record says so");
    }
    let notify = progress.notifier();
    let renewable = token.renewable();
    drop(client);
    let first = clients_for(ctx, &conn, &token, &pacer, pds_pacer.as_ref(), &notify)?;
    let clients = Arc::new(Clients {
        current: tokio::sync::Mutex::new(first),
        renewal: renewable.then(|| Renewal {
            ctx: Arc::new(crate::app::Ctx {
                settings: ctx.settings.clone(),
            }),
            conn: conn.second_handle(),
            pacer: pacer.clone(),
            pds_pacer: pds_pacer.clone(),
            notify: notify.clone(),
        }),
    });
    let claims: Arc<Claims> = numbers.clone();
    // Ctrl-C: no new row is started and no new request sent; requests already on the wire
    // finish and are recorded. A second Ctrl-C ends the process at once (the state stays
    // consistent: every write to it is a transaction).
    let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let first = crate::app::signals::interrupt_signal()?;
        let stopping = stopping.clone();
        let progress = progress.clone();
        tokio::spawn(async move {
            first.await;
            stopping.store(true, std::sync::atomic::Ordering::SeqCst);
            progress.note(
                "interrupted: finishing the requests in flight (Ctrl-C again to stop at once)",
            );
            if let Ok(second) = crate::app::signals::interrupt_signal() {
                second.await;
                std::process::exit(Kind::Interrupted.exit_code());
            }
        });
    }
    if care == CareSetting::Unscheduled {
        progress.note("unscheduled batch: each access is recorded in the record's access history, and the responsible local authority is notified");
    }

    let started = Instant::now();
    let today = crate::timeutil::today_days();
    let mut counts: HashMap<&'static str, u64> = STATUSES.iter().map(|s| (*s, 0)).collect();
    let mut queried: u64 = 0;
    let mut already: u64 = 0;
    let mut writer = Writer {
        sink,
        keep_order: args.keep_order,
        next: 0,
        waiting: Default::default(),
    };
    // Record, count and write one finished row: the state first, then the output.
    let finish = |index: usize,
                  v: Value,
                  nhs: &str,
                  counts: &mut HashMap<&'static str, u64>,
                  writer: &mut Writer|
     -> Result<()> {
        // Stopped by Ctrl-C before its request went out: the row is left as it stands
        // (pending, or sent and so in doubt next time), with no record.
        if v["exit_class"] == "interrupted" {
            return writer.put(index, None);
        }
        let mut v = v;
        // Every record names where it came from: environment, base URL and route.
        v["route"] = json!(route.as_str());
        v["environment"] = json!(ctx.settings.environment_label());
        v["base_url"] = json!(conn.base.as_str().trim_end_matches('/'));
        let status = v["status"].as_str().unwrap_or("error");
        state.mark_done(v["line"].as_u64().unwrap_or(0), nhs, status, &v.to_string())?;
        if let Some(k) = STATUSES.iter().find(|k| **k == status) {
            *counts.entry(k).or_default() += 1;
        }
        progress.row(counts["plan"]);
        writer.put(index, Some(v))
    };
    type Done = std::result::Result<(usize, Value, String), tokio::task::JoinError>;
    let joined = |done: Done| done.map_err(|e| Error::unexpected(format!("task: {e}")));
    let mut tasks = tokio::task::JoinSet::new();
    // With PDS, each row makes a PDS retrieval then its CP-IS searches: twice as many rows in
    // flight keep both APIs busy (each still at its own rate), so throughput stays at the CP-IS
    // rate. CP-IS itself has only --concurrency slots: at most that many CP-IS requests in
    // flight, and so rows in doubt should the process die.
    let limit = args.concurrency as usize * if verify { 2 } else { 1 };
    let slots = Arc::new(tokio::sync::Semaphore::new(args.concurrency as usize));
    // The CP-IS requests written to the network (retries and resends after a 401 included).
    let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
    // With --keep-order, how many finished records may wait behind a row in flight.
    let max_held = 4096;
    let mut reader = spool.rows(args.column.as_deref())?;
    let mut index = 0usize;
    while let Some(row) = reader.next_row()? {
        if stopping.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        let row = &row;
        let plan = planned(row)?;
        index += 1;
        let index = index - 1;
        while writer.held() > max_held && !tasks.is_empty() {
            if let Some(done) = tasks.join_next().await {
                let (i, v, nhs) = joined(done)?;
                finish(i, v, &nhs, &mut counts, &mut writer)?;
            }
        }
        let previous = state.row(row.line)?;
        let digits = match &plan {
            Plan::Invalid(_) => row.raw.clone(),
            Plan::Query(n) | Plan::Duplicate(n, _) => n.digits(),
        };
        if let RowState::Done { status, record } = &previous {
            if !again.contains(&status.as_str()) {
                already += 1;
                // Done, but its record never reached the output (the process died between
                // the two): write it now.
                let missing = resumed && !(append && numbers.written(row.line)?);
                let v = missing
                    .then(|| serde_json::from_str::<Value>(record).ok())
                    .flatten();
                writer.put(index, v)?;
                continue;
            }
        }
        let record = match plan {
            Plan::Invalid(why) => json!({
                "type": "result",
                "line": row.line,
                "nhs_number": crate::sanitize::echo(&row.raw),
                "status": "invalid",
                "plans": [],
                "access_history": [],
                "message": why,
            }),
            Plan::Duplicate(n, first) => json!({
                "type": "result",
                "line": row.line,
                "nhs_number": n.digits(),
                "status": "duplicate",
                "duplicate_of": first,
                "plans": [],
                "access_history": [],
            }),
            Plan::Query(n)
                if previous == RowState::Sent
                    && care == CareSetting::Unscheduled
                    && !args.retry_in_doubt =>
            {
                json!({
                    "type": "result",
                    "line": row.line,
                    "nhs_number": n.digits(),
                    "status": "in-doubt",
                    "plans": [],
                    "access_history": [],
                    "message": "an earlier run sent this unscheduled lookup but never recorded its answer; not queried again, since the local authority may already have been notified (--retry-in-doubt queries it again)",
                })
            }
            Plan::Query(n) => {
                while tasks.len() >= limit {
                    if let Some(done) = tasks.join_next().await {
                        let (i, v, nhs) = joined(done)?;
                        finish(i, v, &nhs, &mut counts, &mut writer)?;
                    }
                }
                queried += 1;
                let clients = clients.clone();
                let claims = claims.clone();
                let state = state.clone();
                let line = row.line;
                let dob = row.dob.clone();
                let stopping = stopping.clone();
                let slots = slots.clone();
                let sent = sent.clone();
                tasks.spawn(async move {
                    let d = n.digits();
                    let mark = {
                        let d = d.clone();
                        move || {
                            if stopping.load(std::sync::atomic::Ordering::SeqCst) {
                                return Err(Error::new(Kind::Interrupted, "interrupted"));
                            }
                            state.mark_sent(line, &d)?;
                            sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            Ok(())
                        }
                    };
                    (
                        index,
                        check(
                            &clients,
                            Ask {
                                line,
                                nhs: &n,
                                care,
                                today,
                                dob: dob.as_deref(),
                                slots: &slots,
                                route,
                            },
                            &claims,
                            &mark,
                        )
                        .await,
                        d,
                    )
                });
                continue;
            }
        };
        finish(index, record, &digits, &mut counts, &mut writer)?;
    }
    while let Some(done) = tasks.join_next().await {
        let (i, v, nhs) = joined(done)?;
        finish(i, v, &nhs, &mut counts, &mut writer)?;
    }
    writer.flush()?;
    progress.finish();
    let mut sink = writer.sink;

    let elapsed = started.elapsed();
    let requests = sent.load(std::sync::atomic::Ordering::SeqCst);
    // The statuses across runs: every row's latest record, this run's or an earlier one's.
    let totals = state.totals()?;
    let total = |s: &str| totals.get(s).copied().unwrap_or(0);
    let mut summary = json!({
        "type": "summary",
        "rows": total_rows,
        "already_done": already,
        "requests": requests,
        "requests_per_number": if queried == 0 { 0.0 } else { requests as f64 / queried as f64 },
        "rate_limited": pacer.rate_limited(),
        "pds_requests": pds_pacer.as_ref().map_or(0, |p| p.requests()),
        "pds_rate_limited": pds_pacer.as_ref().map_or(0, |p| p.rate_limited()),
        "verified_on_pds": verify,
        "route": route.as_str(),
        "environment": ctx.settings.environment_label(),
        "base_url": conn.base.as_str().trim_end_matches('/'),
        "wall_time_ms": elapsed.as_millis() as u64,
        "achieved_rate": if elapsed.as_secs_f64() > 0.0 { requests as f64 / elapsed.as_secs_f64() } else { 0.0 },
        "this_run": {},
    });
    for s in STATUSES {
        summary[*s] = json!(total(s));
        summary["this_run"][*s] = json!(counts[s]);
    }
    sink.summary(&summary)?;
    if stopping.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(Error::new(Kind::Interrupted, "interrupted")
            .with_hint("run the same command again to finish the batch"));
    }
    let failed = total("invalid") + total("in-doubt") + total("error");
    ctx.note(&format!(
        "batch: {} rows: {} plan, {} no-plan, {} invalid, {} duplicate, {} in doubt, {} error ({} done before this run); {} requests in {:.1} s",
        total_rows,
        total("plan"),
        total("no-plan"),
        total("invalid"),
        total("duplicate"),
        total("in-doubt"),
        total("error"),
        already,
        requests,
        elapsed.as_secs_f64()
    ));
    if failed > 0 {
        return Err(Error::new(
            Kind::BatchFailures,
            format!(
                "{failed} of {total_rows} rows were invalid, in doubt or failed (this run and earlier ones)"
            ),
        ));
    }
    Ok(())
}

/// The command line of `cpis batch`, beside the command (the root command line in `cli`
/// re-exports it).
pub mod args {
    use std::path::PathBuf;

    use clap::{Args, ValueEnum};

    pub(crate) const BATCH_HELP: &str = include_str!("../help/batch_help.txt");

    #[derive(Debug, Clone, Args)]
    pub struct BatchArgs {
        /// The list of NHS numbers: a file, or - for standard input
        #[arg(value_name = "FILE")]
        pub input: PathBuf,

        /// Read CSV with a header row and take the NHS number from this column
        #[arg(long, value_name = "NAME")]
        pub column: Option<String>,

        /// Scheduled care: silent read, nothing recorded, no notification
        #[arg(long, conflicts_with = "unscheduled")]
        pub scheduled: bool,

        /// Unscheduled care: each access is recorded and the local authority is notified
        #[arg(long)]
        pub unscheduled: bool,

        /// Write the records to this file (created mode 0600; appended to when resuming) instead of standard output
        #[arg(long, short, value_name = "FILE")]
        pub output: Option<PathBuf>,

        /// Record format
        #[arg(long, value_enum, default_value_t = BatchFormat::Jsonl)]
        pub format: BatchFormat,

        /// Requests per second, every attempt counted (retries included)
        #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
        pub rate: u32,

        /// CP-IS requests in flight at once (and so at most N rows in doubt if the process dies);
        /// with PDS on, up to N more rows are being verified on PDS meanwhile
        #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
        pub concurrency: u32,

        /// PDS requests per second (PDS has its own limit) [default: the same as --rate]
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
        pub pds_rate: Option<u32>,

        /// Do not verify each number on PDS first (every record then says "not verified")
        #[arg(long)]
        pub no_pds: bool,

        /// The run's durable state (SQLite, mode 0600), which a rerun resumes [default: the output
        /// file + .state; on standard output, none: every run starts afresh]
        #[arg(long, value_name = "FILE")]
        pub state: Option<PathBuf>,

        /// Start a new run: discard the state of an earlier one (its output must have been moved
        /// away first); rows it sent are sent again
        #[arg(long)]
        pub fresh: bool,

        /// Do not ask "notify up to N local authorities?" before an unscheduled batch (for
        /// scripts: the list has been checked); without it, an unscheduled batch needs a terminal
        #[arg(long, short = 'y')]
        pub yes: bool,

        /// On a resumed run, query again the rows that ended as `error` (never an unscheduled row
        /// CP-IS may have seen: that is `in-doubt`)
        #[arg(long)]
        pub retry_failed: bool,

        /// On a resumed unscheduled run, query again the rows in doubt (sent, answer never
        /// recorded) instead of reporting them as `in-doubt`; the local authority may be notified
        /// twice
        #[arg(long)]
        pub retry_in_doubt: bool,

        /// Write the records in input order (each waits for the rows before it) instead of as
        /// results arrive
        #[arg(long)]
        pub keep_order: bool,

        /// Hide the progress bar (it is shown only when standard error is a terminal other than
        /// TERM=dumb; NO_COLOR does not hide it)
        #[arg(long)]
        pub no_progress: bool,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
    pub enum BatchFormat {
        /// One JSON object per line, then a summary line
        Jsonl,
        /// Comma-separated values with a header row, one row per input row
        Csv,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_skip_blanks_and_comments_and_keep_line_numbers() {
        let rows = read_rows(
            b"\xEF\xBB\xBF9990000018\r\n\r\n# note\r\n 999-000-0077 \r\nabc\n",
            None,
        )
        .unwrap();
        let got: Vec<(u64, &str)> = rows.iter().map(|r| (r.line, r.raw.as_str())).collect();
        assert_eq!(
            got,
            vec![(1, "9990000018"), (4, "999-000-0077"), (5, "abc")]
        );
    }

    #[test]
    fn csv_column_with_quotes_bom_and_crlf() {
        let input =
            b"\xEF\xBB\xBFname,nhs_number\r\n\"Smith, Jo\",\"999 000 0018\"\r\n\"multi\nline\",9990000077\r\n";
        let rows = read_rows(input, Some("nhs_number")).unwrap();
        let got: Vec<(u64, &str)> = rows.iter().map(|r| (r.line, r.raw.as_str())).collect();
        assert_eq!(got, vec![(2, "999 000 0018"), (3, "9990000077")]);
        let e = read_rows(input, Some("nhs")).unwrap_err();
        assert!(e.message.contains("name, nhs_number"), "{}", e.message);
    }

    #[test]
    fn keep_order_holds_records_until_the_rows_before_them_are_written() {
        let written = Arc::new(std::sync::Mutex::new(Vec::new()));
        struct Shared(Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut w = Writer {
            sink: Sink::Jsonl(Box::new(Shared(written.clone()))),
            keep_order: true,
            next: 0,
            waiting: Default::default(),
        };
        let lines = |w: &Arc<std::sync::Mutex<Vec<u8>>>| -> Vec<u64> {
            String::from_utf8(w.lock().unwrap().clone())
                .unwrap()
                .lines()
                .map(|l| {
                    serde_json::from_str::<Value>(l).unwrap()["line"]
                        .as_u64()
                        .unwrap()
                })
                .collect()
        };
        w.put(2, Some(json!({"line": 3}))).unwrap();
        w.put(1, None).unwrap();
        assert!(lines(&written).is_empty());
        assert_eq!(w.held(), 2);
        w.put(0, Some(json!({"line": 1}))).unwrap();
        assert_eq!(lines(&written), vec![1, 3]);
        assert_eq!(w.held(), 0);
        // Interrupted: what is held is written in order, gaps left out.
        w.put(5, Some(json!({"line": 6}))).unwrap();
        w.put(4, Some(json!({"line": 5}))).unwrap();
        w.flush().unwrap();
        assert_eq!(lines(&written), vec![1, 3, 5, 6]);
    }

    #[test]
    fn csv_lines_are_the_same_with_lf_and_crlf() {
        for input in [
            &b"nhs_number,dob\n9990000077,\n9990000026,2019-07-03\n"[..],
            &b"nhs_number,dob\r\n9990000077,\r\n9990000026,2019-07-03\r\n"[..],
        ] {
            let rows = read_rows(input, Some("nhs_number")).unwrap();
            let got: Vec<(u64, Option<&str>)> =
                rows.iter().map(|r| (r.line, r.dob.as_deref())).collect();
            assert_eq!(got, vec![(2, None), (3, Some("2019-07-03"))]);
        }
    }

    #[test]
    fn duplicates_name_their_first_row() {
        let rows = read_rows(b"9990000018\n12\n999 000 0018\n", None).unwrap();
        let plans = plan_rows(&rows);
        assert!(matches!(plans[0], Plan::Query(_)));
        assert!(matches!(plans[1], Plan::Invalid(_)));
        assert!(matches!(plans[2], Plan::Duplicate(_, 1)));
    }
}
