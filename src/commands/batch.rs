//! `cpis batch`: many NHS numbers from a file or stdin, one record per data row. The
//! workflow is [`crate::app::batch`]; here are its arguments, its questions and its terminal
//! (notes above a progress bar).

use std::sync::Arc;

use crate::config::care::CareSetting;
use crate::error::{Error, Kind, Result};
use crate::ui::progress::Progress;
use args::{BatchArgs, BatchFormat};

/// The workflow's terminal: notes and the progress bar (`ui::progress`).
impl crate::app::batch::Ui for Progress {
    fn note(&self, msg: &str) {
        Progress::note(self, msg);
    }

    fn warning(&self, msg: &str) {
        crate::ui::warning(msg);
    }

    fn start(&self, rows: u64, done: u64) {
        Progress::start(self, rows, done);
    }

    fn row(&self, plans: u64) {
        Progress::row(self, plans);
    }

    fn finish(&self) {
        Progress::finish(self);
    }
}

/// Ask on the terminal before an unscheduled batch: yes to notify up to `n` local
/// authorities.
async fn confirm_notify(n: u64) -> Result<bool> {
    crate::ui::prompt::confirm(&format!(
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

fn options(args: BatchArgs, care: CareSetting) -> crate::app::batch::Options {
    crate::app::batch::Options {
        input: args.input,
        column: args.column,
        care,
        output: args.output,
        format: match args.format {
            BatchFormat::Jsonl => crate::app::batch::Format::Jsonl,
            BatchFormat::Csv => crate::app::batch::Format::Csv,
        },
        rate: args.rate,
        concurrency: args.concurrency,
        pds_rate: args.pds_rate,
        no_pds: args.no_pds,
        state: args.state,
        fresh: args.fresh,
        yes: args.yes,
        retry_failed: args.retry_failed,
        retry_in_doubt: args.retry_in_doubt,
        keep_order: args.keep_order,
    }
}

pub async fn run(ctx: &crate::app::Ctx, args: BatchArgs) -> Result<()> {
    if args.output.is_none() {
        crate::ui::require_stdout()?;
    }
    let care = crate::app::input::care_from_flags(
        args.scheduled,
        args.unscheduled,
        ctx.settings.care_setting.as_ref().map(|c| c.value),
    )?;
    crate::app::batch::refuse_route(ctx.settings.route.value, care)?;
    // An unscheduled batch notifies: --yes, or a terminal to ask on, before anything else.
    if care == CareSetting::Unscheduled && !args.yes && !crate::ui::prompt::can_ask() {
        return Err(unconfirmed());
    }
    let ui = Arc::new(Progress::new(!args.no_progress, ctx.settings.quiet));
    let opts = options(args, care);
    let yes = opts.yes;
    let opened = crate::app::batch::open(ctx, opts, ui.as_ref()).await?;
    let to_send = opened.to_send();
    if care == CareSetting::Unscheduled && to_send > 0 && !yes && !confirm_notify(to_send).await? {
        return Err(crate::ui::prompt::declined("nothing was sent")
            .with_hint("check the list, then run it again (--yes to skip the question)"));
    }
    let ended = opened.run(ctx, ui, Box::new(crate::ui::Stdout)).await?;
    if ended.interrupted {
        return Err(Error::new(Kind::Interrupted, "interrupted")
            .with_hint("run the same command again to finish the batch"));
    }
    finished(ctx, &ended.summary)
}

/// The closing note, and the failure when any row (this run or an earlier one) failed.
fn finished(ctx: &crate::app::Ctx, s: &crate::app::batch::Summary) -> Result<()> {
    let t = &s.totals;
    ctx.note(&format!(
        "batch: {} rows: {} plan, {} no-plan, {} invalid, {} duplicate, {} in doubt, {} error ({} done before this run); {} requests in {:.1} s",
        s.rows, t.plan, t.no_plan, t.invalid, t.duplicate, t.in_doubt, t.error, s.already_done, s.requests, s.seconds
    ));
    let failed = t.failed();
    if failed > 0 {
        return Err(Error::new(
            Kind::BatchFailures,
            format!(
                "{failed} of {} rows were invalid, in doubt or failed (this run and earlier ones)",
                s.rows
            ),
        ));
    }
    Ok(())
}

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
