//! The lookup workflow: who the number belongs to (PDS, `--dob`, superseded → current
//! number), then what CP-IS holds, from whichever [`CareRecordSource`] the route names, as
//! one typed [`LookupReport`]. Nothing here prints or asks: the command confirms the patient
//! between [`identify`] and [`read`], and renders the report.

use super::record::{CareRecordSource, Record};
use super::renewal::Renewal;
use super::verify::{accept, check_dob, current_number};
use super::{Connection, Ctx};
use crate::config::care::CareSetting;
use crate::error::{Error, Result};
use crate::nhs_number::NhsNumber;
use crate::render::lookup::{LookupReport, PatientReport};

/// What one lookup asks: the number given, the care setting, `--dob`, and whether PDS is asked.
pub(crate) struct Request {
    pub requested: NhsNumber,
    pub care: CareSetting,
    pub dob: Option<String>,
    pub verify: bool,
}

/// Who the number belongs to, before anything that notifies a local authority is sent.
pub(crate) struct Identified {
    /// What PDS said (or the bare number when PDS was not asked), for the confirmation.
    pub report: PatientReport,
    /// The number CP-IS is (or was) asked about: the current one after a supersession.
    pub nhs: NhsNumber,
    /// The number given, when PDS says it was superseded by [`Self::nhs`] and this has not
    /// been said yet (an unscheduled lookup says it after the confirmation).
    superseded: Option<NhsNumber>,
    /// The record already read (a scheduled lookup reads it beside PDS).
    found: Option<Record>,
}

const NOT_VERIFIED_NOTE: &str =
    "not verified on PDS (--no-pds or verify_on_pds = false): make sure this is the right child";

const UNSCHEDULED_NOTE: &str = "unscheduled lookup: this access is recorded in the record's access history, and the responsible local authority is notified";

fn note_superseded(ctx: &Ctx, requested: &NhsNumber, current: &NhsNumber) {
    ctx.note(&format!(
        "NHS number {} has been superseded by {} on PDS: checking CP-IS under the current number",
        crate::api::pds::model::spaced(&requested.digits()),
        crate::api::pds::model::spaced(&current.digits())
    ));
}

/// `--dob` needs PDS: refused before anything is sent when PDS is not asked.
pub(crate) fn refuse_dob_without_pds(req: &Request) -> Result<()> {
    if req.dob.is_some() && !req.verify {
        return Err(Error::usage(
            "--dob is checked against PDS, and PDS is not asked (--no-pds or verify_on_pds = false)",
        )
        .with_hint("nothing was sent. Drop --no-pds to check the date of birth, or confirm the patient another way"));
    }
    Ok(())
}

/// The checks made before anything is sent (after the role): what the route can serve.
pub(crate) fn preflight(
    ctx: &Ctx,
    conn: &Connection,
    token: &crate::auth::TokenSource,
    care: CareSetting,
) -> Result<()> {
    CareRecordSource::configured(ctx).preflight(ctx, conn, token, care)
}

/// Who the number belongs to. A scheduled lookup (a silent read) asks PDS and CP-IS at once,
/// one round trip; an unscheduled one asks PDS only, so that nothing that notifies a local
/// authority is sent before the patient is confirmed.
pub(crate) async fn identify(
    ctx: &Ctx,
    renewal: &Renewal<'_>,
    req: &Request,
    today: i64,
) -> Result<Identified> {
    let source = CareRecordSource::configured(ctx);
    let requested = &req.requested;
    if !req.verify {
        ctx.note(NOT_VERIFIED_NOTE);
        return Ok(Identified {
            report: PatientReport::unverified(&requested.digits()),
            nhs: *requested,
            superseded: None,
            found: None,
        });
    }
    if req.care == CareSetting::Scheduled {
        let (outcome, found) = tokio::join!(
            renewal.patient(requested),
            source.record(ctx, renewal, requested, req.care, today)
        );
        let patient = accept(outcome?, requested)?;
        check_dob(&patient, req.dob.as_deref())?;
        let current = current_number(&patient)?;
        let found = if patient.superseded {
            note_superseded(ctx, requested, &current);
            source
                .record(ctx, renewal, &current, req.care, today)
                .await?
        } else {
            found?
        };
        return Ok(Identified {
            report: PatientReport::verified(&patient, today),
            nhs: current,
            superseded: None,
            found: Some(found),
        });
    }
    let patient = accept(renewal.patient(requested).await?, requested)?;
    check_dob(&patient, req.dob.as_deref())?;
    let current = current_number(&patient)?;
    Ok(Identified {
        report: PatientReport::verified(&patient, today),
        superseded: patient.superseded.then_some(*requested),
        nhs: current,
        found: None,
    })
}

/// What CP-IS holds for the patient identified (already read for a scheduled lookup).
pub(crate) async fn read(
    ctx: &Ctx,
    renewal: &Renewal<'_>,
    id: &mut Identified,
    care: CareSetting,
    today: i64,
) -> Result<Record> {
    if let Some(found) = id.found.take() {
        return Ok(found);
    }
    if let Some(requested) = id.superseded.take() {
        note_superseded(ctx, &requested, &id.nhs);
    }
    if care == CareSetting::Unscheduled {
        ctx.note(UNSCHEDULED_NOTE);
    }
    CareRecordSource::configured(ctx)
        .record(ctx, renewal, &id.nhs, care, today)
        .await
}

/// The warning for results that name no patient, if any.
pub(crate) fn unnamed_warning(record: &Record) -> Option<String> {
    let unnamed = record.unnamed;
    (unnamed > 0).then(|| {
        format!(
            "{unnamed} result(s) in the answer name no patient: shown as the service sent them; check they are about this child"
        )
    })
}

/// The base URL the lookup went to, as shown.
pub(crate) fn base_url(conn: &Connection) -> String {
    conn.base.as_str().trim_end_matches('/').to_string()
}

/// The note that goes beside `--raw` output (the bundles carry no environment).
pub(crate) fn raw_note(ctx: &Ctx, conn: &Connection) -> String {
    format!(
        "{} from environment {} ({})",
        CareRecordSource::configured(ctx).raw_label(),
        ctx.settings.environment_label(),
        base_url(conn),
    )
}

/// The one typed answer of a lookup, for every format.
pub(crate) async fn report(
    ctx: &Ctx,
    conn: &Connection,
    renewal: &Renewal<'_>,
    id: Identified,
    care: CareSetting,
    record: Record,
    warnings: Vec<String>,
) -> LookupReport {
    let plans = record.plans;
    LookupReport {
        nhs_number: id.nhs.digits(),
        environment: ctx.settings.environment_label().to_string(),
        base_url: base_url(conn),
        care_setting: care.as_str().to_string(),
        has_plan: !plans.is_empty(),
        has_active_plan: plans.iter().any(|p| p.active),
        plans,
        access_history_available: record.access_history.is_some(),
        access_history: record.access_history,
        route: ctx.settings.route.value.as_str().to_string(),
        trace_ids: record.trace_ids,
        acting_as: renewal.token().await.acting_as(),
        patient: id.report,
        warnings,
    }
}

/// A CP-IS client for curl commands: the token is the shell variable `$CPIS_ACCESS_TOKEN`,
/// a CIS2 user's role goes in as it would.
fn curl_client(
    ctx: &Ctx,
    conn: &Connection,
    base: &str,
    urid: Option<&str>,
) -> Result<crate::api::platform::Client> {
    crate::api::platform::Client::new(
        conn.http.clone(),
        base,
        Some(crate::secret::Secret::new("$CPIS_ACCESS_TOKEN")),
        ctx.settings.timeout.value,
        ctx.notifier(),
    )?
    .session_urid(urid)
}

/// `lookup --curl`: the lookup's requests as curl commands (PDS first when it is asked);
/// nothing is sent.
pub(crate) async fn curl(
    ctx: &Ctx,
    nhs: &NhsNumber,
    care: CareSetting,
    verify: bool,
) -> Result<String> {
    if ctx.settings.endpoint.base_url.is_none() {
        return Err(Error::usage(
            "the embedded sandbox lives only while a cpis command runs: there is nothing for curl to reach",
        )
        .with_hint("run `cpis sandbox serve` and use its base URL: cpis --base-url URL lookup ... --curl"));
    }
    let conn = ctx.connect().await?;
    let urid = ctx
        .sessions()?
        .get(&ctx.credential_key())
        .and_then(|s| s.user.clone())
        .and_then(|u| u.identity.role_profile_id);
    let client = |base: &str| curl_client(ctx, &conn, base, urid.as_deref());
    // Built first, as a bad role on the session is refused before anything is shown.
    client(conn.base.as_str())?;
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
        let api = client(base.as_str())?;
        out.push_str(&crate::api::pds::Client::new(api, base).curl_command(nhs, cacert.as_deref()));
    }
    out.push_str(&CareRecordSource::configured(ctx).curl_commands(
        ctx,
        &conn,
        &client,
        nhs,
        care,
        cacert.as_deref(),
    )?);
    Ok(out)
}
