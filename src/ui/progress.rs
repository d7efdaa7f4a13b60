//! The batch's progress bar on standard error, with notes printed above it.

/// The progress bar on stderr: rows done of all rows, rate, ETA and plans found. Hidden when
/// stderr is not a terminal, on `TERM=dumb` (it redraws with escape sequences), with
/// `--no-progress` or `--quiet` (not `NO_COLOR`: it has no colour); notes are printed above it.
pub struct Progress {
    show: bool,
    quiet: bool,
    bar: std::sync::OnceLock<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar shown when `show` (not `--no-progress`) and not `quiet`, once [`Progress::start`]
    /// finds standard error a terminal that can redraw.
    pub fn new(show: bool, quiet: bool) -> Self {
        Progress {
            show,
            quiet,
            bar: std::sync::OnceLock::new(),
        }
    }

    fn bar(rows: u64, done: u64) -> indicatif::ProgressBar {
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
    }

    /// A note, above the bar when there is one; none with `--quiet`.
    pub fn note(&self, msg: &str) {
        if self.quiet {
            return;
        }
        match self.bar.get() {
            Some(bar) => bar.suspend(|| super::note(msg)),
            None => super::note(msg),
        }
    }

    /// Rows `done` of `rows` already: the bar appears if it may.
    pub fn start(&self, rows: u64, done: u64) {
        let dumb = super::term_is_dumb();
        if self.show && !self.quiet && !dumb && super::stderr_is_terminal() {
            let _ = self.bar.set(Progress::bar(rows, done));
        }
    }

    /// One more row done, `plans` of them with a plan so far.
    pub fn row(&self, plans: u64) {
        if let Some(bar) = self.bar.get() {
            bar.inc(1);
            bar.set_message(format!("{plans} with a plan"));
        }
    }

    /// The run is over: the bar goes.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}
