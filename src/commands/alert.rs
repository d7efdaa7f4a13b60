//! `cpis alert`: missed-appointment alerts to the responsible local authority, sent exactly
//! once. `missed-appointment` verifies the patient on PDS while it checks the plan with a
//! silent scheduled read (under the current number when PDS says the one given was
//! superseded), previews, confirms, keeps the alert in the outbox and then makes one attempt;
//! `retry` resends pending ones with their original identifier and body (no second PDS check);
//! `list` shows them all. An alert the outbox already holds (sent or pending) for the same
//! number and appointment is shown and refused before any request, unless `--again`.

use crate::app::alert::{self, Composed, Draft, ToRetry};
use crate::commands::formats::ListFormat;
use crate::error::{Error, Result};
use crate::nhs_number::NhsNumber;
use crate::render;
use crate::store::outbox::Outbox;
use args::{AlertCommand, MissedAppointmentArgs, RetryArgs};

use crate::app::alert::{check_text, MAX_SHORT_TEXT};

pub async fn run(ctx: &crate::app::Ctx, cmd: AlertCommand) -> Result<()> {
    match cmd {
        AlertCommand::MissedAppointment(args) => missed_appointment(ctx, args).await,
        AlertCommand::List { format, json } => list(
            ctx,
            if json {
                crate::commands::formats::ListFormat::Json
            } else {
                format
            },
        ),
        AlertCommand::Retry(args) => retry(ctx, args).await,
    }
}

/// Refuse (exit 2) an alert for a patient and appointment the outbox already holds as sent
/// or pending, showing what it holds, unless `--again`.
fn refuse_if_held(
    ctx: &crate::app::Ctx,
    nhs: &NhsNumber,
    appointment: &crate::timeutil::Moment,
    again: bool,
) -> Result<()> {
    let held = alert::standing(ctx, nhs, appointment, again)?;
    let Some(last) = held.last() else {
        return Ok(());
    };
    for r in &held {
        crate::ui::message(&render::alert::held(r, &nhs.to_string()));
    }
    Err(alert::already_held(nhs, appointment, last))
}

/// Ask before sending, unless `--yes`. Without a terminal and without `--yes`: refuse.
async fn confirm(yes: bool, question: &str) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    if !crate::ui::prompt::can_ask() {
        return Err(Error::usage(
            "refusing to send an alert without confirmation: there is no terminal to ask on",
        )
        .with_hint(
            "nothing was sent. Check the preview above, then pass --yes to send it from a script",
        ));
    }
    crate::ui::prompt::confirm(question).await
}

/// The NHS number given (on the command line or standard input), refused when standard input
/// is wanted twice or a confirmation could not be asked for.
fn requested_number(args: &MissedAppointmentArgs) -> Result<NhsNumber> {
    let number_on_stdin = crate::app::input::number_on_stdin(&args.nhs_number)?;
    let note_on_stdin = args.note_file.as_deref() == Some(std::path::Path::new("-"));
    if number_on_stdin && note_on_stdin {
        return Err(Error::usage(
            "standard input can hold the NHS number (`-`) or the note (`--note-file -`), not both",
        )
        .with_hint("nothing was sent. Put the note in a file: --note-file FILE"));
    }
    if (number_on_stdin || note_on_stdin) && !args.yes && !args.dry_run {
        return Err(crate::app::input::stdin_taken(
            if number_on_stdin {
                "the NHS number (`-`)"
            } else {
                "the note (`--note-file -`)"
            },
            "Check the preview with --dry-run, then pass --yes to send it",
        ));
    }
    if number_on_stdin {
        crate::app::input::number_from_stdin_for(false, false)
    } else {
        crate::app::input::parse_number_for(&args.nhs_number, false, false)
    }
}

/// What the user gives for the alert, checked before any request.
fn draft(args: &MissedAppointmentArgs) -> Result<Draft> {
    let now = crate::timeutil::now_moment();
    let appointment = alert::appointment(&args.appointment, &now)?;
    let service = check_text("--service", &args.service, MAX_SHORT_TEXT, false)?;
    let location = check_text("--location", &args.location, MAX_SHORT_TEXT, false)?;
    let note = alert::note(args.note.as_deref(), args.note_file.as_deref())?;
    Ok(Draft {
        appointment,
        service,
        location,
        note,
        now,
    })
}

async fn missed_appointment(ctx: &crate::app::Ctx, mut args: MissedAppointmentArgs) -> Result<()> {
    if args.json {
        args.format = crate::commands::formats::ListFormat::Json;
    }
    let requested = requested_number(&args)?;
    let draft = draft(&args)?;
    let given_base = alert::alert_base_given(ctx, args.alert_base_url.as_deref())?;
    // Before any request: an alert the outbox holds for this number and appointment.
    refuse_if_held(ctx, &requested, &draft.appointment, args.again)?;

    let verify = !args.no_pds && ctx.settings.verify_on_pds;
    let conn = ctx.connect().await?;
    let token = ctx.token_source(&conn).await?;
    let target = alert::target(given_base, &conn);
    crate::app::verify::check_role(&token, crate::config::care::CareSetting::Scheduled)?;
    let renewal = crate::app::renewal::Renewal::new(ctx, &conn, token);
    let today = crate::timeutil::today_days();
    let (patient, nhs, plans) = alert::identify(ctx, &renewal, &requested, verify, today).await?;
    let token = renewal.token().await;
    if nhs != requested {
        // Superseded: the outbox keeps alerts under the current number.
        refuse_if_held(ctx, &nhs, &draft.appointment, args.again)?;
    }
    let composed = alert::compose(&nhs, &patient, &plans, draft, &token)?;
    let Composed {
        alert: a,
        plan,
        others,
        ..
    } = &composed;
    crate::ui::message(&render::alert::alert_preview(&render::alert::Preview {
        patient_block: patient.block(&crate::ui::stderr_terminal()),
        nhs: nhs.to_string(),
        superseded_given: patient.pds.superseded.then(|| requested.to_string()),
        plan,
        alert: a,
        target: target.as_str(),
        others,
        dry_run: args.dry_run,
    }));
    if args.dry_run {
        ctx.note(&format!(
            "dry run: nothing was sent or kept; this body would be POSTed to {target}"
        ));
        return Ok(crate::ui::print_stdout(&composed.body)?);
    }
    if !confirm(args.yes, "Send this alert?").await? {
        return Err(crate::ui::prompt::declined("the alert was not sent"));
    }
    let row = alert::keep_and_send(ctx, &conn, &token, composed, &target).await?;
    print_result(&row, args.format)
}

fn print_result(row: &crate::store::outbox::Row, format: ListFormat) -> Result<()> {
    let text = render::alert::result(row, format == ListFormat::Json);
    Ok(crate::ui::print_stdout(&text)?)
}

fn list(ctx: &crate::app::Ctx, format: ListFormat) -> Result<()> {
    let outbox = Outbox::open(ctx.settings.data_dir.as_deref())?;
    let rows = outbox.all()?;
    let text = match format {
        ListFormat::Json => render::json(&rows),
        ListFormat::Table => {
            if rows.is_empty() {
                ctx.note("no alerts yet");
                return Ok(());
            }
            render::alert::list_table(&rows, &crate::ui::stdout_terminal())
        }
    };
    Ok(crate::ui::print_stdout(&text)?)
}

async fn retry(ctx: &crate::app::Ctx, mut args: RetryArgs) -> Result<()> {
    if args.json {
        args.format = crate::commands::formats::ListFormat::Json;
    }
    let outbox = Outbox::open(ctx.settings.data_dir.as_deref())?;
    let rows = match alert::to_retry(&outbox, args.id.as_deref())? {
        ToRetry::AlreadySent(row) => {
            ctx.note("this alert was already sent; nothing was resent");
            return print_result(&row, args.format);
        }
        ToRetry::Pending(rows) => rows,
    };
    if rows.is_empty() {
        ctx.note("no pending alerts: nothing to resend");
        return Ok(());
    }
    let (client, conn, _token) = ctx.cpis_client().await?;
    // The connection's POST client follows no redirect.
    let http = conn.post.clone();
    let target = alert::target(
        alert::alert_base_given(ctx, args.alert_base_url.as_deref())?,
        &conn,
    );
    let mut first_error = None;
    let mut declined = 0usize;
    for row in rows {
        if let Err(e) = alert::check_target(&row, &target) {
            crate::ui::message(&e);
            first_error.get_or_insert(e);
            continue;
        }
        crate::ui::message(&render::alert::retry_preview(&row));
        if !confirm(args.yes, "Resend this alert?").await? {
            crate::ui::message(&format_args!("not resent"));
            declined += 1;
            continue;
        }
        match alert::attempt(&outbox, &client, &http, row, &target).await {
            Ok(row) => print_result(&row, args.format)?,
            Err(e) => {
                crate::ui::message(&e);
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        None if declined > 0 => Err(crate::ui::prompt::declined(&format!(
            "{declined} alert(s) not resent; they stay pending"
        ))),
        None => Ok(()),
        // Already shown: exit with its code and no second copy.
        Some(e) => Err(Error {
            message: "not every alert was sent (see above)".into(),
            hint: None,
            trace: Box::default(),
            kind: e.kind,
        }),
    }
}

/// The command line of `cpis alert`, beside the command (the root command line in `cli`
/// re-exports it).
pub mod args {
    use crate::commands::formats::ListFormat;
    use std::path::PathBuf;

    use clap::{Args, Subcommand};

    #[derive(Debug, Subcommand)]
    pub enum AlertCommand {
        /// Alert the responsible local authority that a child (or, for an unborn-child plan, the
        /// mother) on a plan missed an appointment; sent exactly once
        #[command(after_long_help = ALERT_HELP)]
        MissedAppointment(MissedAppointmentArgs),

        /// Every alert in the outbox with its state, reference and local authority
        #[command(after_long_help = ALERT_LIST_HELP)]
        List {
            /// Output format
            #[arg(long, value_enum, default_value_t = ListFormat::Table)]
            format: ListFormat,

            /// Shorthand for --format json
            #[arg(long, conflicts_with = "format")]
            json: bool,
        },

        /// Resend pending alerts (or one, by ID) with their original identifier, so the service
        /// keeps each once
        #[command(after_long_help = ALERT_RETRY_HELP)]
        Retry(RetryArgs),
    }

    #[derive(Debug, Args)]
    pub struct MissedAppointmentArgs {
        /// NHS number of the child, or of the mother for an unborn-child plan ("943 476 5919" or its three groups), or - to read it from standard input (one line) so it never appears in the process list (then --yes or --dry-run is needed)
        #[arg(value_name = "NHS_NUMBER", required = true, num_args = 1..=3)]
        pub nhs_number: Vec<String>,

        /// When the missed appointment was: YYYY-MM-DDThh:mm[:ss], this machine's local time unless an offset (Z, +01:00) is given; not in the future
        #[arg(long, value_name = "TIME")]
        pub appointment: String,

        /// The service the appointment was with (at most 200 characters)
        #[arg(long, value_name = "TEXT")]
        pub service: String,

        /// Where the appointment was (at most 200 characters)
        #[arg(long, value_name = "TEXT")]
        pub location: String,

        /// What the local authority should know (at most 1000 characters; line breaks allowed)
        #[arg(
            long,
            value_name = "TEXT",
            required_unless_present = "note_file",
            conflicts_with = "note_file"
        )]
        pub note: Option<String>,

        /// Read the note from FILE instead of --note, or from standard input with `-`, so it never
        /// appears in the process list (same rules as --note; with `-`, --yes or --dry-run is needed)
        #[arg(long, value_name = "FILE")]
        pub note_file: Option<PathBuf>,

        /// Send without asking (for scripts): check the preview first, e.g. with --dry-run
        #[arg(long)]
        pub yes: bool,

        /// Make the same checks, print the FHIR body on stdout, and send and keep nothing
        #[arg(long, conflicts_with = "yes")]
        pub dry_run: bool,

        /// Base URL the alert is POSTed under ({base}/Communication) [default: the profile's alert_base_url, else the CP-IS base URL]
        #[arg(long, value_name = "URL")]
        pub alert_base_url: Option<String>,

        /// Output format of the result
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        pub format: ListFormat,

        /// Shorthand for --format json
        #[arg(long, conflicts_with = "format")]
        pub json: bool,

        /// Do not verify the patient on PDS first (the preview then says "not verified on PDS")
        #[arg(long)]
        pub no_pds: bool,

        /// Make a second alert (a new identifier) although the outbox already holds one, sent or pending, for this NHS number and appointment time [default: refuse, exit 2, showing it]
        #[arg(long)]
        pub again: bool,
    }

    #[derive(Debug, Args)]
    pub struct RetryArgs {
        /// The alert to resend (its ID from `cpis alert list`) [default: every pending alert]
        #[arg(value_name = "ID")]
        pub id: Option<String>,

        /// Resend without asking (for scripts)
        #[arg(long)]
        pub yes: bool,

        /// Base URL the alerts were made for, when not the profile's alert_base_url or the CP-IS base URL
        #[arg(long, value_name = "URL")]
        pub alert_base_url: Option<String>,

        /// Output format of each result
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        pub format: ListFormat,

        /// Shorthand for --format json
        #[arg(long, conflicts_with = "format")]
        pub json: bool,
    }

    pub(crate) const ALERT_HELP: &str = include_str!("../help/alert_help.txt");

    pub(crate) const ALERT_LIST_HELP: &str = include_str!("../help/alert_list_help.txt");

    pub(crate) const ALERT_RETRY_HELP: &str = include_str!("../help/alert_retry_help.txt");
}
