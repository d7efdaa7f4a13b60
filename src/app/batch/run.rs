//! A batch run: [`open`] (read the input, take the locks, connect, open or resume the state),
//! then [`Opened::run`] (schedule the rows, finish each, and the summary).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::check::{check, Ask, Claims};
use super::clients::Clients;
use super::input::{plan_row, Plan, Row, Spool};
use super::output::{Sink, Writer};
use super::record::{Counts, Record, Status, Summary};
use super::{resume, Options, Ui};
use crate::api::platform::Pacer;
use crate::app::{Connection, Ctx};
use crate::config::care::CareSetting;
use crate::config::route::Route;
use crate::error::{Error, Kind, Result};
use crate::store::batch::{Numbers, RowState, RunLock, State};

/// With `--keep-order`, how many finished records may wait behind a row in flight.
const MAX_HELD: usize = 4096;

/// A run ready to send: its input read and validated, its locks held, its state open.
pub struct Opened {
    opts: Options,
    spool: Spool,
    numbers: Arc<Numbers>,
    total_rows: u64,
    _locks: Vec<RunLock>,
    conn: Connection,
    token: crate::auth::TokenSource,
    verify: bool,
    state: Arc<State>,
    resumed: bool,
    append: bool,
    /// The statuses of done rows this run checks again (`--retry-failed`, `--retry-in-doubt`).
    again: Vec<&'static str>,
    to_send: u64,
}

/// How a run ended: its summary (written last), and whether Ctrl-C cut it short.
pub struct Ended {
    pub summary: Summary,
    pub interrupted: bool,
}

/// Every row read and validated, and the first line of each number noted, before anything is
/// sent; the rows are read again as they are sent, never all held at once.
fn read_input(opts: &Options) -> Result<(Spool, Arc<Numbers>, u64)> {
    let spool = Spool::read(&opts.input)?;
    let numbers = Arc::new(Numbers::new()?);
    let mut total_rows = 0u64;
    let mut reader = spool.rows(opts.column.as_deref())?;
    numbers.begin()?;
    while let Some(row) = reader.next_row()? {
        total_rows += 1;
        plan_row(&row, |n, line| numbers.first_or_insert(n.to_u64(), line))?;
    }
    numbers.commit()?;
    Ok((spool, numbers, total_rows))
}

/// What to do with `row`, its number's first row known from the first pass.
fn planned(numbers: &Numbers, row: &Row) -> Result<Plan> {
    plan_row(row, |n, line| {
        Ok(numbers.first(n.to_u64())?.unwrap_or(line))
    })
}

/// Read the input, take the locks, connect and open (or resume) the run's state: everything
/// before the first request. Notes and warnings go to `ui`.
pub async fn open(ctx: &Ctx, opts: Options, ui: &dyn Ui) -> Result<Opened> {
    let care = opts.care;
    let (spool, numbers, total_rows) = read_input(&opts)?;
    let state_file = resume::state_path(&opts);
    let locks = resume::lock(&opts, state_file.as_deref())?;
    let (client, conn, token) = ctx.cpis_client().await?;
    crate::app::verify::check_role(&token, care)?;
    if ctx.settings.route.value == Route::V3 {
        // Every setting and the author, before anything is sent.
        crate::app::v3route::preflight(ctx, &conn, &token, care)?;
    }
    let verify = !opts.no_pds && ctx.settings.verify_on_pds;
    let embedded = ctx.settings.endpoint.base_url.is_none();
    if embedded {
        // A results file from the sandbox must not pass for real results: said even with
        // --quiet (its records say `"environment": "local"` too).
        ui.warning(
            "this batch runs against the embedded sandbox (synthetic patients only): its results are not about real children; choose a real environment with --env or `cpis config set env`",
        );
    }
    let facts = resume::Facts {
        ctx,
        conn: &conn,
        token: &token,
        care,
        verify,
        embedded,
        input_hash: spool.hash.clone(),
        base_url: client.base_url().as_str().to_string(),
    };
    let key = resume::run_key(&opts, &facts)?;
    let out_exists = opts.output.as_deref().is_some_and(|p| p.exists());
    let (state, resumed) = resume::open_state(&opts, state_file.as_deref(), &key, &|m| ui.note(m))?;
    let append = resumed && out_exists;
    // On a resumed run, the done rows whose records are not in the output: those missing
    // from an existing output file, or all of them when it is new (moved away, or standard
    // output) and so written again from the state.
    if let (Some(p), true) = (&opts.output, append) {
        resume::lines_in_output(p, opts.format, &numbers)?;
    }
    if let Some(st) = state_file.as_deref().filter(|_| resumed) {
        ui.note(&format!(
            "resuming the run kept in {}{}",
            st.display(),
            if append {
                ""
            } else {
                ": the records of the rows done before are written again"
            }
        ));
    }
    let again: Vec<&'static str> = [
        opts.retry_failed.then_some("error"),
        opts.retry_in_doubt.then_some("in-doubt"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut opened = Opened {
        opts,
        spool,
        numbers,
        total_rows,
        _locks: locks,
        conn,
        token,
        verify,
        state: Arc::new(state),
        resumed,
        append,
        again,
        to_send: 0,
    };
    if care == CareSetting::Unscheduled && !opened.opts.yes {
        opened.to_send = opened.count_to_send()?;
    }
    Ok(opened)
}

impl Opened {
    /// The rows this run sends to CP-IS (at most: PDS may turn some away), for the question
    /// before an unscheduled batch; counted only when it is to be asked.
    pub fn to_send(&self) -> u64 {
        self.to_send
    }

    fn count_to_send(&self) -> Result<u64> {
        let (care, again) = (self.opts.care, &self.again);
        let mut to_send = 0u64;
        let mut reader = self.spool.rows(self.opts.column.as_deref())?;
        while let Some(row) = reader.next_row()? {
            if !matches!(planned(&self.numbers, &row)?, Plan::Query(_)) {
                continue;
            }
            to_send += match self.state.row(row.line)? {
                RowState::Pending => 1,
                RowState::Sent => {
                    u64::from(care == CareSetting::Scheduled || self.opts.retry_in_doubt)
                }
                RowState::Done { status, .. } => u64::from(again.contains(&status.as_str())),
            };
        }
        Ok(to_send)
    }

    /// Check every row, writing each record as it is finished (to the output file, else to
    /// `stdout`), then the summary.
    pub async fn run(
        self,
        ctx: &Ctx,
        ui: Arc<dyn Ui>,
        stdout: Box<dyn std::io::Write + Send>,
    ) -> Result<Ended> {
        let sink = Sink::open(
            self.opts.output.as_deref(),
            stdout,
            self.opts.format,
            self.append,
        )?;
        let done = if self.resumed {
            self.state.done_count(&self.again)?
        } else {
            0
        };
        ui.start(self.total_rows, done);
        let rate = self.opts.rate;
        let pacer = Arc::new(Pacer::new(rate));
        // PDS and CP-IS are separate APIs with separate limits: each has its own pacer.
        let pds_pacer = self
            .verify
            .then(|| Arc::new(Pacer::new(self.opts.pds_rate.unwrap_or(rate))));
        if !self.verify {
            ui.note(
                "not verified on PDS (--no-pds or verify_on_pds = false): every record says so",
            );
        }
        let notify: crate::api::platform::Notify = {
            let ui = ui.clone();
            Arc::new(move |msg: &str| ui.note(msg))
        };
        let clients = Clients::new(
            ctx,
            self.conn.second_handle(),
            &self.token,
            pacer.clone(),
            pds_pacer.clone(),
            notify,
        )?;
        let stopping = Arc::new(AtomicBool::new(false));
        on_interrupt(stopping.clone(), ui.clone())?;
        if self.opts.care == CareSetting::Unscheduled {
            ui.note("unscheduled batch: each access is recorded in the record's access history, and the responsible local authority is notified");
        }
        let started = Instant::now();
        let shared = Arc::new(Shared {
            clients,
            claims: self.numbers.clone(),
            state: self.state.clone(),
            stopping,
            slots: tokio::sync::Semaphore::new(self.opts.concurrency as usize),
            sent: AtomicU64::new(0),
            care: self.opts.care,
            route: ctx.settings.route.value,
            today: crate::timeutil::today_days(),
        });
        let mut run = Scheduler {
            opened: &self,
            ui: ui.clone(),
            writer: Writer::new(sink, self.opts.keep_order),
            counts: Counts::default(),
            queried: 0,
            already: 0,
            tasks: tokio::task::JoinSet::new(),
            from: Origin {
                route: ctx.settings.route.value.as_str().to_string(),
                environment: ctx.settings.environment_label().to_string(),
                base_url: self.conn.base.as_str().trim_end_matches('/').to_string(),
            },
        };
        run.schedule(&shared).await?;
        run.writer.flush()?;
        ui.finish();
        let summary = run.summary(&shared, started, &pacer, pds_pacer.as_deref())?;
        run.writer.summary(&summary)?;
        Ok(Ended {
            summary,
            interrupted: shared.stopping.load(Ordering::SeqCst),
        })
    }
}

/// Ctrl-C: no new row is started and no new request sent; requests already on the wire
/// finish and are recorded. A second Ctrl-C ends the process at once (the state stays
/// consistent: every write to it is a transaction).
fn on_interrupt(stopping: Arc<AtomicBool>, ui: Arc<dyn Ui>) -> Result<()> {
    let first = crate::app::signals::interrupt_signal()?;
    tokio::spawn(async move {
        first.await;
        stopping.store(true, Ordering::SeqCst);
        ui.note("interrupted: finishing the requests in flight (Ctrl-C again to stop at once)");
        if let Ok(second) = crate::app::signals::interrupt_signal() {
            second.await;
            std::process::exit(Kind::Interrupted.exit_code());
        }
    });
    Ok(())
}

/// What the run's tasks share.
struct Shared {
    clients: Clients,
    claims: Arc<Claims>,
    state: Arc<State>,
    stopping: Arc<AtomicBool>,
    /// The run's CP-IS slots (`--concurrency`).
    slots: tokio::sync::Semaphore,
    /// The CP-IS requests written to the network (retries and resends after a 401 included).
    sent: AtomicU64,
    care: CareSetting,
    route: Route,
    today: i64,
}

/// Where every record says it came from: route, environment and base URL.
struct Origin {
    route: String,
    environment: String,
    base_url: String,
}

/// A finished task: the row's index, its record, and the number it was asked with.
type Done = (usize, Record, String);

/// The rows in flight and what has become of those finished.
struct Scheduler<'a> {
    opened: &'a Opened,
    ui: Arc<dyn Ui>,
    writer: Writer,
    counts: Counts,
    /// Rows sent to be checked by this run.
    queried: u64,
    /// Rows done before this run (and not checked again).
    already: u64,
    tasks: tokio::task::JoinSet<Done>,
    from: Origin,
}

impl Scheduler<'_> {
    /// Every row, in input order: written at once when it needs no request (done before,
    /// invalid, a duplicate, in doubt from an earlier run), else checked by a task.
    async fn schedule(&mut self, shared: &Arc<Shared>) -> Result<()> {
        let o = self.opened;
        // With PDS, each row makes a PDS retrieval then its CP-IS searches: twice as many
        // rows in flight keep both APIs busy (each still at its own rate), so throughput
        // stays at the CP-IS rate. CP-IS itself has only --concurrency slots: at most that
        // many CP-IS requests in flight, and so rows in doubt should the process die.
        let limit = o.opts.concurrency as usize * if o.verify { 2 } else { 1 };
        let mut reader = o.spool.rows(o.opts.column.as_deref())?;
        let mut index = 0usize;
        while let Some(row) = reader.next_row()? {
            if shared.stopping.load(Ordering::SeqCst) {
                break;
            }
            let plan = planned(&o.numbers, &row)?;
            index += 1;
            let index = index - 1;
            while self.writer.held() > MAX_HELD && !self.tasks.is_empty() {
                self.join_one().await?;
            }
            let previous = o.state.row(row.line)?;
            if self.done_before(index, &row, &previous)? {
                continue;
            }
            match self.without_request(&row, plan, &previous) {
                Ok((record, digits)) => self.finish(index, record, &digits)?,
                Err(n) => {
                    while self.tasks.len() >= limit {
                        self.join_one().await?;
                    }
                    self.queried += 1;
                    spawn(&mut self.tasks, shared, index, &row, n);
                }
            }
        }
        while !self.tasks.is_empty() {
            self.join_one().await?;
        }
        Ok(())
    }

    /// A row done by an earlier run and not to be checked again: its record is written now
    /// when it never reached the output (the process died between the two).
    fn done_before(&mut self, index: usize, row: &Row, previous: &RowState) -> Result<bool> {
        let o = self.opened;
        let RowState::Done { status, record } = previous else {
            return Ok(false);
        };
        if o.again.contains(&status.as_str()) {
            return Ok(false);
        }
        self.already += 1;
        let missing = o.resumed && !(o.append && o.numbers.written(row.line)?);
        let entry = missing.then(|| self.writer.stored(record)).flatten();
        self.writer.put(index, entry)?;
        Ok(true)
    }

    /// The record of a row that sends nothing (with the number its state is kept under), or
    /// the number to check.
    fn without_request(
        &self,
        row: &Row,
        plan: Plan,
        previous: &RowState,
    ) -> std::result::Result<(Record, String), crate::nhs_number::NhsNumber> {
        let o = self.opened;
        Ok(match plan {
            Plan::Invalid(why) => (
                Record {
                    message: Some(why),
                    ..Record::new(row.line, crate::sanitize::echo(&row.raw), Status::Invalid)
                },
                row.raw.clone(),
            ),
            Plan::Duplicate(n, first) => (
                Record {
                    duplicate_of: Some(first),
                    ..Record::new(row.line, n.digits(), Status::Duplicate)
                },
                n.digits(),
            ),
            Plan::Query(n)
                if *previous == RowState::Sent
                    && o.opts.care == CareSetting::Unscheduled
                    && !o.opts.retry_in_doubt =>
            {
                (
                    Record {
                        message: Some("an earlier run sent this unscheduled lookup but never recorded its answer; not queried again, since the local authority may already have been notified (--retry-in-doubt queries it again)".to_string()),
                        ..Record::new(row.line, n.digits(), Status::InDoubt)
                    },
                    n.digits(),
                )
            }
            Plan::Query(n) => return Err(n),
        })
    }

    /// Wait for one task to finish, and finish its row.
    async fn join_one(&mut self) -> Result<()> {
        if let Some(done) = self.tasks.join_next().await {
            let (i, record, nhs) = done.map_err(|e| Error::unexpected(format!("task: {e}")))?;
            self.finish(i, record, &nhs)?;
        }
        Ok(())
    }

    /// Record, count and write one finished row: the state first, then the output.
    fn finish(&mut self, index: usize, mut record: Record, nhs: &str) -> Result<()> {
        // Stopped by Ctrl-C before its request went out: the row is left as it stands
        // (pending, or sent and so in doubt next time), with no record.
        if record.interrupted() {
            return self.writer.put(index, None);
        }
        // Every record names where it came from: environment, base URL and route.
        record.route = Some(self.from.route.clone());
        record.environment = Some(self.from.environment.clone());
        record.base_url = Some(self.from.base_url.clone());
        // One JSON line, kept in the run's state and written to the output.
        let json = record.to_json()?.to_string();
        let status = record.status;
        self.opened
            .state
            .mark_done(record.line, nhs, status.as_str(), &json)?;
        self.counts.add(status);
        self.ui.row(self.counts.plan);
        let entry = self.writer.entry(json, &record);
        self.writer.put(index, Some(entry))
    }

    /// The summary: the statuses across runs (every row's latest record, this run's or an
    /// earlier one's), this run's, and what it cost.
    fn summary(
        &self,
        shared: &Shared,
        started: Instant,
        pacer: &Pacer,
        pds_pacer: Option<&Pacer>,
    ) -> Result<Summary> {
        let o = self.opened;
        let elapsed = started.elapsed();
        let requests = shared.sent.load(Ordering::SeqCst);
        let totals = o.state.totals()?;
        let seconds = elapsed.as_secs_f64();
        Ok(Summary {
            kind: "summary",
            rows: o.total_rows,
            already_done: self.already,
            requests,
            requests_per_number: if self.queried == 0 {
                0.0
            } else {
                requests as f64 / self.queried as f64
            },
            rate_limited: pacer.rate_limited(),
            pds_requests: pds_pacer.map_or(0, |p| p.requests()),
            pds_rate_limited: pds_pacer.map_or(0, |p| p.rate_limited()),
            verified_on_pds: o.verify,
            route: self.from.route.clone(),
            environment: self.from.environment.clone(),
            base_url: self.from.base_url.clone(),
            wall_time_ms: elapsed.as_millis() as u64,
            achieved_rate: if seconds > 0.0 {
                requests as f64 / seconds
            } else {
                0.0
            },
            totals: Counts::from_fn(|s| totals.get(s.as_str()).copied().unwrap_or(0)),
            this_run: self.counts,
            seconds,
        })
    }
}

/// Check `n` (the number of `row`) in a task of its own. Each CP-IS request is marked
/// before it is written to the network: refused once Ctrl-C has stopped the run, else the
/// row is recorded as sent (so that a rerun knows it may be in doubt) and counted.
fn spawn(
    tasks: &mut tokio::task::JoinSet<Done>,
    shared: &Arc<Shared>,
    index: usize,
    row: &Row,
    n: crate::nhs_number::NhsNumber,
) {
    let shared = shared.clone();
    let line = row.line;
    let dob = row.dob.clone();
    tasks.spawn(async move {
        let d = n.digits();
        let mark = {
            let (d, shared) = (d.clone(), shared.clone());
            move || {
                if shared.stopping.load(Ordering::SeqCst) {
                    return Err(Error::new(Kind::Interrupted, "interrupted"));
                }
                shared.state.mark_sent(line, &d)?;
                shared.sent.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        };
        let ask = Ask {
            line,
            nhs: &n,
            care: shared.care,
            today: shared.today,
            dob: dob.as_deref(),
            slots: &shared.slots,
            route: shared.route,
        };
        let record = check(&shared.clients, ask, &shared.claims, &mark).await;
        (index, record, d)
    });
}
