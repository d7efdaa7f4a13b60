//! `cpis lookup`: one NHS number, both searches concurrently, rendered for people or scripts.

use crate::app::input::*;
use crate::app::record::*;
use crate::app::renewal::Renewal;
use crate::app::verify::*;
use crate::commands::formats::Format;
use crate::cpis::{CareSetting, Route};
use crate::error::{Error, Result};
use crate::nhs_number::NhsNumber;
use crate::render::{self, lookup::LookupReport, lookup::PatientReport};
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
    if !crate::prompt::can_ask() {
        return Err(unconfirmed());
    }
    crate::ui::text(&report.block(&crate::ui::stderr_terminal()));
    let question = if report.verified {
        "Is this the patient? (an unscheduled lookup notifies their local authority)"
    } else {
        "This NHS number is not verified on PDS. Is it the patient's? (an unscheduled lookup notifies their local authority)"
    };
    if crate::prompt::confirm(question).await? {
        Ok(())
    } else {
        Err(
            crate::prompt::declined("not the patient: nothing was sent to CP-IS")
                .with_hint("check the NHS number with the patient or their records"),
        )
    }
}

fn note_superseded(ctx: &crate::app::Ctx, requested: &NhsNumber, current: &NhsNumber) {
    ctx.note(&format!(
        "NHS number {} has been superseded by {} on PDS: checking CP-IS under the current number",
        crate::pds::model::spaced(&requested.digits()),
        crate::pds::model::spaced(&current.digits())
    ));
}

fn unconfirmed() -> Error {
    Error::usage(
        "an unscheduled lookup notifies the local authority, so the patient must be confirmed first, and there is no terminal to ask on",
    )
    .with_hint("pass --dob YYYY-MM-DD (checked against PDS), or --yes once the patient has been checked; nothing was sent")
}

const UNSCHEDULED_NOTE: &str = "unscheduled lookup: this access is recorded in the record's access history, and the responsible local authority is notified";

pub async fn run(ctx: &crate::app::Ctx, args: LookupArgs) -> Result<()> {
    // Nowhere to show the answer: refuse before anything is sent (an unscheduled lookup
    // would notify for nothing).
    render::require_stdout()?;
    let on_stdin = number_on_stdin(&args.nhs_number)?;
    let given = if on_stdin {
        None
    } else {
        several_numbers(&args.nhs_number)?;
        Some(parse_number(&args.nhs_number, args.no_validate)?)
    };
    let care = care_setting(&args, ctx.settings.care_setting.as_ref().map(|c| c.value))?;
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
    let verify = !args.no_pds && ctx.settings.verify_on_pds;
    if args.curl {
        return curl(ctx, &requested, care, verify).await;
    }
    if dob.is_some() && !verify {
        return Err(Error::usage(
            "--dob is checked against PDS, and PDS is not asked (--no-pds or verify_on_pds = false)",
        )
        .with_hint("nothing was sent. Drop --no-pds to check the date of birth, or confirm the patient another way"));
    }
    let conn = ctx.connect().await?;
    let token = ctx.token_source(&conn).await?;
    // The role comes first: a user who may not make this lookup is told so, not asked to
    // confirm a patient.
    check_role(&token, care)?;
    // Refused before anything is sent when the patient could not be confirmed anyway; with
    // less assurance (no PDS) the same question is asked, never fewer.
    if care == CareSetting::Unscheduled && dob.is_none() && !args.yes && !crate::prompt::can_ask() {
        return Err(unconfirmed());
    }
    // Refused before anything is sent: a route that cannot serve this care setting.
    if care == CareSetting::Unscheduled && ctx.settings.route.value == Route::Flags {
        return Err(crate::flags::unscheduled_refused());
    }
    if ctx.settings.route.value == Route::V3 {
        crate::app::v3route::preflight(ctx, &conn, &token, care)?;
    }
    let renewal = Renewal::new(ctx, &conn, token);
    let today = crate::timeutil::today_days();

    let (patient_report, nhs, record) = if !verify {
        ctx.note("not verified on PDS (--no-pds or verify_on_pds = false): make sure this is the right child");
        let report = PatientReport::unverified(&requested.digits());
        if care == CareSetting::Unscheduled {
            confirm_patient(&report, false, args.yes).await?;
            ctx.note(UNSCHEDULED_NOTE);
        }
        let found = care_record(ctx, &renewal, &requested, care, today).await?;
        (report, requested, found)
    } else if care == CareSetting::Scheduled {
        // A silent read: PDS and both CP-IS searches at once, one round trip.
        let (outcome, found) = tokio::join!(
            renewal.patient(&requested),
            care_record(ctx, &renewal, &requested, care, today)
        );
        let patient = accept(outcome?, &requested)?;
        check_dob(&patient, dob.as_deref())?;
        let current = current_number(&patient)?;
        let found = if patient.superseded {
            note_superseded(ctx, &requested, &current);
            care_record(ctx, &renewal, &current, care, today).await?
        } else {
            found?
        };
        (PatientReport::verified(&patient, today), current, found)
    } else {
        // Unscheduled: nothing that notifies a local authority before the patient is known.
        let outcome = renewal.patient(&requested).await?;
        let patient = accept(outcome, &requested)?;
        check_dob(&patient, dob.as_deref())?;
        let report = PatientReport::verified(&patient, today);
        confirm_patient(&report, dob.is_some(), args.yes).await?;
        let current = current_number(&patient)?;
        if patient.superseded {
            note_superseded(ctx, &requested, &current);
        }
        ctx.note(UNSCHEDULED_NOTE);
        let found = care_record(ctx, &renewal, &current, care, today).await?;
        (report, current, found)
    };
    let base_url = conn.base.as_str().trim_end_matches('/').to_string();
    let unnamed = record.unnamed;
    let warnings: Vec<String> = (unnamed > 0)
        .then(|| {
            format!(
                "{unnamed} result(s) in the answer name no patient: shown as the service sent them; check they are about this child"
            )
        })
        .into_iter()
        .collect();
    for w in &warnings {
        crate::ui::warning(&w.to_string());
    }
    if args.raw {
        // The bundles carry no environment: say it on stderr.
        let what = if ctx.settings.route.value == Route::V3 {
            "the raw HL7 V3 reply document"
        } else {
            "raw FHIR bundles"
        };
        ctx.note(&format!(
            "{what} from environment {} ({base_url})",
            ctx.settings.environment_label(),
        ));
        let mut out = String::new();
        for body in &record.raw {
            // The same JSON, with anything that could play tricks on a terminal escaped.
            out.push_str(&crate::sanitize::json_text(&String::from_utf8_lossy(body)));
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
        return Ok(render::print_stdout(&out)?);
    }

    let plans = record.plans;
    let report = LookupReport {
        nhs_number: nhs.digits(),
        environment: ctx.settings.environment_label().to_string(),
        base_url,
        care_setting: care.as_str().to_string(),
        has_plan: !plans.is_empty(),
        has_active_plan: plans.iter().any(|p| p.active),
        plans,
        access_history_available: record.access_history.is_some(),
        access_history: record.access_history,
        route: ctx.settings.route.value.as_str().to_string(),
        trace_ids: record.trace_ids,
        acting_as: renewal.token().await.acting_as(),
        patient: patient_report,
        warnings,
    };
    let format = if args.json { Format::Json } else { args.format };
    let text = match format {
        Format::Table => render::lookup::table(&report, &crate::ui::stdout_terminal()),
        Format::Json => render::json(&report),
        Format::Csv => render::lookup::csv(&report),
    };
    Ok(render::print_stdout(&text)?)
}

/// `lookup --curl`: the two searches as curl commands; nothing is sent.
async fn curl(
    ctx: &crate::app::Ctx,
    nhs: &crate::nhs_number::NhsNumber,
    care: CareSetting,
    verify: bool,
) -> Result<()> {
    if ctx.settings.endpoint.base_url.is_none() {
        return Err(Error::usage(
            "the embedded sandbox lives only while a cpis command runs: there is nothing for curl to reach",
        )
        .with_hint("run `cpis sandbox serve` and use its base URL: cpis --base-url URL lookup ... --curl"));
    }
    let conn = ctx.connect().await?;
    // The token stays a shell variable; a CIS2 user's role goes in as it would.
    let urid = ctx
        .sessions()?
        .get(&ctx.credential_key())
        .and_then(|s| s.user.clone())
        .and_then(|u| u.identity.role_profile_id);
    let client = crate::cpis::Client::new(
        conn.http.clone(),
        conn.base.as_str(),
        Some(crate::secret::Secret::new("$CPIS_ACCESS_TOKEN")),
        ctx.settings.timeout.value,
        ctx.notifier(),
    )?
    .session_urid(urid.as_deref())?;
    let cacert = ctx
        .settings
        .ca_sources
        .iter()
        .find(|s| !s.dir)
        .map(|s| s.path.display().to_string());
    ctx.note(&crate::paste::paste_ready(
        "nothing was sent; set CPIS_ACCESS_TOKEN to the access token before running these: export CPIS_ACCESS_TOKEN=\"$(cpis auth token)\"",
    ));
    if care == CareSetting::Unscheduled {
        ctx.note("these are unscheduled searches: running them records an access and notifies the local authority");
    }
    let mut out = String::new();
    if verify {
        // PDS first: who the number belongs to (a silent read).
        let base = ctx.pds_base(&conn)?;
        let api = crate::cpis::Client::new(
            conn.http.clone(),
            base.as_str(),
            Some(crate::secret::Secret::new("$CPIS_ACCESS_TOKEN")),
            ctx.settings.timeout.value,
            ctx.notifier(),
        )?
        .session_urid(urid.as_deref())?;
        out.push_str(&crate::pds::Client::new(api, base).curl_command(nhs, cacert.as_deref()));
    }
    match ctx.settings.route.value {
        Route::Fhir => out.push_str(&client.curl_commands(nhs, care, cacert.as_deref())),
        Route::Flags => {
            if care == CareSetting::Unscheduled {
                return Err(crate::flags::unscheduled_refused());
            }
            let base = ctx.flags_base(&conn)?;
            let api = crate::cpis::Client::new(
                conn.http.clone(),
                base.as_str(),
                Some(crate::secret::Secret::new("$CPIS_ACCESS_TOKEN")),
                ctx.settings.timeout.value,
                ctx.notifier(),
            )?
            .session_urid(urid.as_deref())?;
            out.push_str(
                &crate::flags::Client::new(api, base, &ctx.settings.flags_path.value)
                    .curl_command(nhs, cacert.as_deref()),
            );
        }
        Route::V3 => out.push_str(&crate::app::v3route::curl(
            ctx,
            &conn,
            nhs,
            care,
            cacert.as_deref(),
        )?),
    }
    Ok(render::print_stdout(&out)?)
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
