//! The alert workflow: a missed-appointment alert composed from what the user gives and
//! what CP-IS holds (the patient verified on PDS beside a silent plan read, under the
//! current number after a supersession), kept in the outbox, then sent with one attempt;
//! a pending alert retried with its original identifier and body. Nothing here prints or
//! asks: the command shows the preview, confirms, and renders the result.

use super::record::{CareRecordSource, PlanRead};
use super::renewal::Renewal;
use super::{Connection, Ctx};
use crate::api::cpis::alert::{self as wire, Alert, Posted, Recipient, Sender};
use crate::api::record as model;
use crate::error::{Error, Kind, Result};
use crate::nhs_number::NhsNumber;
use crate::render::lookup::PatientReport;
use crate::store::outbox::{Outbox, Row};
use crate::timeutil::Moment;

/// Longest service or location text, in characters.
pub const MAX_SHORT_TEXT: usize = 200;
/// Longest note, in characters.
pub const MAX_NOTE: usize = 1000;

/// The message for an unknown outcome, as the user reads it.
pub const UNKNOWN_OUTCOME: &str =
    "the alert may or may not have arrived; it is kept as pending; run `cpis alert retry`";

/// The most a note file may hold, in bytes (a note is at most [`MAX_NOTE`] characters).
const MAX_NOTE_FILE: u64 = 4 * MAX_NOTE as u64 + 64;

/// The note from `--note-file FILE`, or standard input for `-`.
pub(crate) fn read_note(file: &std::path::Path) -> Result<String> {
    if file == std::path::Path::new("-") {
        return super::input::read_stdin(
            "the note on standard input (--note-file -)",
            MAX_NOTE_FILE,
        );
    }
    let what = format!("the note file {}", file.display());
    let f = std::fs::File::open(file).map_err(|e| {
        Error::usage(format!("cannot read {what}: {e}")).with_hint("nothing was sent")
    })?;
    super::input::read_limited(f, &what, MAX_NOTE_FILE)
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

/// When the missed appointment was: a time given, not in the future.
pub(crate) fn appointment(given: &str, now: &Moment) -> Result<Moment> {
    let appointment = crate::timeutil::parse_user_time(given)
        .map_err(|e| Error::usage(format!("--appointment: {e}")).with_hint("nothing was sent"))?;
    if appointment.secs > now.secs {
        return Err(Error::usage(format!(
            "--appointment {} is in the future: an appointment can only be missed once its time has passed",
            appointment.rfc3339()
        ))
        .with_hint("nothing was sent. Without an offset the time is this machine's local time"));
    }
    Ok(appointment)
}

/// The note: `--note TEXT` or the text of `--note-file FILE`, checked.
pub(crate) fn note(text: Option<&str>, file: Option<&std::path::Path>) -> Result<String> {
    match (text, file) {
        (Some(n), _) => check_text("--note", n, MAX_NOTE, true),
        (None, Some(f)) => check_text("the note (--note-file)", &read_note(f)?, MAX_NOTE, true),
        (None, None) => Err(
            Error::usage("give the note: --note TEXT or --note-file FILE")
                .with_hint("nothing was sent"),
        ),
    }
}

/// The alert base URL given: `--alert-base-url`, else the profile's `alert_base_url` (checked
/// like a base URL); `None` for the CP-IS base in use.
pub(crate) fn alert_base_given(ctx: &Ctx, flag: Option<&str>) -> Result<Option<url::Url>> {
    let endpoint = &ctx.settings.endpoint;
    match (flag, ctx.settings.alert_base_url.as_deref()) {
        (Some(raw), _) => {
            crate::config::check_on_endpoint("--alert-base-url", raw, endpoint).map(Some)
        }
        (None, Some(raw)) => {
            crate::config::check_on_endpoint("alert_base_url", raw, endpoint).map(Some)
        }
        (None, None) => Ok(None),
    }
}

/// Where the alert is POSTed: `{base}/Communication` under the alert base URL given, else
/// the CP-IS base in use.
pub(crate) fn target(given: Option<url::Url>, conn: &Connection) -> url::Url {
    wire::endpoint(&given.unwrap_or_else(|| conn.base.clone()))
}

/// The alerts the outbox holds as sent or pending for this patient and appointment (none
/// with `--again`). Only reads an outbox that exists.
pub(crate) fn standing(
    ctx: &Ctx,
    nhs: &NhsNumber,
    appointment: &Moment,
    again: bool,
) -> Result<Vec<Row>> {
    let Some(dir) = ctx.settings.data_dir.as_deref() else {
        return Ok(Vec::new());
    };
    if again || !crate::store::outbox::path(dir).exists() {
        return Ok(Vec::new());
    }
    Outbox::open(Some(dir))?.standing_for(&nhs.digits(), appointment.secs)
}

/// The refusal (exit 2) of an alert the outbox already holds; `last` is the latest held.
pub(crate) fn already_held(nhs: &NhsNumber, appointment: &Moment, last: &Row) -> Error {
    let hint = if last.state == "pending" {
        format!(
            "nothing was sent. It is pending: resend it with `cpis alert retry {}` (same identifier, so the service keeps it once); to make a second alert for this appointment, pass --again",
            last.id
        )
    } else {
        "nothing was sent. To send a second alert for this appointment anyway, pass --again"
            .to_string()
    };
    Error::usage(format!(
        "an alert for {nhs} and the appointment at {} is already in the outbox ({}{})",
        appointment.rfc3339(),
        last.state,
        match &last.reference {
            Some(r) => format!(", reference {}", crate::sanitize::sanitize(r)),
            None => String::new(),
        }
    ))
    .with_hint(hint)
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

/// Who the alert is about, and their plans: PDS and the silent plan read at once, the plan
/// read again under the current number when PDS says the one given was superseded.
pub(crate) async fn identify(
    ctx: &Ctx,
    renewal: &Renewal<'_>,
    requested: &NhsNumber,
    verify: bool,
    today: i64,
) -> Result<(PatientReport, NhsNumber, PlanRead)> {
    let source = CareRecordSource::configured(ctx);
    if !verify {
        ctx.note("not verified on PDS (--no-pds or verify_on_pds = false): make sure this is the right child");
        let plans = source.plans(renewal, requested, today).await?;
        return Ok((
            PatientReport::unverified(&requested.digits()),
            *requested,
            plans,
        ));
    }
    // Both silent reads at once: PDS, and the plan under the number given.
    let (outcome, found) = tokio::join!(
        renewal.patient(requested),
        source.plans(renewal, requested, today)
    );
    let verified = super::verify::accept(outcome?, requested).map_err(|mut e| {
        e.hint = Some(match e.hint.take() {
            Some(h) => format!("{h}; no alert was sent"),
            None => "no alert was sent".to_string(),
        });
        e
    })?;
    let current = super::verify::current_number(&verified)?;
    let plans = if verified.superseded {
        ctx.note(&format!(
            "NHS number {requested} has been superseded by {current} on PDS: the plan is read, and the alert made, under the current number"
        ));
        source.plans(renewal, &current, today).await?
    } else {
        found?
    };
    Ok((PatientReport::verified(&verified, today), current, plans))
}

/// What the user gives for one alert, checked.
pub(crate) struct Draft {
    pub appointment: Moment,
    pub service: String,
    pub location: String,
    pub note: String,
    pub now: Moment,
}

/// An alert ready to keep and send, with what its preview shows.
pub(crate) struct Composed {
    pub alert: Alert,
    /// The active plan that names the local authority.
    pub plan: model::Plan,
    /// The local authorities of the other active plans.
    pub others: Vec<String>,
    /// The FHIR body, as POSTed.
    pub body: String,
}

/// The alert for `nhs`: the most recently started active plan names the local authority.
pub(crate) fn compose(
    nhs: &NhsNumber,
    patient: &PatientReport,
    plans: &PlanRead,
    draft: Draft,
    token: &crate::auth::TokenSource,
) -> Result<Composed> {
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
    let others = active
        .iter()
        .filter_map(|p| p.local_authority.as_deref())
        .filter(|l| *l != la)
        .map(str::to_string)
        .collect();
    // The name the plan gives the child, else PDS's.
    let patient_name = plans.subject.clone().or_else(|| patient.pds.name.clone());
    let alert = Alert {
        id: uuid::Uuid::new_v4().to_string(),
        nhs_number: nhs.digits(),
        patient_name,
        appointment: draft.appointment.rfc3339(),
        service: draft.service,
        location: draft.location,
        note: draft.note,
        recipient: Recipient {
            name: la,
            office_hours_phone: plan.office_hours_phone.clone(),
            emergency_duty_phone: plan.emergency_duty_phone.clone(),
        },
        sender: sender(token),
        sent: draft.now.rfc3339(),
    };
    let body = serde_json::to_string_pretty(&wire::body(&alert)).expect("json") + "\n";
    Ok(Composed {
        alert,
        plan: (*plan).clone(),
        others,
        body,
    })
}

/// Keep the alert in the outbox as pending, then make one attempt.
pub(crate) async fn keep_and_send(
    ctx: &Ctx,
    conn: &Connection,
    token: &crate::auth::TokenSource,
    composed: Composed,
    target: &url::Url,
) -> Result<Row> {
    let outbox = Outbox::open(ctx.settings.data_dir.as_deref())?;
    let alert = composed.alert;
    let row = Row {
        id: alert.id.clone(),
        created: alert.sent.clone(),
        state: "pending".into(),
        nhs_number: alert.nhs_number.clone(),
        local_authority: alert.recipient.name.clone(),
        appointment: alert.appointment.clone(),
        url: target.to_string(),
        attempts: 0,
        last_attempt: None,
        reference: None,
        detail: None,
        body: composed.body,
    };
    // The connection's POST client follows no redirect.
    let http = conn.post.clone();
    outbox.add(&row)?;
    let client = ctx.client_with(conn, token)?;
    attempt(&outbox, &client, &http, row, target).await
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

/// One attempt for a kept alert, recorded. `Ok` is the row as sent; every other outcome is an
/// error with its exit code.
pub(crate) async fn attempt(
    outbox: &Outbox,
    client: &crate::api::platform::Client,
    http: &reqwest::Client,
    row: Row,
    target: &url::Url,
) -> Result<Row> {
    crash_point("before-send");
    let interrupted = super::signals::interrupt_signal()?;
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
    record_outcome(outbox, row, posted)
}

/// What one attempt's answer means for the kept alert, recorded in the outbox.
fn record_outcome(outbox: &Outbox, mut row: Row, posted: Posted) -> Result<Row> {
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

/// What a retry resends.
pub(crate) enum ToRetry {
    /// The alert asked for was already sent: nothing is resent.
    AlreadySent(Box<Row>),
    /// The pending alerts (the one asked for, or every one).
    Pending(Vec<Row>),
}

/// The alerts a retry resends: the one named (refused when the service refused it), or every
/// pending one.
pub(crate) fn to_retry(outbox: &Outbox, id: Option<&str>) -> Result<ToRetry> {
    let Some(id) = id else {
        let pending = outbox
            .all()?
            .into_iter()
            .filter(|r| r.state == "pending")
            .collect();
        return Ok(ToRetry::Pending(pending));
    };
    let Some(row) = outbox.get(id)? else {
        return Err(Error::usage(format!("no alert {id:?} in the outbox"))
            .with_hint("see them with: cpis alert list"));
    };
    match row.state.as_str() {
        "sent" => Ok(ToRetry::AlreadySent(Box::new(row))),
        "failed" => Err(Error::usage(format!(
            "alert {} was refused by the service ({}); it is not resent",
            row.id,
            row.detail.as_deref().unwrap_or("no detail")
        ))
        .with_hint("correct the problem and send a new alert")),
        _ => Ok(ToRetry::Pending(vec![row])),
    }
}

/// A kept alert made for another place than `target` is never resent there.
pub(crate) fn check_target(row: &Row, target: &url::Url) -> Result<()> {
    if row.url != target.as_str() {
        return Err(Error::usage(format!(
            "alert {} was made for {}, not {target}; not resent",
            row.id, row.url
        ))
        .with_hint(
            "run the retry with the environment (or --alert-base-url) the alert was made for",
        ));
    }
    Ok(())
}
