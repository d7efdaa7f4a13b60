//! `cpis lookup`: one NHS number, both searches concurrently, rendered for people or scripts.

use crate::app::input::*;
use crate::app::lookup::{self, Request};
use crate::app::renewal::Renewal;
use crate::commands::formats::Format;
use crate::config::care::CareSetting;
use crate::error::{Error, Result};
use crate::render::{self, lookup::PatientReport};
use args::LookupArgs;

/// The care setting from the flags, else the profile/environment, else a refusal.
pub fn care_setting(args: &LookupArgs, configured: Option<CareSetting>) -> Result<CareSetting> {
    care_from_flags(args.scheduled, args.unscheduled, configured)
}

/// Before an unscheduled lookup (which notifies the local authority): the user has seen the
/// patient and said yes, or `--dob` matched, or `--yes` was given. `report` is what PDS said,
/// or the bare number when PDS was not asked.
async fn confirm_patient(report: &PatientReport, dob_checked: bool, yes: bool) -> Result<()> {
    if dob_checked || yes {
        return Ok(());
    }
    if !crate::ui::prompt::can_ask() {
        return Err(unconfirmed());
    }
    crate::ui::text(&report.block(&crate::ui::stderr_terminal()));
    let question = if report.verified {
        "Is this the patient? (an unscheduled lookup notifies their local authority)"
    } else {
        "This NHS number is not verified on PDS. Is it the patient's? (an unscheduled lookup notifies their local authority)"
    };
    if crate::ui::prompt::confirm(question).await? {
        Ok(())
    } else {
        Err(
            crate::ui::prompt::declined("not the patient: nothing was sent to CP-IS")
                .with_hint("check the NHS number with the patient or their records"),
        )
    }
}

fn unconfirmed() -> Error {
    Error::usage(
        "an unscheduled lookup notifies the local authority, so the patient must be confirmed first, and there is no terminal to ask on",
    )
    .with_hint("pass --dob YYYY-MM-DD (checked against PDS), or --yes once the patient has been checked; nothing was sent")
}

/// The lookup the arguments ask for, refused before anything is read or sent where it
/// could not be made.
fn request(ctx: &crate::app::Ctx, args: &LookupArgs) -> Result<Request> {
    let on_stdin = number_on_stdin(&args.nhs_number)?;
    let given = if on_stdin {
        None
    } else {
        several_numbers(&args.nhs_number)?;
        Some(parse_number(&args.nhs_number, args.no_validate)?)
    };
    let care = care_setting(args, ctx.settings.care_setting.as_ref().map(|c| c.value))?;
    let dob = parse_dob(args.dob.as_deref())?;
    // `lookup -`: the number is on standard input, so "Is this the patient?" cannot be asked
    // there: an unscheduled lookup needs --dob or --yes, refused before anything is read or
    // sent.
    if on_stdin && care == CareSetting::Unscheduled && dob.is_none() && !args.yes {
        return Err(stdin_taken(
            "the NHS number (`lookup -`)",
            "An unscheduled lookup with the number on standard input needs --dob YYYY-MM-DD (checked against PDS) or --yes (once the patient has been checked)",
        ));
    }
    let requested = match given {
        Some(n) => n,
        None => number_from_stdin(args.no_validate)?,
    };
    Ok(Request {
        requested,
        care,
        dob,
        verify: !args.no_pds && ctx.settings.verify_on_pds,
    })
}

pub async fn run(ctx: &crate::app::Ctx, args: LookupArgs) -> Result<()> {
    // Nowhere to show the answer: refuse before anything is sent (an unscheduled lookup
    // would notify for nothing).
    crate::ui::require_stdout()?;
    let req = request(ctx, &args)?;
    let care = req.care;
    if args.curl {
        let out = lookup::curl(ctx, &req.requested, care, req.verify).await?;
        return Ok(crate::ui::print_stdout(&out)?);
    }
    lookup::refuse_dob_without_pds(&req)?;
    let conn = ctx.connect().await?;
    let token = ctx.token_source(&conn).await?;
    // Refused before anything is sent when the patient could not be confirmed anyway; with
    // less assurance (no PDS) the same question is asked, never fewer. The role comes first.
    crate::app::verify::check_role(&token, care)?;
    if care == CareSetting::Unscheduled
        && req.dob.is_none()
        && !args.yes
        && !crate::ui::prompt::can_ask()
    {
        return Err(unconfirmed());
    }
    lookup::preflight(ctx, &conn, &token, care)?;
    let renewal = Renewal::new(ctx, &conn, token);
    let today = crate::timeutil::today_days();
    let mut identified = lookup::identify(ctx, &renewal, &req, today).await?;
    if care == CareSetting::Unscheduled {
        // Nothing that notifies a local authority before the patient is known.
        confirm_patient(&identified.report, req.dob.is_some(), args.yes).await?;
    }
    let record = lookup::read(ctx, &renewal, &mut identified, care, today).await?;
    let warnings: Vec<String> = lookup::unnamed_warning(&record).into_iter().collect();
    for w in &warnings {
        crate::ui::warning(w);
    }
    if args.raw {
        ctx.note(&lookup::raw_note(ctx, &conn));
        return Ok(crate::ui::print_stdout(&render::lookup::raw(&record.raw))?);
    }
    let report = lookup::report(ctx, &conn, &renewal, identified, care, record, warnings).await;
    let format = if args.json { Format::Json } else { args.format };
    let text = match format {
        Format::Table => render::lookup::table(&report, &crate::ui::stdout_terminal()),
        Format::Json => render::json(&report),
        Format::Csv => render::lookup::csv(&report),
    };
    Ok(crate::ui::print_stdout(&text)?)
}

/// The command line of `cpis lookup`, beside the command (the root command line in `cli`
/// re-exports it).
pub mod args {

    use clap::Args;

    use crate::commands::formats::*;

    pub(crate) const LOOKUP_HELP: &str = include_str!("../help/lookup_help.txt");

    #[derive(Debug, Clone, Args)]
    pub struct LookupArgs {
        /// NHS number: one argument ("943 476 5919", 943-476-5919) or its three groups (943 476 5919), or - to read it from standard input (one line), so it never appears in the process list
        #[arg(value_name = "NHS_NUMBER", required = true, num_args = 1..=3)]
        pub nhs_number: Vec<String>,

        /// Scheduled care: silent read, nothing recorded, no notification
        #[arg(long, conflicts_with = "unscheduled")]
        pub scheduled: bool,

        /// Unscheduled care: the access is recorded and the local authority is notified
        #[arg(long)]
        pub unscheduled: bool,

        /// Skip the Modulus 11 check (only for test data that fails it, like the official example 9912003890)
        #[arg(long)]
        pub no_validate: bool,

        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Table)]
        pub format: Format,

        /// Shorthand for --format json
        #[arg(long, conflicts_with = "format")]
        pub json: bool,

        /// Print the service's FHIR bundles unchanged instead of rendering them
        #[arg(long, conflicts_with_all = ["format", "json"])]
        pub raw: bool,

        /// Print the equivalent curl commands (headers included, the token as $CPIS_ACCESS_TOKEN) and
        /// send nothing
        #[arg(long, conflicts_with_all = ["format", "json", "raw"])]
        pub curl: bool,

        /// The child's date of birth: checked against PDS before CP-IS is asked (a mismatch exits 2 and sends nothing to CP-IS); stands in for the confirmation of an unscheduled lookup
        #[arg(long, value_name = "YYYY-MM-DD")]
        pub dob: Option<String>,

        /// Do not ask "Is this the patient?" before an unscheduled lookup (for scripts: the caller has checked the patient)
        #[arg(long, short = 'y')]
        pub yes: bool,

        /// Do not verify the patient on PDS first (every output then says "not verified on PDS")
        #[arg(long, conflicts_with = "dob")]
        pub no_pds: bool,
    }
}
