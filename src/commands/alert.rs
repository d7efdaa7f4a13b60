//! `cpis alert`: missed-appointment alerts to the responsible local authority, sent exactly
//! once. `missed-appointment` verifies the patient on PDS while it checks the plan with a
//! silent scheduled read (under the current number when PDS says the one given was
//! superseded), previews, confirms, keeps the alert in the outbox and then makes one attempt;
//! `retry` resends pending ones with their original identifier and body (no second PDS check);
//! `list` shows them all. An alert the outbox already holds (sent or pending) for the same
//! number and appointment is shown and refused before any request, unless `--again`.

use crate::commands::formats::ListFormat;
use crate::cpis::alert::{self as wire, Alert, Posted, Recipient, Sender};
use crate::cpis::{model, CareSetting, Search};
use crate::error::{Error, Kind, Result};
use crate::render;
use crate::render::lookup::PatientReport;
use args::{AlertCommand, MissedAppointmentArgs, RetryArgs};

use crate::store::outbox::{Outbox, Row};

/// Longest service or location text, in characters.
pub const MAX_SHORT_TEXT: usize = 200;
/// Longest note, in characters.
pub const MAX_NOTE: usize = 1000;

/// The message for an unknown outcome, as the user reads it.
pub const UNKNOWN_OUTCOME: &str =
    "the alert may or may not have arrived; it is kept as pending; run `cpis alert retry`";

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

/// The most a note file may hold, in bytes (a note is at most [`MAX_NOTE`] characters).
const MAX_NOTE_FILE: u64 = 4 * MAX_NOTE as u64 + 64;

/// The note from `--note-file FILE`, or standard input for `-`.
fn read_note(file: &std::path::Path) -> Result<String> {
    if file == std::path::Path::new("-") {
        return crate::app::input::read_stdin(
            "the note on standard input (--note-file -)",
            MAX_NOTE_FILE,
        );
    }
    let what = format!("the note file {}", file.display());
    let f = std::fs::File::open(file).map_err(|e| {
        Error::usage(format!("cannot read {what}: {e}")).with_hint("nothing was sent")
    })?;
    crate::app::input::read_limited(f, &what, MAX_NOTE_FILE)
}

/// Free text: not blank, at most `max` characters, no control characters (a note may hold
/// line breaks and tabs).
pub fn check_text(what: &str, v: &str, max: usize, multiline: bool) -> Result<String> {
    let t = v.trim();
    if t.is_empty() {
        return Err(Error::usage(format!("{what} is empty")).with_hint("nothing was sent"));
    }
    let n = t.chars().count();
    if n > max {
        return Err(Error::usage(format!(
            "{what} is {n} characters long; at most {max} are allowed"
        ))
        .with_hint("nothing was sent"));
    }
    if t.chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t')))
    {
        return Err(Error::usage(format!(
            "{what} holds a control character{}",
            if multiline {
                " (only line breaks and tabs are allowed)"
            } else {
                ""
            }
        ))
        .with_hint("nothing was sent"));
    }
    Ok(t.to_string())
}

/// The alert base URL given: `--alert-base-url`, else the profile's `alert_base_url` (checked
/// like a base URL); `None` for the CP-IS base in use.
fn alert_base_given(
    flag: Option<&str>,
    configured: Option<&str>,
    endpoint: &crate::config::Endpoint,
) -> Result<Option<url::Url>> {
    match (flag, configured) {
        (Some(raw), _) => {
            crate::config::check_on_endpoint("--alert-base-url", raw, endpoint).map(Some)
        }
        (None, Some(raw)) => {
            crate::config::check_on_endpoint("alert_base_url", raw, endpoint).map(Some)
        }
        (None, None) => Ok(None),
    }
}

/// The alert base URL: `--alert-base-url`, else the profile's `alert_base_url`, else the CP-IS
/// base in use.
fn alert_base(
    flag: Option<&str>,
    configured: Option<&str>,
    endpoint: &crate::config::Endpoint,
    cpis_base: &url::Url,
) -> Result<url::Url> {
    Ok(alert_base_given(flag, configured, endpoint)?.unwrap_or_else(|| cpis_base.clone()))
}

/// Refuse (exit 2) an alert for a patient and appointment the outbox already holds as sent
/// or pending, showing what it holds, unless `--again`. Only reads an outbox that exists.
fn refuse_if_held(
    ctx: &crate::app::Ctx,
    nhs: &crate::nhs_number::NhsNumber,
    appointment: &crate::timeutil::Moment,
    again: bool,
) -> Result<()> {
    let Some(dir) = ctx.settings.data_dir.as_deref() else {
        return Ok(());
    };
    if again || !crate::store::outbox::path(dir).exists() {
        return Ok(());
    }
    let held = Outbox::open(Some(dir))?.standing_for(&nhs.digits(), appointment.secs)?;
    let Some(last) = held.last() else {
        return Ok(());
    };
    for r in &held {
        crate::ui::message(&format_args!(
            "Already in the outbox:\n{}",
            preview(&[
                ("Alert", r.id.clone()),
                ("State", r.state.clone()),
                ("Made", r.created.clone()),
                (
                    "Last attempt",
                    r.last_attempt
                        .clone()
                        .unwrap_or_else(|| "never tried".into())
                ),
                ("Reference", render::cell(r.reference.as_deref())),
                ("Patient (NHS number)", nhs.to_string()),
                ("Missed appointment", r.appointment.clone()),
                ("Alert goes to", r.local_authority.clone()),
                (
                    "Last outcome",
                    r.detail.clone().unwrap_or_else(|| "never tried".into())
                ),
            ])
        ));
    }
    let hint = if last.state == "pending" {
        format!(
            "nothing was sent. It is pending: resend it with `cpis alert retry {}` (same identifier, so the service keeps it once); to make a second alert for this appointment, pass --again",
            last.id
        )
    } else {
        "nothing was sent. To send a second alert for this appointment anyway, pass --again"
            .to_string()
    };
    Err(Error::usage(format!(
        "an alert for {nhs} and the appointment at {} is already in the outbox ({}{})",
        appointment.rfc3339(),
        last.state,
        match &last.reference {
            Some(r) => format!(", reference {}", render::sanitize(r)),
            None => String::new(),
        }
    ))
    .with_hint(hint))
}

/// Who the alert is from, as the credential in use says.
fn sender(token: &crate::auth::TokenSource) -> Sender {
    let unknown = |name: &str| Sender {
        name: name.to_string(),
        role: None,
        role_profile_id: None,
        org_code: None,
        org_name: None,
    };
    if let Some(u) = token.user() {
        return Sender {
            name: u.name.clone(),
            role: u.role_name.clone(),
            role_profile_id: u.role_profile_id.clone(),
            org_code: u.org_code.clone(),
            org_name: u.org_name.clone(),
        };
    }
    match token.acting_as() {
        Some(a) if a.kind == "system" => Sender {
            name: a.nominated_person.unwrap_or_default(),
            role: a.nominated_role,
            role_profile_id: None,
            org_code: None,
            org_name: Some(format!(
                "system, API key {}",
                a.api_key_fingerprint.unwrap_or_default()
            )),
        },
        Some(_) => unknown("unidentified user of a supplied access token"),
        None => unknown("embedded sandbox user"),
    }
}

/// Ask before sending, unless `--yes`. Without a terminal and without `--yes`: refuse.
async fn confirm(yes: bool, question: &str) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    if !crate::prompt::can_ask() {
        return Err(Error::usage(
            "refusing to send an alert without confirmation: there is no terminal to ask on",
        )
        .with_hint(
            "nothing was sent. Check the preview above, then pass --yes to send it from a script",
        ));
    }
    crate::prompt::confirm(question).await
}

fn preview(rows: &[(&str, String)]) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    for (k, v) in rows {
        t.add_row(vec![k.to_string(), render::sanitize(v)]);
    }
    t.to_string()
}

fn crash_point(at: &str) {
    // Test hook: stop dead here, as a killed process would (see tests/cli/alert.rs). Only in builds
    // with the `test-hooks` feature (`cargo test`); a release build has no such variable.
    #[cfg(feature = "test-hooks")]
    if std::env::var("CPIS_TEST_ALERT_CRASH").is_ok_and(|v| v == at) {
        std::process::abort();
    }
    #[cfg(not(feature = "test-hooks"))]
    let _ = at;
}

/// What the plan read found: the plans, and the name the record gives the child.
struct PlanRead {
    plans: Vec<model::Plan>,
    subject: Option<String>,
}

/// The silent scheduled plan read by the configured route: the CareTeam search on the CP-IS
/// FHIR API, or the CP-IS flag on the Patient Flags API; under the command's renewal policy.
async fn plan_read(
    ctx: &crate::app::Ctx,
    renewal: &crate::app::renewal::Renewal<'_>,
    nhs: &crate::nhs_number::NhsNumber,
    today: i64,
) -> Result<PlanRead> {
    match ctx.settings.route.value {
        crate::cpis::Route::Fhir => {
            let found = renewal
                .search(Search::CareTeam, nhs, CareSetting::Scheduled)
                .await?;
            let subject = found
                .bundles
                .iter()
                .flat_map(|b| b.entry.iter())
                .find_map(|e| {
                    e.resource
                        .as_ref()?
                        .get("subject")?
                        .get("display")?
                        .as_str()
                        .map(crate::sanitize::sanitize)
                });
            Ok(PlanRead {
                plans: model::plans_from(&found.bundles, today),
                subject,
            })
        }
        // Every V3 query notifies the local authority: never a plan read.
        crate::cpis::Route::V3 => Err(crate::v3::scheduled_refused()),
        crate::cpis::Route::Flags => {
            let found = renewal.flags(nhs, today).await?;
            Ok(PlanRead {
                plans: found.plans,
                subject: None,
            })
        }
    }
}

async fn missed_appointment(ctx: &crate::app::Ctx, mut args: MissedAppointmentArgs) -> Result<()> {
    if args.json {
        args.format = crate::commands::formats::ListFormat::Json;
    }
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
    let requested = if number_on_stdin {
        crate::app::input::number_from_stdin_for(false, false)?
    } else {
        crate::app::input::parse_number_for(&args.nhs_number, false, false)?
    };
    let appointment = crate::timeutil::parse_user_time(&args.appointment)
        .map_err(|e| Error::usage(format!("--appointment: {e}")).with_hint("nothing was sent"))?;
    let now = crate::timeutil::now_moment();
    if appointment.secs > now.secs {
        return Err(Error::usage(format!(
            "--appointment {} is in the future: an appointment can only be missed once its time has passed",
            appointment.rfc3339()
        ))
        .with_hint("nothing was sent. Without an offset the time is this machine's local time"));
    }
    let service = check_text("--service", &args.service, MAX_SHORT_TEXT, false)?;
    let location = check_text("--location", &args.location, MAX_SHORT_TEXT, false)?;
    let note = match (&args.note, &args.note_file) {
        (Some(n), _) => check_text("--note", n, MAX_NOTE, true)?,
        (None, Some(f)) => check_text("the note (--note-file)", &read_note(f)?, MAX_NOTE, true)?,
        (None, None) => {
            return Err(
                Error::usage("give the note: --note TEXT or --note-file FILE")
                    .with_hint("nothing was sent"),
            )
        }
    };
    let given_base = alert_base_given(
        args.alert_base_url.as_deref(),
        ctx.settings.alert_base_url.as_deref(),
        &ctx.settings.endpoint,
    )?;
    // Before any request: an alert the outbox holds for this number and appointment.
    refuse_if_held(ctx, &requested, &appointment, args.again)?;

    let verify = !args.no_pds && ctx.settings.verify_on_pds;
    let conn = ctx.connect().await?;
    let token = ctx.token_source(&conn).await?;
    let target = wire::endpoint(&given_base.unwrap_or_else(|| conn.base.clone()));
    crate::app::verify::check_role(&token, CareSetting::Scheduled)?;
    let renewal = crate::app::renewal::Renewal::new(ctx, &conn, token);
    let today = crate::timeutil::today_days();
    let (patient, nhs, plans) = if !verify {
        ctx.note("not verified on PDS (--no-pds or verify_on_pds = false): make sure this is the right child");
        let plans = plan_read(ctx, &renewal, &requested, today).await?;
        (
            PatientReport::unverified(&requested.digits()),
            requested,
            plans,
        )
    } else {
        // Both silent reads at once: PDS, and the plan under the number given.
        let (outcome, found) = tokio::join!(
            renewal.patient(&requested),
            plan_read(ctx, &renewal, &requested, today)
        );
        let verified = crate::app::verify::accept(outcome?, &requested).map_err(|mut e| {
            e.hint = Some(match e.hint.take() {
                Some(h) => format!("{h}; no alert was sent"),
                None => "no alert was sent".to_string(),
            });
            e
        })?;
        let current = crate::app::verify::current_number(&verified)?;
        let plans = if verified.superseded {
            ctx.note(&format!(
                "NHS number {requested} has been superseded by {current} on PDS: the plan is read, and the alert made, under the current number"
            ));
            plan_read(ctx, &renewal, &current, today).await?
        } else {
            found?
        };
        (PatientReport::verified(&verified, today), current, plans)
    };
    let token = renewal.token().await;
    if nhs != requested {
        // Superseded: the outbox keeps alerts under the current number.
        refuse_if_held(ctx, &nhs, &appointment, args.again)?;
    }
    // The most recently started active plan names the local authority.
    let mut active: Vec<&model::Plan> = plans.plans.iter().filter(|p| p.active).collect();
    active.sort_by(|a, b| b.start.cmp(&a.start));
    let Some(plan) = active.first() else {
        return Err(Error::usage(format!(
            "{} has no active plan on CP-IS: there is nobody to alert",
            nhs
        ))
        .with_hint("nothing was sent. For an unborn child, give the mother's NHS number"));
    };
    let Some(la) = plan.local_authority.clone() else {
        return Err(Error::new(
            Kind::Service,
            "the active plan names no local authority: there is nobody to alert",
        )
        .with_hint("nothing was sent"));
    };
    let others: Vec<&str> = active
        .iter()
        .filter_map(|p| p.local_authority.as_deref())
        .filter(|l| *l != la)
        .collect();
    // The name the plan gives the child, else PDS's.
    let patient_name = plans.subject.clone().or_else(|| patient.pds.name.clone());
    let alert = Alert {
        id: uuid::Uuid::new_v4().to_string(),
        nhs_number: nhs.digits(),
        patient_name,
        appointment: appointment.rfc3339(),
        service,
        location,
        note,
        recipient: Recipient {
            name: la.clone(),
            office_hours_phone: plan.office_hours_phone.clone(),
            emergency_duty_phone: plan.emergency_duty_phone.clone(),
        },
        sender: sender(&token),
        sent: now.rfc3339(),
    };
    let body = serde_json::to_string_pretty(&wire::body(&alert)).expect("json") + "\n";
    let mut rows = vec![("Patient (NHS number)", nhs.to_string())];
    if patient.pds.superseded {
        rows.push((
            "Number given",
            format!("{requested} (superseded on PDS by {nhs})"),
        ));
    }
    rows.extend([
        ("Plan", plan.plan_type.label().to_string()),
        ("Missed appointment", alert.appointment.clone()),
        ("Service", alert.service.clone()),
        ("Location", alert.location.clone()),
        ("Note", alert.note.clone()),
        ("Alert goes to", la.clone()),
        (
            "Office hours",
            render::cell(plan.office_hours_phone.as_deref()),
        ),
        (
            "Emergency duty",
            render::cell(plan.emergency_duty_phone.as_deref()),
        ),
        ("From", alert.sender.name.clone()),
        ("Sent to", target.to_string()),
    ]);
    if !others.is_empty() {
        rows.push(("Other active plans", others.join(", ")));
    }
    let heading = if args.dry_run {
        "Dry run: this alert would be sent once, to the responsible local authority:"
    } else {
        "This alert will be sent once, to the responsible local authority:"
    };
    crate::ui::message(&format_args!(
        "{}\n{heading}\n{}",
        patient.block(&crate::ui::stderr_terminal()),
        preview(&rows)
    ));
    if args.dry_run {
        ctx.note(&format!(
            "dry run: nothing was sent or kept; this body would be POSTed to {target}"
        ));
        return Ok(render::print_stdout(&body)?);
    }
    if !confirm(args.yes, "Send this alert?").await? {
        return Err(crate::prompt::declined("the alert was not sent"));
    }
    let outbox = Outbox::open(ctx.settings.data_dir.as_deref())?;
    let row = Row {
        id: alert.id.clone(),
        created: alert.sent.clone(),
        state: "pending".into(),
        nhs_number: alert.nhs_number.clone(),
        local_authority: la,
        appointment: alert.appointment.clone(),
        url: target.to_string(),
        attempts: 0,
        last_attempt: None,
        reference: None,
        detail: None,
        body,
    };
    // The connection's POST client follows no redirect.
    let http = conn.post.clone();
    outbox.add(&row)?;
    let client = ctx.client_with(&conn, &token)?;
    let row = attempt(&outbox, &client, &http, row, &target).await?;
    print_result(&row, args.format)
}

/// One attempt for a kept alert, recorded. `Ok` is the row as sent; every other outcome is an
/// error with its exit code.
async fn attempt(
    outbox: &Outbox,
    client: &crate::cpis::Client,
    http: &reqwest::Client,
    mut row: Row,
    target: &url::Url,
) -> Result<Row> {
    crash_point("before-send");
    let interrupted = crate::app::signals::interrupt_signal()?;
    outbox.attempt(&row.id, &crate::timeutil::now_moment().rfc3339())?;
    let posted = tokio::select! {
        p = client.post_alert(http, target, &row.id, row.body.as_bytes()) => p,
        _ = interrupted => {
            outbox.set(&row.id, "pending", None, "outcome unknown: interrupted during the attempt")?;
            return Err(Error::new(
                Kind::Interrupted,
                format!("interrupted while sending: {UNKNOWN_OUTCOME}"),
            ));
        }
    };
    crash_point("after-reply");
    match posted {
        Posted::Accepted { status, reference } => {
            outbox.set(&row.id, "sent", Some(&reference), &format!("HTTP {status}"))?;
            row.state = "sent".into();
            row.reference = Some(reference);
            Ok(row)
        }
        Posted::Unconfirmed { why, check } => {
            outbox.set(&row.id, "pending", None, &format!("not confirmed: {why}"))?;
            let mut e = Error::new(
                Kind::AlertUnknown,
                format!("the service did not show that it holds the alert: {why}"),
            )
            .with_hint(format!(
                "it is kept as pending, not sent: {check}, then run `cpis alert retry` (it resends the same identifier, so the service keeps it once)"
            ));
            e.trace.trace_id = Some(row.id.clone());
            Err(e)
        }
        Posted::Refused(e) => {
            outbox.set(&row.id, "failed", None, &e.message)?;
            Err(e.with_hint(format!(
                "the service refused alert {}; it is recorded as failed and will not be resent",
                row.id
            )))
        }
        Posted::NotDelivered(e) => {
            outbox.set(&row.id, "pending", None, &e.message)?;
            let hint = match &e.hint {
                Some(h) => format!(
                    "{h}. The alert did not arrive; it is kept as pending: run `cpis alert retry`"
                ),
                None => "the alert did not arrive; it is kept as pending: run `cpis alert retry`"
                    .to_string(),
            };
            Err(e.with_hint(hint))
        }
        Posted::Unknown(why) => {
            outbox.set(&row.id, "pending", None, &format!("outcome unknown: {why}"))?;
            let mut e = Error::new(Kind::AlertUnknown, UNKNOWN_OUTCOME).with_hint(format!(
                "{why}. Retrying resends it with the same identifier, so the service keeps it once"
            ));
            e.trace.trace_id = Some(row.id.clone());
            Err(e)
        }
    }
}

#[derive(serde::Serialize)]
struct Sent<'a> {
    id: &'a str,
    identifier: String,
    state: &'a str,
    reference: Option<&'a str>,
    nhs_number: &'a str,
    local_authority: &'a str,
}

fn print_result(row: &Row, format: ListFormat) -> Result<()> {
    let text = match format {
        ListFormat::Json => render::json(&Sent {
            id: &row.id,
            identifier: format!("urn:uuid:{}", row.id),
            state: &row.state,
            reference: row.reference.as_deref(),
            nhs_number: &row.nhs_number,
            local_authority: &row.local_authority,
        }),
        ListFormat::Table => format!(
            "alert sent to {}\nreference: {}\nidentifier: urn:uuid:{}\n",
            render::sanitize(&row.local_authority),
            render::cell(row.reference.as_deref()),
            row.id
        ),
    };
    Ok(render::print_stdout(&text)?)
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
            let mut t = render::new_table(
                &[
                    "ID",
                    "Created",
                    "State",
                    "NHS number",
                    "Local authority",
                    "Appointment",
                    "Reference",
                    "Attempts",
                ],
                &crate::ui::stdout_terminal(),
            );
            for r in &rows {
                t.add_row(vec![
                    r.id.clone(),
                    r.created.clone(),
                    r.state.clone(),
                    r.nhs_number.clone(),
                    render::sanitize(&r.local_authority),
                    r.appointment.clone(),
                    render::cell(r.reference.as_deref()),
                    r.attempts.to_string(),
                ]);
            }
            format!("{t}\n")
        }
    };
    Ok(render::print_stdout(&text)?)
}

async fn retry(ctx: &crate::app::Ctx, mut args: RetryArgs) -> Result<()> {
    if args.json {
        args.format = crate::commands::formats::ListFormat::Json;
    }
    let outbox = Outbox::open(ctx.settings.data_dir.as_deref())?;
    let rows = match &args.id {
        Some(id) => {
            let Some(row) = outbox.get(id)? else {
                return Err(Error::usage(format!("no alert {id:?} in the outbox"))
                    .with_hint("see them with: cpis alert list"));
            };
            match row.state.as_str() {
                "sent" => {
                    ctx.note("this alert was already sent; nothing was resent");
                    return print_result(&row, args.format);
                }
                "failed" => {
                    return Err(Error::usage(format!(
                        "alert {} was refused by the service ({}); it is not resent",
                        row.id,
                        row.detail.as_deref().unwrap_or("no detail")
                    ))
                    .with_hint("correct the problem and send a new alert"))
                }
                _ => vec![row],
            }
        }
        None => outbox
            .all()?
            .into_iter()
            .filter(|r| r.state == "pending")
            .collect(),
    };
    if rows.is_empty() {
        ctx.note("no pending alerts: nothing to resend");
        return Ok(());
    }
    let (client, conn, _token) = ctx.cpis_client().await?;
    // The connection's POST client follows no redirect.
    let http = conn.post.clone();
    let target = wire::endpoint(&alert_base(
        args.alert_base_url.as_deref(),
        ctx.settings.alert_base_url.as_deref(),
        &ctx.settings.endpoint,
        &conn.base,
    )?);
    let mut first_error = None;
    let mut declined = 0usize;
    for row in rows {
        if row.url != target.as_str() {
            let e = Error::usage(format!(
                "alert {} was made for {}, not {target}; not resent",
                row.id, row.url
            ))
            .with_hint(
                "run the retry with the environment (or --alert-base-url) the alert was made for",
            );
            crate::ui::message(&e);
            first_error.get_or_insert(e);
            continue;
        }
        crate::ui::message(&format_args!(
            "Resending with its original identifier (the service keeps it once):\n{}",
            preview(&[
                ("Alert", row.id.clone()),
                ("Patient (NHS number)", row.nhs_number.clone()),
                ("Missed appointment", row.appointment.clone()),
                ("Alert goes to", row.local_authority.clone()),
                ("Attempts so far", row.attempts.to_string()),
                (
                    "Last outcome",
                    row.detail.clone().unwrap_or_else(|| "never tried".into())
                ),
                ("Sent to", row.url.clone()),
            ])
        ));
        if !confirm(args.yes, "Resend this alert?").await? {
            crate::ui::message(&format_args!("not resent"));
            declined += 1;
            continue;
        }
        match attempt(&outbox, &client, &http, row, &target).await {
            Ok(row) => print_result(&row, args.format)?,
            Err(e) => {
                crate::ui::message(&e);
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        None if declined > 0 => Err(crate::prompt::declined(&format!(
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
